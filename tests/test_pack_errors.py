"""Bad packs: every error of a pack at once, each with file:line and rule id."""
from __future__ import annotations

import textwrap

import pytest

from soaprules.cli.main import main
from soaprules.errors import PackError
from soaprules.packs.load import DEFAULT_RULES_DIR, load_rulebook
from soaprules.engine.compile import compile_book

HEADER = """\
pack: soaprules/pack@1
name: test
version: "1"
description: a test pack
decisions:
  tier: {values: [1, 2, 3], resolve: worst}
params:
  floor: 220
"""


def rule(rule_id: str, when: str, then: str = "{decide: {tier: 1}}") -> str:
    return textwrap.dedent(f"""\
      - id: {rule_id}
        title: t
        when: {when}
        then: {then}
        cites: [RS-04]
        sources: [{{seed: nrmp, quote: "a quote"}}]
    """)


def pack(tmp_path, *rules: str):
    path = tmp_path / "pack.yaml"
    path.write_text(HEADER + "rules:\n" + "".join(textwrap.indent(r, "  ") for r in rules))
    return path


def errors(path) -> list:
    with pytest.raises(PackError) as info:
        load_rulebook([path])
    return info.value.diagnostics


def test_three_problems_all_reported_positioned(tmp_path):
    path = pack(tmp_path,
                rule("a", "{exams.step2.score: {greater: 220}}"),
                rule("b", "{exams.step2.scor: {gte: 220}}"),
                rule("a", "{exams.step2.score: {gte: 220}}"))
    found = {d.message.split(" ")[0] + d.rule_id: d for d in errors(path)}
    text = {d.message: (d.position.line, d.rule_id, d.suggestion) for d in errors(path)}
    assert ("operator 'greater' does not apply to exams.step2.score (a whole number)" in text)
    assert text["operator 'greater' does not apply to exams.step2.score (a whole number)"][:2] == (12, "a")
    assert text["'exams.step2.scor' is not a profile path"] == (18, "b", "exams.step2.score")
    dup = next(m for m in text if m.startswith("duplicate rule id 'a'"))
    assert text[dup][:2] == (22, "a") and "pack.yaml:10" in dup
    assert len(found) == 3


CASES = [
    ("{clinical.evaluations: stong}", "'stong' is not a value of clinical.evaluations", "strong"),
    ("{clinical.evaluations: {gte: strong}}", "operator 'gte' does not apply", None),
    ("{exams.step2.score: {gte: '230'}}", "cannot be compared", None),
    ("{exams.step2.score: {gte: $flor}}", "unknown parameter '$flor'", "$floor"),
    ("{decision.teir: 1}", "unknown decision 'teir'", "tier"),
    ("{decision.tier: 4}", "4 is not a value of decision.tier", None),
    ("{some: relationships.facutly, where: {knows_you: well}}", "is not a list in the profile",
     "relationships.faculty"),
    ("{some: relationships.faculty, where: {knows: well}}", "'knows' is not a field of relationships.faculty",
     "knows_you"),
    ("{count: red_flags, gte: two}", "count compares with a whole number", None),
    ("{all: []}", "takes a non-empty list", None),
    ("{clinical.evaluations: strong, any: [{applicant.type: us_md}]}", "cannot stand beside", None),
    ("{timeline.segment: wednesday}", "'wednesday' is not a value of timeline.segment", None),
]


@pytest.mark.parametrize("when,message,suggestion", CASES)
def test_condition_errors(tmp_path, when, message, suggestion):
    found = errors(pack(tmp_path, rule("r", when)))
    diag = next(d for d in found if message in d.message)
    assert diag.rule_id == "r" and diag.position.line >= 12 and diag.suggestion == suggestion


def test_then_errors(tmp_path):
    found = errors(pack(tmp_path,
                        rule("r1", "{applicant.type: us_md}", "{decide: {tier: 7}}"),
                        rule("r2", "{applicant.type: us_md}", "{decide: {teir: 1}}"),
                        rule("r3", "{applicant.type: us_md}",
                             "{recommend: {topic: policy, priority: high, text: 'for {target.specialt}'}}"),
                        rule("r4", "{applicant.type: us_md}",
                             "{recommend: {topic: polcy, priority: high, text: 'x'}}")))
    messages = {d.rule_id: d.message for d in found}
    assert "7 is not a value of decision tier" in messages["r1"]
    assert "unknown decision 'teir'" in messages["r2"]
    assert "placeholder {target.specialt}" in messages["r3"]
    assert "'polcy' is not an allowed value" in messages["r4"]


def test_unknown_cite_and_seed(tmp_path):
    path = pack(tmp_path, rule("r", "{applicant.type: us_md}").replace("RS-04", "RS-99"))
    diag = next(d for d in errors(path) if "RS-99" in d.message)
    assert diag.rule_id == "r"


def test_unknown_pack_key_rejected(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(HEADER + "rule: []\n")
    diag = errors(path)[0]
    assert diag.message == "unknown field 'rule'" and diag.suggestion == "rules" and diag.position.line == 9


def test_loop_between_rules_refused(tmp_path):
    path = pack(tmp_path,
                rule("a", "{derived.x: true}", "{derive: {y: true}}"),
                rule("b", "{derived.y: true}", "{derive: {x: true}}"))
    with pytest.raises(PackError) as info:
        compile_book(load_rulebook([path]))
    assert "loop: a -> b -> a" in info.value.diagnostics[0].message


def test_cli_bad_pack_exit_1(tmp_path, runner):
    path = pack(tmp_path, rule("a", "{exams.step2.score: {greater: 220}}"))
    profile = tmp_path / "p.yaml"
    profile.write_text("schema: soaprules/profile@1\n")
    result = runner.invoke(main, ["advise", str(profile), "--pack", str(path)])
    assert result.exit_code == 1 and f"{path}:12" in result.output and "Traceback" not in result.output


def test_shipped_packs_load():
    book = load_rulebook([DEFAULT_RULES_DIR])
    assert book.rules and set(book.decisions) >= {"rescue_tier", "advocacy_bucket", "specialty_realism",
                                                  "geographic_flexibility", "red_flag_risk", "sellability",
                                                  "outreach_window", "advocate_status", "post_match_track"}
