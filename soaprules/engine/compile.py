"""Compile a RuleBook to durable-rules rulesets.

Three steps, each a law the engine needs:
1. Strata. A rule that reads a derived fact or a decision runs in a later stratum than
   every rule that writes it; decisions are resolved between strata. Cycles are
   refused at load. So no rule ever waits on a fact of its own stratum, evaluation
   order cannot change results, and a pack cannot loop forever. Once no later rule
   can write a derived fact that is still absent, an "absent" fact says so, and
   `missing` matches that fact (the engine cannot match an absence); a decision is
   missing when the decisions fact of its reader's stratum lacks it.
2. Normal form. `not` is pushed to the leaves (De Morgan; each operator has a negated
   twin that, like the engine, is false on a missing field), `not some` becomes a
   count of zero, and `any` across different facts is split into separate engine
   rules (disjunctive normal form over facts); `any` within one fact stays a `$or`.
3. Chunks. The engine fails (error 303) when one fact passes more than 64 alpha nodes,
   so each stratum is cut into rulesets whose patterns per fact type stay under BUDGET.
"""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from soaprules.lang import conditions as cond
from soaprules.lang import analysis
from soaprules.errors import Diagnostic, PackError, Position
from soaprules.engine.facts import AGGREGATES, address
from soaprules.packs.load import LoadedRule, RuleBook

BUDGET = 40  # alpha patterns per fact type per ruleset; the engine's hard limit is 64
ENGINE_LIMIT = 64
# Limits of durable's C core, refused at load with the rule named (measured here):
MAX_JOIN = 16  # facts one engine rule joins (MAX_MESSAGE_FRAMES; the 17th fails with error 304)
MAX_TERMS = 64  # engine rules one pack rule compiles to (the shipped packs need at most 8)
MAX_FACT_FIELDS = 250  # fields of one fact (MAX_OBJECT_PROPERTIES is 255, with t, id and sid)
NEGATE = {"eq": "ne", "ne": "eq", "lt": "gte", "gte": "lt", "lte": "gt", "gt": "lte", "in": "not_in",
          "not_in": "in", "contains": "not_contains", "not_contains": "contains", "exists": "missing",
          "missing": "exists"}


@dataclass(frozen=True)
class EngineRule:
    """One durable-rules rule: one conjunction of one pack rule."""

    name: str  # "<rule id>#<n>": the engine does not tell an action which rule fired it
    rule: LoadedRule
    patterns: dict  # alias -> durable expression
    aliases: dict  # engine alias -> (kind, detail): ("some", alias) | ("fact", t)

    def cost(self) -> dict:
        out: dict = defaultdict(int)
        for expr in self.patterns.values():
            out[fact_type(expr)] += _branches(expr)
        return out


@dataclass
class Stratum:
    index: int
    rules: list  # LoadedRule
    chunks: list = field(default_factory=list)  # list[list[EngineRule]]
    resolves: list = field(default_factory=list)  # decisions final after this stratum
    settles: list = field(default_factory=list)  # derived facts final after this stratum


@dataclass(frozen=True)
class ChunkPlan:
    """What a session needs to run one ruleset: its name, which facts to assert (only
    those some rule in it can match: every other assert is wasted engine work), and
    each engine rule's aliases."""

    ruleset: str
    types: tuple  # fact types read whole (profile sections, list entries, decisions, counts)
    named: frozenset  # (type, name) of the derived facts read
    aliases: dict  # engine rule name -> {engine alias -> (kind, detail)}

    @classmethod
    def of(cls, ruleset: str, rules: list) -> "ChunkPlan":
        types, named = set(), set()
        for rule in rules:
            for alias, key in rule.aliases.items():
                if key[0] in ("fact", "some"):
                    types.add(fact_type(rule.patterns[alias]))
                else:
                    named.add((key[0], key[1]))
        return cls(ruleset, tuple(sorted(types)), frozenset(named), {r.name: r.aliases for r in rules})

    def pick(self, by_type: dict) -> list:
        """The facts this ruleset can match, from facts grouped by type."""
        out = [f for t in self.types for f in by_type.get(t, ())]
        if self.named:
            out += [f for f in by_type.get("derived", ()) if ("derived", f["name"]) in self.named]
        return out


