"""Properties of the alumni and post-match packs that pack tests can only sample: over any
post-Match profile, one first email to a prospective mentor while the team is open, the
email and plan of the stated track only, at most one gap-year role item; over any SOAP-week
alum, never both a first email and an update. Plus the seed-001 story's wording."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soaprules.pipeline import advise, advise_file
from soaprules.profile.model import Profile
from conftest import FIXTURES

PD_LEVEL = {"program_director", "associate_program_director"}
ROLES = ["program_director", "associate_program_director", "clerkship_director", "attending",
         "research_mentor", "advisor", None]
TRACK_EMAIL = {"same_specialty": "pm-05-first-contact-same-specialty",
               "pivot": "pm-05-first-contact-pivot", "undecided": "pm-05-first-contact-open",
               None: "pm-05-first-contact-open"}
TRACK_PLAN = {"same_specialty": "pm-03-same-specialty", "pivot": "pm-03-pivot",
              "undecided": "pm-03-undecided"}

mentor = st.fixed_dictionaries({}, optional={
    "role": st.sampled_from([r for r in ROLES if r]), "responsive": st.booleans(),
    "gives_specifics": st.booleans()})
post_match = st.fixed_dictionaries({}, optional={
    "plan": st.sampled_from(["same_specialty", "pivot", "undecided"]),
    "mentors": st.lists(mentor, max_size=6),
    "gap_year_options": st.lists(st.sampled_from(
        ["pd_linked_research_fellow", "non_categorical_prelim", "observership", "scribe",
         "lab_volunteer", "clinical_research_coordinator", "other"]), max_size=3, unique=True),
    "weakest_area": st.sampled_from(["letters", "scores", "professionalism", "clinical",
                                     "scholarship", "interviews"]),
    "autopsy_done": st.booleans()})


def ids(advice, prefix):
    return [r["id"] for r in advice["recommendations"] if r["id"].startswith(prefix)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(phase=st.sampled_from(["post_soap", "gap_year", "reapplying"]), pm=post_match,
       evaluations=st.sampled_from(["strong", "solid", "mixed", "concerning", None]))
def test_post_match_track_email_and_role_items(program, phase, pm, evaluations):
    data = {"schema": "soaprules/profile@1", "status": {"phase": phase},
            "target": {"specialty": "internal_medicine"}, "post_match": pm}
    if evaluations:
        data["clinical"] = {"evaluations": evaluations}
    advice = advise(Profile.model_validate(data), program)
    mentors = pm.get("mentors")
    team_open = (mentors is None or len(mentors) <= 1
                 or (len(mentors) <= 4 and not any(m.get("role") in PD_LEVEL for m in mentors)
                     and all("role" in m for m in mentors)))
    emails = ids(advice, "pm-05-")
    if team_open:
        assert emails == [TRACK_EMAIL[pm.get("plan")]]
    else:
        assert len(emails) <= 1
    plans = ids(advice, "pm-03-")
    assert plans == ([TRACK_PLAN[pm["plan"]]] if "plan" in pm else [])
    assert len(ids(advice, "pm-08-")) <= 1
    assert len(ids(advice, "pm-14-")) <= 1


alum = st.fixed_dictionaries({"relation": st.sampled_from(
    ["supervised_you", "recent_resident", "senior_alum", "committee_member", "coordinator",
     "never_spoke", "big_name_researcher", "unrelated_resident"])},
    optional={"spoke_before": st.booleans()})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(phase=st.sampled_from(["pre_match", "match_week", "soap"]),
       hour=st.integers(min_value=0, max_value=24 * 5 - 1), alumni=st.lists(alum, max_size=3),
       flagged=st.booleans())
def test_an_alum_never_gets_both_a_first_email_and_an_update(program, phase, hour, alumni, flagged):
    day, h = divmod(hour, 24)
    data = {"schema": "soaprules/profile@1",
            "status": {"phase": phase, "soap_eligible": True,
                       "now": f"2026-03-{12 + day:02d}T{h:02d}:00:00-04:00"},
            "relationships": {"alumni": alumni},
            "red_flags": [{"kind": "exam_failure", "count": 1}] if flagged else []}
    advice = advise(Profile.model_validate(data), program)
    firsts, updates = ids(advice, "al-07-"), ids(advice, "al-08-")
    assert len(firsts) <= 1 and len(updates) <= 1
    assert not (firsts and updates)


def test_seed_001_story_gets_the_update_with_one_line_on_the_exam_failure():
    advice = advise_file(FIXTURES / "profiles" / "alumni-bad-step1-timing.yaml")
    recs = {r["id"]: r for r in advice["recommendations"]}
    assert not [i for i in recs if i.startswith("al-07-")]
    update = recs["al-08-soap-week-update-with-context"]
    assert "one honest line on your exam failure" in update["text"]
    assert "About my exam failure:" in update["draft"]
    assert "al-08-soap-week-update" not in recs
