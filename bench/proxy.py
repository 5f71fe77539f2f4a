"""Two reference points for the engine path, bench-only (issue 15):

- `ProxyMatcher`: a compiled pure-Python evaluator of the *same compiled program*: every
  engine rule's durable-rules patterns (soaprules.engine.compile) are generated once as Python
  source, one predicate per pattern, and matched in the same `evaluate_profile` loop as
  the engine; a rule fires when its patterns can be bound to distinct facts, and its
  bindings are the lowest entry index per alias, as `EngineMatcher` reports them. It is
  the distance to the limit, not a replacement for durable-rules.
- `CFloor`: durable's own floor. `record` runs the engine path once with the C core
  wrapped, keeping every call it made (asserts with their exact text, result reads,
  deletes); `replay` makes those calls again, bare, with nothing else around them.
"""
from __future__ import annotations

import itertools

from soaprules.engine.compile import fact_type

_MISSING = object()
_CMP = {"$lt": "<", "$lte": "<=", "$gt": ">", "$gte": ">=", "$neq": "!="}


class _Gen:
    def __init__(self):
        self.consts: dict = {}
        self.n = 0

    def const(self, value) -> str:
        name = f"K{len(self.consts)}"
        self.consts[name] = value
        return name

    def var(self) -> str:
        self.n += 1
        return f"v{self.n}"

    def get(self, fact: str, field: str) -> str:
        """An expression fetching `field` (dotted: nested) of `fact`, _M when missing."""
        if "." not in field or field.endswith("#"):
            return f"{fact}.get({field!r}, _M)"
        return f"_dig({fact}, {field!r})"

    def expr(self, e, fact: str, item: str | None = None) -> str:
        (key, body), = e.items()
        if key == "$and":
            return "(" + " and ".join(self.expr(x, fact, item) for x in body) + ")"
        if key == "$or":
            return "(" + " or ".join(self.expr(x, fact, item) for x in body) + ")"
        if key in _CMP or key in ("$ex", "$nex"):
            (field, value), = body.items()
            if key == "$ex":
                return f"({self.get(fact, field)} is not _M)"
            if key == "$nex":
                return f"({self.get(fact, field)} is _M)"
            if field == "$i":
                return f"({item} {_CMP[key]} {self.const(value)})"
            v = self.var()
            return f"(({v} := {self.get(fact, field)}) is not _M and {v} {_CMP[key]} {self.const(value)})"
        if key in ("$iany", "$iall"):
            (field, sub), = body.items()
            v, i = self.var(), self.var()
            inner = self.expr(sub, fact, i)
            if key == "$iany":
                return f"(type({v} := {self.get(fact, field)}) is list and any({inner} for {i} in {v}))"
            return f"(type({v} := {self.get(fact, field)}) is list and len({v}) > 0 and all({inner} for {i} in {v}))"
        if key == "$i":
            return f"({item} == {self.const(body)})"
        v = self.var()
        return f"(({v} := {self.get(fact, key)}) is not _M and {v} == {self.const(body)})"


def _dig(fact: dict, field: str):
    node = fact
    for part in field.split("."):
        if not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return node