@dataclass
class Program:
    book: RuleBook
    strata: list
    aggregates: dict  # aggregate key -> (name, Count node)
    digest: str
    unwritten: list = field(default_factory=list)  # derived names read by some rule, written by none

    @cached_property
    def engine_plan(self) -> list:
        """Per stratum, one ChunkPlan per ruleset; computed once per program, not per profile."""
        return [[ChunkPlan.of(self.ruleset_name(s.index, c), rules) for c, rules in enumerate(s.chunks)]
                for s in self.strata]

    @cached_property
    def gates(self) -> list:
        """Per stratum, a generated function of the facts grouped by type giving, per
        ruleset, the bitmask of its engine rules that can possibly fire (see `gate_source`):
        a ruleset with none gets no session, and one with some is asserted only the facts
        those rules read."""
        space: dict = {}
        text = gate_source(self, space)
        exec(compile(text, "<soaprules gates>", "exec"), space)
        return [space[f"gate{s.index}"] for s in self.strata]

    def intervals_generated(self):
        """The generated aggregates (lang.evaluate.compile_intervals), from the second request on."""
        return self._from_second_request("_intervals_fn", self._make_intervals)

    def unknowns_generated(self):
        """The generated unknowns function (lang.evaluate.compile_unknowns), from the second
        request on (None the first time): generating it costs about as much as 15 reports
        asked of the interpreter, which a single cold `advise` should not pay."""
        return self._from_second_request("_unknowns_fn", self._make_unknowns)

    def _make_intervals(self):
        from soaprules.lang.evaluate import compile_intervals
        return compile_intervals(self.aggregates)

    def _make_unknowns(self):
        from soaprules.lang.evaluate import compile_unknowns
        return compile_unknowns(self.book.rules)

    def _from_second_request(self, key: str, make, now: bool = False):
        """None the first time asked (the request is remembered), `make()` from then on,
        made once; `now` makes it at once."""
        held = self.__dict__.get(key)
        if held is None and not now:
            self.__dict__[key] = False  # asked once
            return None
        if not held:
            held = self.__dict__[key] = make()
        return held

    def warm(self) -> "Program":
        """Make every generated part now (the engine plan, the gates, the generated counts
        and unknowns), as a long run would by its second profile: for a process about to
        fork workers, which then share them instead of each making its own."""
        self._from_second_request("_intervals_fn", self._make_intervals, now=True)
        self._from_second_request("_unknowns_fn", self._make_unknowns, now=True)
        self.engine_plan, self.gates  # noqa: B018 -- cached properties, made here
        return self

    def ruleset_name(self, stratum: int, chunk: int) -> str:
        return f"soaprules-{self.digest[:16]}-s{stratum}-c{chunk}"

    def definitions(self) -> dict:
        """durable-rules JSON for every ruleset (actions added by the engine wrapper)."""
        out = {}
        for s in self.strata:
            for c, chunk in enumerate(s.chunks):
                out[self.ruleset_name(s.index, c)] = {
                    r.name: {"all": [{a: e} for a, e in r.patterns.items()],
                             **({"pri": 1000 - r.rule.salience} if r.rule.salience else {})}
                    for r in chunk}
        return out


# ---- gates ----------------------------------------------------------------------------
#
# Cheap necessary tests of each engine rule, decided in Python once per stratum: every
# pattern needs a fact of its type, and a pattern on a single fact (a profile section, the
# decisions, the counts, the timeline) needs each of its plain top-level tests to hold on
# that fact. A test is used only where Python and the engine cannot disagree: a value of
# another type than the pattern's, or a type with several facts, lets the rule through.

def _conjuncts(expr) -> list:
    if isinstance(expr, dict) and set(expr) == {"$and"}:
        return [c for e in expr["$and"] for c in _conjuncts(e)]
    return [expr]


_SCALAR = (str, int, bool)
_ORDER = {"$lt": "<", "$lte": "<=", "$gt": ">", "$gte": ">="}


def _plain(field) -> bool:
    return isinstance(field, str) and not field.startswith("$") and "." not in field


