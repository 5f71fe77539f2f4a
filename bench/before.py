"""The engine glue as it was before issue 15 (soaprules 2026-12-01: session.EngineMatcher and
engine.run), kept bench-only so every run measures the new path against it in the same
process: "at least 2x today's path" is a ratio of one run, not of two days."""
from __future__ import annotations

import itertools
import json

from soaprules.engine import durable as engine

_sids = itertools.count(10**9)  # apart from the engine's own session ids


def _run(ruleset: str, facts: list) -> list:
    handle = engine._handles[ruleset]
    prefix = '{"sid":"%d",' % next(_sids)
    firings = []
    taken = False
    state = None
    try:
        for fact in facts:
            code, state = engine._core.assert_fact(handle, prefix + fact[1:])
            taken = taken or code == 0
        if taken:
            started = engine._core.start_action_for_state(handle, state)
            messages = started[1] if started else None
            while messages is not None:
                (name, matched), = json.loads(messages).items()
                firings.append((name, matched))
                messages = engine._core.complete_and_start_action(handle, state)
    finally:
        if facts:
            try:
                engine._core.delete_state(handle, prefix[8:-2])
            except Exception:
                pass
    return firings


class BeforeMatcher:
    """Every fact encoded once per evaluation, asserted to every ruleset that reads its
    type, every firing's JSON parsed."""

    def __init__(self):
        self._world = None
        self._encoded: dict = {}

    def _encode(self, fact: dict, world) -> str:
        if world is not self._world:
            self._world, self._encoded = world, {}
        held = self._encoded.get(id(fact))
        if held is None:
            held = self._encoded[id(fact)] = (fact, engine.encode(fact))
        return held[1]

    def match(self, program, stratum, facts, world) -> dict:
        plans = program.engine_plan[stratum.index]
        if not all(engine.registered(p.ruleset) for p in plans):
            engine.register(program.definitions())
        by_type: dict = {}
        for f in facts:
            by_type.setdefault(f["t"], []).append(f)
        by_rule: dict = {}
        for plan in plans:
            relevant = [self._encode(f, world) for f in _pick(plan, by_type)]
            for name, matched in _run(plan.ruleset, relevant):
                rule_id = name.rsplit("#", 1)[0]
                bound = by_rule.setdefault(rule_id, {})
                aliases = plan.aliases[name]
                for alias, fact in matched.items():
                    key = aliases[alias]
                    if key[0] == "some":
                        here = (fact["t"], fact["i"])
                        for n in key[1].split("+"):
                            prev = bound.get(n)
                            bound[n] = here if prev is None or here[1] < prev[1] else prev
        return by_rule


def _pick(plan, by_type: dict) -> list:
    out = [f for t in plan.types for f in by_type.get(t, ())]
    if plan.named:
        out += [f for f in by_type.get("derived", ()) if ("derived", f["name"]) in plan.named]
    return out
