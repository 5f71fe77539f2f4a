"""The Match Week calendar as dated, cited data: the shipped cycles, the third-Friday rule
for years with no entry, the cycle of an instant in Eastern time, load errors, and the
reports saying when the calendar is provisional."""
from __future__ import annotations

import io
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

import pytest
from hypothesis import given, settings, strategies as st

from soaprules.packs.calendar import cycle_year, derived_cycle, eastern, timeline
from soaprules.cli.main import main
from soaprules.errors import PackError, SoapError
from soaprules.packs.load import DEFAULT_RULES_DIR, load_rulebook
from soaprules.pipeline import advise
from soaprules.profile.model import Profile
from soaprules.render import RENDERERS

NRMP, CORE = DEFAULT_RULES_DIR / "nrmp.yaml", DEFAULT_RULES_DIR / "core.yaml"


@lru_cache(maxsize=None)
def book():
    return load_rulebook([CORE, NRMP])  # core declares the outreach_window decision


def at(book_, year, name):
    return dict((n, w) for n, w, _ in book_.calendar[year].milestones)[name]


# ---- the shipped cycles ------------------------------------------------------------------

@pytest.mark.parametrize("year, monday, provisional", [(2024, 11, False), (2025, 17, False), (2026, 16, False),
                                                       (2027, 15, True)])
def test_each_shipped_cycle_is_its_published_week(year, monday, provisional):
    b = book()
    cycle = b.calendar[year]
    assert cycle.provisional is provisional
    assert "NRMP" in cycle.source and str(year) in cycle.source
    assert eastern(at(b, year, "status_release")).date() == date(year, 3, monday)
    assert eastern(at(b, year, "match_day")).date() == date(year, 3, monday + 4)
    assert eastern(at(b, year, "programs_review")).strftime("%a %H:%M") == "Tue 08:00"
    rounds = [eastern(at(b, year, f"round_{k}")).strftime("%a %H:%M") for k in range(1, 5)]
    assert rounds == ["Thu 09:00", "Thu 12:00", "Thu 15:00", "Thu 18:00"]
    assert eastern(at(b, year, "soap_ends")).strftime("%a %H:%M") == "Thu 21:00"


def test_no_milestone_is_the_articles_obsolete_monday_invites():
    assert not {"invites_out", "programs_contact"} & set(book().milestones)


def test_the_rule_reproduces_every_dated_year():
    """The third-Friday pattern gives exactly the dates of every dated cycle, so a year with
    no entry is derived from the same pattern NRMP has used."""
    b = book()
    for year, cycle in b.calendar.items():
        derived = derived_cycle(b.calendar_rule, year)
        assert [(n, w) for n, w, _ in derived.milestones] == [(n, w) for n, w, _ in cycle.milestones], year


@given(st.integers(2000, 2100))
def test_a_derived_year_is_provisional_and_its_match_day_the_third_friday(year):
    cycle = derived_cycle(book().calendar_rule, year)
    match_day = eastern(dict((n, w) for n, w, _ in cycle.milestones)["match_day"])
    assert cycle.provisional and cycle.derived and str(year) in cycle.source
    assert match_day.weekday() == 4 and 15 <= match_day.day <= 21 and match_day.month == 3
    times = [w for _, w, _ in cycle.milestones]
    assert times == sorted(times)


# ---- the cycle of an instant ---------------------------------------------------------------

instants = st.datetimes(datetime(2001, 1, 1), datetime(2099, 12, 31), timezones=st.just(timezone.utc))
offsets = st.integers(-12 * 4, 14 * 4).map(lambda q: timezone(timedelta(minutes=15 * q)))


@given(instants, offsets)
def test_the_same_instant_in_any_offset_is_in_the_same_cycle(instant, offset):
    assert cycle_year(instant) == cycle_year(instant.astimezone(offset))


