"""`soaprules test` on the plan pack: its own kind of tests (soaprules/plan-tests@1) run,
a malformed case is a positioned error, and a profile outside the rule-pack tree is refused
and never quoted."""
from __future__ import annotations

import shutil
import textwrap

import pytest

from soaprules.cli.main import main
from soaprules.packs.load import DEFAULT_RULES_DIR
from diagnostics_seen import names_place


def test_the_shipped_plan_tests_run_and_pass(runner):
    result = runner.invoke(main, ["test", str(DEFAULT_RULES_DIR / "plan")])
    assert result.exit_code == 0, result.output
    assert "plan cases:" in result.output and " 0 failed" in result.output


def _tree(tmp_path, cases: str):
    """A copy of the shipped rules/ tree whose plan tests are the given cases."""
    tree = tmp_path / "school" / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, tree)
    (tmp_path / "school" / "secret.env").write_text("API_TOKEN=hunter2\n")
    tests = tree / "plan" / "tests" / "plan.yaml"
    tests.write_text("tests: soaprules/plan-tests@1\ncases:\n" + textwrap.indent(textwrap.dedent(cases), "  "))
    return tree, tests


def test_a_plan_case_profile_outside_the_tree_is_refused_and_never_quoted(runner, tmp_path):
    tree, tests = _tree(tmp_path, """\
        - name: reads a secret
          profile: ../../../secret.env
          programs: [{code: A, specialty: internal_medicine, position_type: categorical, name: X, city: Y, state: NY, positions: 1, service: ERAS}]
          expect: {A: {verdict: apply}}
        """)
    result = runner.invoke(main, ["test", str(tree / "plan")])
    assert result.exit_code == 1
    assert names_place(result.output, f"{tests}:4") and "outside" in result.output
    assert "hunter2" not in result.output and "Traceback" not in result.output


def test_a_malformed_plan_case_is_a_positioned_error_not_a_traceback(runner, tmp_path):
    tree, tests = _tree(tmp_path, """\
        - name: no programs
          profile: ../../tests/profiles/rs20-quiet-star.yaml
          expect: {A: {verdict: apply}}
        """)
    result = runner.invoke(main, ["test", str(tree / "plan")])
    assert result.exit_code == 1 and "programs" in result.output
    assert names_place(result.output, f"{tests}:3") and "Traceback" not in result.output


@pytest.mark.parametrize("with_,said", [("{status.phase: soap_week}", "is not a valid profile: status.phase"),
                                        ("{status..phase: soap}", "is not a profile path")])
def test_a_case_override_that_breaks_the_profile_is_a_pack_test_error(runner, tmp_path, with_, said):
    tree, tests = _tree(tmp_path, f"""\
        - name: bad override
          profile: ../../tests/profiles/rs20-quiet-star.yaml
          with: {with_}
          programs: [{{code: A, specialty: internal_medicine, position_type: categorical, name: X, city: Y, state: NY, positions: 1, service: ERAS}}]
          expect: {{A: {{verdict: apply}}}}
        """)
    result = runner.invoke(main, ["test", str(tree / "plan")])
    assert result.exit_code == 1 and said in result.output, result.output
    assert "Traceback" not in result.output
