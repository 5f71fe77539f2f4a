"""A report's `because` (lang.evaluate.because) is the interpreter's evidence with verdict
True, item for item and in order, for every rule of the shipped packs on the fixtures and
on generated profiles, fired or not; generated packs are in test_differential.py."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from soaprules.engine.session import ReferenceMatcher, evaluate_profile
from soaprules.lang.evaluate import because, evaluate
from soaprules.profile.load import load_profile
from conftest import PROFILES
from strategies import profiles

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def true_evidence(node, world) -> list:
    return [e for e in evaluate(node, world).evidence if e.verdict is True]


def same_on_every_rule(program, profile) -> int:
    """Compare on every rule; return how many were true (so a test can see it compared some)."""
    run = evaluate_profile(program, profile, ReferenceMatcher())
    true = 0
    for rule in program.book.rules:
        assert because(rule.when, run.world) == true_evidence(rule.when, run.world), rule.id
        true += evaluate(rule.when, run.world).value is True
    return true


def test_fixtures_agree_and_many_rules_are_true(program):
    assert sum(same_on_every_rule(program, load_profile(p)[0]) for p in PROFILES) >= len(PROFILES)


@SETTINGS
@given(profile=profiles())
def test_generated_profiles_agree(program, profile):
    same_on_every_rule(program, profile)


@pytest.mark.parametrize("path", PROFILES[:3], ids=lambda p: p.stem)
def test_a_firing_reports_its_because(program, path):
    """The report reads the firing's own `because`: what the full evidence holds as true."""
    run = evaluate_profile(program, load_profile(path)[0])
    assert run.firings
    for firing in run.firings:
        assert list(firing.because) == [e for e in firing.evidence if e.verdict is True]
