"""What-if: levers as pack data, the exhaustive search, and manual changes."""
from __future__ import annotations

import json
import shutil
import textwrap
import time
from itertools import combinations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soaprules.explain import whatif
from soaprules.cli.main import main
from soaprules.engine.compile import compile_book
from soaprules.errors import PackError, UsageError
from soaprules.explain.why import Target
from soaprules.packs.levers import lever_for
from soaprules.packs.load import DEFAULT_RULES_DIR, load_rulebook
from soaprules.profile.model import Profile
from soaprules.profile.load import load_profile
from soaprules.engine.session import evaluate_profile

from conftest import FIXTURES, PROFILES

NAMES = [p.stem for p in PROFILES]


def profile_of(name: str) -> Profile:
    return load_profile(FIXTURES / "profiles" / f"{name}.yaml")[0]


def data_of(profile: Profile) -> dict:
    return profile.model_dump(by_alias=True, exclude_none=True, mode="python")


def engine_reaches(program, profile: Profile, changes, target: Target) -> bool:
    """Independent check: apply the changes, evaluate through the engine, test the target."""
    changed = Profile.model_validate(whatif.apply_changes(data_of(profile), changes))
    return whatif.reached(evaluate_profile(program, changed), target)


# ---- levers in the shipped packs -------------------------------------------------------

def test_shipped_levers_say_what_a_student_can_change(program):
    levers = program.book.levers
    assert lever_for(levers, "exams.step2.score").actionable is False
    assert lever_for(levers, "exams.step1.attempts").actionable is False
    assert lever_for(levers, "red_flags[1].count").actionable is False
    assert lever_for(levers, "red_flags[0].disclosed").actionable is True
    assert lever_for(levers, "geography.open_to_any_region").actionable is True
    assert lever_for(levers, "target.backup_specialties").actionable is True
    assert all(lever_for(levers, f"readiness.{f}").actionable for f in ("asked_for_advocacy", "packet.cv"))
    assert all(lv.values for lv in levers if lv.actionable)


@pytest.mark.parametrize("name", NAMES)
def test_candidates_never_touch_what_a_student_cannot_change(program, name):
    data = data_of(profile_of(name))
    for change in whatif.candidate_changes(program.book.levers, data):
        assert change.lever.actionable
        assert not change.path.startswith(("exams.", "academics.", "clinical.", "conduct.", "applicant.", "status."))


# ---- the search ------------------------------------------------------------------------

def test_tier_2_with_rigid_geography_finds_the_geography_lever(program):
    profile = profile_of("warned-derm-three-cities")
    target = Target("decision_value", "geographic_flexibility", "flexible")
    found = whatif.search(program, profile, target)
    doc = whatif.report(program, profile, found)
    assert doc["solutions"], doc["message"]
    assert doc["solutions"][0]["size"] == 1
    assert {c["path"] for s in doc["solutions"] for c in s["changes"]} <= {
        "geography.max_cities", "geography.open_to_any_region", "geography.regions"}
    assert any(c["path"] == "geography.max_cities" for s in doc["solutions"] for c in s["changes"])
    for solution in doc["solutions"]:
        assert solution["moves"]["decisions"]["geographic_flexibility"] == {"from": "rigid", "to": "flexible"}


@pytest.mark.parametrize("name, target", [
    ("rs20-late-bloomer", Target("decision_value", "geographic_flexibility", "flexible")),
    ("rs20-brilliant-toxic", Target("decision_value", "red_flag_risk", "single_explained")),
    ("warned-derm-three-cities", Target("decision_value", "geographic_flexibility", "flexible")),
    ("sparse-minimal", Target("decision_value", "geographic_flexibility", "flexible")),
])
def test_every_answer_really_reaches_the_target_and_is_minimal(program, name, target):
    profile = profile_of(name)
    found = whatif.search(program, profile, target)
    assert found.solutions
    for solution in found.solutions:
        assert engine_reaches(program, profile, solution, target), [c.label for c in solution]
        assert all(c.lever.actionable for c in solution)
        for smaller in (s for k in range(1, len(solution)) for s in combinations(solution, k)):
            assert not engine_reaches(program, profile, smaller, target), [c.label for c in smaller]


def test_disclosing_and_framing_the_flag_are_both_needed(program):
    profile = profile_of("rs20-brilliant-toxic")
    found = whatif.search(program, profile, Target("decision_value", "red_flag_risk", "single_explained"))
    assert [sorted(c.path for c in s) for s in found.solutions] == [
        ["red_flags[0].disclosed", "red_flags[0].explanation_ready"]]


