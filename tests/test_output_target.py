"""`-o` never replaces what the same command reads (its profile, program list, packs or audit
database), and a target that will be refused is refused before anything is recorded."""
from __future__ import annotations

import shutil

import pytest

from soaprules.cli.main import main
from soaprules.packs.load import DEFAULT_RULES_DIR
from conftest import FIXTURES

PROFILE = FIXTURES / "profiles" / "rs20-quiet-star.yaml"
PROGRAMS = FIXTURES / "programs" / "synthetic.csv"


@pytest.fixture
def inputs(tmp_path):
    profile, programs = tmp_path / "p.yaml", tmp_path / "list.csv"
    shutil.copy(PROFILE, profile)
    shutil.copy(PROGRAMS, programs)
    return profile, programs


def _commands(profile, programs):
    """(command line, the input its -o names) for every command that writes a report."""
    return [
        (["advise", str(profile), "-o", str(profile)], profile),
        (["explain", str(profile), "rescue_tier", "-o", str(profile)], profile),
        (["whatif", str(profile), "--set", "geography.open_to_any_region=true", "-o", str(profile)], profile),
        (["plan", str(profile), "--programs", str(programs), "-o", str(programs)], programs),
        (["plan", str(profile), "--programs", str(programs), "-o", str(profile)], profile),
    ]


def test_a_report_is_never_written_over_the_commands_own_input(runner, inputs):
    for args, target in _commands(*inputs):
        before = target.read_bytes()
        result = runner.invoke(main, args)
        assert result.exit_code == 1, (args, result.output)
        assert "input" in result.output and str(target) in result.output
        assert target.read_bytes() == before, args


def test_a_pack_in_a_pack_folder_is_an_input_a_board_beside_profiles_is_not(runner, tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, rules)
    core = rules / "core.yaml"
    before = core.read_bytes()
    result = runner.invoke(main, ["advise", str(PROFILE), "--pack", str(rules), "-o", str(core)])
    assert result.exit_code == 1 and core.read_bytes() == before
    cohort = tmp_path / "students"
    cohort.mkdir()
    shutil.copy(PROFILE, cohort / "a.yaml")
    for _ in range(2):  # the second run replaces the board it wrote the first time
        result = runner.invoke(main, ["cohort", str(cohort), "-o", str(cohort / "board.txt")])
        assert result.exit_code == 0, result.output


def test_the_audit_database_is_not_a_report_target(runner, tmp_path):
    db = tmp_path / "audit.db"
    assert runner.invoke(main, ["advise", str(PROFILE), "--record", "--db", str(db)]).exit_code == 0
    before = db.read_bytes()
    result = runner.invoke(main, ["advise", str(PROFILE), "--record", "--db", str(db), "-o", str(db)])
    assert result.exit_code == 1 and db.read_bytes() == before


def test_a_refused_target_is_refused_before_the_evaluation_is_recorded(runner, tmp_path):
    db = tmp_path / "audit.db"
    link = tmp_path / "link.txt"
    link.symlink_to(tmp_path / "elsewhere.txt")
    for target in (tmp_path / "no-such-dir" / "x.txt", link):
        result = runner.invoke(main, ["advise", str(PROFILE), "--record", "--db", str(db), "-o", str(target)])
        assert result.exit_code == 1 and "recorded as" not in result.output
    listed = runner.invoke(main, ["history", "--db", str(db)])
    assert "rs20" not in listed.output and "quiet-star" not in listed.output
