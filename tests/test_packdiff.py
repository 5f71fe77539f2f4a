"""`soaprules diff-packs`: per profile, the decisions and recommendations a pack edit
changes, checked on a small pack whose effects can be worked out by hand."""
from __future__ import annotations

import json
import textwrap

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soaprules.cli.main import main
from soaprules.authoring.packdiff import compare_advice, diff_packs

MINI = textwrap.dedent("""\
    pack: soaprules/pack@1
    name: mini
    version: {version}
    description: A small pack for pack-diff tests.
    params:
      strong_evals: {strong}
    decisions:
      rescue_tier:
        values: [1, 2, 3]
        resolve: salience
    rules:
      - id: mini-tier-1
        title: Strong evaluations
        salience: 20
        when: {{clinical.evaluations: {{in: $strong_evals}}}}
        then:
          decide: {{rescue_tier: 1}}
          recommend:
            id: mini-ask-ally
            topic: advocacy
            priority: high
            text: {ally_text}
        cites: [RS-08]
        sources: [{{seed: 003_630423e79144373b.txt, quote: "Known personally by at least one influential faculty member"}}]
      - id: mini-tier-2
        title: Everyone else with evaluations
        salience: 10
        when: {{clinical.evaluations: {{exists: true}}}}
        then:
          decide: {{rescue_tier: 2}}
          recommend:
            id: mini-broaden
            topic: specialty_strategy
            priority: {broaden_priority}
            text: Widen the list of programs you apply to.
        cites: [RS-08]
        sources: [{{seed: 003_630423e79144373b.txt, quote: "Known personally by at least one influential faculty member"}}]
    """)
BASE = {"version": "1.0.0", "strong": "[strong]", "broaden_priority": "medium",
        "ally_text": "Ask the faculty member who knows you best to speak for you."}


def write_pack(folder, **changes):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mini.yaml").write_text(MINI.format(**{**BASE, **changes}), encoding="utf-8")
    return folder


@pytest.fixture
def profiles(tmp_path):
    folder = tmp_path / "profiles"
    folder.mkdir()
    for name, evals in (("p-strong", "strong"), ("p-solid", "solid"), ("p-mixed", "mixed")):
        (folder / f"{name}.yaml").write_text(
            f"schema: soaprules/profile@1\napplicant: {{id: {name.upper()}}}\nclinical: {{evaluations: {evals}}}\n")
    (folder / "p-unknown.json").write_text('{"schema": "soaprules/profile@1", "applicant": {"id": "P-UNKNOWN"}}')
    (folder / "notes.txt").write_text("not a profile: ignored")
    return folder


def by_id(diffs):
    return {d.profile_id: d for d in diffs}


def test_same_packs_change_nothing(tmp_path, profiles):
    pack = write_pack(tmp_path / "old")
    diffs = diff_packs([pack], [pack], profiles)
    assert len(diffs) == 4  # notes.txt is not a profile
    assert not any(d.changed or d.errors for d in diffs)


def test_threshold_edit_moves_exactly_the_profiles_it_reaches(tmp_path, profiles):
    old, new = write_pack(tmp_path / "old"), write_pack(tmp_path / "new", strong="[strong, solid]")
    diffs = by_id(diff_packs([old], [new], profiles))
    solid = diffs["P-SOLID"]
    assert solid.decisions == {"rescue_tier": (2, 1)}
    assert solid.added == ["mini-ask-ally"] and solid.removed == [] and solid.reworded == {}
    for unchanged in ("P-STRONG", "P-MIXED", "P-UNKNOWN"):
        assert not diffs[unchanged].changed, unchanged


def test_reversed_direction_mirrors(tmp_path, profiles):
    old, new = write_pack(tmp_path / "old"), write_pack(tmp_path / "new", strong="[strong, solid]")
    forward, backward = by_id(diff_packs([old], [new], profiles)), by_id(diff_packs([new], [old], profiles))
    for pid, f in forward.items():
        b = backward[pid]
        assert b.decisions == {k: (n, o) for k, (o, n) in f.decisions.items()}
        assert (b.added, b.removed) == (f.removed, f.added)


def test_reworded_and_reprioritised_recommendations_are_named_with_what_changed(tmp_path, profiles):
    old = write_pack(tmp_path / "old")
    new = write_pack(tmp_path / "new", broaden_priority="high", ally_text="Ask your strongest ally to call.")
    diffs = by_id(diff_packs([old], [new], profiles))
    assert diffs["P-STRONG"].reworded == {"mini-ask-ally": ["text"], "mini-broaden": ["priority"]}
    assert diffs["P-SOLID"].reworded == {"mini-broaden": ["priority"]}
    assert not diffs["P-UNKNOWN"].changed
    assert all(not d.decisions for d in diffs.values())