class ProxyMatcher:
    """The compiled program's patterns as generated Python predicates."""

    def __init__(self, program):
        gen = _Gen()
        lines, self.plans = [], []
        for stratum in program.strata:
            plan = []
            for rules in stratum.chunks:
                for rule in rules:
                    pats = []
                    for alias, pattern in rule.patterns.items():
                        name = f"p{len(lines)}"
                        lines.append(f"def {name}(f):\n    return {gen.expr(pattern, 'f')}\n")
                        key = rule.aliases[alias]
                        t = "derived:" + key[1] if key[0] == "derived" else fact_type(pattern)
                        pats.append((name, t, key[1].split("+") if key[0] == "some" else None))
                    plan.append((rule.rule.id, pats))
            self.plans.append(plan)
        self.source = "".join(lines)
        space = {"_M": _MISSING, "_dig": _dig, **gen.consts}
        exec(compile(self.source, "<bench proxy>", "exec"), space)
        self.plans = [[(rid, sorted(((space[n], t, names) for n, t, names in pats), key=lambda p: p[2] is not None))
                       for rid, pats in plan] for plan in self.plans]

    def match(self, program, stratum, facts, world) -> dict:
        by_type: dict = {}
        for f in facts:  # derived facts by name: a pattern reads one name
            t = f["t"]
            by_type.setdefault(t if t != "derived" else "derived:" + f["name"], []).append(f)
        out: dict = {}
        for rule_id, pats in self.plans[stratum.index]:
            candidates = []
            for pred, t, names in pats:  # whole-fact patterns first (sorted so at build)
                found = by_type.get(t)
                if not found:
                    break
                if names is None and len(found) == 1:  # a section, the counts, one derived name
                    if not pred(found[0]):
                        break
                    continue
                found = [f for f in found if pred(f)]
                if not found:
                    break
                if names is not None:
                    candidates.append((found, t, names))
            else:
                bound = _bind(candidates)
                if bound is not None:
                    into = out.setdefault(rule_id, {})
                    for name, here in bound.items():
                        _keep(into, [name], here)
        return out


def _bind(candidates: list) -> dict | None:
    """The lowest entry index per name over every binding of the patterns to distinct
    facts (the engine never binds one fact twice in a rule); None when there is none."""
    types = [t for _, t, _ in candidates]
    best: dict = {}
    if len(types) == len(set(types)):  # no two entry patterns on one list: independent choices
        for found, _, names in candidates:
            _keep(best, names, (found[0]["t"], min(f["i"] for f in found)))
        return best
    fired = False
    for combo in itertools.product(*(found for found, _, _ in candidates)):
        if len({id(f) for f in combo}) < len(combo):
            continue
        fired = True
        for f, (_, _, names) in zip(combo, candidates):
            _keep(best, names, (f["t"], f["i"]))
    return best if fired else None


def _keep(bound: dict, names: list, here: tuple) -> None:
    for name in names:
        prev = bound.get(name)
        bound[name] = here if prev is None or here[1] < prev[1] else prev


class _Recorder:
    """The C core, every call noted: (handle, [fact texts], read results?, sid) per session."""

    def __init__(self, core):
        self.core, self.sessions, self.open = core, [], {}

    def __getattr__(self, name):
        return getattr(self.core, name)

    def assert_fact(self, handle, text):
        out = self.core.assert_fact(handle, text)
        sid = text[8:text.index('"', 8)]
        self.open.setdefault((handle, sid), [handle, [], False, sid])[1].append(text)
        return out

    def start_action_for_state(self, handle, state):
        for key, session in self.open.items():
            if key[0] == handle:
                session[2] = True
        return self.core.start_action_for_state(handle, state)

    def delete_state(self, handle, sid):
        session = self.open.pop((handle, sid), None)
        if session is not None:
            self.sessions.append(tuple(session))
        return self.core.delete_state(handle, sid)


class CFloor:
    def __init__(self):
        self.sessions: list = []

    def record(self, program, profiles, matcher=None) -> int:
        """Run the engine path (or `matcher`, which drives the engine too) over `profiles`
        with the C core recorded; the sessions made."""
        from soaprules.engine import durable as engine
        from soaprules.engine.session import evaluate_profile

        recorder = _Recorder(engine._core)
        engine._core = recorder
        try:
            for p in profiles:
                evaluate_profile(program, p, matcher)
        finally:
            engine._core = recorder.core
        self.sessions = recorder.sessions
        return len(self.sessions)

    def replay(self) -> None:
        from soaprules.engine.durable import _core
        assert_fact, start, more, delete = (_core.assert_fact, _core.start_action_for_state,
                                            _core.complete_and_start_action, _core.delete_state)
        for handle, texts, drained, sid in self.sessions:
            for text in texts:
                state = assert_fact(handle, text)[1]
            if drained:
                started = start(handle, state)
                if started:
                    while more(handle, state) is not None:
                        pass
            delete(handle, sid)
