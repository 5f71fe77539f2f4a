"""`or_unknown: true` beside a test: it holds when the test holds or the value is not known.
It means exactly the `any: [test, {path: {missing: true}}]` a dean used to write, in every
position (top level, under `not`, inside `where:`), through the engine and the reference."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test_semantics import fires

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                           HealthCheck.too_slow])
# (the short form, the hand-written form it stands for)
FORMS = [
    ("{exams.step2.score: {lt: 220, or_unknown: true}}",
     "{any: [{exams.step2.score: {lt: 220}}, {exams.step2.score: {missing: true}}]}"),
    ("{not: {exams.step2.score: {lt: 220, or_unknown: true}}}",
     "{not: {any: [{exams.step2.score: {lt: 220}}, {exams.step2.score: {missing: true}}]}}"),
    ("{exams.step2.score: {gte: 200, lt: 230, or_unknown: true}}",
     "{any: [{all: [{exams.step2.score: {gte: 200}}, {exams.step2.score: {lt: 230}}]}, "
     "{exams.step2.score: {missing: true}}]}"),
    ("{some: relationships.faculty, where: {knows_you: {in: [well], or_unknown: true}}}",
     "{some: relationships.faculty, where: {any: [{knows_you: [well]}, {knows_you: {missing: true}}]}}"),
    ("{conduct.staff_complaints: {eq: false, or_unknown: false}}", "{conduct.staff_complaints: false}"),
]
scores = st.one_of(st.none(), st.integers(min_value=150, max_value=260))
knows = st.one_of(st.none(), st.sampled_from(["well", "barely", "somewhat"]))


def _profile(score, faculty, complaints) -> dict:
    out: dict = {"exams": {"step2": {} if score is None else {"score": score}}}
    if faculty is not None:
        out["relationships"] = {"faculty": [{} if k is None else {"knows_you": k} for k in faculty]}
    if complaints is not None:
        out["conduct"] = {"staff_complaints": complaints}
    return out


@pytest.mark.parametrize("short,long", FORMS)
@SETTINGS
@given(score=scores, faculty=st.one_of(st.none(), st.lists(knows, max_size=3)), complaints=st.none() | st.booleans())
def test_the_short_form_means_the_long_one(tmp_path_factory, short, long, score, faculty, complaints):
    profile = _profile(score, faculty, complaints)
    tmp = tmp_path_factory.mktemp("ou")
    assert fires(tmp, short, profile) == fires(tmp, long, profile)


@pytest.mark.parametrize("when,why", [
    ("{exams.step2.score: {lt: 220, or_unknown: yes please}}", "takes true or false"),
    ("{exams.step2.score: {missing: true, or_unknown: true}}", "says nothing"),
    ("{exams.step2.score: {or_unknown: true}}", "no operator given"),
])
def test_a_misused_or_unknown_is_refused_where_written(tmp_path, when, why):
    from soaprules.errors import PackError
    with pytest.raises(PackError) as err:
        fires(tmp_path, when, {})
    assert any(why in d.message for d in err.value.diagnostics)
    assert all(d.position is not None for d in err.value.diagnostics)


TIMELINE_FORMS = ["{timeline.segment: {missing: true}}", "{timeline.segment: {exists: true}}",
                  "{timeline.segment: {in: [wednesday, thursday], or_unknown: true}}",
                  "{not: {timeline.segment: {in: [wednesday], or_unknown: true}}}",
                  "{timeline.hours_to.match_day: {gt: 0, or_unknown: true}}",
                  "{timeline.hours_to.match_day: {missing: true}}"]
NOWS = [None, "2026-03-18T10:00:00-04:00", "2026-03-19T09:30:00-04:00", "2026-08-01T10:00:00-04:00"]


@pytest.mark.parametrize("when", TIMELINE_FORMS)
def test_timeline_tests_read_alike_with_and_without_a_clock(tmp_path, when):
    """Without status.now there is no clock, so a timeline field is unknown: `missing` holds
    and `or_unknown` lets the test hold, in the compiled engine as in the reference (the
    engine had no timeline fact at all then, and matched neither)."""
    from soaprules.engine.compile import compile_book
    from soaprules.engine.session import ReferenceMatcher, evaluate_profile
    from soaprules.packs.load import DEFAULT_RULES_DIR, load_rulebook
    from soaprules.profile.model import Profile
    from test_semantics import PACK

    pack = tmp_path / "t.yaml"
    pack.write_text(PACK + f"  - id: r\n    title: t\n    when: {when}\n    then: {{decide: {{d: a}}}}\n"
                           "    cites: [RS-04]\n    sources: [{seed: nrmp, quote: \"q q q\"}]\n")
    program = compile_book(load_rulebook([DEFAULT_RULES_DIR, pack]))
    seen = set()
    for now in NOWS:
        status = {"phase": "soap"} if now is None else {"phase": "soap", "now": now}
        profile = Profile.model_validate({"schema": "soaprules/profile@1", "status": status})
        results = {m is None: "d" in evaluate_profile(program, profile, m).decisions
                   for m in (None, ReferenceMatcher())}
        assert len(set(results.values())) == 1, (when, now, results)
        seen.add(results[True])
    if "missing" in when or "or_unknown" in when:
        assert True in seen  # without a clock, at least, it holds