def test_new_year_is_read_in_eastern_time():
    late = datetime(2026, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert cycle_year(late) == cycle_year(late.astimezone(timezone.utc)) == 2026
    assert cycle_year(datetime(2027, 1, 1, 5, 30, tzinfo=timezone.utc)) == 2027


@given(instants, offsets)
@settings(max_examples=50)
def test_the_timeline_does_not_depend_on_the_offset_given(instant, offset):
    b = book()
    one, other = (timeline(b.calendar, b.calendar_rule, t) for t in (instant, instant.astimezone(offset)))
    assert (one["segment"], one["year"], one["hours_to"]) == (other["segment"], other["year"], other["hours_to"])


# ---- load errors ------------------------------------------------------------------------------

def _pack(tmp_path, body: str):
    path = tmp_path / "cal.yaml"
    path.write_text("pack: soaprules/pack@1\nname: cal\nversion: '1'\ndescription: a calendar\n" + body)
    return path


CYCLE = """calendar:
  2026:
    source: NRMP Match Week guide, 2026
    provisional: false
    milestones:
      - {name: status_release, at: %s}
      - {name: match_day, at: %s}
"""


@pytest.mark.parametrize("first, second, message, line", [
    ("2026-02-30T10:00:00-05:00", "2026-03-20T12:00:00-04:00", "not a real date", 10),
    ("2025-03-16T10:00:00-04:00", "2026-03-20T12:00:00-04:00", "falls in 2025", 10),
    ("2026-03-21T10:00:00-04:00", "2026-03-20T12:00:00-04:00", "time order", 7),
    ("'next monday'", "2026-03-20T12:00:00-04:00", "date-time with UTC offset", 10),
])
def test_a_bad_date_is_a_positioned_error_and_exit_1(tmp_path, runner, first, second, message, line):
    path = _pack(tmp_path, CYCLE % (first, second))
    with pytest.raises(SoapError) as caught:  # a date that does not exist fails at reading the file
        load_rulebook([path])
    diag = next(d for d in caught.value.diagnostics if message in d.message)
    assert diag.file.endswith("cal.yaml") and diag.position.line == line
    result = runner.invoke(main, ["lint", str(path)])
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output


def test_a_cycle_without_its_source_is_refused(tmp_path):
    path = _pack(tmp_path, (CYCLE % ("2026-03-16T10:00:00-04:00", "2026-03-20T12:00:00-04:00"))
                 .replace("    source: NRMP Match Week guide, 2026\n", ""))
    with pytest.raises(PackError) as caught:
        load_rulebook([path])
    assert any("source" in (d.path or "") + d.message for d in caught.value.diagnostics)


def test_a_clock_naming_no_milestone_suggests_one(tmp_path):
    body = CYCLE % ("2026-03-16T10:00:00-04:00", "2026-03-20T12:00:00-04:00") + \
        "clock:\n  phase_from: {status_relase: match_week}\n  agrees: {}\n  restrictive: [soap]\n"
    with pytest.raises(PackError) as caught:
        load_rulebook([_pack(tmp_path, body)])
    (diag,) = [d for d in caught.value.diagnostics if "status_relase" in d.message]
    assert diag.suggestion == "status_release" and diag.position.line == 13


# ---- reports say when the calendar is provisional -----------------------------------------------

def _advice(program, now, phase="soap"):
    return advise(Profile.model_validate({"schema": "soaprules/profile@1",
                                          "status": {"phase": phase, "soap_eligible": True, "now": now}}), program)


def _codes(advice):
    return {w["code"]: w for w in advice["warnings"]}


def test_a_published_year_has_no_calendar_warning(program):
    assert "provisional_calendar" not in _codes(_advice(program, "2026-03-17T10:00:00-04:00"))


def test_the_provisional_2027_calendar_is_said_in_every_format(program):
    advice = _advice(program, "2027-03-18T09:30:00-04:00")
    warning = _codes(advice)["provisional_calendar"]
    assert warning["year"] == 2027 and "nr-offer-round-now" in warning["items"]
    assert next(r for r in advice["recommendations"] if r["id"] == "nr-offer-round-now")["provisional_calendar"]
    for name, render in RENDERERS.items():
        out = io.StringIO()
        render(advice, out)
        assert "provisional" in out.getvalue(), name


def test_a_year_with_no_entry_says_its_dates_are_derived(program):
    advice = _advice(program, "2031-03-19T10:00:00-04:00")
    warning = _codes(advice)["provisional_calendar"]
    assert warning["year"] == 2031 and "no dated 2031 calendar" in warning["text"]
    assert advice["decisions"]["outreach_window"]["value"] == "nudge_only"


# ---- NRMP items cite their document, year and section --------------------------------------------

def test_every_nrmp_source_names_its_document_year_and_section():
    shipped = load_rulebook([DEFAULT_RULES_DIR])
    missing = [(r.id, s.quote) for r in shipped.rules for s in r.sources
               if s.seed == "nrmp" and not (s.document and s.year and s.section)]
    assert missing == []


def test_every_nrmp_and_soap_week_rule_citing_nrmp_policy_quotes_an_nrmp_document():
    shipped = load_rulebook([DEFAULT_RULES_DIR])
    uncited = [r.id for r in shipped.rules if r.pack in ("nrmp", "soap-week")
               and any(c.startswith("NR-") for c in r.cites) and not any(s.seed == "nrmp" for s in r.sources)]
    assert uncited == []
