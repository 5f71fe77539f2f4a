"""Why, why-not and overridden proposals, on the real fixtures and the shipped packs."""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soaprules.cli.main import main
from soaprules.explain.why import Explainer, Target, explain, parse_target, why_trees
from soaprules.errors import UsageError
from soaprules.profile.load import load_profile
from soaprules.lang.evaluate import apply, interval_verdict
from soaprules.engine.session import evaluate_profile
from soaprules.explain.whatif import get_value

from conftest import FIXTURES, PROFILES

NAMES = [p.stem for p in PROFILES]


@pytest.fixture(scope="module")
def runs(program):
    cache = {}

    def run(name: str):
        if name not in cache:
            profile, _ = load_profile(FIXTURES / "profiles" / f"{name}.yaml")
            cache[name] = evaluate_profile(program, profile)
        return cache[name]
    return run


def nodes(tree: dict):
    yield tree
    for child in tree.get("children", []):
        yield from nodes(child)


def leaves(tree: dict):
    return [n for n in nodes(tree) if not n.get("children")]


# ---- why -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_every_recommendation_reaches_inputs_and_every_node_cites(runs, name):
    run = runs(name)
    explainer = Explainer(run)
    for rec in explainer.advice["recommendations"]:
        doc = explainer.document(Target("recommendation", rec["id"]))
        assert doc["reached"] is True
        assert doc["tree"]["detail"]["text"] == rec["text"]
        for leaf in leaves(doc["tree"]):
            undecided = (leaf["kind"] == "decision" and leaf["detail"].get("decided") is False
                         or leaf["kind"] == "derived" and leaf["detail"].get("derived") is False)
            assert leaf["kind"] == "input" or undecided, (rec["id"], leaf["label"])
            assert "path" in leaf and not leaf["path"].startswith(("derived.", "timeline."))
        for node in nodes(doc["tree"]):
            assert node["cites"], (rec["id"], node["label"])
            assert all(c["id"] and c.get("summary") and c.get("article") for c in node["cites"])


@pytest.mark.parametrize("name", NAMES)
def test_input_leaves_show_the_profile_values(runs, name):
    run = runs(name)
    explainer = Explainer(run)
    for decision in run.decisions:
        tree = explainer.document(Target("decision", decision))["tree"]
        for leaf in (n for n in nodes(tree) if n["kind"] == "input" and n["path"] != "status.now"):
            test = leaf.get("test", "")
            if test.startswith(("count", "total")):
                continue  # a count of a list, not a single value
            assert leaf["value"] == _json(get_value(run.data, leaf["path"])), leaf["label"]


def _json(value):
    return json.loads(json.dumps(value, default=str))


def test_why_trees_cover_every_recommendation_and_decision(runs):
    run = runs("rs20-late-bloomer")
    trees = why_trees(run)
    advice = Explainer(run).advice
    assert list(trees["recommendations"]) == [r["id"] for r in advice["recommendations"]]
    assert list(trees["decisions"]) == sorted(advice["decisions"])
    assert json.loads(json.dumps(trees)) == trees


def test_rescue_tier_shows_deciding_rule_and_overridden_proposals(runs):
    doc = explain(runs("rs20-brilliant-toxic"), Target("decision", "rescue_tier"))
    tree = doc["tree"]
    assert doc["reached"] and tree["value"] == 3 and tree["detail"]["decided_by"] == "tier-3-professionalism"
    deciding = tree["children"][0]
    assert deciding["kind"] == "rule" and deciding["rule"] == "tier-3-professionalism"
    assert {(n["path"], json.dumps(n["value"])) for n in deciding["children"]} >= {
        ("conduct.staff_complaints", "true")}
    overridden = [n for n in tree["children"] if n["kind"] == "overridden"]
    assert [(n["rule"], n["detail"]["value"], n["detail"]["beaten_by"], n["detail"]["policy"])
            for n in overridden] == [("tier-2-baseline", 2, "tier-3-professionalism", "salience")]
    assert "salience 40 beats 10" in overridden[0]["detail"]["reason"]
    assert overridden[0]["children"], "the losing rule's own inputs are shown"


