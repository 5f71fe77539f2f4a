"""A small pure-Python evaluator of the condition language: the oracle.

It evaluates the *source* tree (with `not`, before any compilation) in three-valued
logic: True, False, or None for unknown. It serves three masters: the differential
test against durable-rules, the `because` and why-not explanations (each verdict
carries the evidence that decided it), and the declared aggregates the fact builder
hands to the engine.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import conditions as cond
from .facts import list_items


@dataclass(frozen=True)
class Evidence:
    path: str  # concrete: relationships.faculty[0].knows_you, derived.x, red_flags (for counts)
    op: str
    expected: Any
    actual: Any  # None when unknown; (low, high) for counts
    verdict: bool | None
    param: str | None = None
    scope: str = "profile"


@dataclass
class Result:
    value: bool | None
    evidence: list = field(default_factory=list)
    bindings: dict = field(default_factory=dict)  # alias -> (list_path, index)


@dataclass
class World:
    """Everything a condition can read during one evaluation."""

    data: dict
    derived: dict = field(default_factory=dict)  # name -> set of values
    decisions: dict = field(default_factory=dict)  # name -> value
    timeline: dict | None = None

    def lookup(self, ref: cond.Ref, item: dict | None) -> Any:
        if ref.scope == "item":
            return (item or {}).get(ref.name)
        if ref.scope == "derived":
            values = self.derived.get(ref.name)
            return sorted(values, key=repr) if values else None
        if ref.scope == "decision":
            return self.decisions.get(ref.name)
        if ref.scope == "timeline":
            return _dig(self.timeline, ref.name) if self.timeline else None
        return _dig(self.data, ref.name)


def _dig(node: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def apply(op: str, value: Any, operand: Any) -> bool:
    """One operator on a known value."""
    if op == "eq":
        return value == operand
    if op == "ne":
        return value != operand
    if op == "lt":
        return value < operand
    if op == "lte":
        return value <= operand
    if op == "gt":
        return value > operand
    if op == "gte":
        return value >= operand
    if op == "in":
        return value in operand
    if op == "not_in":
        return value not in operand
    if op == "contains":
        return operand in value
    if op == "contains_any":
        return any(o in value for o in operand)
    raise ValueError(f"unknown operator {op}")


def interval_verdict(op: str, low: int, high: int, k: int) -> bool | None:
    """Compare a count known only to lie in [low, high] with k: True, False or unknown."""
    outcomes = {apply(op, low, k), apply(op, high, k)}
    if op in ("eq", "ne") and low < k < high:
        outcomes.add(apply(op, k, k))
    return outcomes.pop() if len(outcomes) == 1 else None


def count_interval(node: cond.Count, data: dict) -> tuple[int, int] | None:
    """The declared aggregate: (definitely, possibly) matching entries, or summed field."""
    items = list_items(data, node.list_path)
    if items is None:
        return None
    low = high = 0
    for item in items:
        verdict = True if node.where is None else evaluate(node.where, World(data), item).value
        amount = 1 if node.sum_field is None or not isinstance(item, dict) else item.get(node.sum_field, 1)
        low += amount if verdict is True else 0
        high += amount if verdict is not False else 0
    return low, high


def evaluate(node, world: World, item: dict | None = None, item_path: str | None = None) -> Result:
    if isinstance(node, cond.Test):
        return _test(node, world, item, item_path)
    if isinstance(node, cond.All):
        return _junction([evaluate(c, world, item, item_path) for c in node.children], decisive=False)
    if isinstance(node, cond.Any_):
        return _junction([evaluate(c, world, item, item_path) for c in node.children], decisive=True)
    if isinstance(node, cond.Not):
        child = node.child
        if isinstance(child, cond.Not):  # not not x is x, bindings included (as compiled)
            return evaluate(child.child, world, item, item_path)
        if isinstance(child, (cond.All, cond.Any_)):  # De Morgan, as compiled: the same verdict and
            kind = cond.Any_ if isinstance(child, cond.All) else cond.All  # evidence, and a `some`
            flipped = kind(tuple(cond.Not(c, c.at) for c in child.children), node.at)  # under two nots binds
            return evaluate(flipped, world, item, item_path)
        inner = evaluate(node.child, world, item, item_path)
        flipped = None if inner.value is None else not inner.value
        return Result(flipped, inner.evidence, {})  # bindings under `not` never contribute
    if isinstance(node, cond.Some):
        return _some(node, world)
    return _count(node, world)


def _junction(results: list[Result], decisive: bool) -> Result:
    """all (decisive=False: any False decides) or any (decisive=True: any True decides)."""
    values = [r.value for r in results]
    if decisive in values:
        chosen = [r for r in results if r.value is decisive]
        value = decisive
    elif None in values:
        chosen = [r for r in results if r.value is None]
        value = None
    else:
        chosen, value = results, not decisive
    out = Result(value)
    for r in chosen:
        out.evidence += r.evidence
        if value is True:
            out.bindings.update(r.bindings)
    return out


def _concrete(ref: cond.Ref, item_path: str | None) -> str:
    if ref.scope == "item":
        return f"{item_path}.{ref.name}"
    return ref.name if ref.scope == "profile" else f"{ref.scope}.{ref.name}"


def _leaf(node: cond.Test, value) -> bool | None:
    if node.op in ("exists", "missing"):
        return (value is not None) == (node.op == "exists")
    if value is None:
        return None
    if node.ref.scope == "derived":
        return any(apply(node.op, v, node.value) for v in value)
    return apply(node.op, value, node.value)


def _test(node: cond.Test, world: World, item, item_path) -> Result:
    value = world.lookup(node.ref, item)
    verdict = _leaf(node, value)
    shown = value if node.ref.scope != "profile" or not isinstance(value, dict) else "given"
    evidence = Evidence(_concrete(node.ref, item_path), node.op, node.value, shown, verdict, node.param,
                        node.ref.scope)
    return Result(verdict, [evidence])


def _some(node: cond.Some, world: World) -> Result:
    items = list_items(world.data, node.list_path)
    if items is None:
        return Result(None, [Evidence(node.list_path, "some", None, None, None)])
    unknown = None
    for i, item in enumerate(items):
        path = f"{node.list_path}[{i}]"
        inner = Result(True) if node.where is None else evaluate(node.where, world, item, path)
        if inner.value is True:
            return Result(True, inner.evidence, {**inner.bindings, node.alias: (node.list_path, i)})
        if inner.value is None and unknown is None:
            unknown = inner
    if unknown is not None:
        return Result(None, unknown.evidence)
    return Result(False, [Evidence(node.list_path, "some", None, f"{len(items)} entries, none matching", False)])


def _count(node: cond.Count, world: World) -> Result:
    interval = count_interval(node, world.data)
    if interval is None:
        return Result(None, [Evidence(node.list_path, f"count {node.op}", node.value, None, None, node.param)])
    verdict = interval_verdict(node.op, *interval, node.value)
    label = "total" if node.sum_field else "count"
    return Result(verdict, [Evidence(node.list_path, f"{label} {node.op}", node.value, interval, verdict,
                                     node.param)])


def verdict(node, world: World, item: dict | None = None, memo: dict | None = None) -> bool | None:
    """`evaluate(...).value` without evidence, stopping at the first deciding branch: the
    report asks this of every rule that did not fire, and most are plainly false. `memo`
    shares the verdicts of identical whole-profile tests (the phase, mostly) across rules."""
    if isinstance(node, cond.Test):
        if memo is None or item is not None:
            return _leaf(node, world.lookup(node.ref, item))
        key = (node.ref, node.op, repr(node.value))
        if key not in memo:
            memo[key] = _leaf(node, world.lookup(node.ref, None))
        return memo[key]
    if isinstance(node, (cond.All, cond.Any_)):
        decisive = isinstance(node, cond.Any_)
        out = not decisive
        for child in node.children:
            value = verdict(child, world, item, memo)
            if value is decisive:
                return decisive
            if value is None:
                out = None
        return out
    if isinstance(node, cond.Not):
        inner = verdict(node.child, world, item, memo)
        return None if inner is None else not inner
    if isinstance(node, cond.Some):
        if memo is None:
            return _some_verdict(node, world)
        key = ("some", node.list_path, cond.aggregate_key(node.list_path, node.where, None))
        if key not in memo:  # the same list and where-clause in many rules: one pass over the list
            memo[key] = _some_verdict(node, world)
        return memo[key]
    if memo is None:
        interval = count_interval(node, world.data)
    else:
        key = ("count", node.key)
        if key not in memo:
            memo[key] = count_interval(node, world.data)
        interval = memo[key]
    return None if interval is None else interval_verdict(node.op, *interval, node.value)


def _some_verdict(node: cond.Some, world: World) -> bool | None:
    items = list_items(world.data, node.list_path)
    if items is None:
        return None
    out = False
    for entry in items:
        value = True if node.where is None else verdict(node.where, world, entry)
        if value is True:
            return True
        if value is None:
            out = None
    return out


def missing_inputs(node, world: World, memo: dict | None = None) -> set[str]:
    """Profile paths whose absence made `node` unknown (for the report's `unknowns`)."""
    if verdict(node, world, memo=memo) is not None:
        return set()
    result = evaluate(node, world)
    if result.value is not None:
        return set()
    return {e.path for e in result.evidence if e.verdict is None and e.scope in ("profile", "item")}
