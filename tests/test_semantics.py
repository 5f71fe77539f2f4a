"""The condition language's meaning, on small packs, through the real engine and the
reference alike: unknown never fires, not even under `not`."""
from __future__ import annotations

import textwrap

import pytest

from soaprules.engine.compile import compile_book
from soaprules.packs.load import load_rulebook
from soaprules.profile.model import Profile
from soaprules.engine.session import ReferenceMatcher, evaluate_profile

PACK = """\
pack: soaprules/pack@1
name: sem
version: "1"
description: semantics
decisions:
  d: {values: [a, b, c], resolve: worst}
rules:
"""


def fires(tmp_path, when: str, profile: dict) -> bool:
    body = textwrap.indent(textwrap.dedent(f"""\
        - id: r
          title: t
          when: {when}
          then: {{decide: {{d: a}}}}
          cites: [RS-04]
          sources: [{{seed: nrmp, quote: "q q q"}}]
        """), "  ")
    path = tmp_path / "p.yaml"
    path.write_text(PACK + body)
    program = compile_book(load_rulebook([path]))
    prof = Profile.model_validate({"schema": "soaprules/profile@1", **profile})
    results = {m: "d" in evaluate_profile(program, prof, m).decisions for m in (None, ReferenceMatcher())}
    assert len(set(results.values())) == 1, results  # engine and reference agree
    return results[None]


CASES = [
    ("{conduct.staff_complaints: true}", {"conduct": {"staff_complaints": True}}, True),
    ("{not: {conduct.staff_complaints: true}}", {"conduct": {"staff_complaints": False}}, True),
    ("{not: {conduct.staff_complaints: true}}", {"conduct": {}}, False),  # unknown stays unknown
    ("{not: {conduct.staff_complaints: true}}", {}, False),
    ("{conduct.staff_complaints: {missing: true}}", {}, True),
    ("{conduct.staff_complaints: {exists: true}}", {}, False),
    ("{applicant.id: {exists: true}}", {"applicant": {"id": "A-1"}}, True),
    ("{exams.step2.score: {gte: 230}}", {"exams": {"step2": {"score": 230}}}, True),
    ("{exams.step2.score: {gte: 230}}", {"exams": {"step2": {"score": 229}}}, False),
    ("{exams.step2.score: {ne: 230}}", {"exams": {"step2": {}}}, False),
    ("{target.specialty: [pediatrics, psychiatry]}", {"target": {"specialty": "psychiatry"}}, True),
    ("{target.specialty: {not_in: [pediatrics]}}", {"target": {}}, False),
    ("{clinical.described_as: {contains: late}}", {"clinical": {"described_as": ["late"]}}, True),
    ("{not: {clinical.described_as: {contains: late}}}", {"clinical": {"described_as": []}}, True),
    ("{not: {clinical.described_as: {contains: late}}}", {"clinical": {"described_as": ["reliable"]}}, True),
    ("{not: {clinical.described_as: {contains: late}}}", {"clinical": {}}, False),
    ("{not: {clinical.described_as: {contains_any: [late, arrogant]}}}", {"clinical": {"described_as": ["late"]}},
     False),
    ("{some: relationships.faculty, where: {knows_you: well}}",
     {"relationships": {"faculty": [{"knows_you": "barely"}, {"knows_you": "well"}]}}, True),
    ("{none: relationships.faculty, where: {knows_you: well}}", {"relationships": {"faculty": []}}, True),
    ("{none: relationships.faculty, where: {knows_you: well}}", {"relationships": {}}, False),
    ("{none: relationships.faculty, where: {knows_you: well}}",  # one entry unknown: cannot say none
     {"relationships": {"faculty": [{"knows_you": "barely"}, {}]}}, False),
    ("{not: {some: relationships.faculty, where: {knows_you: well}}}",
     {"relationships": {"faculty": [{"knows_you": "barely"}]}}, True),
    ("{count: red_flags, sum: count, gte: 2}", {"red_flags": [{"count": 1}, {}]}, True),  # no count = once
    ("{count: red_flags, where: {kind: exam_failure}, gte: 1}", {"red_flags": [{"kind": "dishonesty"}, {}]}, False),
    ("{count: red_flags, where: {kind: exam_failure}, lt: 2}", {"red_flags": [{"kind": "dishonesty"}, {}]}, True),
    ("{count: geography.regions, eq: 2}", {"geography": {"regions": ["west", "south"]}}, True),
    ("{any: [{applicant.visa_required: true}, {exams.step2.score: {lt: 200}}]}",
     {"applicant": {"visa_required": False}, "exams": {"step2": {"score": 190}}}, True),
    ("{all: [{applicant.visa_required: false}, {not: {any: [{academics.honors: 0}, {academics.class_quartile: 4}]}}]}",
     {"applicant": {"visa_required": False}, "academics": {"honors": 2, "class_quartile": 1}}, True),
]


