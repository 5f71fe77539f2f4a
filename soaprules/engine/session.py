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

from soaprules.engine import durable as engine
from soaprules.packs.calendar import PhaseReading, read_phase, timeline
from soaprules.engine import facts as F
from soaprules.engine.compile import DERIVED_COUNT, DERIVED_VALUES, ChunkPlan, Program, Stratum
from soaprules.packs.load import LoadedRule
from soaprules.profile import paths
from soaprules.profile.model import Profile
from soaprules.lang.evaluate import World, because, count_interval, evaluate
from soaprules.engine.resolve import Proposal, resolve


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

    @cached_property
    def because(self) -> tuple:
        """The part of `evidence` that is true (what a report shows), made without the rest."""
        return tuple(because(self.rule.when, self.world))


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
    Each fact's JSON text is made once per evaluation, with the evaluation's one session id
    in it (each ruleset still sees a fresh id, and deletes its session before the next), so
    an assert is a call with a ready string; a firing's matched facts are parsed only when
    its engine rule binds a list entry."""

    def __init__(self):
        self._world = None
        self._encoded: dict = {}
        self._sid = self._prefix = ""

    def match(self, program: Program, stratum: Stratum, facts: list, world: World) -> dict:
        runs = _engine_runs(program)
        if world is not self._world:  # a new evaluation: ids of the old facts mean nothing now
            self._world, self._encoded = world, {}
            self._sid = engine.new_sid()
            self._prefix = '{"sid":"%s",' % self._sid
            runs.evaluations += 1
            if runs.evaluations == 2:
                runs.gates = program.gates
        encoded, prefix, sid = self._encoded, self._prefix, self._sid
        by_type: dict = {}
        for f in facts:
            by_type.setdefault(f["t"], []).append(f)
        by_rule: dict = {}
        gate = runs.gates[stratum.index] if runs.gates else None
        masks = gate(by_type) if gate else None
        for i, (plan, handle, parsed, full) in enumerate(runs.strata[stratum.index]):
            if masks is not None:  # only the rules that can fire, and only the facts they read
                mask = masks[i]
                if not mask:
                    continue
                if mask != full:
                    plan = runs.subplan(stratum.index, i, mask)
            texts = []
            for f in plan.pick(by_type):
                held = encoded.get(id(f))
                if held is None:  # the fact is held with its text: its id cannot be reused while cached
                    held = encoded[id(f)] = (f, prefix + engine.encode(f)[1:])
                texts.append(held[1])
            for firing in engine.run_texts(plan.ruleset, handle, texts, sid, parsed):
                rule_id = firing.engine_rule.rsplit("#", 1)[0]
                bound = by_rule.setdefault(rule_id, {})
                if firing.facts is None:  # binds no list entry
                    continue
                aliases = plan.aliases[firing.engine_rule]
                for alias, fact in firing.facts.items():
                    key = aliases[alias]
                    if key[0] == "some":  # one pattern may stand for several names bound to one entry
                        here = (fact["t"], fact["i"])
                        for name in key[1].split("+"):
                            prev = bound.get(name)
                            bound[name] = here if prev is None or here[1] < prev[1] else prev
        return by_rule


class _EngineRuns:
    """What a program needs per session, made once per program after its rulesets are
    registered: per stratum, (ChunkPlan, engine handle, engine rules that bind list
    entries, the bitmask of all its rules) per ruleset; the generated gates (from the
    program's second evaluation on: generating them costs more than one evaluation saves);
    the plans of gated subsets of a ruleset, made when first needed."""

    def __init__(self, program: Program):
        self.program = program
        plans = program.engine_plan
        if not all(engine.registered(p.ruleset) for stratum in plans for p in stratum):
            engine.register(program.definitions())
        self.strata = [
            [(p, engine.handle_of(p.ruleset),
              frozenset(name for name, aliases in p.aliases.items() if any(k[0] == "some" for k in aliases.values())),
              (1 << len(chunk)) - 1)
             for p, chunk in zip(stratum, s.chunks)] for stratum, s in zip(plans, program.strata)]
        self.gates = None
        self.evaluations = 0
        self._subplans: dict = {}
        self._reads: dict = {}

    def subplan(self, stratum: int, chunk: int, mask: int) -> ChunkPlan:
        key = (stratum, chunk, mask)
        plan = self._subplans.get(key)
        if plan is None:
            whole = self.strata[stratum][chunk][0]
            reads = self._reads.get((stratum, chunk))
            if reads is None:  # what each engine rule of the ruleset reads
                reads = self._reads[(stratum, chunk)] = [
                    (frozenset(one.types), one.named) for one in
                    (ChunkPlan.of(whole.ruleset, [r]) for r in self.program.strata[stratum].chunks[chunk])]
            types, named = set(), set()
            for bit, (t, n) in enumerate(reads):
                if mask >> bit & 1:
                    types |= t
                    named |= n
            # a rule outside the mask cannot fire; its aliases are kept all the same
            plan = self._subplans[key] = ChunkPlan(whole.ruleset, tuple(sorted(types)), frozenset(named),
                                                   whole.aliases)
        return plan


def _engine_runs(program: Program) -> _EngineRuns:
    runs = program.__dict__.get("_engine_runs")
    if runs is None:
        runs = program.__dict__["_engine_runs"] = _EngineRuns(program)
    return runs


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
    data = paths.dump(profile)
    line, reading = clock_reading(program, data)
    if reading.disagrees:  # the rules read the phase the calendar allows, not the one stated
        data = {**data, "status": {**data["status"], "phase": reading.used}}
    world = World(data, timeline=line)
    facts = F.base_facts(data)
    if program.aggregates:
        generated = program.intervals_generated()
        intervals = generated(data) if generated else \
            {name: count_interval(node, data) for name, node in program.aggregates.values()}
        facts.append(F.aggregates_fact({name: i for name, i in intervals.items() if i is not None}))
    facts.append(F.timeline_fact(world.timeline["segment"], world.timeline["hours_to"]) if world.timeline
                 else F.timeline_fact())
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
