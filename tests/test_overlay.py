"""Overlays: a school pack extends the shipped packs, changes them by id, and says so."""
from __future__ import annotations

import json

import textwrap
from itertools import permutations
from pathlib import Path

import pytest

from soaprules.cli.main import main
from soaprules.errors import PackError
from soaprules.packs.load import DEFAULT_RULES_DIR, load_rulebook
from soaprules.pipeline import advise, program_for
from soaprules.profile.load import load_profile

ROOT = Path(__file__).resolve().parent.parent
CORE = DEFAULT_RULES_DIR / "core.yaml"
NRMP = DEFAULT_RULES_DIR / "nrmp.yaml"
NORTHFIELD = ROOT / "examples" / "school-overlay" / "northfield.yaml"
PROFILES = ROOT / "fixtures" / "profiles"

HEADER = """\
pack: soaprules/pack@1
name: {name}
version: "1"
description: an overlay for tests
"""


def overlay(tmp_path, name: str, body: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(HEADER.format(name=name) + textwrap.dedent(body))
    return path


def errors(paths) -> list:
    with pytest.raises(PackError) as info:
        load_rulebook(paths)
    return info.value.diagnostics


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


REPLACEMENT = """\
  - id: realism-stretch
    title: Our own reading of stretch specialties
    when: {target.specialty: {in: [neurology, radiology]}}
    then: {decide: {specialty_realism: stretch}}
    cites: [RS-17]
    sources: [{seed: 003_630423e79144373b.txt, quote: "If not, you’re just another name in a very crowded SOAP list."}]
"""


# ---- the worked example -----------------------------------------------------------------

def decisions(profile: str, packs) -> dict:
    advice = advise(load_profile(PROFILES / profile)[0], program_for(packs))
    return advice


def test_example_overlay_changes_threshold_disabled_rule_and_added_rule():
    shipped = [DEFAULT_RULES_DIR]
    school = [DEFAULT_RULES_DIR, NORTHFIELD]
    # override_params: Step 2 of 221 was sellable at 215 and needs explaining at 225
    before = decisions("soap-thursday-too-late.yaml", shipped)["decisions"]["sellability"]
    after = decisions("soap-thursday-too-late.yaml", school)["decisions"]["sellability"]
    assert (before["value"], after["value"]) == ("sellable", "needs_explaining")
    assert after["rule"] == "sellable-but"
    # disable: the ignored-warnings demotion no longer holds this student at Tier 2
    before = decisions("warned-but-known.yaml", shipped)["decisions"]["rescue_tier"]
    after = decisions("warned-but-known.yaml", school)["decisions"]["rescue_tier"]
    assert before == {**before, "value": 2, "rule": "tier-demoted-ignored-warnings"}
    assert after["value"] == 1 and "tier-demoted-ignored-warnings" not in str(after)
    # the added rule: its advice names its pack and carries the NRMP bound (it involves contact)
    advice = decisions("rs20-quiet-star.yaml", school)
    huddle = next(r for r in advice["recommendations"] if r["id"] == "northfield-book-soap-huddle")
    assert huddle["pack"] == "northfield" and huddle["rule"] == "northfield-soap-huddle"
    assert [b["rule"] for b in huddle["bounds"]] == ["nr-03-soap-contact-bound"]
    assert "northfield" in [p["name"] for p in advice["packs"]]


def test_example_overlay_records_its_changes():
    book = load_rulebook([DEFAULT_RULES_DIR, NORTHFIELD])
    plan = book.overlay
    assert plan.order.index("northfield") > plan.order.index("core")
    assert book.rule("tier-demoted-ignored-warnings") is None
    change = plan.change_of("tier-demoted-ignored-warnings")
    assert (change.kind, change.pack, change.origin) == ("disable", "northfield", "core")
    assert change.where == f"{NORTHFIELD}:{line_of(NORTHFIELD, '- id: tier-demoted-ignored-warnings')}"
    assert plan.overridden["step2_needs_explaining_below"].old == 215
    assert book.params["step2_needs_explaining_below"] == 225
    assert book.rule("northfield-soap-huddle").pack == "northfield"


def test_every_rule_knows_its_pack():
    book = load_rulebook([DEFAULT_RULES_DIR, NORTHFIELD])
    names = {p.name: p.file for p in book.packs}
    for rule in book.rules:
        assert names[rule.pack] == rule.file


# ---- replace ------------------------------------------------------------------------------

def test_replaced_rule_comes_from_the_overlay(tmp_path):
    path = overlay(tmp_path, "school", "extends: [core]\nreplace:\n" + REPLACEMENT)
    book = load_rulebook([CORE, NRMP, path])
    rule = book.rule("realism-stretch")
    assert (rule.pack, rule.file, rule.line) == ("school", str(path), line_of(path, "- id: realism-stretch"))
    assert [r.id for r in book.rules].count("realism-stretch") == 1
    assert book.overlay.change_of("realism-stretch").origin == "core"
    profile = load_profile(PROFILES / "rs20-brilliant-toxic.yaml")[0]  # emergency_medicine: stretch in core
    advice = advise(profile, program_for([CORE, NRMP, path]))
    assert advice["decisions"]["specialty_realism"]["value"] == "unrealistic_in_soap"
    traced = [t for t in advice["trace"] if t["rule"] == "realism-stretch"]
    assert traced == []  # the school's version does not count emergency medicine as a stretch


def test_replacement_is_checked_like_any_rule(tmp_path):
    path = overlay(tmp_path, "school", "extends: [core]\nreplace:\n" + REPLACEMENT.replace("neurology", "neurolgy"))
    diag = next(d for d in errors([CORE, NRMP, path]) if "neurolgy" in d.message)
    assert diag.file == str(path) and diag.rule_id == "realism-stretch" and diag.suggestion == "neurology"
    assert diag.position.line == line_of(path, "neurolgy")


# ---- two overlays touching the same thing --------------------------------------------------

@pytest.mark.parametrize("first,second", [
    ("disable:\n  - {id: geography-rigid, reason: our committee disagrees}\n",
     "disable:\n  - {id: geography-rigid, reason: so does this one here}\n"),
    ("replace:\n" + REPLACEMENT.replace("realism-stretch", "geography-rigid").replace(
        "specialty_realism: stretch", "geographic_flexibility: rigid"),
     "disable:\n  - {id: geography-rigid, reason: we do not want it at all}\n"),
])
def test_two_overlays_changing_one_rule_is_a_positioned_error(tmp_path, first, second):
    a = overlay(tmp_path, "school-a", "extends: [core]\n" + first)
    b = overlay(tmp_path, "school-b", "extends: [core]\n" + second)
    found = [d for d in errors([CORE, NRMP, a, b]) if "already changed" in d.message]
    assert len(found) == 1
    diag = found[0]
    assert diag.file == str(b) and diag.rule_id == "geography-rigid"
    assert diag.position.line == line_of(b, "geography-rigid")
    assert f"{a}:{line_of(a, 'geography-rigid')}" in diag.message and "school-a" in diag.message


def test_two_overlays_overriding_one_parameter(tmp_path):
    a = overlay(tmp_path, "school-a", "extends: [core]\noverride_params: {step2_needs_explaining_below: 220}\n")
    b = overlay(tmp_path, "school-b", "extends: [core]\noverride_params: {step2_needs_explaining_below: 230}\n")
    (diag,) = errors([CORE, NRMP, a, b])
    assert diag.file == str(b) and "parameter step2_needs_explaining_below is already changed" in diag.message


def test_one_overlay_disabling_and_replacing_the_same_rule(tmp_path):
    path = overlay(tmp_path, "school", "extends: [core]\ndisable:\n  - {id: realism-stretch, reason: not ours at all}"
                                       "\nreplace:\n" + REPLACEMENT)
    (diag,) = errors([CORE, NRMP, path])
    assert "already changed by this pack" in diag.message


# ---- what an overlay may touch ------------------------------------------------------------

def test_extends_an_unknown_pack(tmp_path):
    path = overlay(tmp_path, "school", "extends: [cor]\n")
    (diag,) = errors([CORE, NRMP, path])
    assert diag.suggestion == "core" and diag.position.line == line_of(path, "extends")


def test_overlay_loaded_without_its_base(tmp_path):
    found = errors([NORTHFIELD])
    diag = found[0]
    assert "pack 'core' is not loaded" in diag.message and "--pack rules/" in diag.hint
    assert not any("only an overlay" in d.message for d in found)


def test_override_of_a_parameter_nobody_defines(tmp_path):
    path = overlay(tmp_path, "school", "extends: [core]\noverride_params: {step2_needs_explaning_below: 225}\n")
    (diag,) = errors([CORE, NRMP, path])
    assert diag.suggestion == "step2_needs_explaining_below" and diag.file == str(path)


def test_override_must_keep_the_kind_of_value(tmp_path):
    path = overlay(tmp_path, "school", "extends: [core]\noverride_params: {step2_needs_explaining_below: high}\n")
    (diag,) = errors([CORE, NRMP, path])
    assert diag.expected == "a number" and diag.position.line == line_of(path, "high")


def test_override_that_breaks_a_rule_is_reported_at_the_override(tmp_path):
    path = overlay(tmp_path, "school", "extends: [core]\noverride_params:\n"
                                       "  soap_realistic_specialties: [family_medicine, internal_medicin]\n")
    found = errors([CORE, NRMP, path])
    assert all(d.file == str(path) for d in found)  # nothing blamed on core.yaml
    (diag,) = found
    assert diag.rule_id == "realism-soap-friendly" and diag.suggestion == "internal_medicine"
    assert "core.yaml" in diag.hint and diag.position.line == line_of(path, "soap_realistic_specialties")


def test_parameter_of_a_pack_not_extended(tmp_path):
    # (a parameter the nrmp pack reads is refused whatever is extended: test_overlay_policy.py)
    path = overlay(tmp_path, "school", "extends: [core]\noverride_params: {fa_few_interviews_below: 3}\n")
    (diag,) = errors([DEFAULT_RULES_DIR, path])
    assert "belongs to pack faculty-advocacy" in diag.message and diag.hint == "add faculty-advocacy to extends:"


def test_redefining_a_base_parameter_points_to_override(tmp_path):
    path = overlay(tmp_path, "school", "extends: [core]\nparams: {step2_needs_explaining_below: 225}\n")
    (diag,) = errors([CORE, NRMP, path])
    assert "override_params" in diag.hint


def test_adding_a_rule_with_a_base_id_points_to_replace(tmp_path):
    path = overlay(tmp_path, "school", "extends: [core]\nrules:\n" + REPLACEMENT)
    (diag,) = errors([CORE, NRMP, path])
    assert diag.rule_id == "realism-stretch" and "replace:" in diag.hint and diag.file == str(path)


def test_only_an_overlay_may_disable(tmp_path):
    path = overlay(tmp_path, "school", "disable:\n  - {id: realism-stretch, reason: we do not agree}\n")
    (diag,) = errors([CORE, NRMP, path])
    assert "only an overlay" in diag.message and "extends" in diag.hint


def test_disable_an_unknown_rule(tmp_path):
    path = overlay(tmp_path, "school", "extends: [core]\ndisable:\n  - {id: realism-strech, reason: a typo here}\n")
    (diag,) = errors([CORE, NRMP, path])
    assert diag.suggestion == "realism-stretch"


def test_extends_loop(tmp_path):
    a = overlay(tmp_path, "school-a", "extends: [school-b]\n")
    b = overlay(tmp_path, "school-b", "extends: [school-a]\n")
    found = errors([CORE, a, b])
    assert {d.file for d in found} == {str(a), str(b)} and all("loop" in d.message for d in found)


def test_same_pack_name_twice(tmp_path):
    path = overlay(tmp_path, "core", "")
    (diag,) = errors([CORE, NRMP, path])
    assert "pack name 'core' is already used" in diag.message


# ---- calendar ---------------------------------------------------------------------------

CAL_2027 = """\
calendar:
  2027:
    source: A school's reading of the 2027 NRMP guide
    provisional: true
    milestones:
""" + "".join(f"      - {{name: {n}, at: 2027-03-{d}T{h}:00-04:00}}\n" for n, d, h in [
    ("status_release", 15, "10:00"), ("applications_open", 15, "11:00"), ("monday_afternoon", 15, "12:00"),
    ("programs_review", 16, "08:00"), ("wednesday", 17, "00:00"), ("thursday", 18, "00:00"),
    ("round_1", 18, "09:00"), ("round_1_ends", 18, "11:00"), ("round_2", 18, "12:00"), ("round_2_ends", 18, "14:00"),
    ("round_3", 18, "15:00"), ("round_3_ends", 18, "17:00"), ("round_4", 18, "18:00"), ("round_4_ends", 18, "20:00"),
    ("soap_ends", 18, "21:00"), ("match_day", 19, "12:00")])


def test_overlay_adds_a_calendar_year(tmp_path):
    path = overlay(tmp_path, "school", "extends: [nrmp]\n" + CAL_2027)
    book = load_rulebook([CORE, NRMP, path])
    assert 2027 in book.calendar and 2026 in book.calendar


def test_overlay_corrects_a_year_and_a_plain_pack_cannot(tmp_path):
    fixed = CAL_2027.replace("2027", "2026")
    book = load_rulebook([CORE, NRMP, overlay(tmp_path, "school", "extends: [nrmp]\n" + fixed)])
    assert book.calendar[2026].milestones[0][1].day == 15
    assert book.overlay.changes[0].kind == "calendar"
    (diag,) = errors([CORE, NRMP, overlay(tmp_path, "plain", fixed)])
    assert "calendar year 2026 is already given by pack nrmp" in diag.message


@pytest.mark.parametrize("fmt", ["json", "text", "markdown", "html"])
def test_a_corrected_year_in_use_is_named_in_every_format_and_an_added_one_is_not(tmp_path, runner, fmt):
    """A correction decides when SOAP's contact rules apply, so the report names the pack its
    dates come from; dates the NRMP pack gives are not flagged."""
    fixed = overlay(tmp_path, "school", "extends: [nrmp]\n" + CAL_2027.replace("2027", "2026"))
    added = overlay(tmp_path, "later", "extends: [nrmp]\n" + CAL_2027)
    profile = PROFILES / "rs20-quiet-star.yaml"  # dated in Match Week 2026
    for pack, flagged in ((fixed, True), (added, False)):
        result = runner.invoke(main, ["advise", str(profile), "--format", fmt, "--pack", str(DEFAULT_RULES_DIR),
                                      "--pack", str(pack)])
        assert result.exit_code == 0, result.output
        said = ("come from pack school" in " ".join(result.stdout.split()))
        assert said is flagged, (pack.name, fmt)
        if fmt == "json" and flagged:
            (warning,) = [w for w in json.loads(result.stdout)["warnings"] if w["code"] == "calendar_from_overlay"]
            assert warning["pack"] == "school" and warning["year"] == 2026


# ---- load order -------------------------------------------------------------------------

def test_load_order_does_not_depend_on_the_order_given(tmp_path):
    """An overlay always loads after what it extends, so every order gives the same book."""
    school = overlay(tmp_path, "school", "extends: [core]\nreplace:\n" + REPLACEMENT +
                     "override_params: {step2_needs_explaining_below: 221}\n")
    books = [load_rulebook(list(order)) for order in permutations([CORE, NRMP, school])]
    for book in books:
        assert book.overlay.order.index("school") > book.overlay.order.index("core")
        assert book.params == books[0].params
        assert sorted((r.id, r.pack) for r in book.rules) == sorted((r.id, r.pack) for r in books[0].rules)


def test_cli_advise_with_overlay_and_error_exit(tmp_path, runner):
    profile = PROFILES / "soap-thursday-too-late.yaml"
    result = runner.invoke(main, ["advise", str(profile), "--pack", str(DEFAULT_RULES_DIR), "--pack", str(NORTHFIELD)])
    assert result.exit_code == 0, result.output
    bad = overlay(tmp_path, "school", "extends: [core]\ndisable:\n  - {id: nope, reason: not a real rule}\n")
    result = runner.invoke(main, ["advise", str(profile), "--pack", str(CORE), "--pack", str(NRMP), "--pack", str(bad)])
    assert result.exit_code == 1 and f"{bad}:{line_of(bad, 'nope')}" in result.output
    assert "Traceback" not in result.output
