"""`soaprules test`: pack tests in YAML, expected against actual, coverage and thresholds."""
from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from soaprules.cli.main import main
from soaprules.packs.load import DEFAULT_RULES_DIR, load_rulebook
from soaprules.authoring.packtest import run, suites
from soaprules.errors import PackTestError

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "profiles"
OVERLAY_DIR = ROOT / "examples" / "school-overlay"


def local_profiles(folder: Path) -> str:
    """The fixtures copied inside the pack's folder: a test may not read outside it."""
    shutil.copytree(FIXTURES, folder / "profiles", dirs_exist_ok=True)
    return "profiles"


def write_tests(tmp_path, body: str, name: str = "t.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body).replace("FIXTURES", local_profiles(tmp_path)))
    return path


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


# ---- the shipped packs ------------------------------------------------------------------

def test_shipped_tests_pass_with_full_rule_coverage():
    outcome = run([DEFAULT_RULES_DIR])
    assert outcome.failed == [] and len(outcome.results) >= 30
    cov = outcome.coverage
    with_rules = {r.pack for r in load_rulebook([DEFAULT_RULES_DIR]).rules}
    assert {pack for pack, _ in cov.rules} == with_rules  # every shipped pack with rules has tests
    assert cov.rule_percent == 100.0 and cov.unfired() == []
    assert outcome.untested == []


def test_cli_shipped_coverage_threshold_100(runner):
    result = runner.invoke(main, ["test", str(DEFAULT_RULES_DIR), "--coverage", "--threshold", "100"])
    assert result.exit_code == 0, result.output
    assert "rules fired by some case:          44/44 (100.0%)" in result.output or "(100.0%)" in result.output
    assert "FAIL" not in result.output


def test_overlay_tests_run_on_top_of_the_shipped_packs(runner):
    outcome = run([DEFAULT_RULES_DIR, OVERLAY_DIR])
    assert outcome.failed == []
    files = {r.case.file for r in outcome.results}
    assert str(OVERLAY_DIR / "tests" / "northfield.yaml") in files
    assert ("northfield", "northfield-soap-huddle") in outcome.coverage.fired
    # the shipped tests ran without the overlay: its changed threshold would fail them otherwise
    plan = suites([DEFAULT_RULES_DIR, OVERLAY_DIR])
    assert [len(s.packs) for s in plan] == [1, 2]
    result = runner.invoke(main, ["test", str(DEFAULT_RULES_DIR), str(OVERLAY_DIR), "--threshold", "100"])
    assert result.exit_code == 0, result.output


# ---- failures show expected against actual ---------------------------------------------------

WRONG = """\
tests: soaprules/pack-tests@1
covers: [core]
cases:
  - name: right about the quiet star
    profile: FIXTURES/rs20-quiet-star.yaml
    decisions: {rescue_tier: 1}
  - name: wrong about the quiet star
    profile: FIXTURES/rs20-quiet-star.yaml
    decisions:
      rescue_tier: 3
      advocacy_bucket: {value: push_hard, rule: advocacy-clean-conduct}
    absent: [red_flag_risk]
    recommends: [nr-soap-cap]
    forbids: [nr-programs-call-first]
    fires: [tier-3-dishonesty]
"""


def test_wrong_expectations_print_expected_and_actual_and_exit_1(tmp_path, runner):
    path = write_tests(tmp_path, WRONG)
    result = runner.invoke(main, ["test", str(DEFAULT_RULES_DIR), "--tests", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    out = result.output
    assert "  ok    right about the quiet star" in out
    assert f"FAIL  wrong about the quiet star  ({path}:{line_of(path, 'wrong about')})" in out
    assert "decision rescue_tier\n            expected: 3\n            actual:   1 (decided by rule " \
           "tier-1-known-and-safe)" in out
    assert "expected: 'push_hard' decided by rule advocacy-clean-conduct" in out
    assert "actual:   'push_hard' decided by rule advocacy-push-hard" in out
    assert "decision red_flag_risk\n            expected: absent\n            actual:   'none'" in out
    assert "recommendation nr-soap-cap\n            expected: given\n            actual:   not given" in out
    assert "application.soap_applications_planned gt 45" in out  # why it was not given
    assert "recommendation nr-programs-call-first\n            expected: not given\n" \
           "            actual:   given by rule nr-soap-rules-of-the-week" in out
    assert "rule tier-3-dishonesty\n            expected: fires\n            actual:   did not fire" in out
    assert "passed, 1 failed" in out


def test_failures_as_data(tmp_path):
    outcome = run([DEFAULT_RULES_DIR], [write_tests(tmp_path, WRONG)])
    wrong = next(r for r in outcome.results if r.case.case.name.startswith("wrong"))
    assert [f.what for f in wrong.failures] == [
        "decision rescue_tier", "decision advocacy_bucket", "decision red_flag_risk",
        "recommendation nr-soap-cap", "recommendation nr-programs-call-first", "rule tier-3-dishonesty"]


# ---- bad test files: positioned errors, did-you-mean, exit 1 --------------------------------

@pytest.mark.parametrize("case,needle,message,suggestion", [
    ("decisions: {rescue_teir: 1}", "rescue_teir", "no decision 'rescue_teir'", "rescue_tier"),
    ("decisions: {rescue_tier: 4}", "rescue_tier: 4", "4 is not a value of decision rescue_tier", None),
    ("recommends: [nr-soap-capp]", "nr-soap-capp", "no rule gives recommendation 'nr-soap-capp'", "nr-soap-cap"),
    ("fires: [tier-3-dishonsty]", "tier-3-dishonsty", "no rule 'tier-3-dishonsty'", "tier-3-dishonesty"),
    ("absent: [sellabilty]", "sellabilty", "no decision 'sellabilty'", "sellability"),
    ("recomends: [nr-soap-cap]", "recomends", "unknown field 'recomends'", "recommends"),
    ("silent: [tier-3-dishonsty]", "tier-3-dishonsty", "no rule 'tier-3-dishonsty'", "tier-3-dishonesty"),
    ("priority: {nr-soap-capp: high}", "nr-soap-capp", "no rule gives recommendation 'nr-soap-capp'", "nr-soap-cap"),
    ("order: [nr-soap-capp]", "nr-soap-capp", "no rule gives recommendation 'nr-soap-capp'", "nr-soap-cap"),
    ("fires: [tier-3-dishonesty]\n            silent: [tier-3-dishonesty]", "silent:", "in both fires and silent",
     None),
    ("order: [nr-soap-cap, nr-soap-cap]", "order:", "listed twice in order", None),
])
def test_bad_test_file_is_a_positioned_error(tmp_path, case, needle, message, suggestion):
    path = write_tests(tmp_path, f"""\
        tests: soaprules/pack-tests@1
        covers: [core]
        cases:
          - name: one
            profile: FIXTURES/rs20-quiet-star.yaml
            {case}
        """)
    with pytest.raises(PackTestError) as info:
        run([DEFAULT_RULES_DIR], [path])
    (diag,) = info.value.diagnostics
    assert message in diag.message and diag.suggestion == suggestion
    assert diag.file == str(path) and diag.position.line == line_of(path, needle)


def test_a_case_that_checks_nothing_and_a_name_used_twice_are_refused_where_written(tmp_path, runner):
    path = write_tests(tmp_path, """\
        tests: soaprules/pack-tests@1
        covers: [core]
        cases:
          - name: passes whatever the packs do
            profile: FIXTURES/rs20-quiet-star.yaml
          - name: twice
            profile: FIXTURES/rs20-quiet-star.yaml
            forbids: [nr-soap-cap]
          - name: twice
            profile: FIXTURES/rs20-late-bloomer.yaml
            forbids: [nr-soap-cap]
        """)
    with pytest.raises(PackTestError) as info:
        run([DEFAULT_RULES_DIR], [path])
    nothing = next(d for d in info.value.diagnostics if "checks nothing" in d.message)
    assert nothing.position.line == line_of(path, "passes whatever")
    twice = next(d for d in info.value.diagnostics if "is also the name of the case" in d.message)
    lines = [i for i, l in enumerate(path.read_text().splitlines(), 1) if "name: twice" in l]
    assert twice.position.line == lines[1] and f"line {lines[0]}" in twice.message
    assert len(info.value.diagnostics) == 2
    assert runner.invoke(main, ["test", str(DEFAULT_RULES_DIR), str(path)]).exit_code == 1


def test_inline_profile_error_points_into_the_write_tests(tmp_path, runner):
    path = write_tests(tmp_path, """\
        tests: soaprules/pack-tests@1
        covers: [core]
        cases:
          - name: inline
            profile:
              clinical: {evaluations: stong}
            decisions: {sellability: sellable}
        """)
    result = runner.invoke(main, ["test", str(DEFAULT_RULES_DIR), "--tests", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{path}:{line_of(path, 'stong')}:" in result.output and "did you mean 'strong'" in result.output


def test_a_profile_outside_the_pack_folder_is_refused_and_never_quoted(tmp_path):
    secret = tmp_path / "secret.env"
    secret.write_text("API_KEY=hunter2\n")
    pack = tmp_path / "pack" / "tests"
    pack.mkdir(parents=True)
    path = pack / "t.yaml"
    path.write_text("tests: soaprules/pack-tests@1\ncovers: [core]\ncases:\n  - name: leak\n    profile: ../../secret.env\n"
                    "    recommends: [x]\n")
    with pytest.raises(PackTestError) as info:
        run([DEFAULT_RULES_DIR], [path])
    assert any("outside the pack's folder" in d.message for d in info.value.diagnostics)
    assert "hunter2" not in str(info.value)


def test_missing_profile_file_and_unknown_covered_pack(tmp_path):
    path = write_tests(tmp_path, """\
        tests: soaprules/pack-tests@1
        covers: [cor]
        cases:
          - {name: gone, profile: nowhere.yaml, forbids: [nr-soap-cap]}
        """)
    with pytest.raises(PackTestError) as info:
        run([DEFAULT_RULES_DIR], [path])
    messages = [d.message for d in info.value.diagnostics]
    assert messages == ["no profile file nowhere.yaml"]  # names are checked once the file itself is sound
    path.write_text(path.read_text().replace("nowhere.yaml", local_profiles(path.parent) + "/rs20-quiet-star.yaml"))
    with pytest.raises(PackTestError) as info:
        run([DEFAULT_RULES_DIR], [path])
    (diag,) = info.value.diagnostics
    assert diag.message == "pack 'cor' is not loaded" and diag.suggestion == "core"


def test_no_tests_found_is_an_error(tmp_path, runner):
    shutil.copy(DEFAULT_RULES_DIR / "core.yaml", tmp_path / "core.yaml")
    result = runner.invoke(main, ["test", str(tmp_path)])
    assert result.exit_code == 1 and "no pack tests found" in result.output


# ---- coverage -----------------------------------------------------------------------------

def pack_dir_with_tests(tmp_path, cases: str) -> Path:
    packs = tmp_path / "packs"
    (packs / "tests").mkdir(parents=True)
    for name in ("core.yaml", "nrmp.yaml"):
        shutil.copy(DEFAULT_RULES_DIR / name, packs / name)
    (packs / "tests" / "core.yaml").write_text(textwrap.dedent(f"""\
        tests: soaprules/pack-tests@1
        covers: [core]
        cases:
        """) + textwrap.indent(textwrap.dedent(cases).replace("FIXTURES", local_profiles(packs / "tests")), "  "))
    return packs


def test_threshold_fails_below_and_lists_what_no_case_fires(tmp_path, runner):
    packs = pack_dir_with_tests(tmp_path, """\
        - name: only the quiet star
          profile: FIXTURES/rs20-quiet-star.yaml
          decisions: {rescue_tier: 1}
        """)
    outcome = run([packs])
    cov = outcome.coverage
    assert 0 < cov.rule_percent < 100 and {p for p, _ in cov.rules} == {"core"}
    assert "tier-3-dishonesty" in [r.id for r in cov.unfired()]
    assert ("nrmp", 12) in outcome.untested or any(n == "nrmp" for n, _ in outcome.untested)
    result = runner.invoke(main, ["test", str(packs), "--coverage", "--threshold", "100"])
    assert result.exit_code == 1
    assert f"FAIL rule coverage {cov.rule_percent:.1f}% is below the threshold 100%" in result.output
    dishonesty = next(r for r in cov.unfired() if r.id == "tier-3-dishonesty")
    assert f"{dishonesty.file}:{dishonesty.line}  tier-3-dishonesty" in result.output
    assert "packs no test file covers: nrmp" in result.output
    low = runner.invoke(main, ["test", str(packs), "--threshold", f"{cov.rule_percent - 1:.1f}"])
    assert low.exit_code == 0


def test_condition_coverage_needs_both_true_and_false(tmp_path, runner):
    packs = pack_dir_with_tests(tmp_path, """\
        - name: Step 2 below the threshold
          profile: {exams: {step2: {score: 200}}}
          decisions: {sellability: needs_explaining}
        """)
    cov = run([packs]).coverage
    seen = {(r.id, repr(n.at)): missing for r, n, missing in cov.one_sided()}
    step2 = [m for (rid, at), m in seen.items() if rid == "sellable-but" and "exams.step2.score" in at]
    assert step2 == ["never false"]
    packs_two = pack_dir_with_tests(tmp_path / "two", """\
        - name: Step 2 below the threshold
          profile: {exams: {step2: {score: 200}}}
          decisions: {sellability: needs_explaining}
        - name: Step 2 above it
          profile: {exams: {step2: {score: 250}}}
          absent: [sellability]
        """)
    cov_two = run([packs_two]).coverage
    assert not [1 for r, n, _ in cov_two.one_sided() if r.id == "sellable-but" and "step2" in repr(n.at)]
    assert cov_two.condition_percent > cov.condition_percent
    result = runner.invoke(main, ["test", str(packs_two), "--condition-threshold", "99"])
    assert result.exit_code == 1 and "condition coverage" in result.output


def test_conditions_on_list_entries_are_counted_per_entry(tmp_path):
    packs = pack_dir_with_tests(tmp_path, """\
        - name: one faculty member knows them well, another barely
          profile:
            relationships:
              faculty: [{knows_you: well, influence: high}, {knows_you: barely, influence: low}]
          absent: [rescue_tier]
        """)
    cov = run([packs]).coverage
    one_sided = {(r.id, repr(n.at)) for r, n, _ in cov.one_sided()}
    knows = [at for rid, at in one_sided if rid == "tier-1-known-and-safe" and "knows_you" in at]
    assert knows == []  # seen true for the first entry and false for the second


def test_file_argument_runs_only_the_tests_that_cover_it(tmp_path):
    plan = suites([DEFAULT_RULES_DIR / "core.yaml"])
    (suite,) = plan
    assert suite.only == {"core"}
    outcome = run([DEFAULT_RULES_DIR / "core.yaml", DEFAULT_RULES_DIR / "nrmp.yaml"])
    assert {p for p, _ in outcome.coverage.rules} == {"core", "nrmp"} and outcome.failed == []


def test_a_decision_asked_of_packs_that_declare_none_says_there_is_none(tmp_path, runner):
    """`expected:` never ends in an empty "one of": a pack set with no decisions says so."""
    (tmp_path / "tests").mkdir()
    (tmp_path / "tiny.yaml").write_text(
        "pack: soaprules/pack@1\nname: tiny\nversion: 1.0.0\ndescription: no decisions at all\nrules:\n"
        "  - id: t\n    title: t\n    when: {status.phase: soap}\n    then: {derive: {x: a}}\n"
        "    cites: [RS-04]\n    sources: [{seed: nrmp, quote: \"q q q\"}]\n")
    (tmp_path / "tests" / "tiny.yaml").write_text(
        "tests: soaprules/pack-tests@1\ncovers: [tiny]\ncases:\n"
        "  - name: asks for a decision\n    profile: {status: {phase: soap}}\n    decisions: {rescue_tier: 1}\n")
    result = runner.invoke(main, ["test", str(tmp_path)])
    assert result.exit_code == 1 and "no decision 'rescue_tier'" in result.output, result.output
    assert "there is none to choose from" in result.output
    assert not any(line.rstrip().endswith("expected: one of") for line in result.output.splitlines())


# ---- silent, priority, order: what must not fire, at what priority, in what order ------------

def _quiet_star_report():
    from soaprules.advice import build
    from soaprules.engine.session import evaluate_profile
    from soaprules.pipeline import program_for
    from soaprules.profile.load import load_profile

    program = program_for([str(DEFAULT_RULES_DIR)])
    run_ = evaluate_profile(program, load_profile(FIXTURES / "rs20-quiet-star.yaml")[0])
    fired = {f.rule.id for f in run_.firings}
    quiet = next(r.id for r in program.book.rules if r.id not in fired)
    return build(run_)["recommendations"], sorted(fired), quiet


def test_silent_priority_and_order_pass_when_the_report_agrees_and_fail_with_what_it_gave(tmp_path, runner):
    recs, fired, quiet = _quiet_star_report()
    first, last = recs[0], recs[-1]
    other = next(p for p in ("critical", "high", "medium", "low") if p != first["priority"])
    path = write_tests(tmp_path, f"""\
        tests: soaprules/pack-tests@1
        covers: [core]
        cases:
          - name: as the report gives it
            profile: FIXTURES/rs20-quiet-star.yaml
            silent: [{quiet}]
            priority: {{{first['id']}: {first['priority']}}}
            order: [{first['id']}, {last['id']}]
          - name: the other way round
            profile: FIXTURES/rs20-quiet-star.yaml
            silent: [{fired[0]}]
            priority: {{{first['id']}: {other}}}
            order: [{last['id']}, {first['id']}]
        """)
    right, wrong = [r for r in run([DEFAULT_RULES_DIR], [path]).results if r.case.file == str(path)]
    assert right.passed, right.failures
    assert [(f.what, f.expected) for f in wrong.failures] == [
        (f"rule {fired[0]}", "does not fire"),
        (f"recommendation {first['id']}", f"given at priority {other}"),
        (f"recommendation {first['id']}", f"after {last['id']}")]
    assert wrong.failures[0].detail and all(line.startswith(f"rule {fired[0]}: ") for line in wrong.failures[0].detail)
    assert wrong.failures[1].actual.startswith(f"given at priority {first['priority']} by rule ")
    assert f"item 1 of the report, before it (item {len(recs)})" == wrong.failures[2].actual
    result = runner.invoke(main, ["test", str(DEFAULT_RULES_DIR), "--tests", str(path)])
    assert result.exit_code == 1 and "expected: does not fire" in result.output and "Traceback" not in result.output


def test_order_names_a_recommendation_not_given(tmp_path):
    recs, _, _ = _quiet_star_report()
    given = {r["id"] for r in recs}
    from soaprules.packs.load import load_rulebook as _book
    absent = next(r.recommendation_id for r in _book([DEFAULT_RULES_DIR]).rules
                  if r.recommendation_id and r.recommendation_id not in given)
    path = write_tests(tmp_path, f"""\
        tests: soaprules/pack-tests@1
        covers: [core]
        cases:
          - name: one missing
            profile: FIXTURES/rs20-quiet-star.yaml
            order: [{recs[0]['id']}, {absent}]
        """)
    (result,) = [r for r in run([DEFAULT_RULES_DIR], [path]).results if r.case.file == str(path)]
    assert [(f.what, f.expected, f.actual) for f in result.failures] == [
        (f"recommendation {absent}", f"given, after {recs[0]['id']}", "not given")]


def test_a_priority_that_is_not_one_is_refused_with_the_four(tmp_path, runner):
    path = write_tests(tmp_path, """\
        tests: soaprules/pack-tests@1
        covers: [core]
        cases:
          - name: one
            profile: FIXTURES/rs20-quiet-star.yaml
            priority: {nr-soap-cap: urgent}
        """)
    result = runner.invoke(main, ["test", str(DEFAULT_RULES_DIR), "--tests", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{path}:{line_of(path, 'urgent')}" in result.output and "critical" in result.output
