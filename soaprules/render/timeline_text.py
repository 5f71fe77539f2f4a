"""The text report's pictures of time, for a terminal (render/text.py writes them only there,
so piped and saved reports keep their bytes):

- Match Week on one screen: what is done, where "now" is, then each day's milestones with
  their hour, the Now items' deadline marked. From the advice's `timeline` (the calendar
  of rules/nrmp.yaml), as the HTML's SVG week (render/timeline_svg.py) draws it.
- For a student after the Match, the months to the next cycle, each with what the
  post-Match advice says to have done by then (its own words, found by the month names
  in the recommendations' text), up to ERAS in September.
"""
from __future__ import annotations

import functools
import re
from datetime import date

from soaprules.render.timeline_svg import SHOWN

WEEK_SHOWN = {**SHOWN, "match_day": "Match Day"}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
# A season's months; the autumn starts after September's applications are in.
SEASONS = {"autumn": (10, 11), "fall": (10, 11), "winter": (12, 1, 2), "spring": (3, 4, 5), "summer": (6, 7, 8)}
NEXT_CYCLE_MONTH = 9  # ERAS opens to programs in September: the next cycle's applications go in
POST_MATCH_PHASES = ("post_soap", "gap_year", "reapplying")
_WHEN = "|".join(MONTHS + tuple(SEASONS))
# Month names are capitalised in English, so "may" the verb is not May; seasons are not.
# Compiled on first use: it costs about 20 ms, and most reports never draw the months.
_LEAD_PATTERN = (rf"^(?:[Aa]nd\s+)?(?:[Bb]y|[Ii]n|[Ff]rom|[Uu]ntil|[Dd]uring|[Oo]ver)?\s*(?:early\s+|late\s+|mid-)?"
                 rf"(?:the\s+)?(?P<first>{_WHEN})(?:\s*(?:,|and|or|to|-)\s*(?:the\s+)?(?P<second>{_WHEN}))?"
                 rf"(?:\s+at the latest)?\s*,\s*")


@functools.cache
def _lead() -> re.Pattern:
    return re.compile(_LEAD_PATTERN)


# ---- Match Week ----------------------------------------------------------------------------

def week_lines(timeline: dict | None, deadline: str | None) -> list[tuple[str, str, str | None]]:
    """(left column, text, style) lines of Match Week; none when nothing of it is ahead."""
    if not timeline:
        return []
    ahead = timeline.get("ahead") or {}
    coming = [name for name in WEEK_SHOWN if name in ahead]
    if not coming:
        return []
    out = []
    done = [WEEK_SHOWN[n] for n in WEEK_SHOWN if n in (timeline.get("passed") or [])]
    if done:
        out.append(("done", ", ".join(done), "note"))
    now = timeline.get("now_eastern")
    if now:
        out.append(("▶ now", _short_day(now) + ", " + _hour(now), "now"))
    days: dict[str, list[str]] = {}
    for name in coming:
        at = ahead[name]["at"]
        mark = "  ◀ the Now items by then" if deadline and at in deadline else ""
        days.setdefault(_short_day(at), []).append(f"{_hour(at)} {WEEK_SHOWN[name]}{mark}")
    for day, events in days.items():
        out.append((day, " · ".join(events), "now" if any("◀" in e for e in events) else None))
    return out


def _short_day(at: str) -> str:
    """'Tuesday 17 March 2026, 08:00 ET' -> 'Tue 17'."""
    found = re.match(r"(?P<weekday>[A-Z][a-z]+) (?P<day>\d+) ", at)
    return f"{found['weekday'][:3]} {found['day']}" if found else at


def _hour(at: str) -> str:
    found = re.search(r"(\d\d:\d\d)", at)
    return found.group(1) if found else ""


# ---- the months to the next cycle -----------------------------------------------------------

def day_of(advice: dict) -> date | None:
    """The Eastern day of the profile's `status.now`, read back from the timeline's
    now_eastern (packs/calendar.py writes it as 'Wednesday 1 April 2026, 10:00 ET')."""
    text = (advice.get("timeline") or {}).get("now_eastern") or ""
    found = re.search(r"\b(\d{1,2}) (" + "|".join(MONTHS) + r") (\d{4}),", text)
    return date(int(found[3]), MONTHS.index(found[2]) + 1, int(found[1])) if found else None


def months_to_next_cycle(advice: dict, today: date) -> list[tuple[str, list[str]]]:
    """[(month label, [what by then]), ...] from `today`'s month to the next September, for a
    student after the Match; empty when the advice names no month."""
    if advice.get("phase") not in POST_MATCH_PHASES:
        return []
    by_month: dict[int, list[str]] = {}
    for rec in advice.get("recommendations", []):
        for months, said in _dated_clauses(rec.get("text") or ""):
            for month in months:
                if said not in by_month.setdefault(month, []):
                    by_month[month].append(said)
    if not by_month:
        return []
    year, month = today.year, today.month
    end_year = year if month <= NEXT_CYCLE_MONTH else year + 1
    out = []
    while (year, month) <= (end_year, NEXT_CYCLE_MONTH):
        label = f"{MONTHS[month - 1][:3]} {year}"
        things = list(by_month.get(month, []))
        if (year, month) == (end_year, NEXT_CYCLE_MONTH):
            things = things or ["ERAS submitted early in the month"]
        out.append((label, things))
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return out


def _dated_clauses(text: str) -> list[tuple[tuple[int, ...], str]]:
    """The clauses of `text` that name a month or season: (months, the clause without its
    leading 'by August,' / 'in March or April,')."""
    out = []
    for clause in re.split(r";\s*|(?<=[.!?])\s+|:\s+(?=by |in )", " ".join(text.split())):
        clause = clause.strip().rstrip(".")
        found = _lead().match(clause)
        if found:
            months = _months(found["first"]) + (_months(found["second"]) if found["second"] else ())
            said = clause[found.end():]
        else:
            names = re.findall(rf"\b({_WHEN})\b", clause)
            if not names:
                continue
            months = tuple(m for name in names for m in _months(name))
            said = clause
        if said:
            out.append((tuple(dict.fromkeys(months)), said[:1].upper() + said[1:]))
    return out


def _months(name: str) -> tuple[int, ...]:
    if name in SEASONS:
        return SEASONS[name]
    return (MONTHS.index(name) + 1,)


def merged(months: list[tuple[str, list[str]]]) -> list[tuple[str, list[str]]]:
    """Consecutive months that say the same thing as one line ('Jan-Feb 2027'); empty months left out."""
    out: list[list] = []
    previous: list[str] | None = None
    for label, things in months:
        if things and previous == things:
            start = out[-1][0].split("-")[0]  # "Jan 2027"
            same_year = start.split(" ")[-1] == label.split(" ")[-1]
            out[-1][0] = f"{start.split(' ')[0] if same_year else start}-{label}"
        elif things:
            out.append([label, things])
        previous = things or None
    return [(label, things) for label, things in out]