def test_tier_3_from_exam_history_says_nothing_is_within_reach(program):
    profile = profile_of("repeat-failures-reapplying")
    target = Target("decision_value", "rescue_tier", 1)
    doc = whatif.report(program, profile, whatif.search(program, profile, target))
    assert doc["solutions"] == [] and doc["message"].startswith("Nothing within reach")
    held = {h["path"]: h for h in doc["held_by"]}
    assert held["red_flags"]["value"] == 2 and "cannot be removed" in held["red_flags"]["reason"]


def test_missing_inputs_are_named_as_unknown_not_as_fixed(program):
    profile = profile_of("sparse-minimal")
    doc = whatif.report(program, profile, whatif.search(program, profile, Target("decision_value", "rescue_tier", 1)))
    held = {h["path"]: h for h in doc["held_by"]}
    assert held["clinical.evaluations"]["value"] is None
    assert held["clinical.evaluations"]["reason"].startswith("the profile does not say")


def test_a_target_that_already_holds_needs_no_change(program):
    profile = profile_of("rs20-quiet-star")
    found = whatif.search(program, profile, Target("decision_value", "rescue_tier", 1))
    doc = whatif.report(program, profile, found)
    assert found.already and doc["solutions"] == [] and "already holds" in doc["message"]


def test_the_cone_search_finds_what_brute_force_over_every_lever_finds(program):
    """Pruning to the levers the target's rules read loses nothing (checked up to 2 changes)."""
    profile = profile_of("rs20-late-bloomer")
    target = Target("decision_value", "geographic_flexibility", "flexible")
    every = whatif.candidate_changes(program.book.levers, data_of(profile))
    brute = []
    for size in (1, 2):
        for combo in combinations(every, size):
            if len({c.key for c in combo}) == size and not any(set(s) <= set(combo) for s in brute) \
                    and engine_reaches(program, profile, combo, target):
                brute.append(combo)
    found = whatif.search(program, profile, target, max_changes=2)
    assert sorted(sorted(c.label for c in s) for s in found.solutions) == sorted(sorted(c.label for c in s)
                                                                                 for s in brute)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(NAMES), data=st.data())
def test_cone_reference_evaluation_agrees_with_the_engine(program, name, data):
    """Property: for any lever changes, the fast path (cone, reference matcher) and the engine
    path agree on whether a decision target is reached."""
    profile = profile_of(name)
    every = whatif.candidate_changes(program.book.levers, data_of(profile))
    changes = data.draw(st.lists(st.sampled_from(every), max_size=3, unique_by=lambda c: c.key)) if every else []
    decision = data.draw(st.sampled_from(sorted(program.book.decisions)))
    target = Target("decision_value", decision, data.draw(st.sampled_from(program.book.decisions[decision].values)))
    changed = Profile.model_validate(whatif.apply_changes(data_of(profile), changes))
    rule_ids, _ = whatif.cone(program.book, target)
    fast = evaluate_profile(whatif.cone_program(program, rule_ids), changed, whatif.ReferenceMatcher())
    assert whatif.reached(fast, target) == whatif.reached(evaluate_profile(program, changed), target)


def test_exhaustive_three_change_search_is_interactive(program):
    """The slowest search over every fixture and decision value stays under 2 s."""
    slowest = 0.0
    for name in NAMES:
        profile = profile_of(name)
        for decision, decl in program.book.decisions.items():
            for value in decl.values:
                started = time.perf_counter()
                whatif.search(program, profile, Target("decision_value", decision, value), 3)
                slowest = max(slowest, time.perf_counter() - started)
    assert slowest < 2.0


def test_non_actionable_levers_are_never_proposed(tmp_path):
    """The same search with geography declared fixed finds nothing for a rigid student."""
    rules = tmp_path / "rules"
    rules.mkdir()
    for name in ("core.yaml", "nrmp.yaml"):
        shutil.copy(DEFAULT_RULES_DIR / name, rules / name)
    (rules / "levers.yaml").write_text(LEVER_HEADER + textwrap.dedent("""\
        levers:
          - {path: geography.*, actionable: false, reason: "This student cannot move, for this test."}
          - {path: readiness.asked_for_advocacy, actionable: true, values: [true], reason: "Asking is up to them."}
        """))
    program = compile_book(load_rulebook([rules]))
    profile = profile_of("rs20-late-bloomer")
    doc = whatif.report(program, profile, whatif.search(
        program, profile, Target("decision_value", "geographic_flexibility", "flexible")))
    assert doc["solutions"] == [] and doc["message"].startswith("Nothing within reach")
    assert {h["path"] for h in doc["held_by"]} >= {"geography.regions", "geography.open_to_any_region"}


