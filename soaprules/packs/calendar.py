"""The Match Week clock: which cycle an instant belongs to, where in it it falls, and
what that says of the phase.

The dates, their sources and the phase each period implies are data in the nrmp pack;
this module only does the date arithmetic: US Eastern time, the nth weekday of a month,
the last milestone passed.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
EST, EDT = timezone(timedelta(hours=-5), "EST"), timezone(timedelta(hours=-4), "EDT")


@dataclass(frozen=True)
class Cycle:
    year: int
    source: str
    provisional: bool
    milestones: tuple  # ((name, at, label), ...) in time order
    derived: bool = False  # computed from the calendar rule: the year has no dated entry

    @property
    def names(self) -> tuple:
        return tuple(name for name, _, _ in self.milestones)


def nth_weekday(year: int, month: int, weekday: str, nth: int) -> date:
    first = date(year, month, 1)
    offset = (WEEKDAYS.index(weekday) - first.weekday()) % 7
    return first + timedelta(days=offset + 7 * (nth - 1))


@functools.lru_cache(maxsize=256)  # pure, and asked for on every eastern(): once per year
def _dst_bounds(year: int) -> tuple[datetime, datetime]:
    """US daylight time (since 2007): second Sunday of March 02:00 EST to first Sunday of November 02:00 EDT."""
    start = datetime.combine(nth_weekday(year, 3, "sunday", 2), time(2), EST)
    end = datetime.combine(nth_weekday(year, 11, "sunday", 1), time(2), EDT)
    return start, end


def eastern(at: datetime) -> datetime:
    """The same instant on the US Eastern clock (NRMP's schedule is in Eastern time)."""
    standard = at.astimezone(EST)
    start, end = _dst_bounds(standard.year)
    return at.astimezone(EDT) if start <= at < end else standard


def eastern_at(day: date, hhmm: str) -> datetime:
    """A wall-clock Eastern time on `day`, with the offset in force then."""
    naive = datetime.combine(day, time.fromisoformat(hhmm))
    start, end = _dst_bounds(day.year)
    local = naive.replace(tzinfo=EDT)
    return local if start <= local < end else naive.replace(tzinfo=EST)


def cycle_year(now: datetime) -> int:
    """The Match cycle of an instant is its calendar year in Eastern time, whatever offset it was given in."""
    return eastern(now).year


def derived_cycle(rule, year: int) -> Cycle:
    """A provisional calendar for a year the pack does not date, from its declared pattern."""
    match_day = nth_weekday(year, rule.match_day.month, rule.match_day.weekday, rule.match_day.nth)
    milestones = tuple((m.name, eastern_at(match_day + timedelta(days=m.day), m.time), m.label)
                       for m in rule.milestones)
    source = f"{rule.source} (no dated entry for {year}: derived from the pattern, provisional)"
    return Cycle(year, source, True, milestones, derived=True)


def cycle_for(calendar: dict, rule, now: datetime) -> Cycle | None:
    year = cycle_year(now)
    if year in calendar:
        return calendar[year]
    return derived_cycle(rule, year) if rule is not None else None


def timeline(calendar: dict, rule, now: datetime | None) -> dict | None:
    """Where `now` falls in its cycle: the last milestone passed (before_calendar before the
    first), whole hours to each milestone, and what the next one is, for the advice's wording."""
    if now is None:
        return None
    cycle = cycle_for(calendar, rule, now)
    if cycle is None:
        return None
    passed = [m for m in cycle.milestones if m[1] <= now]
    ahead = [m for m in cycle.milestones if m[1] > now]
    out = {"segment": passed[-1][0] if passed else "before_calendar",
           "hours_to": {name: int((at - now).total_seconds() // 3600) for name, at, _ in cycle.milestones},
           "year": cycle.year, "provisional": cycle.provisional, "source": cycle.source,
           "derived": cycle.derived, "now_eastern": _clock(eastern(now), with_day=True),
           "passed": [name for name, _, _ in passed]}
    labels = {m.name: m.label for m in rule.milestones if m.label} if rule is not None else {}
    if passed:
        out["label"] = passed[-1][2] or labels.get(passed[-1][0], passed[-1][0])
    # Every milestone still ahead, so an item can name its own deadline (a recommendation's `due:`).
    deadlines = {m.name: m.deadline for m in rule.milestones if m.deadline} if rule is not None else {}
    out["ahead"] = {name: {"name": name, "at": _eastern_clock(at),
                           "label": label or labels.get(name, name),
                           **({"deadline": deadlines[name]} if name in deadlines else {})}
                    for name, at, label in ahead}
    if ahead:
        out["next"] = out["ahead"][ahead[0][0]]
    return out


@functools.lru_cache(maxsize=1024)  # a cycle's milestones are few and read by every profile
def _eastern_clock(at: datetime) -> str:
    return _clock(eastern(at), with_day=True)


def eastern_clock(at: datetime) -> str:
    """`at` as the advice says a time: "Wednesday 18 March 2026, 09:40 ET"."""
    return _eastern_clock(at)


def _clock(at: datetime, with_day: bool = False) -> str:
    day = f"{at.strftime('%A')} {at.day} {at.strftime('%B')} {at.year}, " if with_day else ""
    return f"{day}{at.strftime('%H:%M')} ET"


# ---- the phase the calendar implies ------------------------------------------------------

@dataclass(frozen=True)
class PhaseReading:
    stated: str | None
    calendar: str | None  # the phase the calendar implies, None where it says nothing
    used: str | None  # the phase the advice is read for
    contradicted: bool = False  # the calendar says otherwise, even where the stated phase is kept

    @property
    def disagrees(self) -> bool:
        return self.used != self.stated


def read_phase(clock, stated: str | None, passed: list | None) -> PhaseReading:
    """The calendar decides where SOAP stands; a stated phase that disagrees gives way to the
    more restrictive of the two readings (clock.restrictive, most restrictive first).
    `passed`: the cycle's milestones passed so far, in order."""
    marks = [name for name in passed or () if clock is not None and name in clock.phase_from]
    if not marks:
        return PhaseReading(stated, None, stated)
    implied = clock.phase_from[marks[-1]]
    consistent = clock.agrees.get(implied, [implied])
    if stated is None or stated in consistent or stated not in clock.restrictive:
        return PhaseReading(stated, implied, stated)
    order = clock.restrictive
    used = min((stated, implied), key=lambda p: order.index(p) if p in order else len(order))
    return PhaseReading(stated, implied, used, contradicted=True)


def contradictions(calendar: dict, rule, now: datetime | None, soap_week: dict | None,
                   status: dict | None = None) -> list[tuple[str, str]]:
    """(path, what) of each SOAP-week entry the calendar rules out at `now`: a Match result
    known before results are released, an offer from a round not yet open, one still pending
    after its round closed, anything after a binding acceptance, a program contact before
    programs may make one or after now. Advice read from such a record would rest on a week
    that cannot have happened."""
    cycle = cycle_for(calendar, rule, now) if now is not None else None
    if cycle is None:
        return []
    at = {name: when for name, when, _ in cycle.milestones}
    out = _result_too_early(at, now, status or {})
    if not isinstance(soap_week, dict):
        return out
    offers = [o for o in soap_week.get("offers") or [] if isinstance(o, dict)]
    accepted = [o.get("round") for o in offers if o.get("response") == "accepted"]
    for i, offer in enumerate(offers):
        path, r = f"soap_week.offers[{i}]", offer.get("round")
        opens, closes = at.get(f"round_{r}"), at.get(f"round_{r}_ends")
        if opens is not None and now < opens:
            out.append((path, f"lists an offer from round {r}, which opens {_eastern_clock(opens)}"))
        elif offer.get("response") == "pending" and closes is not None and now >= closes:
            out.append((path, f"lists a round {r} offer as pending, but that round closed {_eastern_clock(closes)} "
                              "and an offer not accepted in its round expires: record it as expired"))
        if offer.get("response") != "accepted" and accepted and isinstance(r, int) and \
                any(isinstance(a, int) and a < r for a in accepted):
            out.append((path, f"lists a round {r} offer after an accepted one; accepting is binding, and no "
                              "offer follows it"))
    if len(accepted) > 1:
        out.append(("soap_week.offers", "lists more than one accepted offer; an accepted offer is binding, so there "
                                        "can be only one"))
    review = at.get("programs_review")
    for i, contact in enumerate(c for c in soap_week.get("program_contacts") or [] if isinstance(c, dict)):
        when = contact.get("at")
        if not isinstance(when, datetime):
            continue
        if review is not None and when < review:
            out.append((f"soap_week.program_contacts[{i}]", f"lists a program contact at {_eastern_clock(when)}, "
                        f"before programs may contact applicants ({_eastern_clock(review)})"))
        elif when > now:
            out.append((f"soap_week.program_contacts[{i}]", f"lists a program contact at {_eastern_clock(when)}, "
                        f"after now ({_eastern_clock(now)})"))
    return out


RESULT_WEEK = timedelta(days=7)  # a result given in the days before release is this cycle's, not last year's


def _result_too_early(at: dict, now: datetime, status: dict) -> list[tuple[str, str]]:
    """A Match result in a profile that says it is in Match Week, before Monday's release."""
    release, result = at.get("status_release"), status.get("match_result")
    if release is None or result is None or status.get("phase") not in ("match_week", "soap"):
        return []
    if release - RESULT_WEEK <= now < release:
        return [("status.match_result", f"gives a Match result ({result}) at {_eastern_clock(now)}, before "
                                        f"results are released ({_eastern_clock(release)})")]
    return []
