"""files.py: reads capped on bytes actually read, only regular files; reports written
atomically only to regular files, keeping their mode, new ones 0600, links refused."""
from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest
from click.testing import CliRunner

from soaprules import files
from soaprules.cli.main import main
from soaprules.errors import InputFileError, OutputFileError
from conftest import FIXTURES

PROFILE = FIXTURES / "profiles" / "rs20-quiet-star.yaml"


def test_reading_a_device_is_refused_not_read_forever():
    with pytest.raises(InputFileError) as err:
        files.read_bytes("/dev/zero", 1024)
    assert "not a regular file" in err.value.diagnostics[0].message


def test_reading_a_fifo_with_no_writer_is_refused_at_once(tmp_path):
    fifo = tmp_path / "p.yaml"
    os.mkfifo(fifo)
    with pytest.raises(InputFileError) as err:
        files.read_bytes(fifo, 1024)
    assert err.value.diagnostics[0].file == str(fifo)


def test_a_directory_is_refused(tmp_path):
    with pytest.raises(InputFileError):
        files.read_bytes(tmp_path, 1024)


def test_the_cap_counts_bytes_read(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a" * 1025)
    assert files.read_bytes(big, 1025) == b"a" * 1025
    with pytest.raises(InputFileError):
        files.read_bytes(big, 1024)


@pytest.mark.parametrize("make", ["fifo", "symlink", "directory"])
def test_output_onto_a_non_file_is_refused_and_left_alone(tmp_path, make):
    target = tmp_path / "report.txt"
    real = tmp_path / "real.txt"
    real.write_text("keep")
    if make == "fifo":
        os.mkfifo(target)
    elif make == "symlink":
        target.symlink_to(real)
    else:
        target.mkdir()
    result = CliRunner().invoke(main, ["advise", str(PROFILE), "-o", str(target)])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert real.read_text() == "keep"
    kind = os.lstat(target).st_mode
    assert {"fifo": stat.S_ISFIFO, "symlink": stat.S_ISLNK, "directory": stat.S_ISDIR}[make](kind)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_output_to_a_character_device_is_refused(tmp_path):
    with pytest.raises(OutputFileError):
        files.write_atomically("/dev/null", "x")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_an_existing_report_keeps_its_mode_and_a_new_one_is_private(tmp_path):
    old = tmp_path / "old.txt"
    old.write_text("x")
    old.chmod(0o640)
    files.write_atomically(old, "new")
    assert old.read_text() == "new" and stat.S_IMODE(old.stat().st_mode) == 0o640
    new = tmp_path / "new.txt"
    files.write_atomically(new, "y")
    assert stat.S_IMODE(new.stat().st_mode) == 0o600


@pytest.mark.parametrize("where", ["missing/report.txt", "locked/report.txt"])
def test_output_into_a_missing_or_read_only_directory_is_an_error(tmp_path, where):
    (tmp_path / "locked").mkdir(mode=0o500)
    if os.geteuid() == 0 and where.startswith("locked"):
        pytest.skip("root writes into read-only directories")
    result = CliRunner().invoke(main, ["advise", str(PROFILE), "-o", str(tmp_path / where)])
    assert result.exit_code != 0 and not isinstance(result.exception, OSError)
    assert str(tmp_path / where) in result.output


def test_dash_means_standard_output(capsys):
    files.emit("héllo\n", "-")
    assert capsys.readouterr().out == "héllo\n"


@pytest.mark.parametrize("fmt", ["json", "text", "markdown"])
@pytest.mark.parametrize("env", [{"LC_ALL": "C"}, {"LC_ALL": "POSIX"}, {"PYTHONIOENCODING": "latin-1"},
                                 {"PYTHONIOENCODING": "ascii", "LC_ALL": "C"}])
def test_output_is_utf8_whatever_the_locale(fmt, env):
    run = subprocess.run([sys.executable, "-m", "soaprules", "advise", str(PROFILE), "--format", fmt],
                         capture_output=True, env={**os.environ, "PYTHONUTF8": "0", **env}, timeout=120)
    assert run.returncode == 0, run.stderr.decode(errors="replace")
    assert b"Traceback" not in run.stderr
    run.stdout.decode("utf-8")  # strict: the report is UTF-8