def _gate_test(expr, fact: str, const) -> str | None:
    """A Python test of `expr` on the single fact `fact` that is false only where the
    engine's is, or None when there is none to make."""
    if not isinstance(expr, dict) or len(expr) != 1:
        return None
    (key, body), = expr.items()
    if _plain(key) and type(body) in _SCALAR:
        return f"((_x := {fact}.get({key!r})) is not None and (_x == {const(body)} or type(_x) is not " \
               f"{type(body).__name__}))"
    if key == "$or":
        found = _one_of(expr)
        if found and _plain(found[0]) and all(type(v) in _SCALAR for v in found[1]):
            types = const(frozenset(type(v) for v in found[1]))
            return f"((_x := {fact}.get({found[0]!r})) is not None and (_x in {const(tuple(found[1]))} or " \
                   f"type(_x) not in {types}))"
        return None
    if key in ("$ex", "$nex") and isinstance(body, dict) and len(body) == 1 and _plain(next(iter(body))):
        return f"({next(iter(body))!r} {'in' if key == '$ex' else 'not in'} {fact})"
    if key in _ORDER and isinstance(body, dict) and len(body) == 1:
        (field_, value), = body.items()
        if _plain(field_) and type(value) is int:
            return f"((_x := {fact}.get({field_!r})) is not None and (type(_x) is not int or _x {_ORDER[key]} " \
                   f"{const(value)}))"
    return None


def gate_source(program: "Program", space: dict) -> str:
    """Python source of `gate<stratum>(by_type) -> (mask per ruleset, ...)`; constants go
    into `space`."""
    names: dict = {}

    def const(value) -> str:  # equal constants share a name, so equal tests share a text
        key = (type(value), repr(value))
        if key not in names:
            names[key] = f"K{len(names)}"
            space[names[key]] = value
        return names[key]

    out = []
    for stratum in program.strata:
        lines, tests, facts = [], {}, {}

        def single(t: str) -> tuple:
            if t not in facts:
                n = len(facts)
                facts[t] = (f"f{n}", f"m{n}", f"h{n}")
                lines.append(f"    _l = F.get({t!r})")
                lines.append(f"    h{n} = bool(_l); m{n} = h{n} and len(_l) > 1; f{n} = _l[0] if h{n} else None")
            return facts[t]

        chunks = []
        for rules in stratum.chunks:
            terms = []
            for rule in rules:
                needs: list = []  # presence first: cheapest, and it guards the tests after it
                for alias, pattern in rule.patterns.items():
                    kind, _ = rule.aliases[alias]
                    if kind == "derived":
                        continue  # a derived name's fact is always there once its writers are done
                    f, m, h = single(fact_type(pattern))
                    if h not in needs:
                        needs.insert(0, h)
                    if kind != "fact":
                        continue
                    for conj in _conjuncts(pattern):
                        if isinstance(conj, dict) and set(conj) == {"t"}:
                            continue
                        test = _gate_test(conj, f, const)
                        if test is not None:
                            needs.append(f"({m} or {test})")
                terms.append(needs)
            chunks.append(terms)
        uses: dict = defaultdict(int)
        for terms in chunks:
            for needs in terms:
                for n in set(needs):
                    uses[n] += 1
        for test, count in uses.items():  # a test several rules share is decided once, the rest inline
            if count > 1 and test.startswith("("):
                tests[test] = f"c{len(tests)}"
                guard = test.split(" or ")[0][1:]  # the fact's m<n>: its h<n> guards the fact
                lines.append(f"    {tests[test]} = h{guard[1:]} and {test}")
        masks = []
        for terms in chunks:
            masks.append(" | ".join(f"({1 << bit} if {' and '.join(tests.get(n, n) for n in needs) or 'True'} else 0)"
                                    for bit, needs in enumerate(terms)) or "0")
        out.append("\n".join([f"def gate{stratum.index}(F):"] + lines +
                              [f"    return ({', '.join(masks)},)"]))
    return "\n\n".join(out) + "\n"


# ---- 1. strata -------------------------------------------------------------------------

def _reads(rule: LoadedRule) -> set[tuple[str, str]]:
    return set(analysis.facts_read(rule))


