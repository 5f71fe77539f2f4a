"""The report's unknowns: the generated question (reference.compile_unknowns) gives what
the interpreter (`missing_inputs`, rule by rule) gives, over the fixtures and generated
profiles, on the shipped packs and on generated packs."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from soaprules.profile.load import load_profile
from soaprules.lang.evaluate import compile_unknowns, missing_inputs
from soaprules.engine.session import ReferenceMatcher, evaluate_profile
from conftest import PROFILES
from strategies import profiles

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def interpreted(program, world, fired) -> dict:
    found: dict = {}
    memo: dict = {}
    for rule in program.book.rules:
        if rule.id not in fired:
            for path in missing_inputs(rule.when, world, memo):
                found.setdefault(path, []).append(rule.id)
    return found


@pytest.fixture(scope="module")
def generated(program):
    return compile_unknowns(program.book.rules)


def _same(program, generated, profile) -> None:
    run = evaluate_profile(program, profile, ReferenceMatcher())
    fired = {f.rule.id for f in run.firings}
    assert generated(run.world, fired) == interpreted(program, run.world, fired)
    # every rule, fired or not: the generated verdicts are the interpreter's on all of them
    assert generated(run.world, set()) == interpreted(program, run.world, set())


@pytest.mark.parametrize("path", PROFILES, ids=lambda p: p.stem)
def test_generated_unknowns_match_the_interpreter_on_fixtures(program, generated, path):
    _same(program, generated, load_profile(path)[0])


@SETTINGS
@given(profile=profiles())
def test_generated_unknowns_match_the_interpreter(program, generated, profile):
    _same(program, generated, profile)


def test_the_report_uses_either_path_alike(program):
    """advice._unknowns asks the interpreter first, the generated code after: same output."""
    from soaprules.advice import _unknowns
    from soaprules.engine.compile import compile_book
    profile = load_profile(PROFILES[0])[0]
    fresh = compile_book(program.book)  # a program whose first report is still to come
    first = _unknowns(evaluate_profile(fresh, profile))
    assert fresh.unknowns_generated() is not None
    assert _unknowns(evaluate_profile(fresh, profile)) == first


@SETTINGS
@given(profile=profiles())
def test_generated_intervals_match_count_interval(program, profile):
    """The declared counts, generated (reference.compile_intervals), are `count_interval`'s."""
    from soaprules.profile.paths import dump as profile_data
    from soaprules.lang.evaluate import compile_intervals, count_interval
    data = profile_data(profile)
    generated = compile_intervals(program.aggregates)
    assert generated(data) == {name: count_interval(node, data) for name, node in program.aggregates.values()}


def test_a_warmed_program_has_its_generated_parts_and_advises_alike(program):
    """Program.warm (before forking batch workers) makes the generated code at once; the
    advice is the one a program that made it on its own gives."""
    from soaprules.advice import build
    from soaprules.engine.compile import compile_book
    profile = load_profile(PROFILES[0])[0]
    cold, warm = compile_book(program.book), compile_book(program.book).warm()
    assert warm.unknowns_generated() is not None and warm.intervals_generated() is not None
    assert "gates" in warm.__dict__ and "gates" not in cold.__dict__
    assert build(evaluate_profile(warm, profile)) == build(evaluate_profile(cold, profile))
