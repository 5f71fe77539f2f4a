"""Evaluate the plan pack over every program: which plan rules hold for which program.

The engine path asserts the profile's facts once and every program as a fact of its
own into one session per ruleset; each rule is a join of a program pattern with the
profile's section, list-entry, aggregate and decisions facts, so a Rete network does
the work of programs x rules. The reference path asks the pure-Python evaluator, one
program at a time; the property tests hold the two to the same answer.
The plan rules write no derived facts or decisions, so one stratum is enough.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property

from soaprules.engine import durable as engine
from soaprules.engine import facts as F
from soaprules.profile import paths
from soaprules.errors import Diagnostic, PackError, Position
from soaprules.engine.compile import ChunkPlan, _within_limit, chunk, collect_aggregates, engine_rules
from soaprules.lang.evaluate import World, count_interval, verdict
from soaprules.plan.pack import PlanPack

PROGRAM = "program"  # the fact type of a program; also the section its fields are read from


@dataclass
class PlanProgram:
    """The plan pack compiled to durable-rules rulesets, once per pack."""

    pack: PlanPack
    aggregates: dict
    chunks: list  # list[list[EngineRule]]
    digest: str = ""

    @cached_property
    def plans(self) -> list[ChunkPlan]:
        return [ChunkPlan.of(self.ruleset_name(c), rules) for c, rules in enumerate(self.chunks)]

    def ruleset_name(self, c: int) -> str:
        return f"soaprules-plan-{self.digest[:16]}-c{c}"

    def definitions(self) -> dict:
        return {self.ruleset_name(c): {r.name: {"all": [{a: e} for a, e in r.patterns.items()]} for r in rules}
                for c, rules in enumerate(self.chunks)}


_compiled: dict = {}


def compile_plan(pack: PlanPack) -> PlanProgram:
    key = hashlib.sha256(pack.text.encode()).hexdigest()
    if key not in _compiled:
        aggregates = collect_aggregates(list(pack.rules))
        rules = _within_limit([e for r in pack.rules for e in engine_rules(r, aggregates)])
        _every_branch_reads_the_program(rules)
        program = PlanProgram(pack, aggregates, chunk(rules))
        program.digest = hashlib.sha256(json.dumps(program.definitions(), sort_keys=True).encode()).hexdigest()
        _compiled[key] = program
    return _compiled[key]


def _every_branch_reads_the_program(rules: list) -> None:
    """A branch of an `any` that tests only the profile would hold for no program in
    particular: refuse it at load, positioned, rather than guess which programs it meant."""
    bad = [e.rule for e in rules if ("fact", PROGRAM) not in e.aliases.values()]
    if bad:
        raise PackError([Diagnostic(f"rule {r.id} has a branch that does not test the program", file=r.file,
                                    position=Position(r.line), rule_id=r.id,
                                    hint="every alternative of an any: needs a program.* test") for r in bad])


@dataclass
class Context:
    """What the plan rules read besides the program: the profile's data and the advice
    run's decisions and timeline."""

    data: dict
    decisions: dict
    timeline: dict | None = None
    extra: dict = field(default_factory=dict)

    def world(self, program: dict) -> World:
        return World({**self.data, PROGRAM: program}, decisions=dict(self.decisions), timeline=self.timeline)


def program_record(program: dict, pack: PlanPack, data: dict) -> dict:
    """A program's readable fields: its columns, region and joins (row left out)."""
    out = {k: v for k, v in program.items() if k != "row"}
    for name, join in pack.joins.items():
        value = joined(program.get(join.field), join.profile, data)
        if value is not None:
            out[name] = value
    return out


def joined(value, profile_paths: list, data: dict) -> bool | None:
    """Is `value` among the profile's values at `paths`? A path may run through a list of
    entries (soap_week.program_contacts.program: every entry's program). Unknown when the
    program's value, or a profile value that could hold it, is unknown."""
    if value is None:
        return None
    unknown = False
    for path in profile_paths:
        found = paths.values(data, path)
        if found is None:
            unknown = True
        elif value in found:
            return True
    return None if unknown else False


def match_engine(plan: PlanProgram, ctx: Context, records: list[dict]) -> dict[str, set]:
    """code -> ids of the plan rules that hold for it, asked of durable-rules."""
    if not all(engine.registered(p.ruleset) for p in plan.plans):
        engine.register(plan.definitions())
    facts = F.base_facts(ctx.data)
    if plan.aggregates:
        intervals = {name: count_interval(node, ctx.data) for name, node in plan.aggregates.values()}
        facts.append(F.aggregates_fact({n: i for n, i in intervals.items() if i is not None}))
    facts.append(F.timeline_fact(ctx.timeline["segment"], ctx.timeline["hours_to"]) if ctx.timeline
                 else F.timeline_fact())
    facts.append(F.decisions_fact(ctx.decisions))
    facts += [{"t": PROGRAM, "id": f"program:{r['code']}", **r} for r in records]
    by_type: dict = {}
    for f in facts:
        by_type.setdefault(f["t"], []).append(f)
    encoded = {id(f): engine.encode(f) for f in facts}
    out: dict = {r["code"]: set() for r in records}
    for p in plan.plans:
        for firing in engine.run(p.ruleset, [encoded[id(f)] for f in p.pick(by_type)]):
            aliases = p.aliases[firing.engine_rule]
            alias = next(a for a, key in aliases.items() if key == ("fact", PROGRAM))
            out[firing.facts[alias]["code"]].add(firing.engine_rule.rsplit("#", 1)[0])
    return out


def match_reference(plan: PlanProgram, ctx: Context, records: list[dict]) -> dict[str, set]:
    """The same answer from the pure-Python evaluator, one program at a time."""
    out = {}
    for record in records:
        world = ctx.world(record)
        memo: dict = {}
        out[record["code"]] = {r.id for r in plan.pack.rules if verdict(r.when, world, memo=memo) is True}
    return out