def stratify(rules: list[LoadedRule], reads: dict | None = None) -> dict[str, int]:
    """Each rule's level; `reads` (rule id -> _reads) when the caller has them already."""
    writers = analysis.writers(rules)
    reads = reads if reads is not None else {r.id: _reads(r) for r in rules}
    level: dict[str, int] = {}
    visiting: list[str] = []

    def visit(rule: LoadedRule) -> int:
        if rule.id in level:
            return level[rule.id]
        if rule.id in visiting:
            loop = visiting[visiting.index(rule.id):] + [rule.id]
            raise PackError(Diagnostic(f"rules feed each other in a loop: {' -> '.join(loop)}", file=rule.file,
                                       position=Position(rule.line), rule_id=rule.id,
                                       hint="a derived fact or decision may not depend on itself"))
        visiting.append(rule.id)
        below = [visit(w) for key in reads[rule.id] for w in writers.get(key, [])]
        visiting.pop()
        level[rule.id] = 1 + max(below) if below else 0
        return level[rule.id]

    for rule in rules:
        visit(rule)
    return level


# ---- 2. normal form --------------------------------------------------------------------

def nnf(node, negate: bool = False):
    """Push `not` to the leaves; `not some` becomes `count == 0`."""
    if isinstance(node, cond.Not):
        return nnf(node.child, not negate)
    if isinstance(node, (cond.All, cond.Any_)):
        flip = isinstance(node, cond.All) == negate  # De Morgan swaps all and any under not
        kind = cond.Any_ if flip else cond.All
        return kind(tuple(nnf(c, negate) for c in node.children), node.at)
    if isinstance(node, cond.Test):
        if not negate:
            return node
        if node.ref.scope == "derived" and node.op not in ("exists", "missing"):
            return Every(cond.Test(node.ref, NEGATE[node.op], node.value, node.at, node.param))
        if node.op == "contains_any":  # not any-of = none-of: one test, not one per value (their
            # "empty, or ..." alternatives multiply: 7 values made 128 alpha nodes, past the limit)
            return cond.Test(node.ref, "contains_none", node.value, node.at, node.param)
        return cond.Test(node.ref, NEGATE[node.op], node.value, node.at, node.param)
    if isinstance(node, cond.Some):
        where = nnf(node.where) if node.where is not None else None
        if negate:
            return cond.Count(node.list_path, node.where, None, "eq", 0, node.at)
        return cond.Some(node.list_path, where, node.alias, node.at)
    if isinstance(node, cond.Count):
        return cond.Count(node.list_path, node.where, node.sum_field, NEGATE[node.op] if negate else node.op,
                          node.value, node.at, node.param)
    raise TypeError(node)


@dataclass(frozen=True)
class Every:
    """A negated test on a derived fact: a name may be derived with several values, so
    `not: {derived.x: a}` says no value is a, i.e. every value passes the negated test.
    Pushing `not` onto one value (x != a) would hold on the value b beside a."""

    test: cond.Test

    @property
    def ref(self) -> cond.Ref:
        return self.test.ref


@analysis.children.register
def _(node: Every) -> tuple:
    return ()  # a leaf of the normal form, as the test it wraps


DERIVED_VALUES, DERIVED_COUNT = "values", "n"  # a derived fact: its name's values, and how many


def _leaf_expr(test) -> dict:
    # Never an $or directly inside an $iany or $iall: durable's parser then reads a field of
    # the $or's node it never set, and refuses the ruleset (code 102) when the heap happens
    # to hold 0x09 or 0x0c there (tests/test_engine_limits.py makes it happen every time).
    if isinstance(test, Every):
        return {"$iall": {DERIVED_VALUES: _every_item(test.test.op, test.test.value)}}
    if test.ref.scope == "derived" and test.op == "in":  # some value in V: some value is a, or b...
        return _or([{"$iany": {DERIVED_VALUES: {"$i": x}}} for x in test.value])
    if test.ref.scope == "derived" and test.op not in ("exists", "missing"):
        return {"$iany": {DERIVED_VALUES: _op_expr("$i", test.op, test.value)}}
    if test.ref.scope == "derived":
        return _op_expr(DERIVED_COUNT, test.op, test.value)
    return _op_expr(address(test.ref).field, test.op, test.value)