@pytest.mark.parametrize("name", NAMES)
def test_overridden_proposals_match_the_advice(runs, name):
    run = runs(name)
    explainer = Explainer(run)
    for decision, entry in explainer.advice["decisions"].items():
        tree = explainer.document(Target("decision", decision))["tree"]
        lost = [(n["rule"], n["detail"]["value"]) for n in tree["children"] if n["kind"] == "overridden"]
        assert lost == [(o["rule"], o["value"]) for o in entry["overridden"]]
        assert all(n["detail"]["beaten_by"] == entry["rule"] for n in tree["children"] if n["kind"] == "overridden")


def test_a_fired_rule_whose_proposal_lost_says_so(runs):
    doc = explain(runs("rs20-brilliant-toxic"), Target("rule", "tier-2-baseline"))
    assert doc["reached"]
    lost = [n for n in doc["tree"]["children"] if n["kind"] == "overridden"]
    assert lost and lost[0]["detail"]["beaten_by"] == "tier-3-professionalism"


def test_a_derived_fact_opens_into_the_firing_that_asserted_it(runs, program):
    # advocacy-push-hard reads derived.clean_record, written by fa-08-clean-record
    run = runs("rs20-quiet-star")
    assert run.fired("advocacy-push-hard")
    tree = explain(run, Target("rule", "advocacy-push-hard"))["tree"]
    derived = next(n for n in nodes(tree) if n["kind"] == "derived" and n["path"] == "derived.clean_record")
    assert [c["rule"] for c in derived["children"]] == ["fa-08-clean-record"]


# ---- why not -------------------------------------------------------------------------

def conditions_of(tree: dict, rule_id: str) -> dict:
    candidate = next(n for n in nodes(tree) if n["kind"] == "rule" and n.get("rule") == rule_id
                     and "conditions_to_change" in n.get("detail", {}))
    return {n["path"]: n for n in nodes(candidate) if n["kind"] == "condition"}


def test_why_not_tier_1_on_a_tier_3_fixture_names_failed_conditions(runs):
    doc = explain(runs("rs20-brilliant-toxic"), parse_target("rescue_tier=1", runs("rs20-brilliant-toxic").program.book))
    assert doc["reached"] is False
    rows = conditions_of(doc["tree"], "tier-1-known-and-safe")
    failed = {p: (r["value"], r["test"], r["expected"]) for p, r in rows.items() if r["verdict"] == "failed"}
    assert failed == {"clinical.evaluations": ("mixed", "in", ["strong", "solid"]),
                      "decision.red_flag_risk": ("single_unexplained", "in", ["none", "single_explained"])}
    # the professionalism concern keeps the record from being clean: that fact never holds
    assert rows["derived.clean_record"]["verdict"] != "passed"
    blockers = next(n for n in doc["tree"]["children"] if n["kind"] == "blockers")
    assert "tier-3-professionalism" in [c["rule"] for c in blockers["children"]]
    to_change = sum(1 for r in rows.values() if r["verdict"] != "passed")
    assert "tier-1-known-and-safe" in doc["summary"] and f"{to_change} condition(s)" in doc["summary"]


def test_why_not_on_missing_inputs_says_not_evaluated(runs):
    doc = explain(runs("sparse-minimal"), Target("decision_value", "rescue_tier", 1))
    rows = conditions_of(doc["tree"], "tier-1-known-and-safe")
    unknown = {p for p, r in rows.items() if r["verdict"] == "not evaluated"}
    assert "clinical.evaluations" in unknown
    assert all(rows[p]["value"] is None for p in unknown if not p.startswith("decision."))


def test_candidates_are_listed_closest_first(runs):
    doc = explain(runs("rs20-brilliant-toxic"), Target("decision", "post_match_track"))
    assert doc["reached"] is False
    group = next(n for n in doc["tree"]["children"] if n["kind"] == "candidates")
    costs = [c["detail"]["conditions_to_change"] for c in group["children"]]
    proposing = [r for r in runs("rs20-brilliant-toxic").program.book.rules if "post_match_track" in r.then.decide]
    assert costs == sorted(costs) and len(costs) == len(proposing)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(NAMES), data=st.data())
