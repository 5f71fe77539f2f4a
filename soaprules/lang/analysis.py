"""The one walk over condition trees: what a condition or a rule reads, what a rule
writes, and a condition in the words of the pack file. The compiler's strata, lint, the
what-if cone, the interview's question choice, pack-test coverage and the explainer all
ask here, so "what does this rule read" has one answer.

One dispatch per node type (functools.singledispatch, as experta's rete DNF does); a new
node type is a new `register`, not an edit in eight modules.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import singledispatch
from typing import Iterator

from soaprules.lang import conditions as cond
from soaprules.lang.templates import every_alias, placeholders

FACT_SCOPES = ("derived", "decision")  # written by rules, not given in the profile


@dataclass(frozen=True)
class Read:
    """One thing a condition or a text reads.

    scope: profile | item | timeline | derived | decision | list (the entries of a list,
    read by `some`, `none` or `count`); list_path: the list an item or list read is about."""

    scope: str
    name: str
    list_path: str | None = None
    at: tuple | None = None  # where in the pack file (a condition's PathKey; None for a text)

    @property
    def pattern(self) -> str:
        """The profile path pattern read: `a.b`, `red_flags[].kind`, `red_flags`; for facts, `derived.x`."""
        if self.scope == "profile":
            return self.name
        if self.scope == "item":
            return f"{self.list_path}[].{self.name}"
        if self.scope == "list":
            return self.list_path
        return f"{self.scope}.{self.name}"

    @property
    def fact(self) -> tuple[str, str] | None:
        """(scope, name) when the read is of a derived fact or a decision."""
        return (self.scope, self.name) if self.scope in FACT_SCOPES else None


# ---- the walk --------------------------------------------------------------------------

@singledispatch
def children(node) -> tuple:
    """The nodes directly below `node` (a test has none)."""
    raise TypeError(f"not a condition node: {type(node).__name__}")


@children.register
def _(node: cond.Test) -> tuple:
    return ()


@children.register(cond.All)
@children.register(cond.Any_)
def _(node) -> tuple:
    return node.children


@children.register
def _(node: cond.Not) -> tuple:
    return (node.child,)


@children.register(cond.Some)
@children.register(cond.Count)
def _(node) -> tuple:
    return () if node.where is None else (node.where,)


@singledispatch
def kind(node) -> str:
    """The node's kind in pack-file words: test, all, any, not, some, count."""
    raise TypeError(f"not a condition node: {type(node).__name__}")


for _type, _word in ((cond.Test, "test"), (cond.All, "all"), (cond.Any_, "any"), (cond.Not, "not"),
                     (cond.Some, "some"), (cond.Count, "count")):
    kind.register(_type, lambda node, _word=_word: _word)


def walk(node) -> Iterator:
    """Every node of a condition tree, parents first (nothing for no condition)."""
    if node is None:
        return
    yield node
    for child in children(node):
        yield from walk(child)


def bound_by(node, alias: str):
    """The `some` test of a condition that binds `alias` with `as:`, or None."""
    return next((n for n in walk(node) if isinstance(n, cond.Some) and n.alias == alias), None)


def leaves(node, in_list: str | None = None) -> Iterator[tuple]:
    """(test, list path when it is tested on the entries of a list) for every test, `some`
    and `count` of a condition: what pack-test coverage counts."""
    if node is None:
        return
    if isinstance(node, (cond.Test, cond.Some, cond.Count)):
        yield node, in_list
    inner = node.list_path if isinstance(node, (cond.Some, cond.Count)) else in_list
    for child in children(node):
        yield from leaves(child, inner)


def conjuncts(node) -> list:
    """The parts of a conjunction, nested `all`s flattened: [a, b, c] for all(a, all(b, c))."""
    if isinstance(node, cond.All):
        return [leaf for child in node.children for leaf in conjuncts(child)]
    return [node]


@singledispatch
def canonical(node):
    """The condition without positions or order: equal for conditions that test the same thing."""
    raise TypeError(f"not a condition node: {type(node).__name__}")


@canonical.register
def _(node: cond.Test):
    value = tuple(sorted(node.value, key=repr)) if isinstance(node.value, tuple) else node.value
    return ("test", node.ref, node.op, repr(value))


@canonical.register
def _(node: cond.Count):
    return ("count", node.key, node.op, node.value)


