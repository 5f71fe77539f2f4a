"""The clock is the truth for NRMP bounds, and the SOAP week as it happens: properties
over (phase, now) pairs on the shipped packs, and what the reports must and must not say."""
from __future__ import annotations

import io
import re
from datetime import timedelta, timezone

from hypothesis import HealthCheck, assume, given, settings, strategies as st
from pydantic import ValidationError

from soaprules.packs.calendar import derived_cycle, eastern
from soaprules.pipeline import advise
from soaprules.profile.model import Profile
from soaprules.render import RENDERERS
from strategies import model_dicts

REST = model_dicts(Profile)  # every other section, as generated from the schema
# The phases of this year's Match. A gap-year or reapplying student is, by the profile's own
# account, not in this year's SOAP, and NRMP's SOAP rules bind Match participants (NR-03, NR-04).
PHASES = [None, "pre_match", "match_week", "soap", "post_soap"]
NRMP_BOUNDS = {"NR-03", "NR-04"}
UNLOCKS = re.compile(r"SOAP is over|you may now contact programs", re.I)


def _profile(**sections) -> Profile:
    return Profile.model_validate({"schema": "soaprules/profile@1", **sections})


def _texts(advice) -> str:
    return "\n".join(r["text"] + "\n" + r.get("draft", "") for r in advice["recommendations"])


@st.composite
def clock_and_phase(draw):
    """A stated phase and an instant around some year's Match Week, in any UTC offset."""
    year = draw(st.integers(2024, 2030))
    start = dict((n, w) for n, w, _ in derived_cycle(_rule(), year).milestones)["status_release"]
    now = start + timedelta(minutes=draw(st.integers(-2 * 24 * 60, 6 * 24 * 60)))
    now = now.astimezone(timezone(timedelta(minutes=15 * draw(st.integers(-40, 56)))))
    status = {"phase": draw(st.sampled_from(PHASES)), "now": now.isoformat(),
              "soap_eligible": draw(st.sampled_from([True, False, None]))}
    return {k: v for k, v in status.items() if v is not None}


_RULE = []


def _rule():
    if not _RULE:
        from soaprules.pipeline import program_for
        _RULE.append(program_for().book.calendar_rule)
    return _RULE[0]


def _soap_running(run) -> bool:
    """What the calendar (the nrmp pack's clock) says, whatever phase the profile states."""
    return run.phase_reading is not None and run.phase_reading.calendar == "soap"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(status=clock_and_phase(), rest=REST)
def test_nothing_unlocks_program_contact_while_the_calendar_says_soap_runs(program, status, rest):
    from soaprules.engine.session import evaluate_profile
    from soaprules.advice import build
    try:
        profile = _profile(**{**rest, "status": status})
    except ValidationError:  # the generated sections may break a cross-field check
        assume(False)
    run = evaluate_profile(program, profile)
    advice = build(run)
    if not _soap_running(run):
        return
    for rec in advice["recommendations"]:
        if rec.get("contacts_program"):
            cited = {c for b in rec["bounds"] for c in b["cites"]}
            assert cited & NRMP_BOUNDS, f"{rec['id']} unlocks program contact while SOAP runs ({status})"
        assert not UNLOCKS.search(rec["text"]), (rec["id"], status)
    stated = status.get("phase")
    if stated in ("pre_match", "post_soap"):  # the calendar overrules the phase, and says so
        assert advice["phase"] in ("match_week", "soap")
        (warning,) = [w for w in advice["warnings"] if w["code"] == "phase_disagrees_with_calendar"]
        assert warning["stated_phase"] == stated and warning["used_phase"] == advice["phase"]


@settings(max_examples=60, deadline=None)
@given(status=clock_and_phase())
def test_after_soap_nothing_speaks_of_soap_as_running(program, status):
    advice = advise(_profile(status={**status, "phase": "post_soap"}), program)
    if advice["phase"] != "post_soap":
        return  # the calendar said SOAP was running: covered above
    text = _texts(advice)
    assert "programs make the first move" not in text and "in SOAP this week" not in text
    assert not {"nr-offer-round-now", "nr-next-offer-round", "nr-offers-binding"} & \
        {r["id"] for r in advice["recommendations"]}