def _every_item(op: str, v) -> dict:
    """The test every value of an $iall must pass. Every value in V (more than one) cannot be
    split like `some`; it ends with a test no value in V can fail (not equal to c, a text
    longer than any of V's), so the $or is not the last thing the $iall holds."""
    expr = _op_expr("$i", op, v)
    if "$or" not in expr:
        return expr
    c = "~" * (1 + max(len(str(x)) for x in v))
    return {"$and": [expr, {"$neq": {"$i": c}}]}


def _op_expr(f: str, op: str, v) -> dict:
    """`f op v` as a durable expression; f "$i" is the item of an $iany / $iall."""
    if f == "$i" and op in ("eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in"):
        if op == "eq":
            return {"$i": v}
        if op == "in":
            return _or([{"$i": x} for x in v])
        if op == "not_in":
            return _and([{"$neq": {"$i": x}} for x in v])
        return {"$" + ("neq" if op == "ne" else op): {"$i": v}}
    if op == "eq":
        return {f: v}
    if op in ("ne", "lt", "lte", "gt", "gte"):
        return {"$" + ("neq" if op == "ne" else op): {f: v}}
    if op == "in":
        return _or([{f: x} for x in v])
    if op == "not_in":
        return _and([{"$neq": {f: x}} for x in v])
    if op == "contains":
        return {"$iany": {f: {"$i": v}}}
    if op == "not_contains":  # the engine's $iall is false on an empty list: say "empty" outright
        return _or([{f + "#": 0}, {"$iall": {f: {"$neq": {"$i": v}}}}])
    if op == "contains_any":
        return _or([{"$iany": {f: {"$i": x}}} for x in v])
    if op == "contains_none":
        return _or([{f + "#": 0}, {"$iall": {f: _and([{"$neq": {"$i": x}} for x in v])}}])
    if op == "exists":
        return {"$ex": {f: 1}}
    if op == "missing":
        return {"$nex": {f: 1}}
    raise ValueError(op)


def _count_expr(op: str, k: int, name: str) -> dict:
    # the aggregate is an interval [lo, hi]: a comparison holds only if it holds for all of it
    lo, hi = f"{name}_lo", f"{name}_hi"
    lo_hi = {"gte": [("$gte", lo)], "gt": [("$gt", lo)], "lte": [("$lte", hi)], "lt": [("$lt", hi)],
             "eq": [("$eq", lo), ("$eq", hi)]}
    if op == "ne":
        return _or([{"$gt": {lo: k}}, {"$lt": {hi: k}}])
    return _and([{f: k} if o == "$eq" else {o: {f: k}} for o, f in lo_hi[op]])


def _or(parts: list) -> dict:
    return parts[0] if len(parts) == 1 else {"$or": parts}


def _and(parts: list) -> dict:
    return parts[0] if len(parts) == 1 else {"$and": parts}


def _fact_key(node, aggregates: dict) -> tuple:
    if isinstance(node, cond.Some):
        return ("some", node.alias)
    if isinstance(node, cond.Count):
        return ("fact", AGGREGATES)
    ref = node.ref
    if ref.scope == "derived":
        return ("derived", ref.name)
    return ("fact", address(ref).t)  # decisions included: they share one fact


def _item_expr(node) -> dict:
    """A where-clause (item-relative, already in NNF) as one expression on the entry fact."""
    if isinstance(node, cond.Test):
        return _leaf_expr(node)
    parts = [_item_expr(c) for c in node.children]
    return _and(parts) if isinstance(node, cond.All) else _or(parts)


def _expr(node, aggregates: dict) -> dict:
    if isinstance(node, cond.Some):
        return _item_expr(node.where) if node.where is not None else {}
    if isinstance(node, cond.Count):
        return _count_expr(node.op, node.value, aggregates[node.key][0])
    return _leaf_expr(node)


