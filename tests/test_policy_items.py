"""NRMP's own items outrank every pack: a school pack's silence or superseding item never
hides one (only a policy pack's silence, or an item the policy item names in
`restated_by:`); and a matched applicant, who is outside SOAP (NR-01), gets the one item
that says so, whatever else the profile holds."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st
from pydantic import ValidationError

from soaprules.cli.main import main
from soaprules.packs.load import DEFAULT_RULES_DIR
from soaprules.pipeline import advise, program_for
from soaprules.profile.model import Profile
from diagnostics_seen import names_place
from school_pack import school_pack
from strategies import model_dicts

REST = model_dicts(Profile)
SOAP_MONDAY = {"phase": "soap", "match_result": "unmatched", "soap_eligible": True,
               "now": "2026-03-16T15:00:00-04:00"}


def _profile(**sections) -> Profile:
    return Profile.model_validate({"schema": "soaprules/profile@1", **sections})


def _policy_ids(program) -> set:
    return {r.recommendation_id for r in program.book.rules if r.pack == "nrmp" and r.recommendation_id}


SCHOOL_ITEM = """\
      - id: school-our-own-line
        title: The school says it its own way
        when: {status.phase: soap}
        then:
          recommend:
            topic: policy
            priority: critical
            text: Our advising office will tell you how to handle programs this week.
            supersedes: [nr-programs-call-first, nr-partial-match-positions]
        cites: [NR-03]
        sources: [{seed: nrmp, quote: "may start communication with a program"}]
"""


def test_a_school_silence_sets_aside_its_own_advice_but_no_nrmp_item(tmp_path):
    path = school_pack(tmp_path, """\
        silences:
          - name: school-quiet-week
            when: {status.phase: soap}
            keep: [sw-applications-by-tuesday]
            reason: our advising office speaks to every student in person this week
        """)
    shipped, school = program_for(), program_for([DEFAULT_RULES_DIR, path])
    profile = _profile(status=SOAP_MONDAY)
    before, after = advise(profile, shipped), advise(profile, school)
    policy = _policy_ids(shipped)
    given_before = {r["id"] for r in before["recommendations"]}
    given_after = {r["id"] for r in after["recommendations"]}
    assert given_before & policy and given_before & policy == given_after & policy
    assert given_after - policy == {"sw-applications-by-tuesday"}  # the school's silence held for the rest
    assert not {s["id"] for s in after["set_aside"]} & policy


def test_a_bound_of_its_own_gives_a_school_pack_no_right_to_hide_an_nrmp_item(tmp_path):
    """A `bound:` only adds a limit: it does not make a school pack NRMP's equal."""
    path = school_pack(tmp_path, """\
        silences:
          - name: school-quiet-week
            when: {status.phase: [match_week, soap]}
            keep: [school-be-kind]
            reason: nothing else applies this week
        rules:
          - id: school-be-kind
            title: A bound of the school's own
            when: {status.phase: pre_match}
            then:
              bound: Be kind to every program coordinator.
            cites: [NR-03]
            sources: [{seed: nrmp, quote: "may start communication with a program"}]
        """)
    shipped, school = program_for(), program_for([DEFAULT_RULES_DIR, path])
    for status in (SOAP_MONDAY, {**SOAP_MONDAY, "now": "2026-03-19T09:30:00-04:00"}):
        before, after = advise(_profile(status=status), shipped), advise(_profile(status=status), school)
        policy = _policy_ids(shipped)
        kept = {r["id"] for r in before["recommendations"]} & policy
        assert kept and kept <= {r["id"] for r in after["recommendations"]}
        assert not {s["id"] for s in after["set_aside"]} & policy


def test_an_overlay_may_not_replace_an_item_an_nrmp_item_trusts_in_its_place(tmp_path, runner):
    """restated_by trusts the shipped wording: a replacement would carry NRMP's authority
    with the school's text (it could say the opposite of the NRMP item it sets aside)."""
    path = school_pack(tmp_path, """\
        extends: [rescue]
        replace:
          - id: rs-partial-match-story
            title: Our own partial-match line
            when: {status.match_result: partially_matched}
            then:
              recommend:
                topic: policy
                priority: critical
                text: Apply to categorical positions in any specialty you like.
                supersedes: [nr-partial-match-positions]
            cites: [NR-01]
            sources: [{seed: nrmp, quote: "may start communication with a program"}]
        """)
    result = runner.invoke(main, ["advise", "fixtures/profiles/rs20-quiet-star.yaml", "--pack", str(DEFAULT_RULES_DIR),
                                  "--pack", str(path)])
    assert result.exit_code == 1 and "restated_by" in result.output and "Traceback" not in result.output
    assert names_place(result.output, f"{path}:7")
    lint_run = runner.invoke(main, ["lint", str(DEFAULT_RULES_DIR), str(path)])
    assert lint_run.exit_code == 1 and "restated_by" in lint_run.output
    disabled = school_pack(tmp_path, "extends: [rescue]\ndisable:\n"
                                     "  - {id: rs-partial-match-story, reason: we tell this story in person}\n")
    profile = _profile(status={**SOAP_MONDAY, "match_result": "partially_matched",
                               "partial_match": {"part": "advanced", "specialty": "radiology"}})
    given = {r["id"] for r in advise(profile, program_for([DEFAULT_RULES_DIR, disabled]))["recommendations"]}
    assert "nr-partial-match-positions" in given  # switched off, the NRMP item is said again