# ---- lever declarations: positioned errors -------------------------------------------

LEVER_HEADER = """\
pack: soaprules/pack@1
name: test-levers
version: "1"
description: levers for a test
"""


def lever_errors(tmp_path, body: str) -> list:
    rules = tmp_path / "rules"
    rules.mkdir(exist_ok=True)
    shutil.copy(DEFAULT_RULES_DIR / "core.yaml", rules / "core.yaml")
    (rules / "levers.yaml").write_text(LEVER_HEADER + textwrap.dedent(body))
    with pytest.raises(PackError) as info:
        load_rulebook([rules])
    return [d for d in info.value.diagnostics if d.file.endswith("levers.yaml")]


@pytest.mark.parametrize("body, line, message, suggestion", [
    ("levers:\n  - {path: geography.open_to_any_regon, actionable: true, reason: widening helps a lot}\n",
     6, "'geography.open_to_any_regon' is not a profile path", "geography.open_to_any_region"),
    ("levers:\n  - {path: geography.regions, actionable: true, values: [midwst], reason: widening helps a lot}\n",
     6, "'midwst' is not a value of geography.regions", "midwest"),
    ("levers:\n  - {path: geography.max_cities, actionable: true, values: [0], reason: more cities helps a lot}\n",
     6, "0 is outside geography.max_cities's range 1..1000", None),
    ("levers:\n  - {path: geography.max_cities, actionable: true, reason: more cities helps a lot}\n",
     6, "lever geography.max_cities (a whole number 1..1000) needs values:", None),
    ("levers:\n  - {path: target.backup_specialties, actionable: true, values: $soap_realistic,"
     " reason: backups help a lot}\n", 6, "unknown parameter '$soap_realistic'", "$soap_realistic_specialties"),
    ("levers:\n  - {path: exams.*, actionable: true, reason: exams are history}\n",
     6, "a wildcard lever (exams.*) must be actionable: false", None),
    ("levers:\n  - {path: geography.open_to_any_region, change: add, actionable: true, reason: widening helps}\n",
     6, "'add' works on a list of choices; geography.open_to_any_region is true or false", None),
    ("levers:\n  - {path: exmas.*, actionable: false, reason: exams are history}\n",
     6, "'exmas' is not a section or list of the profile", "exams.*"),
    ("levers:\n  - {path: \"red_flags[].disclosd\", actionable: true, reason: telling helps a lot}\n",
     6, "'red_flags[].disclosd' is not a profile path", "red_flags[].disclosed"),
])
def test_bad_levers_are_positioned_errors_with_did_you_mean(tmp_path, body, line, message, suggestion):
    found = lever_errors(tmp_path, body)
    assert [(d.message, d.suggestion) for d in found] == [(message, suggestion)]
    assert found[0].position.line >= line


def test_a_lever_declared_twice_names_the_first(tmp_path):
    found = lever_errors(tmp_path, """\
        levers:
          - {path: geography.open_to_any_region, actionable: true, reason: widening helps a lot}
          - {path: geography.open_to_any_region, actionable: false, reason: widening helps a lot}
        """)
    assert len(found) == 1 and "already declared at" in found[0].message and "levers.yaml:6" in found[0].message
    assert found[0].position.line == 7


def test_an_unknown_lever_key_is_a_positioned_error(tmp_path):
    found = lever_errors(tmp_path, "levers:\n  - {path: geography.max_cities, actionabel: true, reason: ok ok ok ok}\n")
    assert any(d.message == "unknown field 'actionabel'" and d.suggestion == "actionable" for d in found)


# ---- manual changes and the CLI --------------------------------------------------------

def test_manual_change_shows_the_diff(program):
    profile = profile_of("warned-derm-three-cities")
    data = data_of(profile)
    doc = whatif.manual(program, profile, [whatif.parse_set("geography.max_cities=10", data, program.book.levers)])
    assert doc["moves"]["decisions"]["geographic_flexibility"] == {"from": "rigid", "to": "flexible"}
    assert doc["changes"][0]["actionable"] is True and doc["changes"][0]["before"] == 3


def test_manual_change_to_history_is_allowed_but_marked(program):
    profile = profile_of("rs20-brilliant-toxic")
    data = data_of(profile)
    change = whatif.parse_set("conduct.staff_complaints=false", data, program.book.levers)
    doc = whatif.manual(program, profile, [change])
    assert doc["changes"][0]["actionable"] is False


