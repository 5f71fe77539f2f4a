"""`soaprules lint`: one positioned finding per problem, none for a clean pack."""
from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from soaprules.cli.main import main
from soaprules.authoring.lint import lint
from soaprules.packs.load import DEFAULT_RULES_DIR

ROOT = Path(__file__).resolve().parent.parent
SEEDED = ROOT / "tests" / "packs" / "lint" / "seeded.yaml"
NORTHFIELD = ROOT / "examples" / "school-overlay" / "northfield.yaml"
RULE_CHECKS = {"never-holds", "unwritten-read", "loop", "conflicting-proposals"}
# The policy packs: nrmp reads the SOAP week's derived facts, so they lint together.
POLICY = [DEFAULT_RULES_DIR / "core.yaml", DEFAULT_RULES_DIR / "nrmp.yaml", DEFAULT_RULES_DIR / "soap-week.yaml"]

HEADER = """\
pack: soaprules/pack@1
name: t
version: "1"
description: a pack for lint tests
params:
  floor: 220
decisions:
  tier: {values: [1, 2, 3], resolve: worst}
rules:
"""


def pack(tmp_path, *whens: str, then: str = "{decide: {tier: 1}}") -> Path:
    body = "".join(textwrap.dedent(f"""\
      - id: r{i}
        title: rule {i}
        when: {when}
        then: {then}
        cites: [RS-05]
        sources: [{{seed: nrmp, quote: "a quote"}}]
    """) for i, when in enumerate(whens))
    path = tmp_path / "p.yaml"
    path.write_text(HEADER + textwrap.indent(body, "  ") + "  - id: uses-floor\n    title: f\n"
                    "    when: {exams.step2.score: {lt: $floor}}\n    then: {decide: {tier: 2}}\n"
                    "    cites: [RS-05]\n    sources: [{seed: nrmp, quote: \"a quote\"}]\n")
    return path


def expected_marks(path: Path) -> list[tuple[int, str]]:
    marks = [(n, m.group(1)) for n, line in enumerate(path.read_text().splitlines(), 1)
             if (m := re.search(r"# expect: ([a-z-]+)", line))]
    return sorted(marks)


def test_seeded_pack_gets_one_positioned_finding_per_problem():
    report = lint([SEEDED])
    found = sorted((f.diagnostic.position.line, f.check) for f in report.findings)
    assert found == expected_marks(SEEDED)
    for f in report.findings:
        d = f.diagnostic
        assert d.file == str(SEEDED) and d.position is not None
        assert d.hint or d.suggestion or d.expected, f"no fix hint: {d.headline()}"
        if f.check in RULE_CHECKS or f.check == "load" and "rules" in (d.path or "rules"):
            assert d.rule_id, d.headline()
    severities = {f.check: f.severity for f in report.findings}
    assert {c for c, s in severities.items() if s == "warning"} == {"unused-param", "undecided",
                                                                   "conflicting-proposals"}
    assert report.failed() and report.failed(strict=True)


def test_seeded_pack_covers_every_check_of_the_issue():
    checks = {c for _, c in expected_marks(SEEDED)}
    assert checks >= {"load", "never-holds", "unwritten-read", "loop", "conflicting-proposals"}
    text = SEEDED.read_text()
    for problem in ("same id again", "misspelt path", "misspelt parameter", "value the field does not have",
                    "number written as text", "no one can have", "two values", "no rule derives",
                    "Cites nothing", "no source"):
        assert problem.lower() in text.lower(), problem


def test_clean_pack_gets_no_finding(tmp_path):
    report = lint([pack(tmp_path, "{exams.step2.score: {gte: 230, lt: 240}}", "{target.specialty: [pediatrics]}")])
    assert report.findings == [] and not report.failed(strict=True)


def test_shipped_core_and_nrmp_lint_clean():
    report = lint(POLICY)
    assert [f.diagnostic.headline() for f in report.findings] == []


def test_all_shipped_packs_and_the_example_overlay_have_no_errors():
    for paths in ([DEFAULT_RULES_DIR], [DEFAULT_RULES_DIR, NORTHFIELD]):
        report = lint(paths)
        assert [f.diagnostic.headline() for f in report.errors] == []