# The 2026-pattern week read independently of the pack's clock: from results (Monday 10:00)
# Match Week, from the list's opening (11:00) SOAP, from Thursday 21:00 after SOAP; and which
# stated phases agree with each.
AGREE = {"match_week": {"match_week", "soap"}, "soap": {"match_week", "soap"}, "post_soap": {"post_soap", "pre_match"}}


def _calendar_phase(now):
    """The phase this year's week implies (None before its results: no cycle has begun)."""
    at = dict((n, w) for n, w, _ in derived_cycle(_rule(), now.year).milestones)
    if now < at["status_release"]:
        return None
    if now < at["applications_open"]:
        return "match_week"
    return "soap" if now < at["soap_ends"] else "post_soap"


@settings(max_examples=150, deadline=None)
@given(status=clock_and_phase())
def test_a_stated_phase_the_calendar_contradicts_is_always_reported(program, status):
    """Whichever reading the advice keeps: after Thursday 21:00 a profile still saying soap is
    read as soap (the restrictive reading), and must be told the clock says SOAP is over."""
    from datetime import datetime

    stated = status.get("phase")
    assume(stated is not None)
    calendar = _calendar_phase(datetime.fromisoformat(status["now"]))
    advice = advise(_profile(status=status), program)
    warned = [w for w in advice["warnings"] if w["code"] == "phase_disagrees_with_calendar"]
    expected = calendar is not None and stated not in AGREE[calendar]
    assert bool(warned) == expected, (status, calendar, warned)
    if warned:
        assert warned[0]["stated_phase"] == stated and warned[0]["calendar_phase"] == calendar
        assert stated in warned[0]["text"] and calendar in warned[0]["text"]


def test_the_phase_warning_is_in_every_format(program):
    advice = advise(_profile(status={"phase": "post_soap", "soap_eligible": True,
                                     "now": "2026-03-19T14:00:00-04:00"}), program)
    assert advice["phase"] == "soap" and not UNLOCKS.search(_texts(advice))
    for name, render in RENDERERS.items():
        out = io.StringIO()
        render(advice, out)
        assert "post_soap" in out.getvalue() and "more restrictive" in out.getvalue(), name


def test_a_phase_the_calendar_agrees_with_gets_no_warning(program):
    advice = advise(_profile(status={"phase": "soap", "soap_eligible": True,
                                     "now": "2026-03-17T10:00:00-04:00"}), program)
    assert advice["warnings"] == []


# ---- what the week's reports say -------------------------------------------------------------

def _say(program, now, phase="soap", eligible=True, **sections) -> tuple[dict, dict]:
    advice = advise(_profile(status={"phase": phase, "soap_eligible": eligible, "now": now}, **sections), program)
    return advice, {r["id"]: r for r in advice["recommendations"]}


def test_monday_names_the_tuesday_0800_deadline(program):
    _, recs = _say(program, "2026-03-16T13:30:00-04:00", soap_week={"applications_in": False})
    item = recs["sw-applications-by-tuesday"]
    assert item["priority"] == "critical" and "Tuesday at 08:00 ET" in item["text"]
    assert "about 18 hours" in item["text"]  # 13:30 Monday to 08:00 Tuesday


def test_tuesday_afternoon_with_applications_in_is_not_told_to_get_them_in(program):
    advice, recs = _say(program, "2026-03-17T15:00:00-04:00", soap_week={"applications_in": True},
                        relationships={"faculty": [{"role": "clerkship_director", "knows_you": "well"}]})
    assert "before your applications go in" not in _texts(advice).lower()
    assert not {"sw-applications-by-tuesday", "sw-submit-now"} & set(recs)


