"""The durable-rules session against the pure-Python reference, and determinism."""
from __future__ import annotations

import json
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soaprules.advice import build
from soaprules.engine.session import ReferenceMatcher, evaluate_profile
from strategies import profiles

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _outcome(run):
    return ([(f.rule.id, f.stratum, f.bindings) for f in run.firings],
            {k: (v.value, v.rule.id) for k, v in run.decisions.items()})


@SETTINGS
@given(profile=profiles())
def test_engine_agrees_with_reference(program, profile):
    engine_run = evaluate_profile(program, profile)
    reference_run = evaluate_profile(program, profile, ReferenceMatcher())
    assert _outcome(engine_run) == _outcome(reference_run)


@SETTINGS
@given(profile=profiles(), seed=st.integers(0, 2**32 - 1))
def test_output_does_not_depend_on_fact_order(program, profile, seed):
    shuffle = lambda facts: random.Random(seed).sample(facts, len(facts))  # noqa: E731
    plain = json.dumps(build(evaluate_profile(program, profile)))
    shuffled = json.dumps(build(evaluate_profile(program, profile, fact_order=shuffle)))
    reversed_ = json.dumps(build(evaluate_profile(program, profile, fact_order=lambda f: f[::-1])))
    assert plain == shuffled == reversed_


@SETTINGS
@given(profile=profiles())
def test_same_input_same_bytes(program, profile):
    first = json.dumps(build(evaluate_profile(program, profile)))
    assert json.dumps(build(evaluate_profile(program, profile))) == first


@SETTINGS
@given(profile=profiles())
def test_decisions_only_when_decided(program, profile):
    """Every decision present names a rule that fired; none is guessed."""
    run = evaluate_profile(program, profile)
    fired = {f.rule.id for f in run.firings}
    for name, res in run.decisions.items():
        assert res.rule.id in fired and name in res.rule.then.decide


@SETTINGS
@given(profile=profiles())
def test_short_circuit_verdict_agrees_with_full_evaluation(program, profile):
    """`reference.verdict` (used for the report's unknowns) is `evaluate(...).value`."""
    from soaprules.lang.evaluate import evaluate, verdict
    run = evaluate_profile(program, profile, ReferenceMatcher())
    memo: dict = {}
    for rule in program.book.rules:
        full = evaluate(rule.when, run.world).value
        assert verdict(rule.when, run.world) == verdict(rule.when, run.world, memo=memo) == full, rule.id


@SETTINGS
@given(profile=profiles())
def test_gates_never_close_on_a_rule_that_fires(program, profile):
    """A ruleset's gate (compile.gate_source) is a necessary test: every engine rule of a
    pack rule the reference fires is let through, or another of its engine rules is."""
    from soaprules.engine import facts as F
    from soaprules.engine.session import initial_facts
    reference_run = evaluate_profile(program, profile, ReferenceMatcher())
    fired = {f.rule.id: f.stratum for f in reference_run.firings}
    # the facts each stratum saw, rebuilt as evaluate_profile builds them
    _, world, facts, _ = initial_facts(program, profile)
    world.derived, world.decisions = reference_run.world.derived, reference_run.world.decisions
    for stratum in program.strata:
        decided = {k: v for k, v in world.decisions.items()
                   if any(k in s.resolves for s in program.strata[:stratum.index])}
        current = facts + [F.decisions_fact(decided)]
        by_type: dict = {}
        for f in current:
            by_type.setdefault(f["t"], []).append(f)
        masks = program.gates[stratum.index](by_type)
        open_rules = {rule.rule.id for mask, chunk in zip(masks, stratum.chunks)
                      for bit, rule in enumerate(chunk) if mask >> bit & 1}
        assert {r for r, s in fired.items() if s == stratum.index} <= open_rules
        from soaprules.engine.session import _derived_fact
        facts = facts + [_derived_fact(n, world.derived[n]) if n in world.derived else F.absent_fact(n)
                         for n in stratum.settles]