@pytest.mark.parametrize("when,profile,expected", CASES)
def test_semantics(tmp_path, when, profile, expected):
    assert fires(tmp_path, when, profile) is expected


# ---- regressions: shapes where durable-rules and the reference once disagreed (issue 16) ----

def _rule(rule_id: str, when: str, then: str) -> str:
    return textwrap.indent(textwrap.dedent(f"""\
        - id: {rule_id}
          title: t
          when: {when}
          then: {then}
          cites: [RS-04]
          sources: [{{seed: nrmp, quote: "q q q"}}]
        """), "  ")


def outcome(tmp_path, rules: list[str], profile: dict) -> tuple:
    """(fired rule ids with bindings, decisions), asserting the engine and the reference agree."""
    path = tmp_path / "p.yaml"
    path.write_text(PACK + "".join(rules))
    program = compile_book(load_rulebook([path]))
    prof = Profile.model_validate({"schema": "soaprules/profile@1", **profile})
    seen = []
    for matcher in (None, ReferenceMatcher()):
        run = evaluate_profile(program, prof, matcher)
        seen.append(([(f.rule.id, f.bindings) for f in run.firings], {k: v.value for k, v in run.decisions.items()}))
    assert seen[0] == seen[1], seen
    return seen[0]


TWO_SOMES = ("{all: [{some: relationships.faculty, as: x, where: {knows_you: well}},"
             " {some: relationships.faculty, as: y, where: {influence: high}}]}")


@pytest.mark.parametrize("faculty,bound", [
    ([{"knows_you": "well", "influence": "high"}], {"x": 0, "y": 0}),  # one entry satisfies both
    ([{"knows_you": "well"}, {"influence": "high"}], {"x": 0, "y": 1}),
    ([{"influence": "high"}, {"knows_you": "well", "influence": "high"}], {"x": 1, "y": 0}),
    ([{"knows_you": "well"}], None),
])
def test_two_somes_on_one_list_may_pick_the_same_entry(tmp_path, faculty, bound):
    fired, _ = outcome(tmp_path, [_rule("r", TWO_SOMES, "{decide: {d: a}}")], {"relationships": {"faculty": faculty}})
    if bound is None:
        assert fired == []
    else:
        assert fired == [("r", tuple((k, ("relationships.faculty", i)) for k, i in sorted(bound.items())))]


def test_three_somes_on_one_list_and_one_entry(tmp_path):
    when = ("{all: [{some: relationships.faculty, where: {knows_you: well}}, {some: relationships.faculty,"
            " where: {influence: high}}, {some: relationships.faculty, where: {role: dean}}]}")
    one = {"relationships": {"faculty": [{"knows_you": "well", "influence": "high", "role": "dean"}]}}
    assert outcome(tmp_path, [_rule("r", when, "{decide: {d: a}}")], one)[1] == {"d": "a"}


WRITERS = [_rule("w1", "{applicant.visa_required: true}", "{derive: {x: a}}"),
           _rule("w2", "{applicant.family_constraints: true}", "{derive: {x: b}}")]


@pytest.mark.parametrize("when,visa,family,expected", [
    ("{not: {derived.x: a}}", True, True, False),  # x is a (and b): "not a" does not hold
    ("{not: {derived.x: a}}", False, True, True),  # x is only b
    ("{not: {derived.x: a}}", False, False, False),  # x is unknown: unknown is not false
    ("{derived.x: {ne: a}}", True, True, True),  # some value differs from a
    ("{all: [{derived.x: a}, {derived.x: b}]}", True, True, True),  # both values at once
    ("{not: {derived.x: [a, b]}}", True, False, False),
    ("{derived.x: {not_in: [a]}}", True, True, True),
    ("{not: {derived.x: {not_in: [a]}}}", True, True, False),
    ("{not: {derived.x: {not_in: [a, b]}}}", True, True, True),
])
def test_a_derived_name_with_two_values(tmp_path, when, visa, family, expected):
    rules = WRITERS + [_rule("r", when, "{decide: {d: a}}")]
    _, decisions = outcome(tmp_path, rules, {"applicant": {"visa_required": visa, "family_constraints": family}})
    assert ("d" in decisions) is expected