# ---- never holds: caught, and no false alarm -----------------------------------------------

IMPOSSIBLE = [
    "{exams.step2.score: {gt: 300}}",
    "{exams.step2.score: {lt: 1}}",
    "{exams.step2.score: {gte: 240, lt: 230}}",
    "{all: [{target.specialty: pediatrics}, {target.specialty: psychiatry}]}",
    "{all: [{target.specialty: [pediatrics, psychiatry]}, {target.specialty: {not_in: [pediatrics, psychiatry]}}]}",
    "{all: [{applicant.visa_required: true}, {applicant.visa_required: false}]}",
    "{all: [{exams.step2.score: {exists: true}}, {exams.step2.score: {missing: true}}]}",
    "{all: [{status.phase: {missing: true}}, {status.phase: soap}]}",
    "{count: red_flags, lt: 0}",
    "{all: [{count: red_flags, gte: 3}, {count: red_flags, lt: 2}]}",
    "{any: [{exams.step2.score: {gt: 300}}, {academics.class_quartile: 5}]}",
    "{some: relationships.faculty, where: {all: [{knows_you: well}, {knows_you: barely}]}}",
    "{all: [{academics.class_quartile: {gte: 2}}, {academics.class_quartile: {lte: 3}}, "
    "{academics.class_quartile: {not_in: [2, 3]}}]}",
]
POSSIBLE = [
    "{exams.step2.score: {gte: 230, lt: 240}}",
    "{exams.step2.score: {lte: 300}}",
    "{all: [{target.specialty: [pediatrics, psychiatry]}, {target.specialty: {ne: pediatrics}}]}",
    "{all: [{clinical.described_as: {contains: late}}, {clinical.described_as: {contains: reliable}}]}",
    "{any: [{exams.step2.score: {gt: 300}}, {exams.step2.score: {gt: 250}}]}",
    "{not: {exams.step2.score: {gt: 300}}}",
    "{all: [{some: relationships.faculty, where: {knows_you: well}}, "
    "{some: relationships.faculty, where: {knows_you: barely}}]}",
    "{all: [{status.phase: {missing: true}}, {target.specialty: pediatrics}]}",
]


@pytest.mark.parametrize("when", IMPOSSIBLE)
def test_condition_that_never_holds(tmp_path, when):
    report = lint([pack(tmp_path, when)])
    assert [(f.check, f.diagnostic.rule_id) for f in report.findings] == [("never-holds", "r0")]


@pytest.mark.parametrize("when", POSSIBLE)
def test_condition_that_can_hold_is_not_flagged(tmp_path, when):
    assert lint([pack(tmp_path, when)]).findings == []


@settings(max_examples=40, deadline=None)
@given(low=st.integers(-10, 320), high=st.integers(-10, 320))
def test_score_range_flagged_exactly_when_empty(tmp_path_factory, low, high):
    """Property: gte low and lte high on a 1..300 score never holds iff no score is in range."""
    path = pack(tmp_path_factory.mktemp("p"), f"{{exams.step2.score: {{gte: {low}, lte: {high}}}}}")
    flagged = any(f.check == "never-holds" for f in lint([path]).findings)
    assert flagged == (max(low, 1) > min(high, 300))


# ---- the other checks, one at a time --------------------------------------------------------

def test_reading_a_decision_no_rule_proposes(tmp_path):
    path = pack(tmp_path, "{decision.tier: 1}", then="{derive: {x: true}}")
    path.write_text(path.read_text().replace("    then: {decide: {tier: 2}}", "    then: {derive: {y: true}}"))
    checks = sorted(f.check for f in lint([path]).findings)
    assert checks == ["undecided", "unwritten-read"]


def test_reading_a_fact_derived_by_a_rule_that_failed_to_load_is_not_also_flagged(tmp_path):
    path = pack(tmp_path, "{exams.step2.scor: 1}", "{derived.made: true}", then="{derive: {made: true}}")
    text = path.read_text().replace("when: {derived.made: true}\n    then: {derive: {made: true}}",
                                    "when: {derived.made: true}\n    then: {decide: {tier: 1}}")
    path.write_text(text)
    assert "then: {decide: {tier: 1}}" in text
    assert [f.check for f in lint([path]).findings] == ["load"]


