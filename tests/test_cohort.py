"""The triage board: sorted by rescue tier then urgency, beside the 20/60/20 split, in
text, CSV, JSON and HTML."""
from __future__ import annotations

import csv
import io
import json
import re

import pytest

from soaprules.cohort import batch
from soaprules.cli.main import main
from soaprules.cohort.board import board, render
from conftest import FIXTURES, shipped_piles


def _advice(pid, tier=None, top="medium", pressing=0, **decided) -> dict:
    decisions = {k: {"value": v} for k, v in decided.items()}
    if tier is not None:
        decisions["rescue_tier"] = {"value": tier}
    recs = [{"id": f"{pid}-top", "priority": top, "text": f"Top action of {pid} <now>"}]
    recs += [{"id": f"{pid}-{i}", "priority": "high", "text": "x"} for i in range(pressing)]
    return {"profile_id": pid, "decisions": decisions, "recommendations": recs}


def _ok(pid, **kw) -> dict:
    return {"source": f"{pid}.yaml", "status": "ok", "advice": _advice(pid, **kw)}


RECORDS = [
    _ok("S-5", tier=2, top="high"),
    _ok("S-1", tier=3, top="critical"),
    _ok("S-4", tier=2, top="critical", pressing=0),
    _ok("S-3", tier=2, top="critical", pressing=2),
    _ok("S-9", tier=None, top="critical"),
    _ok("S-2", tier=1, top="low", advocacy_bucket="push_hard", specialty_realism="realistic",
        red_flag_risk="none"),
    {"source": "bad.yaml", "status": "error", "kind": "profile",
     "errors": [{"message": "unknown field 'evaluatons'", "file": "c/bad.yaml", "line": 3,
                 "path": "clinical.evaluatons"}]},
]


def test_rows_sorted_by_tier_then_urgency_unknown_tier_last():
    b = board(RECORDS, shipped_piles())
    # tier 2: critical with two pressing actions, then critical with none, then high
    assert [r.id for r in b.rows] == ["S-2", "S-3", "S-4", "S-5", "S-1", "S-9"]
    top = b.rows[0]
    assert (top.tier, top.bucket, top.realism, top.red_flag_risk) == (1, "push_hard", "realistic", "none")
    assert top.top_action == "Top action of S-2 <now>"


def test_order_does_not_depend_on_input_order():
    assert board(RECORDS, shipped_piles()).rows == board(RECORDS[::-1], shipped_piles()).rows


def test_distribution_beside_the_article_split():
    dist = {d["tier"]: d for d in board(RECORDS, shipped_piles()).distribution()}
    assert [dist[t]["count"] for t in (1, 2, 3)] == [1, 3, 1]
    assert [dist[t]["percent"] for t in (1, 2, 3)] == [20.0, 60.0, 20.0]
    assert [dist[t]["article_percent"] for t in (1, 2, 3)] == [20, 60, 20]
    assert dist[None]["count"] == 1


def test_text_board():
    text = render(board(RECORDS, shipped_piles()), "text")
    lines = text.splitlines()
    assert lines[0] == "Triage board: 6 students"
    head = next(i for i, ln in enumerate(lines) if ln.startswith("id "))
    assert [ln.split()[0] for ln in lines[head + 2:head + 8]] == ["S-2", "S-3", "S-4", "S-5", "S-1", "S-9"]
    assert re.search(r"tier 2 help them SOAP\s+3\s+60.0%\s+\(article ~60%\)", text)
    fix = text.index("c/bad.yaml:3: unknown field 'evaluatons' (clinical.evaluatons)")
    assert text.index("Fix these files first") < fix < text.index("\nid ")  # unreadable files come first


def test_advice_most_students_share_is_said_once_above_the_table():
    common = {"id": "nr-common", "priority": "critical", "text": "Apply only through the SOAP list."}
    records = [{"status": "ok", "source": f"s{i}.yaml",
                "advice": {"profile_id": f"S-{i}", "decisions": {"rescue_tier": {"value": 2}},
                           "recommendations": [common, {"id": f"own-{i}", "priority": "high",
                                                        "text": f"Own move of S-{i}"}]}} for i in range(4)]
    b = board(records, shipped_piles())
    text = render(b, "text")
    assert text.count("Apply only through the SOAP list.") == 1
    assert text.index("Apply only through") < text.index("id ")
    assert sorted(r.top_action for r in b.rows) == [f"Own move of S-{i}" for i in range(4)]


def test_an_item_most_students_got_in_their_own_words_is_never_shown_as_everyones():
    # The same recommendation id, worded for each student's own ally: "most students" would
    # have shown the first student's chair as the whole class's.
    records = [{"status": "ok", "source": f"s{i}.yaml",
                "advice": {"profile_id": f"S-{i}", "decisions": {"rescue_tier": {"value": 2}},
                           "recommendations": [{"id": "ally", "priority": "high",
                                                "text": f"Ask your {role} to steer your list."}]}}
               for i, role in enumerate(["chair", "program director", "program director"])]
    b = board(records, shipped_piles())
    assert b.shared == ["Ask your program director to steer your list."]  # two of three, word for word
    text = render(b, "text")
    assert "Most students: Ask your chair" not in text
    assert [r.top_action for r in sorted(b.rows, key=lambda r: r.id)] == [
        "Ask your chair to steer your list.", "Ask your program director to steer your list.",
        "Ask your program director to steer your list."]