def dnf(node, aggregates: dict) -> list[dict]:
    """A list of conjunctions; each maps a fact key to the list of its expressions."""
    if isinstance(node, cond.All):
        out = [{}]
        for child in node.children:
            out = [_merge(a, b) for a in out for b in dnf(child, aggregates)]
        return out
    if isinstance(node, cond.Any_):
        branches = [b for c in node.children for b in dnf(c, aggregates)]
        keys = {tuple(b) for b in branches}
        one_fact = len(keys) == 1 and len(next(iter(keys))) == 1 and next(iter(keys))[0][0] == "fact"
        if one_fact:  # any within one fact: a single $or pattern, not several engine rules
            key = next(iter(keys))[0]
            return [{key: [_or([_and(b[key]) for b in branches])]}]
        return branches
    return [{_fact_key(node, aggregates): [_expr(node, aggregates)]}]


def term_count(node, cap: int = MAX_TERMS + 1) -> int:
    """How many conjunctions `dnf(node)` makes, counted without making them (capped at
    `cap`: a rule with 22 two-way `any` over different facts would make 4 million)."""
    return min(_terms(node, cap)[0], cap)


def _terms(node, cap: int) -> tuple:
    """(terms, key): key is the one fact key every term reads, or None."""
    if isinstance(node, cond.All):
        total, keys = 1, set()
        for child in node.children:
            n, key = _terms(child, cap)
            total, keys = min(total * n, cap), keys | {key}
        return total, keys.pop() if len(keys) == 1 and None not in keys else None
    if isinstance(node, cond.Any_):
        parts = [_terms(c, cap) for c in node.children]
        keys = {key for _, key in parts}
        if len(keys) == 1 and None not in keys:
            key = next(iter(keys))
            return (1, key) if key[0] == "fact" else (min(sum(n for n, _ in parts), cap), key)
        return min(sum(n for n, _ in parts), cap), None
    return 1, _fact_key(node, {})


def _merge(a: dict, b: dict) -> dict:
    out = {k: list(v) for k, v in a.items()}
    for k, v in b.items():
        out.setdefault(k, []).extend(v)
    return out


def _pattern(key: tuple, exprs: list) -> dict:
    kind, detail = key
    head = {"fact": [{"t": detail}], "derived": [{"t": "derived"}, {"name": detail}], "some": []}[kind]
    return _and(head + _intersect([e for e in exprs if e]))


def _one_of(expr) -> tuple | None:
    """(field, values) when `expr` says "field is one of values", else None."""
    parts = expr["$or"] if isinstance(expr, dict) and set(expr) == {"$or"} else [expr]
    if not all(isinstance(p, dict) and len(p) == 1 and not next(iter(p)).startswith("$") for p in parts):
        return None
    fields = {next(iter(p)) for p in parts}
    return (fields.pop(), [next(iter(p.values())) for p in parts]) if len(fields) == 1 else None


def _intersect(exprs: list) -> list:
    """`a in X` and `a in Y` on one fact become `a in X∩Y`: the engine expands an $and of
    $ors into every combination, so 5 and 3 phases cost 15 alpha nodes where 3 will do."""
    out, seen = [], {}
    for expr in exprs:
        found = _one_of(expr)
        if found is None or found[0] not in seen:
            if found is not None:
                seen[found[0]] = len(out)
            out.append(expr)
            continue
        field_, values = found
        kept = [v for v in _one_of(out[seen[field_]])[1] if v in values]
        if kept:  # an empty intersection can never hold: keep both tests, the engine says no
            out[seen[field_]] = _or([{field_: v} for v in kept])
        else:
            out.append(expr)
    return out


def engine_rules(rule: LoadedRule, aggregates: dict, tree=None) -> list[EngineRule]:
    """`tree`: nnf(rule.when), when the caller has it already."""
    out = []
    tree = nnf(rule.when) if tree is None else tree
    for conj in (c for term in dnf(tree, aggregates) for c in _same_entry_choices(term, rule.when)):
        patterns, aliases = {}, {}
        for i, (key, exprs) in enumerate(sorted(conj.items())):
            alias = f"a{i}"
            if key[0] == "some":
                some = _some_node(rule.when, key[1].split("+")[0])
                exprs = [{"t": some.list_path}] + exprs
            patterns[alias] = _pattern(key, exprs)
            aliases[alias] = key
        out.append(EngineRule(f"{rule.id}#{len(out)}", rule, patterns, aliases))
    return out