@pytest.mark.parametrize("text, message, suggestion", [
    ("geography.open_to_any_regon=true", "'geography.open_to_any_regon' is not a field --set can change",
     "geography.open_to_any_region"),
    ("exams.step2.score=abc", "--set exams.step2.score=abc: exams.step2.score is a whole number, not 'abc'", None),
    ("geography.regions+=midwst", "--set geography.regions+=midwst: 'midwst' is not a value of geography.regions",
     "midwest"),
    ("red_flags[3].disclosed=true", "the profile has no entry red_flags[3]", None),
    ("geography.max_cities", "--set needs path=value, not 'geography.max_cities'", None),
])
def test_bad_set_is_a_usage_error(program, text, message, suggestion):
    data = data_of(profile_of("rs20-brilliant-toxic"))
    with pytest.raises(UsageError) as info:
        whatif.parse_set(text, data, program.book.levers)
    assert (info.value.diagnostics[0].message, info.value.diagnostics[0].suggestion) == (message, suggestion)


def test_cli_search_text(runner):
    result = runner.invoke(main, ["whatif", str(FIXTURES / "profiles" / "warned-derm-three-cities.yaml"),
                                  "--target", "geographic_flexibility=flexible"])
    assert result.exit_code == 0, result.output
    assert "geography.max_cities: 3 -> 10 (Accept more cities)" in result.output


def test_cli_nothing_within_reach(runner):
    result = runner.invoke(main, ["whatif", str(FIXTURES / "profiles" / "repeat-failures-reapplying.yaml"),
                                  "--target", "rescue_tier=1", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["schema"] == "soaprules/whatif@1" and doc["solutions"] == []
    assert doc["message"].startswith("Nothing within reach")


def test_cli_output_is_deterministic(runner):
    args = ["whatif", str(FIXTURES / "profiles" / "rs20-late-bloomer.yaml"), "--target",
            "geographic_flexibility=flexible", "--format", "json"]
    assert runner.invoke(main, args).output == runner.invoke(main, args).output


@pytest.mark.parametrize("sets, moved", [
    (["geography.open_to_any_region=true"], "geographic_flexibility: rigid -> flexible"),
    (["geography.regions+=south"], "geographic_flexibility: rigid -> limited"),
    # two regions make "limited"; under the worst-wins policy that beats "open to any region"
    (["geography.open_to_any_region=true", "geography.regions+=south"], "geographic_flexibility: rigid -> limited"),
    (["clinical.evaluations=strong"], "moves nothing"),
])
def test_cli_set(runner, sets, moved):
    args = [a for s in sets for a in ("--set", s)]
    result = runner.invoke(main, ["whatif", str(FIXTURES / "profiles" / "rs20-late-bloomer.yaml"), *args])
    assert result.exit_code == 0, result.output
    assert moved in result.output


@pytest.mark.parametrize("args", [[], ["--target", "rescue_tier=1", "--set", "geography.max_cities=10"]])
def test_cli_needs_exactly_one_of_target_and_set(runner, args):
    result = runner.invoke(main, ["whatif", str(FIXTURES / "profiles" / "rs20-late-bloomer.yaml"), *args])
    assert result.exit_code == 2 and "give either --target or --set" in result.output


def test_cli_bad_target_exits_2(runner):
    result = runner.invoke(main, ["whatif", str(FIXTURES / "profiles" / "rs20-late-bloomer.yaml"),
                                  "--target", "rescue_tier=one"])
    assert result.exit_code == 2 and "'one' is not a value of rescue_tier" in result.output
    assert "Traceback" not in result.output


def test_replying_to_a_program_that_contacted_you_is_the_lever_that_lets_the_advocate_speak(runner, tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(textwrap.dedent("""\
        schema: soaprules/profile@1
        status: {phase: soap, soap_eligible: true, now: "2026-03-17T10:00:00-04:00"}
        relationships:
          faculty: [{role: clerkship_director, knows_you: well, influence: high, signals: [asked_for_eras]}]
        soap_week:
          program_contacts: [{program: "Lakeshore FM (P-2207)", applied: true, replied: false}]
        """))
    result = runner.invoke(main, ["whatif", str(path), "--target", "sw-advocate-may-speak", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    changes = [[(c["path"], c["value"]) for c in s["changes"]] for s in doc["solutions"]]
    assert [("soap_week.program_contacts[0].replied", True)] in changes, changes
