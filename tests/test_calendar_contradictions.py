"""A SOAP-week record the calendar rules out (an offer before its round, a pending offer
after its round closed, anything after a binding acceptance, a contact before programs
may make one) is said at the top of the report, naming the entry."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings, strategies as st

from soaprules.pipeline import advise
from soaprules.profile.model import Profile

EDT = datetime.fromisoformat("2026-03-16T00:00:00-04:00").tzinfo
# The 2026 schedule as NRMP published it (rules/nrmp.yaml): rounds on Thursday 19 March.
ROUNDS = {1: ("2026-03-19T09:00", "2026-03-19T11:00"), 2: ("2026-03-19T12:00", "2026-03-19T14:00"),
          3: ("2026-03-19T15:00", "2026-03-19T17:00"), 4: ("2026-03-19T18:00", "2026-03-19T20:00")}
REVIEW = datetime.fromisoformat("2026-03-17T08:00:00-04:00")


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text + ":00-04:00")


def _warned(program, now: datetime, soap_week: dict) -> set[str]:
    profile = Profile.model_validate({"schema": "soaprules/profile@1", "soap_week": soap_week,
                                      "status": {"phase": "soap", "soap_eligible": True, "now": now.isoformat()}})
    return {w["path"] for w in advise(profile, program)["warnings"] if w["code"] == "profile_contradicts_calendar"}


def _expected(now: datetime, offers: list, contacts: list) -> set[str]:
    """The calendar's reading, written out independently of the code under test."""
    out = set()
    accepted = [o["round"] for o in offers if o["response"] == "accepted"]
    for i, o in enumerate(offers):
        opens, closes = (_t(x) for x in ROUNDS[o["round"]])
        if now < opens or (o["response"] == "pending" and now >= closes):
            out.add(f"soap_week.offers[{i}]")
        if o["response"] != "accepted" and any(a < o["round"] for a in accepted):
            out.add(f"soap_week.offers[{i}]")
    if len(accepted) > 1:
        out.add("soap_week.offers")
    for i, at in enumerate(contacts):
        if at < REVIEW or at > now:
            out.add(f"soap_week.program_contacts[{i}]")
    return out


offer = st.fixed_dictionaries({"round": st.integers(1, 4), "response": st.sampled_from(
    ["pending", "accepted", "rejected", "expired"])})
moment = st.integers(0, 4 * 24 * 4).map(lambda q: datetime(2026, 3, 16, 10, tzinfo=EDT) + timedelta(minutes=15 * q))


@settings(max_examples=60, deadline=None)
@given(now=moment, offers=st.lists(offer, max_size=4), contacts=st.lists(moment, max_size=3))
def test_every_entry_the_calendar_rules_out_is_named_and_no_other(program, now, offers, contacts):
    soap_week = {"offers": offers, "program_contacts": [{"program": "Synthetic P", "at": c.isoformat()}
                                                        for c in contacts]}
    assert _warned(program, now, soap_week) == _expected(now, offers, contacts)


def test_a_consistent_week_gets_no_such_warning(program):
    now = _t("2026-03-19T13:00")
    soap_week = {"offers": [{"round": 1, "response": "rejected"}, {"round": 2, "response": "pending"}],
                 "program_contacts": [{"program": "Synthetic P", "at": "2026-03-17T09:30:00-04:00"}]}
    assert _warned(program, now, soap_week) == set()


@pytest.mark.parametrize("phase,now,result,warned", [
    ("match_week", "2026-03-16T09:00", "unmatched", True),  # an hour before release
    ("soap", "2026-03-13T12:00", "matched", True),  # the Friday before: eligibility is told, not the result
    ("match_week", "2026-03-16T10:00", "unmatched", False),  # released
    ("match_week", "2026-03-16T09:00", None, False),  # nothing claimed
    ("reapplying", "2026-03-16T09:00", "unmatched", False),  # last year's result
])
def test_a_match_result_before_results_are_released_is_named(program, phase, now, result, warned):
    status = {"phase": phase, "now": _t(now).isoformat(), **({"match_result": result} if result else {})}
    advice = advise(Profile.model_validate({"schema": "soaprules/profile@1", "status": status}), program)
    paths = {w["path"] for w in advice["warnings"] if w["code"] == "profile_contradicts_calendar"}
    assert ("status.match_result" in paths) == warned
