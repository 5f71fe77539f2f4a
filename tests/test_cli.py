"""CLI conventions: `-` is standard input, `-o -` standard output, errors as JSON under
--format json, exit codes as documented, an internal error in one line, examples in --help."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import PROFILES
from soaprules.cli import group as cli_group
from soaprules.cli.main import main

PROFILE = PROFILES[0]


def test_dash_reads_the_profile_from_stdin_and_matches_the_file(runner):
    from_file = runner.invoke(main, ["advise", str(PROFILE), "--format", "json"])
    from_stdin = runner.invoke(main, ["advise", "-", "--format", "json"], input=PROFILE.read_bytes())
    assert from_stdin.exit_code == 0, from_stdin.output
    assert from_stdin.stdout == from_file.stdout


PROGRAMS = PROFILE.parents[2] / "fixtures" / "programs" / "synthetic.csv"


@pytest.mark.parametrize("args", [
    ["explain", "PROFILE", "rescue_tier"],
    ["whatif", "PROFILE", "--set", "geography.open_to_any_region=true"],
    ["plan", "PROFILE", "--programs", str(PROGRAMS)],
    ["explain", "PROFILE", "--programs", str(PROGRAMS), "program=FIRST"],
], ids=["explain", "whatif", "plan", "explain-program"])
def test_every_command_that_reads_one_profile_takes_dash_for_stdin(runner, args):
    if "program=FIRST" in args:  # a code of the list, whichever it holds first
        code = PROGRAMS.read_text().splitlines()[1].split(",")[0]
        args = [a.replace("FIRST", code) for a in args]
    from_file = runner.invoke(main, [str(PROFILE) if a == "PROFILE" else a for a in args] + ["--format", "json"])
    from_stdin = runner.invoke(main, ["-" if a == "PROFILE" else a for a in args] + ["--format", "json"],
                               input=PROFILE.read_bytes())
    assert from_file.exit_code == 0, from_file.output
    assert from_stdin.exit_code == 0 and from_stdin.stdout == from_file.stdout, from_stdin.output
    bad = runner.invoke(main, ["-" if a == "PROFILE" else a for a in args], input="applicant: {type: martian}\n")
    assert bad.exit_code == 1 and "<stdin>" in bad.stderr and "Traceback" not in bad.output


def test_dash_output_writes_stdout_and_no_file_named_dash(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["advise", str(PROFILE), "-o", "-"])
    assert result.exit_code == 0 and "NOW" in result.stdout
    assert not (tmp_path / "-").exists()


@pytest.mark.parametrize("text", ["x: [\n", "applicant: {type: martian}\n"])
def test_errors_are_json_on_stderr_under_format_json(runner, text):
    result = runner.invoke(main, ["advise", "-", "--format", "json"], input=text)
    assert result.exit_code == 1 and result.stdout == ""
    error = json.loads(result.stderr)
    assert error["exit_code"] == 1 and error["diagnostics"][0]["file"] == "<stdin>"
    assert error["diagnostics"][0]["line"] >= 1


@pytest.mark.parametrize("formats,as_json", [(["json", "text"], False), (["text", "json"], True)])
def test_errors_take_the_format_the_report_would(formats, as_json):
    import subprocess
    import sys

    args = [sys.executable, "-m", "soaprules", "advise", "-"] + [a for f in formats for a in ("--format", f)]
    result = subprocess.run(args, input="applicant: {type: martian}\n", capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and result.stderr.lstrip().startswith("{") == as_json


def test_errors_stay_readable_text_without_json(runner):
    result = runner.invoke(main, ["advise", "-"], input="x: [\n")
    assert result.exit_code == 1 and "<stdin>" in result.stderr
    with pytest.raises(json.JSONDecodeError):
        json.loads(result.stderr)


def test_an_internal_error_has_its_own_code_one_line_and_the_details_saved(runner, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))

    def broken(*args, **kwargs):
        raise RuntimeError("boom")
    monkeypatch.setattr("soaprules.advice.build", broken)
    result = runner.invoke(main, ["advise", str(PROFILE)])
    assert result.exit_code == cli_group.INTERNAL_ERROR not in (0, 1, 2, 3)
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    saved = list((tmp_path / "soaprules").glob("crash-*.txt"))
    assert len(saved) == 1 and str(saved[0]) in result.stderr and "RuntimeError: boom" in saved[0].read_text()


def test_an_internal_error_under_json_is_json(runner, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    monkeypatch.setattr("soaprules.advice.build", lambda run: 1 / 0)
    result = runner.invoke(main, ["advise", str(PROFILE), "--format", "json"])
    assert json.loads(result.stderr)["exit_code"] == cli_group.INTERNAL_ERROR


def test_usage_errors_exit_2(runner):
    assert runner.invoke(main, ["advise"]).exit_code == 2
    assert runner.invoke(main, ["advise", str(PROFILE), "--format", "pdf"]).exit_code == 2


def _commands(group, prefix=()):
    for name, cmd in group.commands.items():
        yield (*prefix, name), cmd
        if hasattr(cmd, "commands"):
            yield from _commands(cmd, (*prefix, name))


@pytest.mark.parametrize("path", [p for p, _ in _commands(main)], ids=" ".join)
def test_every_help_shows_an_example(runner, path):
    result = runner.invoke(main, [*path, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output and "soaprules " in result.output.split("Example", 1)[1]


@pytest.mark.parametrize("flag", ["-o", "--output", "--out"])
def test_batch_takes_output_under_every_name(runner, tmp_path, flag):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / PROFILE.name).write_bytes(PROFILE.read_bytes())
    result = runner.invoke(main, ["batch", str(folder), flag, str(tmp_path / "r.jsonl")])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "r.jsonl").read_text().splitlines()[0])


def test_a_text_report_imports_no_other_renderer():
    """Renderers are imported when asked for (render.RENDERERS): `advise` in text starts
    without the HTML, Markdown or JSON renderer, and every format is still offered."""
    code = ("import sys\nfrom soaprules.cli.main import main\n"
            "try:\n    main(['advise', sys.argv[1]])\nexcept SystemExit as e:\n    assert e.code in (0, None), e.code\n"
            "loaded = sorted(m for m in sys.modules if m.startswith('soaprules.render.'))\n"
            "print(loaded, file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", code, str(PROFILES[0])], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    loaded = done.stderr.strip().splitlines()[-1]
    assert "soaprules.render.text" in loaded
    assert not any(f"soaprules.render.{m}'" in loaded for m in ("html", "markdown", "json_out"))
    from soaprules.render import RENDERERS
    assert sorted(RENDERERS) == ["html", "json", "markdown", "text"] and all(callable(f) for f in RENDERERS.values())


# ---- a standard output that cannot take the report ---------------------------------------

def _advise_into(stdout, args=(), **kw):
    import os
    env = {**os.environ, "XDG_STATE_HOME": kw.pop("state")}
    return subprocess.run([sys.executable, "-m", "soaprules", "advise", str(PROFILES[0]), *args], stdout=stdout,
                          stderr=subprocess.PIPE, text=True, timeout=120, env=env, **kw)


@pytest.mark.skipif(not __import__("os").path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("args", [(), ("--format", "json")])
def test_a_full_disk_behind_stdout_is_exit_1_said_plainly_not_an_internal_error(tmp_path, args):
    with open("/dev/full", "w") as full:
        done = _advise_into(full, args, state=str(tmp_path))
    assert done.returncode == 1, done.stderr
    assert "cannot write to standard output" in done.stderr and "internal error" not in done.stderr
    assert "Exception ignored" not in done.stderr and not list(tmp_path.rglob("crash-*"))


def test_a_closed_stdout_is_exit_1_said_plainly(tmp_path):
    import os
    done = _advise_into(None, state=str(tmp_path), preexec_fn=lambda: os.close(1))
    assert done.returncode == 1, done.stderr
    assert "standard output is closed" in done.stderr and not list(tmp_path.rglob("crash-*"))


def test_an_os_error_that_is_not_stdout_is_still_an_internal_error(runner, monkeypatch, tmp_path):
    import errno

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))  # a bug, not bad output: the crash report
    monkeypatch.setattr("soaprules.audit.store.history",
                        lambda *a, **k: (_ for _ in ()).throw(OSError(errno.EIO, "I/O error")))
    result = runner.invoke(main, ["history", "--db", str(tmp_path / "a.sqlite3")])
    assert result.exit_code == 4 and "internal error (OSError)" in result.output


def test_ctrl_c_in_any_command_exits_130_not_clicks_1(runner, monkeypatch):
    def interrupted(*a, **k):
        raise KeyboardInterrupt
    monkeypatch.setattr("soaprules.pipeline.program_for", interrupted)
    result = runner.invoke(main, ["advise", str(PROFILES[0])])
    assert result.exit_code == 130 and "Interrupted." in result.output


@pytest.mark.parametrize("stage", ["loading", "arguments"])
def test_ctrl_c_while_starting_exits_130_without_a_traceback(stage):
    """Ctrl-C while the CLI loads (its imports) or reads its arguments, before any command
    runs: the same exit 130 and one line as a Ctrl-C in a command, never a traceback."""
    code = ("import builtins, sys\n"
            "import click\n"
            "stage = sys.argv[1]\n"
            "real = builtins.__import__\n"
            "def fake(name, *a, **k):\n"
            "    if stage == 'loading' and name == 'soaprules.cli.main':\n"
            "        raise KeyboardInterrupt\n"
            "    return real(name, *a, **k)\n"
            "builtins.__import__ = fake\n"
            "def stop(*a, **k):\n"
            "    raise KeyboardInterrupt\n"
            "if stage == 'arguments':\n"
            "    click.Command.parse_args = stop\n"
            "sys.argv = ['soaprules', 'advise', sys.argv[2]]\n"
            "from soaprules.__main__ import run\n"
            "run()\n")
    done = subprocess.run([sys.executable, "-c", code, stage, str(PROFILES[0])], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 130, (done.returncode, done.stderr)
    assert "Interrupted." in done.stderr and "Traceback" not in done.stderr and "Aborted" not in done.stderr


def _started_with_closed(fd: int, args: list, tmp_path):
    import os
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path)}
    return subprocess.run([sys.executable, "-m", "soaprules", *args], capture_output=fd != 2,
                          stdout=subprocess.PIPE if fd == 2 else None, text=True, timeout=120, env=env,
                          preexec_fn=lambda: os.close(fd))


@pytest.mark.parametrize("args, code", [(["advise", "-"], 1), (["advise", "-", "--format", "json"], 1),
                                        (["assess", "--non-interactive", "--answer", "status.phase=soap"], 0)])
def test_a_closed_standard_input_is_no_internal_error(tmp_path, args, code):
    done = _started_with_closed(0, args, tmp_path)
    assert done.returncode == code, done.stderr
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr
    assert code == 0 or "standard input is closed" in done.stderr
    assert not list(tmp_path.rglob("crash-*"))


def test_a_closed_standard_error_still_exits_with_the_errors_code_and_saves_no_crash(tmp_path):
    done = _started_with_closed(2, ["advise", str(tmp_path / "missing.yaml")], tmp_path)
    assert done.returncode == 1 and not list(tmp_path.rglob("crash-*"))
    done = _started_with_closed(2, ["advise", str(PROFILES[0])], tmp_path)
    assert done.returncode == 0 and "NOW" in done.stdout


def test_a_reader_that_stops_early_is_no_internal_error(tmp_path):
    import os
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "soaprules", "schema", "pack"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    proc.stdout.close()  # `| head -c 0`: the schema is far larger than a pipe holds
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 1 and "internal error" not in err and "Traceback" not in err, err
    assert not list(tmp_path.rglob("crash-*"))
