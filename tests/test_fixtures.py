"""The bundled fixtures: hand-derived decisions hold, every decision value is reached,
and the CLI gives each one a full advice@1 report in every format."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from soaprules.cli.main import main
from soaprules.packs.load import DEFAULT_RULES_DIR, load_rulebook
from soaprules.profile.load import load_profile
from soaprules.engine.session import evaluate_profile
from conftest import FIXTURES, PROFILES

EXPECTED = FIXTURES / "expected"
PHASES = {"pre_match", "match_week", "soap", "post_soap", "gap_year", "reapplying"}


def expected_for(profile: Path) -> dict:
    return yaml.safe_load((EXPECTED / profile.name).read_text())


def test_every_fixture_has_expectations_and_vice_versa():
    assert {p.name for p in PROFILES} == {p.name for p in EXPECTED.glob("*.yaml")}
    assert len(PROFILES) >= 8


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.stem)
def test_decisions_match_the_hand_derived_expectations(program, profile):
    expected = expected_for(profile)
    run = evaluate_profile(program, load_profile(profile)[0])
    got = {name: res.value for name, res in run.decisions.items()}
    for name, value in expected["decisions"].items():
        assert got.get(name) == value, f"{name}: expected {value}, got {got.get(name)} ({expected['why'][name]})"
    for name in expected.get("absent", []):
        assert name not in got, f"{name} should stay unknown, got {got[name]}"


def test_every_value_of_every_decision_is_reached_by_some_fixture():
    reached: dict[str, set] = {}
    for profile in PROFILES:
        for name, value in expected_for(profile)["decisions"].items():
            reached.setdefault(name, set()).add(value)
    book = load_rulebook([DEFAULT_RULES_DIR])
    for name, decision in book.decisions.items():
        assert set(decision.values) <= reached.get(name, set()), name


def test_fixtures_cover_every_phase():
    phases = {load_profile(p)[0].status.phase for p in PROFILES}
    assert PHASES <= {str(getattr(p, "value", p)) for p in phases}


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.stem)
def test_cli_json_report_is_the_advice_contract(runner, profile):
    done = runner.invoke(main, ["advise", str(profile), "--format", "json"])
    assert done.exit_code == 0, done.output
    advice = json.loads(done.output)
    assert advice["schema"] == "soaprules/advice@1"
    assert advice["profile_id"] == yaml.safe_load(profile.read_text())["applicant"]["id"]
    assert {p["name"] for p in advice["packs"]} >= {"core", "nrmp"}
    assert all(len(p["sha256"]) == 64 for p in advice["packs"])
    ranks = ["critical", "high", "medium", "low"]
    order = [ranks.index(r["priority"]) for r in advice["recommendations"]]
    assert order == sorted(order)
    fired = {t["rule"] for t in advice["trace"]}
    for rec in advice["recommendations"]:
        assert rec["rule"] in fired and rec["cites"] and rec["sources"] and rec["text"]
        assert "{" not in rec["text"], rec["text"]  # every placeholder was filled
    for name, decision in advice["decisions"].items():
        assert decision["rule"] in fired
        assert all(o["rule"] in fired for o in decision["overridden"])
    for unknown in advice["unknowns"]:
        assert unknown["rules"]


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_cli_human_reports_name_the_student_and_every_decision(runner, fmt):
    profile = FIXTURES / "profiles" / "rs20-quiet-star.yaml"
    done = runner.invoke(main, ["advise", str(profile), "--format", fmt])
    assert done.exit_code == 0, done.output
    assert "A-2031" in done.output
    advice = json.loads(runner.invoke(main, ["advise", str(profile), "--format", "json"]).stdout)
    assert advice["standing"], "the quiet star's decisions are shown in match week"
    flat = " ".join(done.output.split())
    for said in advice["standing"]:  # every decision shown, in the pack's own sentence
        assert said["text"] in flat, said


def test_cli_output_file_is_written_whole(runner, tmp_path):
    out = tmp_path / "advice.json"
    profile = FIXTURES / "profiles" / "rs20-quiet-star.yaml"
    done = runner.invoke(main, ["advise", str(profile), "--format", "json", "-o", str(out)])
    assert done.exit_code == 0 and done.output == ""
    assert json.loads(out.read_text())["profile_id"] == "A-2031"
    assert [p.name for p in tmp_path.iterdir()] == ["advice.json"]  # no temporary left behind


def test_python_dash_m_runs_the_cli():
    import subprocess
    import sys
    done = subprocess.run([sys.executable, "-m", "soaprules", "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "advise" in done.stdout
