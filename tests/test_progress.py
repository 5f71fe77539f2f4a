"""Progress of `batch` and `cohort`: rate and ETA on a terminal, nothing when piped."""
from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import time

import pytest

from soaprules.cli.main import main
from soaprules.cohort.progress import Bar, clock

from conftest import ROOT


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self):
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_rate_and_time_left_then_time_taken():
    tick = Clock()
    out = FakeTerminal()
    bar = Bar(100, out, now=tick)
    for _ in range(25):
        tick.t += 0.5  # two profiles a second
        bar.step(False)
    assert bar.line(tick.t).endswith("25/100  0 errors  2.0/s  ETA 0:38")
    for i in range(75):
        tick.t += 0.5
        bar.step(i == 3)
    bar.close()
    last = out.getvalue().rsplit("\r", 1)[-1]
    assert "100/100  1 errors  2.0/s  done in 0:50" in last and last.endswith("\n")


def test_redrawn_at_most_ten_times_a_second():
    tick = Clock()
    out = FakeTerminal()
    bar = Bar(1000, out, now=tick)
    for _ in range(1000):
        tick.t += 0.001  # a thousand profiles a second
        bar.step()
    assert out.getvalue().count("\r") <= 12
    assert "1000/1000" in out.getvalue()  # the last one is always drawn


def test_silent_when_not_a_terminal():
    out = io.StringIO()
    bar = Bar(3, out)
    for _ in range(3):
        bar.step()
    bar.close()
    assert out.getvalue() == ""
    Bar(3, None).step()  # no stream at all: nothing to do


def test_the_line_is_cut_to_the_terminal_width(monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    out = FakeTerminal()
    bar = Bar(2000, out)
    bar.step()
    drawn = out.getvalue().split("\r")[-1].replace("\x1b[K", "")
    assert 0 < len(drawn) <= 39


@pytest.mark.parametrize("seconds, shown", [(7, "0:07"), (103, "1:43"), (3725, "1:02:05")])
def test_clock(seconds, shown):
    assert clock(seconds) == shown


def test_cohort_shows_progress_on_a_terminal_and_nothing_when_piped(monkeypatch, runner):
    from soaprules.cli.commands.cohort import _records

    tty = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", tty)
    records = list(_records(ROOT / "fixtures" / "profiles", None, 1))
    monkeypatch.undo()
    total = len(records)
    assert f"{total}/{total}  0 errors" in tty.getvalue() and "/s  done in" in tty.getvalue()
    piped = runner.invoke(main, ["cohort", str(ROOT / "fixtures" / "profiles"), "--format", "json"])
    assert piped.exit_code == 0
    assert "errors" not in piped.stderr and "\r" not in piped.stderr
    assert json.loads(piped.stdout)["students"] == total


TMUX = shutil.which("tmux")


@pytest.mark.terminal
@pytest.mark.skipif(TMUX is None, reason="tmux is not installed (apt-get install tmux)")
def test_batch_and_cohort_at_a_real_terminal_show_rate_and_eta(tmp_path):
    sock = str(tmp_path / "tmux")
    tmux = lambda *a: subprocess.run([TMUX, "-S", sock, *a], check=True, capture_output=True,  # noqa: E731
                                     text=True).stdout
    py = sys.executable
    shell = (f"{py} -m soaprules batch fixtures/profiles -o {tmp_path}/r.jsonl; "
             f"{py} -m soaprules cohort fixtures/profiles -o {tmp_path}/board.txt; echo EXIT=$?; sleep 60")
    tmux("new-session", "-d", "-s", "t", "-x", "120", "-y", "40", "-c", str(ROOT), shell)
    try:
        end = time.monotonic() + 120
        screen = ""
        while time.monotonic() < end and "EXIT=" not in screen:
            time.sleep(0.3)
            screen = tmux("capture-pane", "-p", "-t", "t")
    finally:
        subprocess.run([TMUX, "-S", sock, "kill-server"], capture_output=True)
    assert "EXIT=0" in screen, screen
    done = [line for line in screen.splitlines() if "done in" in line]
    assert len(done) == 2 and all("/s  done in" in line for line in done), screen
    assert (tmp_path / "board.txt").read_text().startswith("Triage board:")
