"""Evaluate one profile: assert its facts, fire stratum after stratum, resolve decisions.

The matcher is pluggable: `EngineMatcher` asks durable-rules which rules match, and
`ReferenceMatcher` asks the pure-Python evaluator; everything else is shared, so the
differential test compares exactly the matching. The trace is kept here, in Python,
as immutable records appended in the run loop.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from . import engine
from . import facts as F
from .compile import Program, Stratum, fact_type
from .pack_load import LoadedRule
from .profile import Profile
from .reference import Evidence, World, count_interval, evaluate
from .resolve import Proposal, Resolution, resolve


@dataclass(frozen=True)
class Firing:
    rule: LoadedRule
    stratum: int
    bindings: tuple  # ((alias, (list_path, index)), ...) sorted
    evidence: tuple  # Evidence that made the condition true
    asserted: tuple  # derived facts (name, value) this firing added
    proposed: tuple  # (decision, value)


@dataclass
class Evaluation:
    program: Program
    profile: Profile
    data: dict
    world: World
    firings: list = field(default_factory=list)
    proposals: dict = field(default_factory=dict)  # decision -> [Proposal]
    decisions: dict = field(default_factory=dict)  # decision -> Resolution

    def fired(self, rule_id: str) -> Firing | None:
        return next((f for f in self.firings if f.rule.id == rule_id), None)


class Matcher(Protocol):
    def match(self, program: Program, stratum: Stratum, facts: list, world: World) -> dict: ...


class EngineMatcher:
    """durable-rules decides which rules fire; bindings are the lowest entry index per alias."""

    def match(self, program: Program, stratum: Stratum, facts: list, world: World) -> dict:
        engine.register(program.definitions())
        by_rule: dict = {}
        for c, chunk in enumerate(stratum.chunks):
            wanted = {fact_type(e) for r in chunk for e in r.patterns.values()}
            relevant = [f for f in facts if f["t"] in wanted]
            aliases = {r.name: r.aliases for r in chunk}
            for firing in engine.run(program.ruleset_name(stratum.index, c), relevant):
                rule_id = firing.engine_rule.rsplit("#", 1)[0]
                bound = by_rule.setdefault(rule_id, {})
                for alias, fact in firing.facts.items():
                    key = aliases[firing.engine_rule][alias]
                    if key[0] == "some":
                        prev = bound.get(key[1])
                        here = (fact["t"], fact["i"])
                        bound[key[1]] = here if prev is None or here[1] < prev[1] else prev
        return by_rule


class ReferenceMatcher:
    """The pure-Python oracle decides which rules fire."""

    def match(self, program: Program, stratum: Stratum, facts: list, world: World) -> dict:
        out = {}
        for rule in stratum.rules:
            result = evaluate(rule.when, world)
            if result.value is True:
                out[rule.id] = dict(result.bindings)
        return out


def _timeline(program: Program, now: datetime | None) -> dict | None:
    if now is None or now.year not in program.book.calendar:
        return None
    milestones = program.book.calendar[now.year]
    passed = [name for name, at in milestones if at <= now]
    hours = {name: int((at - now).total_seconds() // 3600) for name, at in milestones}
    return {"segment": passed[-1] if passed else "before_calendar", "hours_to": hours}


def initial_facts(program: Program, profile: Profile) -> tuple[dict, World, list]:
    data = F.profile_data(profile)
    world = World(data, timeline=_timeline(program, profile.status.now if profile.status else None))
    facts = F.base_facts(data)
    for name, node in program.aggregates.values():
        interval = count_interval(node, data)
        if interval is not None:
            facts.append(F.aggregate_fact(name, *interval))
    if world.timeline:
        facts.append(F.timeline_fact(world.timeline["segment"], world.timeline["hours_to"]))
    return data, world, facts


def evaluate_profile(program: Program, profile: Profile, matcher: Matcher | None = None,
                     fact_order=None) -> Evaluation:
    """Run every stratum. `fact_order` may permute the facts (for order-independence tests)."""
    matcher = matcher or EngineMatcher()
    data, world, facts = initial_facts(program, profile)
    run = Evaluation(program, profile, data, world)
    for stratum in program.strata:
        ordered = fact_order(facts) if fact_order else facts
        matched = matcher.match(program, stratum, ordered, world)
        for rule in stratum.rules:  # definition order: the trace does not depend on firing order
            if rule.id in matched:
                facts += _fire(run, rule, stratum.index, matched[rule.id])
        for name in stratum.resolves:
            if run.proposals.get(name):
                res = resolve(program.book.decisions[name], run.proposals[name])
                run.decisions[name] = res
                world.decisions[name] = res.value
                facts.append(F.decision_fact(name, res.value))
    return run


def _fire(run: Evaluation, rule: LoadedRule, stratum: int, bindings: dict) -> list[dict]:
    evidence = tuple(evaluate(rule.when, run.world).evidence)
    new_facts, asserted = [], []
    for name, value in rule.then.derive.items():
        values = run.world.derived.setdefault(name, set())
        if value not in values:
            values.add(value)
            new_facts.append(F.derived_fact(name, value))
        asserted.append((name, value))
    proposed = tuple(rule.then.decide.items())
    for name, value in proposed:
        run.proposals.setdefault(name, []).append(Proposal(value, rule))
    run.firings.append(Firing(rule, stratum, tuple(sorted(bindings.items())), evidence, tuple(asserted), proposed))
    return new_facts


def evidence_of(firing: Firing) -> list[Evidence]:
    return [e for e in firing.evidence if e.verdict is True]