def test_every_verdict_agrees_with_its_operator(runs, name, data):
    """Property: a condition row's verdict is its operator applied to its actual value."""
    run = runs(name)
    rule = data.draw(st.sampled_from(run.program.book.rules))
    tree = explain(run, Target("rule", rule.id))["tree"]
    for row in (n for n in nodes(tree) if n["kind"] == "condition"):
        test, actual, expected = row["test"], row["value"], row.get("expected")
        if test in ("exists", "missing"):
            want = (actual is not None) == (test == "exists")
        elif actual is None:
            want = None
        elif test.startswith(("count", "total")):
            low, high = (actual, actual) if isinstance(actual, int) else map(int, actual.split(" to "))
            want = interval_verdict(test.split()[1], low, high, expected)
        elif row["path"].startswith("derived."):
            want = any(apply(test, v, expected) for v in actual)
        else:
            want = apply(test, actual, tuple(expected) if isinstance(expected, list) else expected)
        assert row["verdict"] == {True: "passed", False: "failed", None: "not evaluated"}[want], row["label"]


def test_a_rule_that_did_not_fire_lists_rules_with_the_same_effect(runs):
    doc = explain(runs("rs20-brilliant-toxic"), Target("rule", "tier-1-known-and-safe"))
    assert doc["reached"] is False and doc["tree"]["kind"] == "why_not"
    assert doc["tree"]["children"][0]["detail"]["fired"] is False


# ---- targets, determinism, CLI -------------------------------------------------------

@pytest.mark.parametrize("text, message, suggestion", [
    ("rescue_tire=1", "unknown decision 'rescue_tire'", "rescue_tier"),
    ("rescue_tier=4", "'4' is not a value of rescue_tier", None),
    ("tier-1-known-safe", "'tier-1-known-safe' is not a recommendation id, a decision or a rule id",
     "tier-1-known-and-safe"),
])
def test_unknown_targets_are_usage_errors_with_did_you_mean(program, text, message, suggestion):
    with pytest.raises(UsageError) as info:
        parse_target(text, program.book)
    diag = info.value.diagnostics[0]
    assert diag.message == message and diag.suggestion == suggestion


def test_target_kinds(program):
    book = program.book
    assert parse_target("rescue_tier=1", book) == Target("decision_value", "rescue_tier", 1)
    assert parse_target("red_flag_risk=pattern", book) == Target("decision_value", "red_flag_risk", "pattern")
    assert parse_target("rescue_tier", book).kind == "decision"
    assert parse_target("nr-programs-call-first", book).kind == "recommendation"
    assert parse_target("tier-2-baseline", book).kind == "rule"


def test_explanation_is_the_same_whatever_the_fact_order(program):
    profile, _ = load_profile(FIXTURES / "profiles" / "rs20-brilliant-toxic.yaml")
    forward = evaluate_profile(program, profile)
    backward = evaluate_profile(program, profile, fact_order=lambda facts: list(reversed(facts)))
    for target in (Target("decision", "rescue_tier"), Target("decision_value", "rescue_tier", 1)):
        assert json.dumps(explain(forward, target)) == json.dumps(explain(backward, target))


def test_cli_text_tree(runner):
    result = runner.invoke(main, ["explain", str(FIXTURES / "profiles" / "rs20-brilliant-toxic.yaml"),
                                  "rescue_tier=1"])
    assert result.exit_code == 0, result.output
    assert "rescue_tier is 3, not 1" in result.output
    assert "[failed] clinical.evaluations one of [strong, solid]; actual mixed" in result.output
    assert "└── " in result.output and "cites: RS-09" in result.output


def test_cli_json(runner, tmp_path):
    out = tmp_path / "why.json"
    result = runner.invoke(main, ["explain", str(FIXTURES / "profiles" / "rs20-quiet-star.yaml"), "rescue_tier",
                                  "--format", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert doc["schema"] == "soaprules/explanation@1" and doc["target"] == {
        "kind": "decision", "name": "rescue_tier", "text": "rescue_tier"}
    assert doc["tree"]["detail"]["decided_by"] == "tier-1-known-and-safe"


def test_cli_unknown_target_exits_2_without_traceback(runner, tmp_path):
    out = tmp_path / "never.json"
    result = runner.invoke(main, ["explain", str(FIXTURES / "profiles" / "rs20-quiet-star.yaml"), "rescue_tire",
                                  "-o", str(out)])
    assert result.exit_code == 2 and "did you mean 'rescue_tier'" in result.output
    assert "Traceback" not in result.output and not out.exists()


def test_cli_bad_profile_exits_1(runner, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema: soaprules/profile@1\nclinical: {evaluations: stong}\n")
    result = runner.invoke(main, ["explain", str(bad), "rescue_tier"])
    assert result.exit_code == 1 and "bad.yaml:2" in result.output and "Traceback" not in result.output
