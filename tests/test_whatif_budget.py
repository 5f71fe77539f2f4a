"""What-if stays bounded on any valid profile: interchangeable entries are searched once,
and past the budget the search stops and says so."""
from __future__ import annotations

import json
from itertools import combinations

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soaprules.cli.main import main
from soaprules.engine.session import ReferenceMatcher, evaluate_profile
from soaprules.explain import whatif
from soaprules.explain.why import Target
from soaprules.profile.model import Profile

FLAG = {"kind": "exam_failure", "count": 1, "resolved": True, "explanation_ready": False, "disclosed": False}
DISMISSAL = dict(FLAG, kind="program_dismissal")
RESCUE = Target("decision_value", "rescue_tier", 1)
FRAMING = Target("recommendation", "fa-07-program-dismissal")


def profile_with(flags: list[dict]) -> Profile:
    return Profile.model_validate({"schema": "soaprules/profile@1",
                                   "status": {"phase": "soap", "soap_eligible": True, "match_result": "unmatched"},
                                   "clinical": {"evaluations": "strong"}, "conduct": {"dishonesty": False},
                                   "red_flags": flags})


def distinct_flags(n: int) -> list[dict]:
    """Entries the rules can tell apart: no two alike in what they read."""
    return [dict(FLAG, count=i % 20 + 1, resolved=bool(i % 2), explanation_ready=bool(i // 20 % 2)) for i in range(n)]


def unreduced(program, profile: Profile, target: Target, max_changes: int) -> list[list[str]]:
    """The search as it was: every combination of candidates, no symmetry, no budget."""
    data = profile.model_dump(by_alias=True, exclude_none=True, mode="python")
    rule_ids, reads = whatif.cone(program.book, target)
    sub = whatif.cone_program(program, rule_ids)
    cands = whatif.candidate_changes(program.book.levers, data, reads)
    solved = []
    for size in range(1, max_changes + 1):
        for combo in combinations(range(len(cands)), size):
            if len({cands[i].key for i in combo}) < size or any(s <= set(combo) for s in solved):
                continue
            changed = whatif._validated(whatif.apply_changes(data, [cands[i] for i in combo]))
            if changed is not None and whatif.reached(evaluate_profile(sub, changed, ReferenceMatcher()), target):
                solved.append(set(combo))
    return [[cands[i].label for i in sorted(s)] for s in solved]


def labels(found) -> list[list[str]]:
    return [[c.label for c in s] for s in found.solutions]


# ---- bounded ---------------------------------------------------------------------------

@pytest.mark.parametrize("n", [20, 60])
def test_many_identical_flags_are_searched_once(program, n):
    """The red-team profile: N identical flags cost what three do (it used to grow as N**3)."""
    three = whatif.search(program, profile_with([FLAG] * 3), RESCUE)
    found = whatif.search(program, profile_with([FLAG] * n), RESCUE)
    assert found.complete and found.exhaustive_to == 3
    assert found.tried == three.tried < whatif.MAX_CHANGE_SETS
    assert found.total > 10 * found.tried  # what an unreduced search would have tried
    assert found.alike == [("red_flags", list(range(n)))]
    doc = whatif.report(program, profile_with([FLAG] * n), found)
    assert doc["searched"]["complete"] is True and doc["message"].startswith("Nothing within reach")


@pytest.mark.parametrize("n", [20, 60])
def test_distinct_flags_stop_at_the_budget_and_say_so(program, n):
    profile = profile_with(distinct_flags(n))
    found = whatif.search(program, profile, RESCUE, limit=150)
    assert not found.complete and found.tried == 150 and found.exhaustive_to < 3
    doc = whatif.report(program, profile, found)
    searched = doc["searched"]
    assert searched["complete"] is False and searched["change_sets_tried"] == 150
    assert searched["change_sets"] > 150
    assert doc["message"].startswith("Stopped at the search limit: tried 150 of ")
    assert "Nothing within reach" not in doc["message"]  # never claims exhaustiveness


def test_the_default_budget_bounds_every_search(program):
    found = whatif.search(program, profile_with(distinct_flags(100)), RESCUE, max_changes=2)
    assert found.tried <= whatif.MAX_CHANGE_SETS
    assert not found.complete and found.exhaustive_to == 1


def test_cli_reports_the_limit_in_text_and_json(runner, tmp_path, monkeypatch):
    monkeypatch.setattr(whatif, "MAX_CHANGE_SETS", 100)
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(profile_with(distinct_flags(20)).model_dump(
        by_alias=True, exclude_none=True, mode="json")))
    text = runner.invoke(main, ["whatif", str(path), "--target", "rescue_tier=1"])
    assert text.exit_code == 0, text.output
    assert "Stopped at the search limit: tried 100 of" in " ".join(text.output.split())
    result = runner.invoke(main, ["whatif", str(path), "--target", "rescue_tier=1", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["searched"]["complete"] is False and doc["searched"]["limit"] == 100
    assert doc["searched"]["change_sets_tried"] == 100


# ---- the same answers as the unreduced search ------------------------------------------

@pytest.mark.parametrize("flags, target", [
    ([DISMISSAL, DISMISSAL], FRAMING),
    ([DISMISSAL, FLAG, DISMISSAL, dict(DISMISSAL, explanation_ready=True)], FRAMING),
    ([FLAG, FLAG, dict(FLAG, resolved=False)], RESCUE),
    ([DISMISSAL, DISMISSAL, DISMISSAL], Target("decision_value", "red_flag_risk", "single_explained")),
])
def test_small_profiles_get_exactly_the_unreduced_answers(program, flags, target):
    profile = profile_with(flags)
    found = whatif.search(program, profile, target)
    assert found.complete
    assert labels(found) == unreduced(program, profile, target, 3)


def test_alike_answers_are_listed_one_by_one(program):
    found = whatif.search(program, profile_with([DISMISSAL] * 5), FRAMING)
    assert labels(found) == [[f"red_flags[{i}].disclosed: false -> true"] for i in range(5)]
    assert found.tried == 1


def test_past_spell_out_an_answer_says_how_many_it_stands_for(program, monkeypatch):
    monkeypatch.setattr(whatif, "SPELL_OUT", 3)
    profile = profile_with([DISMISSAL] * 5)
    found = whatif.search(program, profile, FRAMING)
    doc = whatif.report(program, profile, found)
    assert [s["alike"] for s in doc["solutions"]] == [4]
    assert doc["searched"]["alike_entries"] == [{"list": "red_flags", "entries": [0, 1, 2, 3, 4]}]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flags=st.lists(st.sampled_from([FLAG, DISMISSAL, dict(DISMISSAL, explanation_ready=True),
                                       dict(FLAG, resolved=False, disclosed=True)]), min_size=1, max_size=4),
       target=st.sampled_from([RESCUE, FRAMING, Target("decision_value", "red_flag_risk", "single_explained")]))
def test_property_reduced_search_equals_unreduced(program, flags, target):
    profile = profile_with(flags)
    found = whatif.search(program, profile, target, max_changes=2)
    if found.already:
        return
    assert found.complete and labels(found) == unreduced(program, profile, target, 2)