def test_loop_through_a_decision(tmp_path):
    path = pack(tmp_path, "{decision.tier: 1}")  # r0 reads tier and proposes tier
    (finding,) = [f for f in lint([path]).findings if f.check == "loop"]
    assert "r0 -> r0" in finding.diagnostic.message and finding.diagnostic.rule_id == "r0"


def test_same_condition_different_order_is_a_conflict(tmp_path):
    path = pack(tmp_path, "{all: [{applicant.type: us_md}, {exams.step2.score: {gte: 230}}]}",
                "{all: [{exams.step2.score: {gte: 230}}, {applicant.type: us_md}]}")
    path.write_text(path.read_text().replace("then: {decide: {tier: 1}}", "then: {decide: {tier: 3}}", 1))
    (finding,) = lint([path]).findings
    assert finding.check == "conflicting-proposals" and finding.severity == "warning"
    assert finding.diagnostic.rule_id == "r1" and "rule r0" in finding.diagnostic.message


def test_overlay_conflict_is_a_lint_finding(tmp_path):
    a = tmp_path / "a.yaml"
    b = tmp_path / "b.yaml"
    for path, name in ((a, "school-a"), (b, "school-b")):
        path.write_text(f"pack: soaprules/pack@1\nname: {name}\nversion: '1'\ndescription: d\nextends: [core]\n"
                        "disable:\n  - {id: geography-rigid, reason: the committee disagrees}\n")
    report = lint([*POLICY, a, b])
    (finding,) = report.errors
    assert finding.diagnostic.file == str(b) and finding.diagnostic.position.line == 7


# ---- command line -----------------------------------------------------------------------

def test_cli_exit_codes_and_strict(tmp_path, runner):
    result = runner.invoke(main, ["lint", str(SEEDED)])
    assert result.exit_code == 1 and f"{SEEDED}:52:" in result.output and "Traceback" not in result.output
    assert "11 errors, 3 warnings" in result.output
    warn_only = pack(tmp_path, "{applicant.visa_required: true}")
    warn_only.write_text(warn_only.read_text().replace("  floor: 220\n", "  floor: 220\n  unused: 1\n"))
    assert runner.invoke(main, ["lint", str(warn_only)]).exit_code == 0
    result = runner.invoke(main, ["lint", "--strict", str(warn_only)])
    assert result.exit_code == 1 and "unused" in result.output
    clean = runner.invoke(main, ["lint", "--strict", str(pack(tmp_path, "{applicant.visa_required: true}"))])
    assert clean.exit_code == 0 and "lint: clean" in clean.output


def test_cli_json_and_bad_input(tmp_path, runner):
    import json

    result = runner.invoke(main, ["lint", "--format", "json", str(SEEDED)])
    body = json.loads(result.output)
    assert body["errors"] == 11 and all("line" in f and "check" in f for f in body["findings"])
    broken = tmp_path / "broken.yaml"
    broken.write_text("pack: [unclosed\n")
    result = runner.invoke(main, ["lint", str(broken)])
    assert result.exit_code == 1 and f"{broken}:" in result.output and "Traceback" not in result.output
    assert runner.invoke(main, ["lint", str(tmp_path / "missing.yaml")]).exit_code == 2


def test_overlay_switching_off_a_writer_leaves_its_readers_dead(tmp_path):
    school = tmp_path / "school.yaml"
    school.write_text("pack: soaprules/pack@1\nname: school\nversion: '1'\ndescription: d\nextends: [core]\n"
                      "disable:\n  - {id: advocacy-clean-conduct, reason: the committee disagrees}\n")
    report = lint([*POLICY, school])
    (finding,) = report.findings
    # the one rule left reading derived.clean_conduct, which only the disabled rule wrote
    core = (Path(__file__).resolve().parent.parent / "rules" / "core.yaml").read_text()
    readers = [block.split("\n", 1)[0] for block in core.split("  - id: ")[1:] if "{derived.clean_conduct:" in block]
    assert finding.check == "unwritten-read" and [finding.diagnostic.rule_id] == readers
    assert "switched off advocacy-clean-conduct" in finding.diagnostic.message


