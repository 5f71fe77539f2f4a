"""`soaprules lint --explain RULE`: a rule's effective gate. Its condition as a tree, and
under every derived fact or decision it reads, the rules that can write that fact, each
with its own condition, down to profile fields: what must hold in the profile for the
rule to fire, read without running anything."""
from __future__ import annotations

from soaprules.errors import Diagnostic, UsageError
from soaprules.explain.nodes import Node
from soaprules.lang import analysis
from soaprules.lang.evaluate import apply
from soaprules.suggest import closest

SCHEMA = "soaprules/gate@1"
JUNCTIONS = {"all": "all of:", "any": "any of:", "not": "not:"}


def gate(book, rule_id: str) -> dict:
    """The soaprules/gate@1 document of `rule_id` (a UsageError, with a did-you-mean, when
    no loaded rule has that id)."""
    rule = book.rule(rule_id)
    if rule is None:
        ids = [r.id for r in book.rules]
        raise UsageError(Diagnostic(f"no loaded rule has the id '{rule_id}'", suggestion=closest(rule_id, ids),
                                    hint="give a rule id from the packs, e.g. " + (ids[0] if ids else "rs-01")))
    tree = _rule(rule, analysis.writers(book.rules), frozenset(), None)
    return {"schema": SCHEMA, "rule": rule.id, "tree": tree.to_dict()}


def _rule(rule, writers: dict, seen: frozenset, writes: str | None) -> Node:
    detail = {"note": f"{rule.file}:{rule.line}" + (f"; {writes}" if writes else "")}
    children = [] if rule.when is None else [_condition(rule.when, writers, seen | {rule.id})]
    return Node("rule", f"rule {rule.id}: {rule.title}", rule=rule.id, title=rule.title, detail=detail,
                children=children)


def _condition(node, writers: dict, seen: frozenset) -> Node:
    word = analysis.kind(node)
    if word in JUNCTIONS:
        return Node(word, JUNCTIONS[word], children=[_condition(c, writers, seen) for c in analysis.children(node)])
    out = Node("condition", analysis.describe(node))
    if word != "test":
        if node.where is not None:
            out.children = [_condition(node.where, writers, seen)]
        return out
    fact = (node.ref.scope, node.ref.name)
    candidates = writers.get(fact, []) if node.ref.scope in analysis.FACT_SCOPES else []
    helping = [w for w in candidates if _can_pass(node, _written(w, fact))]
    if len(helping) < len(candidates):
        out.detail = {"note": f"{len(candidates) - len(helping)} other rule(s) write it with a value that fails this test"}
    for writer in helping:
        said = _what_it_writes(writer, fact)
        if writer.id in seen:  # packs are stratified: only a malformed book could loop here
            out.children.append(Node("rule", f"rule {writer.id}: shown above", rule=writer.id))
        else:
            out.children.append(_rule(writer, writers, seen, said))
    if node.ref.scope in analysis.FACT_SCOPES and not candidates:
        out.detail = {"note": "no loaded rule writes it: it never holds"}
    return out


def _written(rule, fact: tuple):
    scope, name = fact
    return rule.then.derive.get(name) if scope == "derived" else rule.then.decide.get(name)


def _can_pass(test, value) -> bool:
    """Could the value a rule writes pass `test`? (exists and missing: any write decides it.)"""
    if test.op in ("exists", "missing"):
        return True
    try:
        return bool(apply(test.op, value, test.value))
    except TypeError:  # an ordering test on a value of another type: it cannot pass
        return False


def _what_it_writes(rule, fact: tuple) -> str:
    scope, name = fact
    return f"{'derives' if scope == 'derived' else 'proposes'} {name} = {_written(rule, fact)}"