def _same_entry_choices(conj: dict, when) -> list[dict]:
    """The engine never binds one fact to two patterns of a rule, but two `some` on one list
    may well pick the same entry. So each way of grouping them (a set partition per list)
    becomes a term of its own: a group is one pattern, named "a+b", holding all its tests."""
    by_list: dict = defaultdict(list)
    for key in conj:
        if key[0] == "some":
            by_list[_some_node(when, key[1]).list_path].append(key[1])
    groups = [names for names in by_list.values() if len(names) > 1]
    out = [conj]
    for names in groups:
        out = [_grouped(c, blocks) for c in out for blocks in partitions(names)]
    return out


def _grouped(conj: dict, blocks: list) -> dict:
    out = dict(conj)
    for block in blocks:
        if len(block) > 1:
            out[("some", "+".join(block))] = [e for name in block for e in out.pop(("some", name))]
    return out


def partitions(items: list) -> list[list[list]]:
    """Every set partition of `items` (Bell(n) of them), blocks in input order."""
    if not items:
        return [[]]
    head, rest = items[0], items[1:]
    out = []
    for part in partitions(rest):
        out.append([[head]] + part)
        for i in range(len(part)):
            out.append(part[:i] + [[head] + part[i]] + part[i + 1:])
    return out


def _some_node(node, alias: str) -> cond.Some:
    return next(n for n in analysis.walk(node) if isinstance(n, cond.Some) and n.alias == alias)


def fact_type(expr: dict) -> str:
    first = expr["$and"][0] if "$and" in expr else expr
    return first.get("t", "?") if isinstance(first, dict) else "?"


def _branches(expr) -> int:
    if isinstance(expr, dict):
        if "$or" in expr:
            return sum(_branches(e) for e in expr["$or"])
        if "$and" in expr:
            total = 1
            for e in expr["$and"]:
                total *= _branches(e)
            return total
    return 1


# ---- 3. chunks -------------------------------------------------------------------------

def chunk(rules: list[EngineRule], budget: int = BUDGET) -> list[list[EngineRule]]:
    chunks: list[list[EngineRule]] = []
    load: dict = defaultdict(int)
    for rule in rules:
        cost = rule.cost()
        if chunks and all(load[t] + c <= budget for t, c in cost.items()):
            chunks[-1].append(rule)
        else:
            chunks.append([rule])
            load = defaultdict(int)
        for t, c in cost.items():
            load[t] += c
    return chunks


def _within_limit(rules: list[EngineRule]) -> list[EngineRule]:
    """A rule no ruleset can hold (more alternatives on one fact than the engine's 64
    alpha nodes) is refused at load, with its position, instead of failing at run time."""
    errors = []
    for e in rules:
        fact, worst = max(e.cost().items(), key=lambda kv: kv[1])
        if worst > ENGINE_LIMIT:
            errors.append(Diagnostic(f"rule {e.rule.id} needs {worst} alternative tests on the {fact} fact; the "
                                     f"engine handles at most {ENGINE_LIMIT}", file=e.rule.file,
                                     position=Position(e.rule.line), rule_id=e.rule.id,
                                     hint="split the rule, or use fewer any/in alternatives in one condition"))
    if errors:
        raise PackError(errors)
    return rules


def _refusal(rule: LoadedRule, message: str, hint: str) -> Diagnostic:
    return Diagnostic(f"rule {rule.id} {message}", file=rule.file, position=Position(rule.line), rule_id=rule.id,
                      hint=hint)


def _bell(n: int) -> int:
    row = [1]
    for _ in range(n):
        nxt = [row[-1]]
        for x in row:
            nxt.append(nxt[-1] + x)
        row = nxt
    return row[0]


