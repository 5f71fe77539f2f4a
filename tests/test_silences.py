"""A pack's `silences:`: a fact that ends the whole question (an accepted SOAP offer ends
the search, NR-06) sets aside the advice of every pack but the ids it keeps. Properties
over generated profiles, the load errors a dean sees, and what explain and the report say.
And a recommendation's `due:`: the "Now" deadline is the item's own, not the next milestone."""
from __future__ import annotations

import io
import json
import textwrap
from datetime import date, timedelta

from hypothesis import HealthCheck, assume, given, settings, strategies as st
from pydantic import ValidationError

from soaprules.advice import build
from soaprules.packs.calendar import eastern_at
from soaprules.cli.main import main
from soaprules.packs.load import DEFAULT_RULES_DIR
from soaprules.pipeline import advise
from soaprules.profile.model import Profile
from soaprules.render import RENDERERS
from soaprules.render.plan import plan
from soaprules.engine.session import evaluate_profile
from diagnostics_seen import names_place
from school_pack import school_pack
from strategies import model_dicts

REST = model_dicts(Profile)
ROUND_ENDS = {1: "11:00", 2: "14:00", 3: "17:00", 4: "20:00"}  # 19 March 2026, ET
ACCEPTED = {"round": 1, "program": "Riverbend Community IM (P-1101)", "response": "accepted"}


def _profile(**sections) -> Profile:
    return Profile.model_validate({"schema": "soaprules/profile@1", **sections})


def _search_over(program):
    return next(s for s in program.book.silences if s.name == "search-over")


@st.composite
def after_an_accepted_offer(draw):
    """Any generated profile whose student accepted an offer in some round, at some hour after it."""
    rest = draw(REST)
    round_ = draw(st.integers(1, 4))
    now = eastern_at(date(2026, 3, 19), ROUND_ENDS[round_]) + timedelta(hours=draw(st.integers(0, 40)))
    status = {**(rest.get("status") or {}), "phase": draw(st.sampled_from(["soap", "post_soap"])),
              "now": now.isoformat(), "soap_eligible": True}
    offers = [*((rest.get("soap_week") or {}).get("offers") or [])][:3] + [{**ACCEPTED, "round": round_}]
    return {**rest, "status": status, "soap_week": {**(rest.get("soap_week") or {}), "offers": offers}}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sections=after_an_accepted_offer())
