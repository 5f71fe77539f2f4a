"""Evaluate one profile: assert its facts, fire stratum after stratum, resolve decisions.

The matcher is pluggable: `EngineMatcher` asks durable-rules which rules match, and
`ReferenceMatcher` asks the pure-Python evaluator; everything else is shared, so the
differential test compares exactly the matching. The trace is kept here, in Python,
as immutable records appended in the run loop.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

from . import engine
from .calendar import PhaseReading, read_phase, timeline
from . import facts as F
from .compile import DERIVED_COUNT, DERIVED_VALUES, Program, Stratum
from .pack_load import LoadedRule
from .profile import Profile
from .reference import Evidence, World, count_interval, evaluate
from .resolve import Proposal, Resolution, resolve


@dataclass(frozen=True)
class Firing:
    rule: LoadedRule
    stratum: int
    bindings: tuple  # ((alias, (list_path, index)), ...) sorted
    asserted: tuple  # derived facts (name, value) this firing added
    proposed: tuple  # (decision, value)
    world: World = field(repr=False, compare=False)

    @cached_property
    def evidence(self) -> tuple:
        """Evidence that made the condition true, computed when first asked for: a batch
        that only needs decisions never pays for it. The final world gives the same
        answer as the world at firing time: a rule reads only derived facts and
        decisions of lower strata, complete before its own stratum ran."""
        return tuple(evaluate(self.rule.when, self.world).evidence)


@dataclass
class Evaluation:
    program: Program
    profile: Profile
    data: dict
    world: World
    firings: list = field(default_factory=list)
    proposals: dict = field(default_factory=dict)  # decision -> [Proposal]
    decisions: dict = field(default_factory=dict)  # decision -> Resolution
    phase_reading: PhaseReading | None = None  # the stated phase, the calendar's, and the one used

    def fired(self, rule_id: str) -> Firing | None:
        return next((f for f in self.firings if f.rule.id == rule_id), None)


class Matcher(Protocol):
    def match(self, program: Program, stratum: Stratum, facts: list, world: World) -> dict: ...


class EngineMatcher:
    """durable-rules decides which rules fire; bindings are the lowest entry index per alias.
    Each fact is encoded to JSON once per evaluation, however many rulesets read it."""

    def __init__(self):
        self._world = None
        self._encoded: dict = {}

    def _encode(self, fact: dict, world: World) -> str:
        if world is not self._world:  # a new evaluation: ids of the old facts mean nothing now
            self._world, self._encoded = world, {}
        held = self._encoded.get(id(fact))
        if held is None:  # the fact is held with its text: its id cannot be reused while cached
            held = self._encoded[id(fact)] = (fact, engine.encode(fact))
        return held[1]

    def match(self, program: Program, stratum: Stratum, facts: list, world: World) -> dict:
        plans = program.engine_plan[stratum.index]
        if not all(engine.registered(p.ruleset) for p in plans):
            engine.register(program.definitions())
        by_type: dict = {}
        for f in facts:
            by_type.setdefault(f["t"], []).append(f)
        by_rule: dict = {}
        for plan in plans:
            relevant = [self._encode(f, world) for f in plan.pick(by_type)]
            for firing in engine.run(plan.ruleset, relevant):
                rule_id = firing.engine_rule.rsplit("#", 1)[0]
                bound = by_rule.setdefault(rule_id, {})
                aliases = plan.aliases[firing.engine_rule]
                for alias, fact in firing.facts.items():
                    key = aliases[alias]
                    if key[0] == "some":  # one pattern may stand for several names bound to one entry
                        here = (fact["t"], fact["i"])
                        for name in key[1].split("+"):
                            prev = bound.get(name)
                            bound[name] = here if prev is None or here[1] < prev[1] else prev
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


def clock_reading(program: Program, data: dict) -> tuple[dict | None, PhaseReading]:
    """Where `status.now` falls in its cycle, and the phase the advice is read for: the
    calendar decides where SOAP stands (calendar.read_phase)."""
    book = program.book
    status = data.get("status") or {}
    line = timeline(book.calendar, book.calendar_rule, status.get("now"))
    return line, read_phase(book.clock, status.get("phase"), line["passed"] if line else None)


def initial_facts(program: Program, profile: Profile) -> tuple[dict, World, list, PhaseReading]:
    data = F.profile_data(profile)
    line, reading = clock_reading(program, data)
    if reading.disagrees:  # the rules read the phase the calendar allows, not the one stated
        data = {**data, "status": {**data["status"], "phase": reading.used}}
    world = World(data, timeline=line)
    facts = F.base_facts(data)
    if program.aggregates:
        intervals = {name: count_interval(node, data) for name, node in program.aggregates.values()}
        facts.append(F.aggregates_fact({name: i for name, i in intervals.items() if i is not None}))
    if world.timeline:
        facts.append(F.timeline_fact(world.timeline["segment"], world.timeline["hours_to"]))
    facts += [F.absent_fact(name) for name in program.unwritten]
    return data, world, facts, reading


def evaluate_profile(program: Program, profile: Profile, matcher: Matcher | None = None,
                     fact_order=None) -> Evaluation:
    """Run every stratum. `fact_order` may permute the facts (for order-independence tests)."""
    matcher = matcher or EngineMatcher()
    data, world, facts, reading = initial_facts(program, profile)
    run = Evaluation(program, profile, data, world, phase_reading=reading)
    decided = F.decisions_fact({})  # replaced, not added to, after each stratum
    for stratum in program.strata:
        current = facts + [decided]
        ordered = fact_order(current) if fact_order else current
        matched = matcher.match(program, stratum, ordered, world)
        for rule in stratum.rules:  # definition order: the trace does not depend on firing order
            if rule.id in matched:
                _fire(run, rule, stratum.index, matched[rule.id])
        for name in stratum.resolves:
            if run.proposals.get(name):
                res = resolve(program.book.decisions[name], run.proposals[name])
                run.decisions[name] = res
                world.decisions[name] = res.value
        if stratum.resolves:
            decided = F.decisions_fact(world.decisions)
        facts += [_derived_fact(name, world.derived[name]) if name in world.derived else F.absent_fact(name)
                  for name in stratum.settles]
    return run


def _derived_fact(name: str, values: set) -> dict:
    """Once no later rule can write `name`, one fact holds all its values: a rule reading it
    runs in a later stratum, and "no value is a" (a negated test) is a test on all of them."""
    listed = sorted(values, key=repr)
    return {"t": "derived", "id": f"derived:{name}", "name": name, DERIVED_VALUES: listed,
            DERIVED_COUNT: len(listed)}


def _fire(run: Evaluation, rule: LoadedRule, stratum: int, bindings: dict) -> None:
    asserted = []
    for name, value in rule.then.derive.items():
        run.world.derived.setdefault(name, set()).add(value)
        asserted.append((name, value))
    proposed = tuple(rule.then.decide.items())
    for name, value in proposed:
        run.proposals.setdefault(name, []).append(Proposal(value, rule))
    run.firings.append(Firing(rule, stratum, tuple(sorted(bindings.items())), tuple(asserted), proposed, run.world))


def evidence_of(firing: Firing) -> list[Evidence]:
    return [e for e in firing.evidence if e.verdict is True]