@canonical.register
def _(node: cond.Some):
    return ("some", node.list_path, canonical(node.where) if node.where is not None else None)


@canonical.register
def _(node: cond.Not):
    return ("not", canonical(node.child))


@canonical.register
def _(node: cond.All):
    return ("all", tuple(sorted((canonical(c) for c in conjuncts(node)), key=repr)))


@canonical.register
def _(node: cond.Any_):
    return ("any", tuple(sorted((canonical(c) for c in node.children), key=repr)))


# ---- reads -----------------------------------------------------------------------------

@singledispatch
def _own(node) -> tuple:
    """What one node reads by itself, not counting its children."""
    return ()


@_own.register
def _(node: cond.Test) -> tuple:
    return (Read(node.ref.scope, node.ref.name, node.ref.list_path, node.at),)


@_own.register
def _(node: cond.Some) -> tuple:
    return (Read("list", node.list_path, node.list_path, node.at),)


@_own.register
def _(node: cond.Count) -> tuple:
    out = (Read("list", node.list_path, node.list_path, node.at),)
    if node.sum_field:
        out += (Read("item", node.sum_field, node.list_path, node.at),)
    return out


def reads(node) -> tuple[Read, ...]:
    """Everything a condition reads, in the order of the pack file."""
    return tuple(read for n in walk(node) for read in _own(n))


def rule_reads(rule, texts: bool = True) -> tuple[Read, ...]:
    """What a rule reads: its condition, and (with `texts`) the placeholders of its advice
    text and draft. An `as:` name in a text reads that list's entry field."""
    out = list(reads(rule.when))
    rec = rule.then.recommend
    if not (texts and rec):
        return tuple(out)
    aliases = {n.alias: n.list_path for n in walk(rule.when) if isinstance(n, cond.Some)}
    for text in (rec.text, rec.draft or ""):
        for name in placeholders(text):
            out.extend(_placeholder_read(name, aliases))
    return tuple(out)


def _placeholder_read(name: str, aliases: dict) -> tuple:
    every = every_alias(name)
    if every is not None:
        name = ".".join(every)  # the same entry field, of every match
    head, _, rest = name.partition(".")
    if name.startswith("$"):
        return ()
    if head in aliases and rest:
        return (Read("item", rest, aliases[head]),)
    if head in (*FACT_SCOPES, "timeline") and rest:
        return (Read(head, rest),)
    return (Read("profile", name),)


def facts_read(rule, texts: bool = True) -> frozenset:
    """(scope, name) of every derived fact and decision the rule reads."""
    return frozenset(r.fact for r in rule_reads(rule, texts) if r.fact)


def writes(rule) -> frozenset:
    """(scope, name) of what the rule concludes: the derived facts and decisions it sets."""
    then = rule.then
    return frozenset({("derived", k) for k in then.derive} | {("decision", k) for k in then.decide})


def writers(rules) -> dict:
    """(scope, name) -> the rules that write it, in the order given."""
    out: dict = {}
    for rule in rules:
        for fact in sorted(writes(rule)):
            out.setdefault(fact, []).append(rule)
    return out


# ---- words -----------------------------------------------------------------------------

@singledispatch
def describe(node) -> str:
    """A condition in the words of the pack file: `exams.step2.score lt $step2_floor`."""
    raise TypeError(f"not a condition node: {type(node).__name__}")


@describe.register
def _(node: cond.Test) -> str:
    value = f"${node.param}" if node.param else list(node.value) if isinstance(node.value, tuple) else node.value
    return f"{node.ref.display} {node.op}" + ("" if node.op in ("exists", "missing") else f" {value}")


@describe.register
def _(node: cond.Count) -> str:
    what = f"total {node.sum_field} of {node.list_path}" if node.sum_field else f"count of {node.list_path}"
    return f"{what} {node.op} {'$' + node.param if node.param else node.value}"


@describe.register
def _(node: cond.Some) -> str:
    return f"some {node.list_path}" + (" where ..." if node.where is not None else "")


@describe.register
def _(node: cond.Not) -> str:
    return f"not ({describe(node.child)})"


@describe.register(cond.All)
@describe.register(cond.Any_)
def _(node) -> str:
    joiner = " and " if isinstance(node, cond.All) else " or "
    return "(" + joiner.join(describe(c) for c in node.children) + ")"