def test_a_contacted_program_is_named_and_only_it_may_be_spoken_to(program):
    _, recs = _say(program, "2026-03-17T09:40:00-04:00", soap_week={"program_contacts": [
        {"program": "Lakeshore Family Medicine (P-2207)", "applied": True}]})
    item = recs["sw-reply-and-advocate"]
    assert "Waiting for your reply: Lakeshore Family Medicine (P-2207)." in item["text"]
    assert "within the hour" in item["text"] and "only to them" in item["text"]
    assert {"NR-03"} <= {c for b in item["bounds"] for c in b["cites"]}


def test_a_contact_from_a_program_not_applied_to_is_reported(program):
    _, recs = _say(program, "2026-03-17T09:40:00-04:00", soap_week={"program_contacts": [
        {"program": "Hillcrest IM (P-3318)", "applied": False}]})
    assert "report" in recs["sw-report-contact"]["text"] and "Hillcrest IM (P-3318)" in recs["sw-report-contact"]["text"]
    assert "sw-reply-and-advocate" not in recs


def test_the_binding_offer_reminder_follows_the_round(program):
    said = {}
    for now in ("2026-03-18T16:00", "2026-03-19T09:30", "2026-03-19T11:30", "2026-03-19T18:30", "2026-03-19T20:30"):
        _, recs = _say(program, now + ":00-04:00")
        said[now[-5:]] = " ".join(recs[i]["text"] for i in ("nr-offers-binding", "nr-offer-round-now",
                                                             "nr-next-offer-round") if i in recs)
    assert "Offers come on Thursday" in said["16:00"]
    assert "offer round 1" in said["09:30"] and "Offers come on Thursday" not in said["09:30"]
    assert "offer round 2" in said["11:30"] and "12:00 ET" in said["11:30"]
    assert "offer round 4" in said["18:30"] and "20:00 ET" in said["18:30"]
    assert said["20:30"] == ""  # the rounds are over; SOAP ends at 21:00


def test_an_accepted_offer_ends_the_search(program):
    _, recs = _say(program, "2026-03-19T11:30:00-04:00", soap_week={
        "program_contacts": [{"program": "Lakeshore FM (P-2207)", "applied": True}],
        "offers": [{"round": 1, "program": "Lakeshore FM (P-2207)", "response": "accepted"}]})
    assert recs["sw-search-over"]["priority"] == "critical"
    assert "Lakeshore FM (P-2207)" in recs["sw-search-over"]["text"]
    assert not {"sw-reply-and-advocate", "nr-next-offer-round", "nr-programs-call-first"} & set(recs)


def test_an_ineligible_student_is_barred_from_match_programs_only(program):
    _, recs = _say(program, "2026-03-17T10:00:00-04:00", eligible=False)
    text = recs["nr-ineligible-this-week"]["text"]
    assert "takes part in the Match" in text and "contact any program," not in text
    assert "21:00 ET" in text


def test_eastern_time_is_daylight_time_in_match_week():
    at = eastern(derived_cycle(_rule(), 2027).milestones[0][1])
    assert at.utcoffset() == timedelta(hours=-4) and at.hour == 10