def test_an_accepted_offer_leaves_only_the_kept_advice_in_every_pack(program, sections):
    try:
        profile = _profile(**sections)
    except ValidationError:  # a generated section may break a cross-field check
        assume(False)
    run = evaluate_profile(program, profile)
    advice = build(run)
    keep = _search_over(program).keep
    given_ids = {r["id"] for r in advice["recommendations"]}
    assert "sw-search-over" in given_ids
    assert given_ids <= keep, given_ids - keep
    # Nothing is lost silently: every fired recommendation is either given or listed as set aside.
    fired = {f.rule.recommendation_id for f in run.firings if f.rule.recommendation_id}
    aside = {s["id"] for s in advice["set_aside"]}
    assert fired == given_ids | aside and not given_ids & aside
    assert all(s["by"] == "search-over" for s in advice["set_aside"] if s["kind"] == "silence")
    # What would sharpen the advice is only what could change what is still said.
    kept_rules = {r.id for r in program.book.rules if r.recommendation_id in keep}
    assert all(set(u["rules"]) <= kept_rules for u in advice["unknowns"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rest=REST)
def test_without_an_accepted_offer_nothing_is_set_aside(program, rest):
    week = rest.get("soap_week") or {}
    offers = [o for o in week.get("offers") or [] if o.get("response") != "accepted"]
    status = rest.get("status") or {}
    if status.get("match_result") == "matched":  # outside SOAP: tests/test_policy_items.py
        status = {**status, "match_result": "unmatched"}
    try:
        profile = _profile(**{**rest, "status": status, "soap_week": {**week, "offers": offers}})
    except ValidationError:
        assume(False)
    run = evaluate_profile(program, profile)
    advice = build(run)
    assert [s for s in advice["set_aside"] if s["kind"] == "silence"] == []
    fired = {f.rule.recommendation_id for f in run.firings if f.rule.recommendation_id}
    given = {r["id"] for r in advice["recommendations"]}
    assert given | {s["id"] for s in advice["set_aside"]} == fired
    # An item is set aside only for a given item that declares it says the same.
    rules = {r.recommendation_id: r for r in program.book.rules if r.recommendation_id}
    for s in advice["set_aside"]:
        assert s["kind"] == "superseded" and s["by"] in given and s["id"] in rules[s["by"]].then.recommend.supersedes


def test_the_report_says_where_the_student_stands_once_the_search_is_over(program):
    advice = advise(_profile(status={"phase": "post_soap", "soap_eligible": True, "now": "2026-03-20T10:00:00-04:00"},
                             geography={"regions": ["west"], "max_cities": 1},
                             soap_week={"offers": [ACCEPTED]}), program)
    reason = _search_over(program).reason
    assert advice["set_aside"], "the post-SOAP advice this student would otherwise get"
    for name, render in RENDERERS.items():
        if name == "json":
            continue
        out = io.StringIO()
        render(advice, out)
        text = " ".join(out.getvalue().split())
        assert reason.split(";")[0] in text.replace("&#x27;", "'").replace("&#39;", "'"), name
    assert plan(advice)["deadline"] is None  # the search is over: no clock to beat


def test_explain_says_a_silenced_item_was_set_aside_and_by_what(runner, tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(textwrap.dedent("""\
        schema: soaprules/profile@1
        status: {phase: soap, soap_eligible: true, now: "2026-03-19T12:30:00-04:00"}
        soap_week:
          offers: [{round: 1, program: "Riverbend Community IM (P-1101)", response: accepted}]
        """))
    result = runner.invoke(main, ["explain", str(path), "nr-programs-call-first", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["reached"] is False and "set aside" in doc["summary"]
    tree = doc["tree"]
    assert tree["kind"] == "silenced" and tree["detail"]["silence"] == "search-over"
    assert {c["rule"] for c in tree["children"]} == {"nr-soap-rules-of-the-week", "sw-offer-accepted"}


# ---- what a dean sees when a silence is written wrong ------------------------------------

def test_a_misspelt_kept_id_is_a_positioned_error_with_a_suggestion(runner, tmp_path):
    path = school_pack(tmp_path, """\
        silences:
          - name: school-search-over
            when: {derived.soap_search_over: true}
            keep: [sw-search-over, sw-report-contcat]
            reason: the search is over once an offer is accepted
        """)
    result = runner.invoke(main, ["lint", str(DEFAULT_RULES_DIR), str(path)])
    assert result.exit_code == 1
    assert names_place(result.output, f"{path}:8") and "sw-report-contact" in result.output
    assert "Traceback" not in result.output


def test_a_silence_reading_a_field_that_does_not_exist_is_refused(runner, tmp_path):
    path = school_pack(tmp_path, """\
        silences:
          - name: school-search-over
            when: {soap_week.offer_accepted: true}
            keep: [sw-search-over]
            reason: the search is over once an offer is accepted
        """)
    result = runner.invoke(main, ["lint", str(DEFAULT_RULES_DIR), str(path)])
    assert result.exit_code == 1 and names_place(result.output, f"{path}:7")


def test_a_due_that_is_not_a_milestone_is_refused_with_a_suggestion(runner, tmp_path):
    path = school_pack(tmp_path, """\
        rules:
          - id: school-apply-early
            title: Apply early
            when: {status.phase: soap}
            then:
              recommend: {topic: timing, priority: high, due: programs_reveiw, text: Apply before review.}
            cites: [NR-05]
            sources: [{seed: nrmp, quote: "programs review applications"}]
        """)
    result = runner.invoke(main, ["lint", str(DEFAULT_RULES_DIR), str(path)])
    assert result.exit_code == 1 and "programs_review" in result.output
    assert names_place(result.output, f"{path}:10")


def test_an_overlay_may_switch_off_a_kept_rule(runner, tmp_path):
    path = school_pack(tmp_path, """\
        extends: [relationships]
        disable:
          - {id: rb-10-thank-after-soap, reason: our school sends its own thank-you guidance}
        """)
    result = runner.invoke(main, ["lint", str(DEFAULT_RULES_DIR), str(path)])
    assert result.exit_code == 0, result.output


# ---- the item's own deadline ----------------------------------------------------------------

def test_monday_now_is_due_when_programs_start_reviewing_not_at_the_next_milestone(program):
    advice = advise(_profile(status={"phase": "soap", "soap_eligible": True, "now": "2026-03-16T10:30:00-04:00"},
                             soap_week={"applications_in": False}), program)
    now = plan(advice)
    assert "sw-applications-by-tuesday" in {r["id"] for r in now["now"]}
    assert advice["timeline"]["next"]["name"] == "applications_open"  # 11:00, the next milestone
    assert now["deadline"].startswith("by Tuesday 17 March 2026, 08:00 ET")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rest=REST, day=st.integers(16, 20), minutes=st.integers(0, 24 * 60 - 1))
def test_the_now_deadline_is_the_earliest_one_the_now_items_declare(program, rest, day, minutes):
    now = eastern_at(date(2026, 3, day), "00:00") + timedelta(minutes=minutes)
    status = {**(rest.get("status") or {}), "phase": "soap", "now": now.isoformat()}
    try:
        advice = advise(_profile(**{**rest, "status": status}), program)
    except ValidationError:
        assume(False)
    shown = plan(advice)
    declared = [r["due"] for r in shown["now"] if r.get("due")]
    if declared:
        first = min(declared, key=lambda d: d["hours"])
        assert shown["deadline"].startswith(f"by {first['at']}")
        assert all(d["hours"] >= 0 for d in declared)  # never a deadline already passed