def test_csv_board():
    rows = list(csv.DictReader(io.StringIO(render(board(RECORDS, shipped_piles()), "csv"))))
    assert [r["id"] for r in rows] == ["S-2", "S-3", "S-4", "S-5", "S-1", "S-9"]
    assert rows[0]["tier"] == "1" and rows[0]["bucket"] == "push_hard" and rows[-1]["tier"] == ""
    assert rows[0]["top_action"] == "Top action of S-2 <now>"


def test_json_board():
    doc = json.loads(render(board(RECORDS, shipped_piles()), "json"))
    assert doc["schema"] == "soaprules/board@1" and doc["students"] == 6
    assert [r["id"] for r in doc["rows"]] == ["S-2", "S-3", "S-4", "S-5", "S-1", "S-9"]
    assert doc["errors"][0]["where"] == "c/bad.yaml:3"


def test_html_board_is_self_contained_and_escaped():
    page = render(board(RECORDS, shipped_piles()), "html")
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)  # nothing fetched from elsewhere
    assert "Top action of S-2 &lt;now&gt;" in page and "<now>" not in page
    assert page.count('<tr class="t') == 6 and "~60%" in page


def test_cli_board_of_the_fixture_profiles(runner, tmp_path):
    out = tmp_path / "board.html"
    result = runner.invoke(main, ["cohort", str(FIXTURES / "profiles"), "--format", "html", "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert "A-2031" in page and page.count('<tr class="t') == len(list((FIXTURES / "profiles").glob("*.yaml")))


def test_cli_board_from_batch_results_matches_a_fresh_evaluation(runner, tmp_path):
    results = tmp_path / "results.jsonl"
    batch.run(FIXTURES / "profiles", results)
    from_results = runner.invoke(main, ["cohort", str(results), "--format", "json"])
    fresh = runner.invoke(main, ["cohort", str(FIXTURES / "profiles"), "--format", "json", "--jobs", "2"])
    assert from_results.exit_code == fresh.exit_code == 0
    assert from_results.output == fresh.output


@pytest.mark.parametrize("fmt", ["text", "csv", "json", "html"])
def test_cli_every_format(runner, fmt):
    result = runner.invoke(main, ["cohort", str(FIXTURES / "profiles"), "--format", fmt])
    assert result.exit_code == 0 and "A-2031" in result.output


def test_cli_bad_pack_exit_1_no_output(runner, tmp_path):
    pack = tmp_path / "bad.yaml"
    pack.write_text("pack: soaprules/pack@1\nname: bad\nversion: '1'\ndescription: d\nrules: [{id: x}]\n")
    out = tmp_path / "board.txt"
    result = runner.invoke(main, ["cohort", str(FIXTURES / "profiles"), "--pack", str(pack), "-o", str(out)])
    assert result.exit_code == 1 and "Traceback" not in result.output and not out.exists()


def _forked_rules(tmp_path, old: str, new: str):
    import shutil
    from soaprules.packs.load import DEFAULT_RULES_DIR
    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, rules)
    core = rules / "core.yaml"
    text = core.read_text(encoding="utf-8")
    assert old in text
    core.write_text(text.replace(old, new), encoding="utf-8")
    return rules


def test_the_piles_and_the_split_are_the_packs(runner, tmp_path):
    """A school that names its piles otherwise, or reads the article's split otherwise,
    edits the pack: the board follows, no Python touched."""
    rules = _forked_rules(tmp_path, "names: {1: must save, 2: help them SOAP, 3: on their own}\n"
                                    "      share: {1: 20, 2: 60, 3: 20}",
                          "names: {1: act today, 2: standard help, 3: self-directed}\n"
                          "      share: {1: 30, 2: 50, 3: 20}")
    result = runner.invoke(main, ["cohort", str(FIXTURES / "profiles"), "--pack", str(rules), "--format", "json"])
    assert result.exit_code == 0, result.output
    dist = {d["tier"]: d for d in json.loads(result.stdout)["distribution"]}
    assert (dist[1]["pile"], dist[1]["article_percent"]) == ("act today", 30)
    text = runner.invoke(main, ["cohort", str(FIXTURES / "profiles"), "--pack", str(rules)]).stdout
    assert "roughly 30/50/20" in text and "self-directed" in text


@pytest.mark.parametrize("share,why", [("{1: 20, 2: 60, 3: 10}", "add up to 90"),
                                       ("{1: 20, 2: 60, 4: 20}", "has no value 4")])
def test_a_board_the_packs_get_wrong_is_refused_where_written(runner, tmp_path, share, why):
    rules = _forked_rules(tmp_path, "share: {1: 20, 2: 60, 3: 20}", f"share: {share}")
    result = runner.invoke(main, ["cohort", str(FIXTURES / "profiles"), "--pack", str(rules)])
    assert result.exit_code == 1 and why in result.stderr
    line = next(i for i, ln in enumerate((rules / "core.yaml").read_text().splitlines(), 1) if "share:" in ln)
    assert f"core.yaml:{line}:" in result.stderr