@st.composite
def offers_in_a_round(draw):
    """An instant inside one of Thursday's offer rounds, and the offers a student holds then:
    one to three pending in that round (an offer lives only in its round), beside any number
    already answered."""
    year = draw(st.integers(2024, 2030))
    times = dict((n, w) for n, w, _ in derived_cycle(_rule(), year).milestones)
    rnd = draw(st.integers(1, 4))
    opens, closes = times[f"round_{rnd}"], times[f"round_{rnd}_ends"]
    now = opens + timedelta(minutes=draw(st.integers(0, int((closes - opens).total_seconds() // 60) - 1)))
    names = draw(st.lists(st.integers(1000, 9999), min_size=1, max_size=5, unique=True))
    pending = draw(st.integers(1, min(3, len(names))))
    offers = [{"round": rnd, "program": f"Program P-{n}", "response": "pending"} for n in names[:pending]]
    offers += [{"round": draw(st.integers(1, rnd)), "program": f"Program P-{n}",
                "response": draw(st.sampled_from(["rejected", "expired"]))} for n in names[pending:]]
    return now, draw(st.permutations(offers))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=offers_in_a_round(), rest=REST)
def test_every_offer_waiting_in_the_open_round_is_named(program, case, rest):
    """Accepting one offer is binding and lets the others lapse (NR-06): a report that named
    only the first would let a student accept it without weighing the rest."""
    from soaprules.engine.session import evaluate_profile
    from soaprules.advice import build
    now, offers = case
    try:
        profile = _profile(**{**rest, "status": {"phase": "soap", "now": now.isoformat(), "soap_eligible": True,
                                                 "match_result": "unmatched"},
                              "soap_week": {**(rest.get("soap_week") or {}), "offers": list(offers)}})
    except ValidationError:
        assume(False)
    advice = build(evaluate_profile(program, profile))
    texts = _texts(advice)
    for offer in offers:
        if offer["response"] == "pending":
            assert offer["program"] in texts, (offer, [r["id"] for r in advice["recommendations"]])
    if sum(o["response"] == "pending" for o in offers) > 1:
        assert "only one" in texts


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(status=clock_and_phase(), rest=REST, phase=st.sampled_from(["gap_year", "reapplying"]))
def test_a_student_between_cycles_is_bound_while_a_later_soap_runs(program, status, rest, phase):
    """A gap year or a reapplication reaches the next Match Week; while its SOAP runs, no
    item has anyone contact a program without the NRMP bound."""
    from soaprules.engine.session import evaluate_profile
    from soaprules.advice import build
    try:
        profile = _profile(**{**rest, "status": {**status, "phase": phase}})
    except ValidationError:
        assume(False)
    run = evaluate_profile(program, profile)
    segment = (run.world.timeline or {}).get("segment")
    running = ["status_release", "applications_open", "monday_afternoon", "programs_review", "wednesday", "thursday",
               *(f"round_{n}{end}" for n in range(1, 5) for end in ("", "_ends"))]  # results out to 21:00 Thursday
    if segment not in running or status.get("soap_eligible") is False:
        return
    for rec in build(run)["recommendations"]:
        if rec.get("contacts_program"):
            cited = {c for b in rec["bounds"] for c in b["cites"]}
            assert cited & NRMP_BOUNDS, f"{rec['id']} has program contact in SOAP week without the bound ({status})"


@st.composite
def contacts_on_wednesday(draw):
    """Programs the student applied to that contacted them, some answered and some not, on
    Wednesday of some year's Match Week (after programs may call, before the offers)."""
    year = draw(st.integers(2024, 2030))
    times = dict((n, w) for n, w, _ in derived_cycle(_rule(), year).milestones)
    now = times["wednesday"] + timedelta(hours=draw(st.integers(8, 20)))
    names = draw(st.lists(st.integers(1000, 9999), min_size=1, max_size=4, unique=True))
    replied = draw(st.lists(st.booleans(), min_size=len(names), max_size=len(names)))
    contacts = [{"program": f"Program P-{n}", "applied": True, "replied": r,
                 "at": (times["programs_review"] + timedelta(hours=1)).isoformat()} for n, r in zip(names, replied)]
    return now, contacts


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=contacts_on_wednesday())
def test_every_program_that_contacted_the_student_is_named(program, case):
    """NR-03 opens contact program by program: an item that named only the first program
    would leave the others unanswered, or leave the advocate unsure which ones are open."""
    from soaprules.advice import build
    from soaprules.engine.session import evaluate_profile
    now, contacts = case
    profile = _profile(status={"phase": "soap", "now": now.isoformat(), "soap_eligible": True,
                               "match_result": "unmatched"}, soap_week={"program_contacts": contacts})
    advice = build(evaluate_profile(program, profile))
    texts = _texts(advice)
    for contact in contacts:
        assert contact["program"] in texts, (contact, [r["id"] for r in advice["recommendations"]])
