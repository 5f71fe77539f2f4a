"""A terminal that fits: at a terminal the text report, the explain tree and the cohort
board are fitted to its width and coloured by rich (none with NO_COLOR); in a file or a
pipe they are the same plain bytes as ever (docs/examples/*.txt)."""
from __future__ import annotations

import io
import itertools
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soaprules.cohort import board as cohort
from soaprules.advice import build
from soaprules.explain.why import explain, parse_target
from soaprules.pipeline import advise_file
from soaprules.profile.load import load_profile
from soaprules.render import term
from soaprules.render import text
from soaprules.render import tree
from soaprules.engine.session import evaluate_profile

from conftest import PROFILES, ROOT, shipped_piles
from strategies import profiles

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
WIDTHS = (60, 80, 120)
TARGETS = ("rescue_tier", "rescue_tier=1", "red_flag_risk")


def visible(rendered: str) -> list[str]:
    return ANSI.sub("", rendered).splitlines()


def too_wide(rendered: str, width: int) -> list[str]:
    return [line for line in visible(rendered) if term._cells(line) > width]


@pytest.fixture(scope="module")
def fixture_advice():
    return {p.stem: advise_file(p) for p in PROFILES}


@pytest.fixture(scope="module")
def board():
    from soaprules.cli.commands.cohort import _records
    return cohort.board(list(_records(ROOT / "fixtures" / "profiles", None, 1)), shipped_piles())


# ---- fits the width ---------------------------------------------------------------------

@pytest.mark.parametrize("width", WIDTHS)
def test_text_report_fits_the_terminal(fixture_advice, width):
    for name, advice in fixture_advice.items():
        out = io.StringIO()
        text.render(advice, out, width=width, terminal=True, color=True)
        assert not too_wide(out.getvalue(), width), name
        assert "WHERE YOU STAND" in out.getvalue()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(profiles())
def test_generated_reports_fit_a_narrow_terminal(program, profile):
    out = io.StringIO()
    text.render(build(evaluate_profile(program, profile)), out, width=60, terminal=True, color=False)
    assert not too_wide(out.getvalue(), 60)


@pytest.mark.parametrize("width", WIDTHS)
def test_explain_tree_fits_the_terminal(program, width):
    for path in PROFILES[::3]:
        run = evaluate_profile(program, load_profile(path)[0])
        for target in TARGETS:
            out = io.StringIO()
            tree.render(explain(run, parse_target(target, program.book)), out, width=width, terminal=True,
                        color=True)
            assert not too_wide(out.getvalue(), width), (path.name, target)
            assert "└── " in out.getvalue()


@pytest.mark.parametrize("width", WIDTHS)
def test_cohort_board_fits_the_terminal(board, width):
    out = io.StringIO()
    cohort.render_text(board, out, width=width, terminal=True, color=True)
    rendered = out.getvalue()
    assert not too_wide(rendered, width)
    for row in board.rows:
        assert row.id[:10] in ANSI.sub("", rendered)
    assert "Tier distribution" in rendered


@pytest.mark.parametrize("width", WIDTHS)
def test_whatif_fits_the_terminal(runner, width):
    import json

    from soaprules.cli.main import main
    from soaprules.render import whatif_text

    for args in (["--target", "rescue_tier=1"], ["--set", "geography.open_to_any_region=true"]):
        result = runner.invoke(main, ["whatif", str(PROFILES[-1]), *args, "--format", "json"])
        assert result.exit_code == 0, result.output
        out = io.StringIO()
        whatif_text.render(json.loads(result.stdout), out, width=width, terminal=True, color=True)
        assert not too_wide(out.getvalue(), width) and "what-if" in out.getvalue()


# ---- colour -----------------------------------------------------------------------------

