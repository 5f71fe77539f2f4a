"""File names a file system allows but text does not (bytes that are not UTF-8, a newline),
and links and blocked names among outputs: recorded, listed and written without a crash, a
forged line, a shared file or a half-updated folder."""
from __future__ import annotations

import os
import shutil

from soaprules.cli.main import main
from conftest import FIXTURES

PROFILE = FIXTURES / "profiles" / "rs20-quiet-star.yaml"


def test_a_profile_name_that_is_not_utf8_is_recorded_listed_and_replayed(runner, tmp_path):
    odd = tmp_path / os.fsdecode(b"bad\xffname.yaml")
    shutil.copy(PROFILE, odd)
    db = tmp_path / "audit.db"
    result = runner.invoke(main, ["advise", str(odd), "--record", "--db", str(db)])
    assert result.exit_code == 0, result.output
    listed = runner.invoke(main, ["history", "--db", str(db)])
    assert listed.exit_code == 0 and "bad\\xffname.yaml" in listed.output
    assert runner.invoke(main, ["replay", "1", "--db", str(db)]).exit_code == 0


def test_a_newline_in_a_name_cannot_forge_a_history_line(runner, tmp_path):
    db = tmp_path / "audit.db"
    for name in ("plain.yaml", "new\n    7  2026-01-01T00:00:00+00:00  text      forged.yaml"):
        path = tmp_path / name
        shutil.copy(PROFILE, path)
        assert runner.invoke(main, ["advise", str(path), "--record", "--db", str(db)]).exit_code == 0
    listed = runner.invoke(main, ["history", "--db", str(db)]).output.splitlines()
    assert len(listed) == 4  # two records, two lines each
    assert not any(line.lstrip().startswith("7 ") for line in listed) and "\\n" in listed[0]


def test_a_batch_out_that_is_a_link_is_refused_and_its_target_untouched(runner, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(PROFILE, folder / "a.yaml")
    real = tmp_path / "r.jsonl"
    real.write_text("")
    alias = tmp_path / "alias.jsonl"
    alias.symlink_to(real)
    result = runner.invoke(main, ["batch", str(folder), "--out", str(alias)])
    assert result.exit_code == 2 and "link" in result.output and real.read_text() == ""


def test_a_batch_out_with_a_second_name_is_refused_and_left_as_it_was(runner, tmp_path):
    """A hard link is a second name as a symbolic link is: each name would take its own lock."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(PROFILE, folder / "a.yaml")
    real = tmp_path / "r.jsonl"
    real.write_text("")
    other = tmp_path / "other.jsonl"
    os.link(real, other)
    for name in (real, other):
        result = runner.invoke(main, ["batch", str(folder), "--out", str(name)])
        assert result.exit_code == 2 and "hard links" in result.output and real.read_text() == ""
    other.unlink()  # one name again: the run goes ahead
    assert runner.invoke(main, ["batch", str(folder), "--out", str(real)]).exit_code == 0 and real.read_text()


def test_a_blocked_report_name_leaves_the_board_folder_as_it_was(runner, tmp_path):
    cohort = tmp_path / "in"
    cohort.mkdir()
    for p in sorted((FIXTURES / "profiles").glob("*.yaml"))[:3]:
        shutil.copy(p, cohort / p.name)
    folder = tmp_path / "board"
    assert runner.invoke(main, ["cohort", str(cohort), "--reports", str(folder)]).exit_code == 0
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    reports = sorted(n for n in before if n != "index.html" and n.endswith(".html"))
    for p in sorted(cohort.iterdir())[:1]:  # the rows move: every report is rewritten
        p.unlink()
    shutil.copy(FIXTURES / "profiles" / "warned-derm-three-cities.yaml", cohort / "zz.yaml")
    (folder / reports[-1]).unlink()
    (folder / reports[-1]).mkdir()  # one name the next run needs is now a directory
    result = runner.invoke(main, ["cohort", str(cohort), "--reports", str(folder)])
    assert result.exit_code == 1 and reports[-1] in result.output
    after = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    assert after == {n: b for n, b in before.items() if n != reports[-1]}
