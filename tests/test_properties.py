"""Properties of the whole advisor, with hypothesis: no valid profile crashes it; more
trouble never makes a student look better; generated packs load or fail positioned."""
from __future__ import annotations

import io

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soaprules.engine.compile import compile_book
from soaprules.errors import InputFileError, PackError
from soaprules.packs.load import load_rulebook
from soaprules.pipeline import advise
from soaprules.profile.model import Profile
from soaprules.render import RENDERERS
from soaprules.profile.fields import profile_fields
from strategies import model_dicts, profiles

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
RISK = ("none", "single_explained", "single_unexplained", "pattern")  # better to worse


def _with(profile: Profile, **changes) -> Profile:
    data = profile.model_dump(by_alias=True, exclude_none=True)
    data.update(changes)
    return Profile.model_validate(data)


def _decided(program, profile: Profile) -> dict:
    return {k: v["value"] for k, v in advise(profile, program)["decisions"].items()}


@SETTINGS
@given(profile=profiles())
def test_no_valid_profile_crashes_the_advisor(program, profile):
    advice = advise(profile, program)
    assert advice["schema"] == "soaprules/advice@1"
    for render in RENDERERS.values():
        render(advice, io.StringIO())


# ---- more trouble never looks better ------------------------------------------------------

RedFlag = model_dicts(Profile.model_fields["red_flags"].annotation.__args__[0].__args__[0])

CONCERNS = st.sampled_from(["professionalism_concerns", "staff_complaints", "ghosted_emails",
                            "argued_evaluations", "social_media_incident", "dishonesty"])


def _add_red_flag(profile: Profile, flag: dict, at: int) -> Profile:
    flags = [f.model_dump(exclude_none=True) for f in profile.red_flags or []]
    flags.insert(min(at, len(flags)), flag)
    return _with(profile, red_flags=flags)


def _add_concern(profile: Profile, concern: str) -> Profile:
    conduct = profile.conduct.model_dump(exclude_none=True) if profile.conduct else {}
    if concern == "professionalism_concerns":
        conduct[concern] = min(conduct.get(concern, 0) + 1, 50)
    else:
        conduct[concern] = True
    return _with(profile, conduct=conduct)


def _not_better(before: dict, after: dict) -> None:
    """Lower tier numbers and earlier risks are better; an unknown compares with nothing."""
    if "rescue_tier" in before and "rescue_tier" in after:
        assert after["rescue_tier"] >= before["rescue_tier"], (before, after)
    if "red_flag_risk" in before and "red_flag_risk" in after:
        assert RISK.index(after["red_flag_risk"]) >= RISK.index(before["red_flag_risk"]), (before, after)


@SETTINGS
@given(profile=profiles(), flag=RedFlag, at=st.integers(0, 5))
def test_adding_a_red_flag_never_improves_tier_or_risk(program, profile, flag, at):
    _not_better(_decided(program, profile), _decided(program, _add_red_flag(profile, flag, at)))


@SETTINGS
@given(profile=profiles(), concern=CONCERNS)
def test_adding_a_conduct_concern_never_improves_tier_or_risk(program, profile, concern):
    _not_better(_decided(program, profile), _decided(program, _add_concern(profile, concern)))


Faculty = model_dicts(Profile.model_fields["relationships"].annotation.__args__[0]
                      .model_fields["faculty"].annotation.__args__[0].__args__[0])


@SETTINGS
@given(profile=profiles(), ally=Faculty, knows=st.sampled_from(["well", "somewhat"]), at=st.integers(0, 4))
def test_removing_an_influential_ally_never_improves_the_tier(program, profile, ally, knows, at):
    ally = {**ally, "influence": "high", "knows_you": knows}
    relationships = profile.relationships.model_dump(exclude_none=True) if profile.relationships else {}
    faculty = relationships.get("faculty", [])
    faculty.insert(min(at, len(faculty)), ally)
    with_ally = _with(profile, relationships={**relationships, "faculty": faculty})
    faculty.remove(ally) if faculty.count(ally) == 1 else faculty.pop(min(at, len(faculty) - 1))
    without = _with(profile, relationships={**relationships, "faculty": faculty})
    before, after = _decided(program, with_ally), _decided(program, without)
    if "rescue_tier" in before and "rescue_tier" in after:
        assert after["rescue_tier"] >= before["rescue_tier"], (before, after)


# ---- generated packs load or fail positioned -------------------------------------------------

PATHS = sorted(p for p, s in profile_fields().items() if s.kind != "items") + [
    "applicant.tpye", "exams.step2.scor", "derived.x", "derived.y", "decision.d", "decision.e", "timeline.segment"]
LISTS = ["red_flags", "relationships.faculty", "relationships.alumni", "clinical.away_rotations", "red_flag"]
OPS = ["eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "contains", "contains_any", "exists", "missing",
       "greater"]