# ---- profile fields no rule reads (issue 12): read, or listed with a reason ---------------

def unread_pack(tmp_path, entries: str) -> Path:
    """The test pack plus a declaration pack; the declaration opts the set into the check."""
    declared = tmp_path / "fields.yaml"
    declared.write_text("pack: soaprules/pack@1\nname: fields\nversion: '1'\ndescription: d\n"
                        f"unread_fields:\n{entries}")
    return declared


def test_every_shipped_profile_field_is_read_or_listed_with_a_reason():
    report = lint([DEFAULT_RULES_DIR])
    assert [f.diagnostic.headline() for f in report.findings if f.check == "unread-field"] == []


def test_a_field_no_rule_reads_is_a_positioned_warning_that_strict_fails(tmp_path):
    rules = pack(tmp_path, "{applicant.visa_required: true}")
    declared = unread_pack(tmp_path, "  - {path: applicant.id, reason: a label for the report header only}\n")
    report = lint([rules, declared])
    unread = {f.diagnostic.message: f for f in report.findings if f.check == "unread-field"}
    assert "profile field target.specialty is read by no rule" in unread
    assert "profile field applicant.visa_required is read by no rule" not in unread  # read by r0
    assert "profile field exams.step2.score is read by no rule" not in unread  # read by uses-floor
    assert not any("applicant.id" in m for m in unread)  # listed, with its reason
    finding = unread["profile field target.specialty is read by no rule"]
    assert finding.severity == "warning" and finding.diagnostic.file == str(declared)
    assert finding.diagnostic.position.line == 5 and finding.diagnostic.hint
    assert not report.errors and report.failed(strict=True)


def test_list_entry_fields_and_text_placeholders_count_as_read(tmp_path):
    rules = pack(tmp_path, "{some: relationships.faculty, as: ally, where: {knows_you: well}}",
                 then="{recommend: {topic: advocacy, priority: low, text: 'Ask your {ally.role}, {target.specialty}.'}}")
    report = lint([rules, unread_pack(tmp_path, "  []\n")])
    unread = {f.diagnostic.message for f in report.findings if f.check == "unread-field"}
    for read in ("relationships.faculty[].knows_you", "relationships.faculty[].role", "target.specialty"):
        assert f"profile field {read} is read by no rule" not in unread
    assert "profile field relationships.faculty[].influence is read by no rule" in unread


def test_a_misspelt_listed_field_is_an_error_with_did_you_mean(tmp_path):
    rules = pack(tmp_path, "{applicant.visa_required: true}")
    report = lint([rules, unread_pack(tmp_path, "  - {path: applicant.idd, reason: a label for the header only}\n")])
    (finding,) = [f for f in report.errors if f.check == "unread-field"]
    assert finding.diagnostic.suggestion == "applicant.id" and finding.diagnostic.position.line == 6


def test_a_listed_field_that_a_rule_reads_is_flagged(tmp_path):
    rules = pack(tmp_path, "{applicant.visa_required: true}")
    report = lint([rules, unread_pack(tmp_path, "  - {path: applicant.visa_required, reason: said to be unused}\n")])
    (finding,) = [f for f in report.findings if f.check == "unread-field" and "listed" in f.diagnostic.message]
    assert finding.severity == "warning" and finding.diagnostic.position.line == 6


def test_a_pack_set_that_declares_no_list_is_not_checked(tmp_path):
    report = lint([pack(tmp_path, "{applicant.visa_required: true}")])
    assert [f for f in report.findings if f.check == "unread-field"] == []


def test_a_listed_field_needs_its_reason(tmp_path, runner):
    declared = unread_pack(tmp_path, "  - {path: applicant.id}\n")
    result = runner.invoke(main, ["lint", str(pack(tmp_path, "{applicant.visa_required: true}")), str(declared)])
    assert result.exit_code == 1 and f"{declared}:6" in result.output and "reason" in result.output
    assert "Traceback" not in result.output
