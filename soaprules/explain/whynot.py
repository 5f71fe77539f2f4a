"""Why not: every condition of a rule with its operator, threshold, actual value and
verdict, and the rules that came closest to a decision value that was not reached.

Built on the reference evaluator: each leaf is evaluated on its own (lang.evaluate.evaluate
keeps only the evidence that decided a junction; an advisor wants every row). Verdicts
are three-valued: passed, failed, or not evaluated because an input is missing.

"Closest to firing" counts the fewest leaf conditions that would have to change for the
rule to hold: a failed or unknown leaf costs one; `all` adds its children's costs, `any`
takes the cheapest, `not` swaps "make true" and "make false".
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from soaprules.lang import conditions as cond
from soaprules.explain.nodes import FAILED, PASSED, UNKNOWN, Node, count_shown, shown, sources_of
from soaprules.profile import paths
from soaprules.lang.evaluate import World, evaluate

OP_WORDS = {"eq": "=", "ne": "!=", "lt": "<", "lte": "<=", "gt": ">", "gte": ">=", "in": "one of",
            "not_in": "none of", "contains": "contains", "contains_any": "contains any of",
            "exists": "is known", "missing": "is unknown"}
ENTRIES_SHOWN = 6


def verdict_of(value: bool | None) -> str:
    return {True: PASSED, False: FAILED, None: UNKNOWN}[value]


def test_words(op: str, expected, param: str | None = None) -> str:
    """`>= 215 ($step2_needs_explaining_below)`, `count = 0`, `is known`."""
    head, _, tail = op.partition(" ")
    if tail:  # "count eq", "total gte"
        return f"{head} {OP_WORDS.get(tail, tail)} {expected}" + (f" (${param})" if param else "")
    words = OP_WORDS.get(op, op)
    if op in ("exists", "missing"):
        return words
    return f"{words} {shown(expected)}" + (f" (${param})" if param else "")


@dataclass
class Reader:
    """What a condition tree needs: the world it is read in, the rule it belongs to, and a
    way to explain a derived fact or a decision it reads (supplied by explain.Explainer)."""

    world: World
    rule: object  # LoadedRule
    cites: list
    link: Callable[[cond.Ref, object], list] = lambda ref, rule: []

    def node(self, kind: str, label: str, **kw) -> Node:
        return Node(kind, label, rule=self.rule.id, cites=self.cites, **kw)


def condition_tree(node, reader: Reader, item=None, item_path: str | None = None) -> tuple[Node, int, int]:
    """The condition as a tree of verdict rows, with (changes to make it true, to make it false)."""
    if isinstance(node, cond.Test):
        return _leaf(node, reader, item, item_path)
    if isinstance(node, (cond.All, cond.Any_)):
        return _junction(node, reader, item, item_path)
    if isinstance(node, cond.Not):
        inner, to_true, to_false = condition_tree(node.child, reader, item, item_path)
        value = evaluate(node, reader.world, item, item_path).value
        return reader.node("not", "not:", verdict=verdict_of(value), children=[inner]), to_false, to_true
    if isinstance(node, cond.Some):
        return _some(node, reader)
    return _count(node, reader)


def _cost(value: bool | None) -> tuple[int, int]:
    return {True: (0, 1), False: (1, 0), None: (1, 1)}[value]


def _leaf(test: cond.Test, reader: Reader, item, item_path) -> tuple[Node, int, int]:
    result = evaluate(test, reader.world, item, item_path)
    ev = result.evidence[0]
    label = f"{ev.path} {test_words(test.op, test.value, test.param)}; actual {shown(ev.actual)}"
    row = reader.node("condition", label, verdict=verdict_of(result.value), path=ev.path, value=ev.actual,
                      test=test.op, expected=test.value if test.op not in ("exists", "missing") else None,
                      param=test.param)
    if test.ref.scope in ("derived", "decision"):
        row.children = reader.link(test.ref, reader.rule)
    return (row, *_cost(result.value))


def _junction(node, reader: Reader, item, item_path) -> tuple[Node, int, int]:
    parts = [condition_tree(c, reader, item, item_path) for c in node.children]
    value = evaluate(node, reader.world, item, item_path).value
    is_all = isinstance(node, cond.All)
    trues, falses = [p[1] for p in parts], [p[2] for p in parts]
    to_true, to_false = (sum(trues), min(falses)) if is_all else (min(trues), sum(falses))
    row = reader.node("all" if is_all else "any", "all of:" if is_all else "any of:", verdict=verdict_of(value),
                      children=[p[0] for p in parts])
    return row, to_true, to_false


def _some(node: cond.Some, reader: Reader) -> tuple[Node, int, int]:
    items = paths.items(reader.world.data, node.list_path)
    value = evaluate(node, reader.world).value
    label = f"some entry of {node.list_path}" + (f" (called {node.alias})" if not node.alias.startswith("_") else "")
    row = reader.node("some", label + " where:", verdict=verdict_of(value), path=node.list_path,
                      value=None if items is None else f"{len(items)} entries")
    if items is None:
        return row, 1, 1
    if not items:
        row.detail["note"] = "the list is empty: an entry would have to be added"
        return row, 1, 0
    entries = [_entry(node, reader, i, entry) for i, entry in enumerate(items)]
    matching = [e for e in entries if e[0].verdict == PASSED]
    row.children = [e[0] for e in (matching[:1] or entries[:ENTRIES_SHOWN])]
    if not matching and len(entries) > ENTRIES_SHOWN:
        row.detail["note"] = f"{len(entries) - ENTRIES_SHOWN} more entries not shown"
    return row, min(e[1] for e in entries), sum(e[2] for e in entries)


def _entry(node: cond.Some, reader: Reader, i: int, entry: dict) -> tuple[Node, int, int]:
    path = f"{node.list_path}[{i}]"
    if node.where is None:
        return reader.node("entry", path, verdict=PASSED, path=path, value="given"), 0, 1
    inner, to_true, to_false = condition_tree(node.where, reader, entry, path)
    summary = ", ".join(f"{k}: {shown(v)}" for k, v in list(entry.items())[:3] if not isinstance(v, list))
    row = reader.node("entry", f"{path} ({summary})" if summary else path, verdict=inner.verdict, path=path,
                      value="given", children=[inner])
    return row, to_true, to_false


def _count(node: cond.Count, reader: Reader) -> tuple[Node, int, int]:
    result = evaluate(node, reader.world)
    ev = result.evidence[0]
    what = f" of entries where {cond._shape(node.where)}" if node.where is not None else ""
    actual = count_shown(ev.actual)
    label = f"{ev.path}{what}: {test_words(ev.op, ev.expected, ev.param)}; actual {shown(actual)}"
    row = reader.node("condition", label, verdict=verdict_of(result.value), path=ev.path, value=actual,
                      test=ev.op, expected=ev.expected, param=ev.param)
    return (row, *_cost(result.value))


def rule_check(rule, run, reader: Reader) -> tuple[Node, int]:
    """A rule's whole condition with verdicts, and how many conditions stand between it and firing."""
    tree, to_true, _ = condition_tree(rule.when, reader)
    fired = run.fired(rule.id) is not None
    verdict = PASSED if fired else tree.verdict
    state = "fired" if fired else {FAILED: "did not fire", UNKNOWN: "could not be evaluated: input missing"}.get(
        tree.verdict, "did not fire")
    to_fire = 0 if fired else max(to_true, 1)
    missing = sorted({n.path for n in tree.walk() if n.kind == "condition" and n.verdict == UNKNOWN and n.path})
    node = reader.node("rule", f"rule {rule.id}: {rule.title} ({state})", verdict=verdict, title=rule.title,
                       rationale=_flat(rule.rationale), sources=sources_of(rule), children=[tree],
                       detail={"fired": fired, "conditions_to_change": to_fire, "salience": rule.salience,
                               **({"missing_inputs": missing} if missing else {})})
    return node, to_fire


def _flat(text: str | None) -> str | None:
    return " ".join(text.split()) if text else None


def beats(decision, proposal, value, salience: int) -> bool:
    """Would `proposal` win against `value` proposed with `salience`, under the decision's policy?"""
    order = decision.values.index
    if decision.resolve == "worst":
        return order(proposal.value) > order(value)
    if decision.resolve == "best":
        return order(proposal.value) < order(value)
    return (proposal.rule.salience, order(proposal.value)) > (salience, order(value))


def proposes(rule, name: str, value) -> bool:
    proposed = rule.then.decide.get(name, _MISSING)
    return proposed == value and type(proposed) is type(value)


_MISSING = object()
