"""The condition language's meaning, on small packs, through the real engine and the
reference alike: unknown never fires, not even under `not`."""
from __future__ import annotations

import textwrap

import pytest

from soaprules.compile import compile_book
from soaprules.pack_load import load_rulebook
from soaprules.profile import Profile
from soaprules.session import ReferenceMatcher, evaluate_profile

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