VALUES = st.one_of(st.integers(-5, 400), st.booleans(), st.sampled_from(
    ["strong", "stong", "us_md", "internal_medicine", "well", "high", "a", "b", "$p", "$q", "x"]),
    st.lists(st.sampled_from(["strong", "a", "b", "well", "late"]), max_size=3), st.none())


VALID = [{"clinical.evaluations": "strong"}, {"exams.step2.score": {"gte": 220}}, {"derived.x": True},
         {"decision.d": "a"}, {"applicant.visa_required": {"missing": True}}, {"geography.regions": {"contains": "west"}},
         {"some": "relationships.faculty", "where": {"knows_you": "well"}}, {"count": "red_flags", "gte": 2},
         {"target.specialty": ["pediatrics", "psychiatry"]}, {"exams.step2.score": {"lt": "$p"}}]


def _test() -> st.SearchStrategy:
    plain = st.builds(lambda p, v: {p: v}, st.sampled_from(PATHS), VALUES)
    with_op = st.builds(lambda p, o, v: {p: {o: v}}, st.sampled_from(PATHS), st.sampled_from(OPS), VALUES)
    return st.one_of(st.sampled_from(VALID), st.sampled_from(VALID), plain, with_op)  # about half valid


def _condition() -> st.SearchStrategy:
    def extend(inner):
        return st.one_of(
            st.builds(lambda c: {"all": c}, st.lists(inner, max_size=3)),
            st.builds(lambda c: {"any": c}, st.lists(inner, max_size=3)),
            st.builds(lambda c: {"not": c}, inner),
            st.builds(lambda q, lp, w: {q: lp, "where": w}, st.sampled_from(["some", "none"]),
                      st.sampled_from(LISTS), st.sampled_from([{"kind": "remediation"}, {"knows_you": "well"},
                                                               {"knowz": 1}])),
            st.builds(lambda lp, o, v: {"count": lp, o: v}, st.sampled_from(LISTS),
                      st.sampled_from(["gte", "eq", "lt", "most"]), VALUES))
    return st.recursive(_test(), extend, max_leaves=6)


THEN = st.one_of(
    st.builds(lambda n, v: {"derive": {n: v}}, st.sampled_from(["x", "y"]), st.sampled_from([True, 1, "a"])),
    st.builds(lambda n, v: {"decide": {n: v}}, st.sampled_from(["d", "e", "f"]), st.sampled_from(["a", "b", "z", 1])),
    st.builds(lambda t, p, txt: {"recommend": {"topic": t, "priority": p, "text": txt}},
              st.sampled_from(["policy", "timing", "polcy"]), st.sampled_from(["high", "urgent"]),
              st.sampled_from(["Do it now.", "For {target.specialty}.", "For {target.specialt}.", "{derived.x}"])))


@st.composite
def packs(draw) -> dict:
    rules = []
    for i in range(draw(st.integers(0, 4))):
        rule = {"id": draw(st.sampled_from([f"r{i}", f"r{i}", "r0", "Bad Id"])), "title": "t",
                "when": draw(_condition()), "then": draw(THEN),
                "cites": [draw(st.sampled_from(["RS-04", "RS-04", "RS-99", "XX"]))],
                "sources": [{"seed": draw(st.sampled_from(["nrmp", "nrmp", "003_630423e79144373b.txt", "nope.txt"])),
                             "quote": "a quote"}]}
        for key in draw(st.lists(st.sampled_from(["title", "then", "cites", "sources"]), max_size=1))[:draw(
                st.integers(0, 3)) // 3]:  # a required key missing, one rule in four
            del rule[key]
        rules.append(rule)
    pack = {"pack": draw(st.sampled_from(["soaprules/pack@1"] * 5 + ["soaprules/pack@2"])), "name": "gen",
            "version": "1", "description": "generated",
            "decisions": {"d": {"values": ["a", "b"], "resolve": draw(st.sampled_from(["worst", "best", "best", "first"]))},
                          "e": {"values": ["a", "b"], "resolve": "salience"}},
            "params": {"p": draw(st.one_of(st.just(230), VALUES))}, "rules": rules}
    if draw(st.integers(0, 4)) == 0:
        pack[draw(st.sampled_from(["rule", "extra"]))] = []
    return pack


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pack=packs())
def test_generated_packs_load_or_fail_positioned(tmp_path, pack):
    path = tmp_path / "gen.yaml"
    path.write_text(yaml.safe_dump(pack, sort_keys=False))
    try:
        compile_book(load_rulebook([path]))
    except (PackError, InputFileError) as exc:
        assert exc.diagnostics
        for d in exc.diagnostics:
            assert d.file and d.position and d.position.line >= 1, d