def test_cli_text_json_and_exit_codes(tmp_path, profiles, runner):
    old, new = write_pack(tmp_path / "old"), write_pack(tmp_path / "new", strong="[strong, solid]")
    result = runner.invoke(main, ["diff-packs", str(old), str(new), "--profiles", str(profiles)])
    assert result.exit_code == 0, result.output
    assert "p-solid.yaml (P-SOLID):\n  decision rescue_tier: 2 -> 1\n  + mini-ask-ally\n" in result.output
    assert "p-mixed.yaml (P-MIXED): no change" in result.output
    assert result.output.endswith("1 of 4 profiles change.\n")

    result = runner.invoke(main, ["diff-packs", str(old), str(new), "--profiles", str(profiles), "--format", "json"])
    data = {d["profile_id"]: d for d in json.loads(result.output)}
    assert data["P-SOLID"]["decisions"] == {"rescue_tier": {"old": 2, "new": 1}}
    assert data["P-SOLID"]["recommendations"]["added"] == ["mini-ask-ally"]

    gate = ["diff-packs", str(old), str(new), "--profiles", str(profiles), "--exit-code"]
    assert runner.invoke(main, gate).exit_code == 3
    same = ["diff-packs", str(old), str(old), "--profiles", str(profiles), "--exit-code"]
    assert runner.invoke(main, same).exit_code == 0


def test_a_bad_pack_is_a_positioned_error_not_a_traceback(tmp_path, profiles, runner):
    old = write_pack(tmp_path / "old")
    new = write_pack(tmp_path / "new", broaden_priority="urgent")
    result = runner.invoke(main, ["diff-packs", str(old), str(new), "--profiles", str(profiles)])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
    assert f"{new / 'mini.yaml'}:" in result.stderr and "urgent" in result.stderr


def test_a_bad_profile_is_reported_and_the_others_still_compared(tmp_path, profiles, runner):
    (profiles / "p-bad.yaml").write_text("schema: soaprules/profile@1\nclinical: {evaluations: stong}\n")
    old, new = write_pack(tmp_path / "old"), write_pack(tmp_path / "new", strong="[strong, solid]")
    result = runner.invoke(main, ["diff-packs", str(old), str(new), "--profiles", str(profiles)])
    assert result.exit_code == 1
    assert "p-bad.yaml: not evaluated" in result.stdout
    assert "decision rescue_tier: 2 -> 1" in result.stdout
    assert "p-bad.yaml:2" in result.stderr and "strong" in result.stderr  # position and did-you-mean


def test_a_folder_without_profiles_is_refused(tmp_path, runner):
    pack = write_pack(tmp_path / "old")
    (tmp_path / "empty").mkdir()
    result = runner.invoke(main, ["diff-packs", str(pack), str(pack), "--profiles", str(tmp_path / "empty")])
    assert result.exit_code == 1 and "no profiles in this folder" in result.stderr


values = st.one_of(st.none(), st.sampled_from([1, 2, 3, "rigid", "flexible"]))
names = st.sampled_from(["rescue_tier", "geographic_flexibility", "sellability"])
recs = st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from(["high", "low"]),
                          st.sampled_from(["x", "y"])), max_size=4)


def advice_of(decisions: dict, rec_rows) -> dict:
    return {"decisions": {k: {"value": v, "rule": "r"} for k, v in decisions.items() if v is not None},
            "recommendations": [{"id": i, "priority": p, "text": t, "rule": "r"} for i, p, t in rec_rows]}


@given(st.dictionaries(names, values), st.dictionaries(names, values), recs, recs)
def test_compare_reports_exactly_what_differs(d1, d2, r1, r2):
    before, after = advice_of(d1, r1), advice_of(d2, r2)
    diff = compare_advice("p", before, after)
    for name in set(d1) | set(d2):
        moved = d1.get(name) != d2.get(name)
        assert (name in diff.decisions) == moved
        if moved:
            assert diff.decisions[name] == (d1.get(name), d2.get(name))
    ids1, ids2 = {i for i, _, _ in r1}, {i for i, _, _ in r2}
    assert set(diff.added) == ids2 - ids1 and set(diff.removed) == ids1 - ids2
    g1, g2 = grouped(r1), grouped(r2)
    assert set(diff.reworded) == {i for i in ids1 & ids2 if g1[i] != g2[i]}
    assert diff.changed == (before["decisions"] != after["decisions"] or g1 != g2)


def grouped(rows) -> dict:
    out: dict = {}
    for rec_id, priority, text in rows:
        out.setdefault(rec_id, []).append((priority, text))
    return out


def test_the_folder_is_read_as_batch_reads_it_upper_case_suffixes_and_fifos_included(tmp_path):
    import os
    folder = tmp_path / "pd"
    folder.mkdir()
    (folder / "b.JSON").write_text('{"schema": "soaprules/profile@1", "status": {"phase": "soap"}}')
    (folder / "c.YAML").write_text("schema: soaprules/profile@1\n")
    os.mkfifo(folder / "pipe.yaml")
    from soaprules.packs.load import DEFAULT_RULES_DIR
    found = {os.path.basename(d.profile): d for d in diff_packs([DEFAULT_RULES_DIR], [DEFAULT_RULES_DIR], folder)}
    assert set(found) == {"b.JSON", "c.YAML", "pipe.yaml"}
    assert not found["b.JSON"].errors and not found["c.YAML"].errors
    assert "not a regular file" in found["pipe.yaml"].errors[0].message