def rule_size_errors(rule: LoadedRule, tree=None) -> list[Diagnostic]:
    """What the engine cannot run in one rule, found before anything is expanded."""
    tree = nnf(rule.when) if tree is None else tree
    lists: dict = defaultdict(int)
    for node in analysis.walk(tree):
        if isinstance(node, cond.Some):
            lists[node.list_path] += 1
    terms = term_count(tree)
    for n in lists.values():  # two `some` on one list: every grouping is a term of its own
        terms = min(terms * _bell(n), MAX_TERMS + 1)
    if terms > MAX_TERMS:
        return [_refusal(rule, f"compiles to more than {MAX_TERMS} engine rules (each `any` across different "
                               f"facts multiplies them); the limit is {MAX_TERMS}",
                         "split it into several rules, or move alternatives into one fact's `in` list")]
    errors = []
    aggregates = {n.key: (f"n{i}", n) for i, n in enumerate(x for x in analysis.walk(tree) if isinstance(x, cond.Count))}
    widest = max((len(c) for t in dnf(tree, aggregates) for c in _same_entry_choices(t, rule.when)), default=0)
    if widest > MAX_JOIN:
        errors.append(_refusal(rule, f"joins {widest} facts in one conjunction; the engine joins at most {MAX_JOIN}",
                               "split it into rules that derive facts for each other"))
    return errors


def book_size_errors(book: RuleBook, aggregates: dict) -> list[Diagnostic]:
    """Every count sits in one fact, two fields each (decisions, in one fact too, are limited at load)."""
    errors = []
    if 2 * len(aggregates) > MAX_FACT_FIELDS:
        over = list(aggregates.values())[MAX_FACT_FIELDS // 2][1]
        rule = next((r for r in book.rules if any(n is over or (isinstance(n, cond.Count) and n.key == over.key)
                                                  for n in analysis.walk(nnf(r.when)))), None)
        message = (f"{len(aggregates)} distinct counts (count/none) are used; the engine holds at most "
                   f"{MAX_FACT_FIELDS // 2}")
        errors.append(_refusal(rule, f"adds one: {message}", "reuse the same count and where-clause in several "
                               "rules") if rule else Diagnostic(message))
    return errors


def size_errors(book: RuleBook, trees: dict | None = None) -> list[Diagnostic]:
    """`trees`: rule id -> nnf(rule.when), when the caller has them already."""
    trees = trees if trees is not None else {r.id: nnf(r.when) for r in book.rules}
    errors = [d for rule in book.rules for d in rule_size_errors(rule, trees[rule.id])]
    return errors + book_size_errors(book, collect_aggregates(book.rules, trees))


def collect_aggregates(rules: list[LoadedRule], trees: dict | None = None) -> dict:
    found: dict = {}
    for rule in rules:
        for node in analysis.walk(trees[rule.id] if trees is not None else nnf(rule.when)):
            if isinstance(node, cond.Count) and node.key not in found:
                found[node.key] = (f"n{len(found)}", node)
    return found


def compile_book(book: RuleBook, budget: int = BUDGET) -> Program:
    # Each rule's normal form and reads, made once: the size check, the strata, the
    # aggregates and the engine rules all need them (a third of a cold run's compile).
    trees = {r.id: nnf(r.when) for r in book.rules}
    reads = {r.id: _reads(r) for r in book.rules}
    errors = size_errors(book, trees)
    if errors:
        raise PackError(errors)
    level = stratify(book.rules, reads)
    aggregates = collect_aggregates(book.rules, trees)
    strata = [Stratum(i, [r for r in book.rules if level[r.id] == i]) for i in range(max(level.values(), default=-1) + 1)]
    last_proposal = {}
    for rule in book.rules:
        for name in rule.then.decide:
            last_proposal[name] = max(last_proposal.get(name, 0), level[rule.id])
    last_derive = {n: max(level[r.id] for r in book.rules if n in r.then.derive)
                   for r0 in book.rules for n in r0.then.derive}
    for stratum in strata:
        stratum.chunks = chunk(_within_limit([e for r in stratum.rules for e in engine_rules(r, aggregates, trees[r.id])]),
                               budget)
        stratum.resolves = sorted(n for n, lv in last_proposal.items() if lv == stratum.index)
        stratum.settles = sorted(n for n, lv in last_derive.items() if lv == stratum.index)
    unwritten = sorted({n for r in book.rules for scope, n in reads[r.id] if scope == "derived"} - set(last_derive))
    program = Program(book, strata, aggregates, "", unwritten)
    program.digest = hashlib.sha256(json.dumps(program.definitions(), sort_keys=True).encode()).hexdigest()
    return program
