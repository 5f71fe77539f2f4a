"""The same compiled rules, run by experta (a CLIPS-style RETE engine in pure Python):
a bench-only comparison, never imported by soaprules.

Translation is generic, from the compiled program, not by hand: each engine rule (one
conjunction of a pack rule, `compile.EngineRule`) becomes one experta Rule with one
pattern per alias. A pattern is `Fact(t=<fact type>, d=P(test))`: the fact type is an
alpha-indexed literal and `test` evaluates the durable-rules JSON expression on the
fact, as durable-rules' own alpha network does. The whole session loop (facts,
strata, firing records, decision resolution) is soaprules' own: `ExpertaMatcher`
plugs into `session.evaluate_profile` exactly where `EngineMatcher` does.

experta 1.9.4 (2019) imports `collections.Mapping`, removed in Python 3.10; the shim
below restores the aliases before importing it.
"""
from __future__ import annotations

import collections
import collections.abc
import operator

for _name in ("Mapping", "MutableMapping", "Sequence", "Iterable", "Hashable", "Callable"):
    setattr(collections, _name, getattr(collections.abc, _name))

from experta import AS, Fact, KnowledgeEngine, P, Rule  # noqa: E402

MISSING = object()
COMPARE = {"$lt": operator.lt, "$lte": operator.le, "$gt": operator.gt, "$gte": operator.ge}


def _get(fact, path: str):
    node = fact
    for part in path.split("."):
        if not isinstance(node, collections.abc.Mapping) or part not in node:
            return MISSING
        node = node[part]
    return node


def holds(expr: dict, fact, item=MISSING) -> bool:
    """durable-rules' meaning of `expr` on `fact` ($i is the array element under $iall/$iany)."""
    for key, arg in expr.items():
        if key == "$and":
            ok = all(holds(e, fact, item) for e in arg)
        elif key == "$or":
            ok = any(holds(e, fact, item) for e in arg)
        elif key in ("$iall", "$iany"):
            (path, inner), = arg.items()
            values = _get(fact, path)
            if not isinstance(values, (list, tuple)):
                return False
            test = (holds(inner, fact, v) for v in values)
            ok = bool(values) and all(test) if key == "$iall" else any(test)
        elif key in ("$ex", "$nex"):
            (path, _), = arg.items()
            ok = (_get(fact, path) is not MISSING) == (key == "$ex")
        else:
            ok = _compare(key, arg, fact, item)
        if not ok:
            return False
    return True


def _compare(key: str, arg, fact, item) -> bool:
    if key in COMPARE or key == "$neq":
        (path, value), = arg.items()
    else:  # a plain {path: value} equality
        path, value = key, arg
    actual = item if path == "$i" else _get(fact, path)
    if isinstance(value, dict) and "$i" in value:
        value = item
    if actual is MISSING:
        return False
    if key == "$neq":
        return actual != value
    if key in COMPARE:
        try:
            return COMPARE[key](actual, value)
        except TypeError:
            return False
    return actual == value


def _pattern(expr: dict, t: str):
    return Fact(t=t, d=P(lambda d, expr=expr: holds(expr, d)))


def _rule(engine_rule, fact_type, sink):
    patterns = [getattr(AS, alias) << _pattern(expr, fact_type(expr)) for alias, expr in engine_rule.patterns.items()]
    name = engine_rule.name

    def fire(self, **bound):
        sink.append((name, {alias: f["d"] for alias, f in bound.items()}))

    return Rule(*patterns)(fire)


class ExpertaMatcher:
    """Matcher protocol of soaprules.engine.session, answered by experta: one engine per stratum."""

    def __init__(self, program):
        from soaprules.engine.compile import fact_type

        self.fired: list = []
        self.engines = []
        for stratum in program.strata:
            body = {f"r{i}": _rule(r, fact_type, self.fired)
                    for i, r in enumerate(r for chunk in stratum.chunks for r in chunk)}
            self.engines.append(type(f"Stratum{stratum.index}", (KnowledgeEngine,), body)())
        self.aliases = {r.name: r.aliases for s in program.strata for chunk in s.chunks for r in chunk}

    def match(self, program, stratum, facts, world) -> dict:
        engine = self.engines[stratum.index]
        engine.reset()
        for fact in facts:
            engine.declare(Fact(t=fact["t"], d=fact))
        self.fired.clear()
        engine.run()
        by_rule: dict = {}
        for name, bound in self.fired:
            slot = by_rule.setdefault(name.rsplit("#", 1)[0], {})
            for alias, fact in bound.items():
                key = self.aliases[name][alias]
                if key[0] == "some":
                    here = (fact["t"], fact["i"])
                    slot[key[1]] = here if key[1] not in slot or here[1] < slot[key[1]][1] else slot[key[1]]
        return by_rule