def test_a_school_item_that_claims_to_say_an_nrmp_item_does_not_replace_it(tmp_path):
    path = school_pack(tmp_path, "rules:\n" + SCHOOL_ITEM)
    school = program_for([DEFAULT_RULES_DIR, path])
    given = {r["id"] for r in advise(_profile(status=SOAP_MONDAY), school)["recommendations"]}
    assert {"school-our-own-line", "nr-programs-call-first"} <= given


def test_the_items_an_nrmp_item_names_may_say_it_in_its_place(program):
    profile = _profile(status={**SOAP_MONDAY, "match_result": "partially_matched",
                               "partial_match": {"part": "advanced", "specialty": "radiology"}})
    advice = advise(profile, program)
    given = {r["id"] for r in advice["recommendations"]}
    assert "rs-partial-match-story" in given and "nr-partial-match-positions" not in given
    assert {"id": "nr-partial-match-positions", "kind": "superseded", "by": "rs-partial-match-story"}.items() <= \
        next(s for s in advice["set_aside"] if s["id"] == "nr-partial-match-positions").items()


def test_a_misspelt_restated_by_is_a_positioned_error_with_a_suggestion(runner, tmp_path):
    path = school_pack(tmp_path, """\
        rules:
          - id: school-policy-line
            title: A policy line
            when: {status.phase: soap}
            then:
              recommend:
                topic: policy
                priority: high
                text: Programs make the first move this week.
                restated_by: [rs-partial-match-stroy]
              bound: Apply only through the SOAP list.
            cites: [NR-03]
            sources: [{seed: nrmp, quote: "may start communication with a program"}]
        """)
    result = runner.invoke(main, ["lint", str(DEFAULT_RULES_DIR), str(path)])
    assert result.exit_code == 1 and "rs-partial-match-story" in result.output
    assert names_place(result.output, f"{path}:6") and "Traceback" not in result.output


# ---- a matched applicant ----------------------------------------------------------------

@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rest=REST, phase=st.sampled_from(["pre_match", "match_week", "soap", "post_soap", "gap_year", "reapplying"]))
def test_a_matched_applicant_is_told_only_that_soap_is_not_for_them(program, rest, phase):
    week = rest.get("soap_week") or {}
    offers = [o for o in week.get("offers") or [] if o.get("response") != "accepted"]
    status = {**(rest.get("status") or {}), "phase": phase, "match_result": "matched"}
    try:
        profile = _profile(**{**rest, "status": status, "soap_week": {**week, "offers": offers}})
    except ValidationError:
        assume(False)
    advice = advise(profile, program)
    assert [r["id"] for r in advice["recommendations"]] == ["nr-matched-no-soap"]
    assert not any(r.get("contacts_program") for r in advice["recommendations"])


def test_a_soap_acceptance_is_not_read_as_a_main_match_result(program):
    profile = _profile(status={**SOAP_MONDAY, "phase": "post_soap", "match_result": "matched",
                               "now": "2026-03-20T09:00:00-04:00"},
                       soap_week={"offers": [{"round": 2, "program": "Riverbend FM (P-2)", "response": "accepted"}]})
    given = {r["id"] for r in advise(profile, program)["recommendations"]}
    assert "sw-search-over" in given and "nr-matched-no-soap" not in given


# ---- a derived fact is a constant ------------------------------------------------------------


@pytest.mark.parametrize("text, named", [("for {target.specialty}", "{target.specialty}"),
                                         ("open brace { alone", "{ alone"), ("close } alone", "}"),
                                         ("{derived.y|none} today", "{derived.y|none}")])
def test_a_derived_text_that_would_reach_the_student_unfilled_is_refused_where_it_stands(tmp_path, runner,
                                                                                         text, named):
    path = school_pack(tmp_path, f"""\
        rules:
          - id: school-derives
            title: A derived text
            when: {{status.phase: soap}}
            then: {{derive: {{school_line: "{text}"}}}}
            cites: [NR-03]
            sources: [{{seed: nrmp, quote: "may start communication with a program"}}]
        """)
    result = runner.invoke(main, ["advise", "fixtures/profiles/rs20-quiet-star.yaml", "--pack", str(DEFAULT_RULES_DIR),
                                  "--pack", str(path)])
    assert result.exit_code == 1 and named in result.output and "Traceback" not in result.output
    assert names_place(result.output, f"{path}:9")


def test_a_derived_text_may_still_quote_a_parameter(tmp_path):
    path = school_pack(tmp_path, """\
        rules:
          - id: school-derives
            title: A derived text
            when: {status.phase: soap}
            then: {derive: {school_line: "at most {$soap_application_cap} in all"}}
            cites: [NR-03]
            sources: [{seed: nrmp, quote: "may start communication with a program"}]
        """)
    rule = program_for([DEFAULT_RULES_DIR, path]).book.rule("school-derives")
    assert rule.then.derive["school_line"] == "at most 45 in all"