class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_colour(fixture_advice, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    out = FakeTerminal()
    text.render(fixture_advice["warned-derm-three-cities"], out)
    assert ANSI.search(out.getvalue())
    assert "\x1b[1m" in out.getvalue()  # the title in bold at least


def test_no_color_means_no_escape_sequence_at_all(fixture_advice, board, program, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    advice = fixture_advice["warned-derm-three-cities"]
    for render in (lambda o: text.render(advice, o, width=70),
                   lambda o: cohort.render_text(board, o, width=70),
                   lambda o: tree.render(explain(evaluate_profile(program, load_profile(PROFILES[0])[0]),
                                                 parse_target("rescue_tier", program.book)), o, width=70)):
        out = FakeTerminal()
        render(out)
        assert "\x1b" not in out.getvalue()
        assert not too_wide(out.getvalue(), 70)  # still fitted to the terminal


def test_a_pipe_gets_the_plain_stable_bytes(fixture_advice, monkeypatch):
    """Not a terminal: 80 columns of plain text, whatever the terminal the command runs in."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("COLUMNS", "133")
    out = io.StringIO()
    text.render(fixture_advice["warned-derm-three-cities"], out)
    assert "\x1b" not in out.getvalue()
    assert max(len(line) for line in out.getvalue().splitlines()) <= 80
    assert term.writer(io.StringIO(), 80).terminal is False


def test_a_buffer_is_a_terminal_only_for_a_report_to_standard_output(monkeypatch):
    """Commands render into a buffer: it counts as the terminal only when standard output is
    one and the report goes there (not -o FILE, not --record, whose bytes replay compares)."""
    import click

    monkeypatch.setattr(sys, "stdout", FakeTerminal())
    for name, params, expected in (("advise", {"output": None}, True), ("advise", {"output": Path("-")}, True),
                                   ("advise", {"output": Path("r.txt")}, False),
                                   ("advise", {"output": None, "record": True}, False),
                                   ("replay", {}, False), ("cohort", {"output": None}, True)):
        ctx = click.Context(click.Command(name), info_name=name)
        ctx.params = params
        with ctx:
            assert term.to_terminal(io.StringIO()) is expected, (name, params)


# ---- a real terminal --------------------------------------------------------------------

TMUX = shutil.which("tmux")
_RUNS = itertools.count()


def _tmux_run(tmp_path, shell: str, columns: int) -> str:
    """Run `shell` in a detached tmux pane `columns` wide; the screen, escape sequences kept."""
    # A socket of its own per run: a server just told to exit may still hold the last one,
    # and a second new-session on it then fails (seen under load in CI).
    sock = str(tmp_path / f"tmux-{next(_RUNS)}")
    tmux = lambda *a: subprocess.run([TMUX, "-S", sock, *a], check=True, capture_output=True,  # noqa: E731
                                     text=True).stdout
    tmux("new-session", "-d", "-s", "t", "-x", str(columns), "-y", "50", "-c", str(ROOT),
         f"{shell}; echo EXIT=$?; sleep 60")
    try:
        tmux("set-option", "-t", "t", "history-limit", "5000")
        end = time.monotonic() + 60
        while time.monotonic() < end:
            screen = tmux("capture-pane", "-p", "-e", "-t", "t", "-S", "-5000")
            if "EXIT=" in screen:
                return screen
            time.sleep(0.2)
        raise AssertionError("the command did not finish:\n" + screen)
    finally:
        subprocess.run([TMUX, "-S", sock, "kill-server"], capture_output=True)


@pytest.mark.terminal
@pytest.mark.skipif(TMUX is None, reason="tmux is not installed (apt-get install tmux)")
@pytest.mark.parametrize("columns", (60, 100))
def test_advise_at_a_real_terminal_fits_and_colours(tmp_path, columns):
    profile = "fixtures/profiles/warned-derm-three-cities.yaml"
    command = f"{sys.executable} -m soaprules advise {profile}"
    coloured = _tmux_run(tmp_path, f"TERM=xterm-256color {command}", columns)
    assert "EXIT=0" in coloured and ANSI.search(coloured)
    assert not too_wide(coloured, columns)
    plain = _tmux_run(tmp_path, f"NO_COLOR=1 {command}", columns)
    body = plain.split("EXIT=")[0]
    assert "soaprules advice for" in body and not ANSI.search(body.replace("\x1b[39m", "").replace("\x1b[0m", ""))
    piped = subprocess.run([sys.executable, "-m", "soaprules", "advise", profile], cwd=ROOT, capture_output=True,
                           text=True).stdout
    assert "\x1b" not in piped and max(map(len, piped.splitlines())) <= 80


# ---- pictures of time, at a terminal -------------------------------------------------------

def test_match_week_on_one_screen_with_now_and_the_deadline(fixture_advice):
    out = io.StringIO()
    text.render(fixture_advice["warned-derm-three-cities"], out, width=80, terminal=True, color=False)
    shown = out.getvalue()
    week = shown[shown.index("MATCH WEEK"):shown.index("\nNOW")]
    assert len(week.splitlines()) <= 10  # compact: one screen with the rest
    assert "done     results, applications open" in week and "▶ now    Mon 16, 14:30" in week
    assert "Tue 17   08:00 programs review ◀ the Now items by then" in week
    assert "21:00 SOAP ends" in " ".join(week.split()) and "Fri 20   12:00 Match Day" in week
    assert shown.index("MATCH WEEK") < shown.index("\nNOW")


def test_no_picture_of_time_in_a_pipe(fixture_advice):
    for advice in fixture_advice.values():
        out = io.StringIO()
        text.render(advice, out)
        assert "MATCH WEEK" not in out.getvalue() and "MONTHS TO THE NEXT CYCLE" not in out.getvalue()


def test_a_gap_year_student_sees_the_months_to_the_next_cycle(fixture_advice):
    from datetime import date

    from soaprules.render.timeline_text import merged, months_to_next_cycle

    advice = fixture_advice["visa-img-gap-year-same-specialty"]
    months = months_to_next_cycle(advice, date(2026, 12, 2))
    assert [label for label, _ in months][0] == "Dec 2026" and months[-1][0] == "Sep 2027" and len(months) == 10
    said = dict(merged(months))
    assert said["Jan-Feb 2027"] == ["Application materials and mock interviews"]  # the pack's own words
    assert "A preliminary program list discussed with them" in said["Dec 2026"]
    assert any("ERAS" in thing for thing in said["Sep 2027"])
    assert not any("may you email" in t for things in said.values() for t in things)  # 'may' is not May
    out = io.StringIO()
    text.render(advice, out, width=60, terminal=True, color=True, today=date(2026, 4, 1))
    assert "THE 6 MONTHS TO THE NEXT CYCLE (ERAS, Sep 2026)" in ANSI.sub("", out.getvalue())
    assert not too_wide(out.getvalue(), 60)
    assert months_to_next_cycle(fixture_advice["warned-derm-three-cities"], date(2026, 12, 2)) == []


@pytest.mark.parametrize("now, months, last", [("2026-04-01T10:00:00-04:00", 6, "Sep 2026"),
                                               ("2026-10-01T00:30:00+02:00", 1, "Sep 2026"),
                                               ("2027-01-15T12:00:00-05:00", 9, "Sep 2027")])
def test_the_months_count_from_the_profiles_own_day_not_the_machines(now, months, last):
    """A terminal report dated by status.now counts the months from that day (Eastern: the
    second case is still 30 September there), whatever the machine's clock says."""
    from soaprules.pipeline import advise, program_for
    from soaprules.profile.model import Profile

    profile = Profile.model_validate({"schema": "soaprules/profile@1", "status": {"phase": "gap_year", "now": now},
                                      "target": {"specialty": "pediatrics"}})
    out = io.StringIO()
    text.render(advise(profile, program_for()), out, width=80, terminal=True, color=False)
    shown = ANSI.sub("", out.getvalue())
    heading = next(line for line in shown.splitlines() if "TO THE NEXT CYCLE" in line)
    assert heading.strip() == f"THE {months} MONTH{'S' if months > 1 else ''} TO THE NEXT CYCLE (ERAS, {last})", heading


@settings(max_examples=200, deadline=None)
@given(st.text(st.sampled_from("ab cd-\u00e9\t"), max_size=120), st.integers(10, 90),
       st.sampled_from(["", "  ", "- ", "    * "]), st.sampled_from(["", "   ", "\t"]), st.booleans())
def test_plain_paragraphs_are_textwraps_fill_memoised_or_not(text, width, first, rest, long_words):
    """Plain.para remembers filled paragraphs: the second writing of a paragraph (from the
    memo) is byte for byte the first, and both are textwrap's own fill of those arguments."""
    import io
    import textwrap

    from soaprules.render.term import Plain

    expected = textwrap.fill(text, width, initial_indent=first, subsequent_indent=rest,
                             break_on_hyphens=False, break_long_words=long_words) + "\n"
    for _ in range(2):
        out = io.StringIO()
        Plain(out, width, break_long_words=long_words).para(text, rest, first)
        assert out.getvalue() == expected
