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

from soaprules.lang import conditions as cond
from soaprules.profile import paths


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
            return paths.get(self.timeline, ref.name) if self.timeline else None
        return paths.get(self.data, ref.name)


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
    items = paths.items(data, node.list_path)
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
    items = paths.items(world.data, node.list_path)
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
    items = paths.items(world.data, node.list_path)
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


def because(node, world: World) -> list[Evidence]:
    """The evidence of a condition that is true, that is itself true (a report's `because`):
    what `evaluate(node, world).evidence` holds with verdict True, in its order, built
    without the evidence of branches that did not decide. Only an `any`'s branches, and
    what a `not` negates, are asked for their verdict (the short-circuit `verdict`); a
    condition found not to be true on the way is read the long way, so the answer is the
    interpreter's whatever is asked."""
    out: list = []
    if _because(node, world, None, None, out):
        return out
    return [e for e in evaluate(node, world).evidence if e.verdict is True]


def _because(node, world: World, item, item_path, out: list) -> bool:
    """Append the true evidence of `node` if it is true (False: it is not; `out` is then of
    no use). As `evaluate` reads it: a true `all` keeps every child's evidence, a true `any`
    its true children's, a true `not` over a test, `some` or count none (what it negates is
    false, and so is its evidence)."""
    if isinstance(node, cond.Test):
        result = _test(node, world, item, item_path)
        out += result.evidence
        return result.value is True
    if isinstance(node, cond.All):
        return all(_because(child, world, item, item_path, out) for child in node.children)
    if isinstance(node, cond.Any_):
        true = False
        for child in node.children:
            if verdict(child, world, item) is True:
                true = _because(child, world, item, item_path, out)
                if not true:
                    return False
        return true
    if isinstance(node, cond.Not):
        child = node.child
        if isinstance(child, cond.Not):
            return _because(child.child, world, item, item_path, out)
        if isinstance(child, (cond.All, cond.Any_)):  # De Morgan, as `evaluate` reads it
            kind = cond.Any_ if isinstance(child, cond.All) else cond.All
            flipped = kind(tuple(cond.Not(c, c.at) for c in child.children), node.at)
            return _because(flipped, world, item, item_path, out)
        return verdict(child, world, item) is False
    if isinstance(node, cond.Some):
        for i, entry in enumerate(paths.items(world.data, node.list_path) or ()):
            if node.where is None:
                return True  # the first entry: no evidence
            if verdict(node.where, world, entry) is True:  # the first that matches, as `_some` picks
                return _because(node.where, world, entry, f"{node.list_path}[{i}]", out)
        return False
    result = _count(node, world)
    out += result.evidence
    return result.value is True


def missing_inputs(node, world: World, memo: dict | None = None) -> set[str]:
    """Profile paths whose absence made `node` unknown (for the report's `unknowns`)."""
    if verdict(node, world, memo=memo) is not None:
        return set()
    result = evaluate(node, world)
    if result.value is not None:
        return set()
    return {e.path for e in result.evidence if e.verdict is None and e.scope in ("profile", "item")}


# ---- the report's unknowns, generated ------------------------------------------------
#
# `missing_inputs` asks the interpreter above about every rule that did not fire: most of a
# report's time. `compile_unknowns` generates the same question once per program as Python
# source: every distinct whole-profile test is evaluated once per profile, each rule's
# verdict is a few three-valued combinations of those, and only an undecided rule descends
# into its undecided children for the paths. Same answers as `missing_inputs`, rule by
# rule (tests/test_unknowns.py holds one to the other).

_EMPTY = {}
_APPLY = {"eq": "{x} == {k}", "ne": "{x} != {k}", "lt": "{x} < {k}", "lte": "{x} <= {k}", "gt": "{x} > {k}",
          "gte": "{x} >= {k}", "in": "{x} in {k}", "not_in": "{x} not in {k}", "contains": "{k} in {x}",
          "contains_any": "any(_o in {x} for _o in {k})"}


class _Source:
    """Generated code under construction: constants, fresh names, the shared leaves."""

    def __init__(self):
        self.space: dict = {"_dig": paths.get, "_list_items": paths.items,
                            "_interval_verdict": interval_verdict, "_EMPTY": _EMPTY}
        self.defs: list[str] = []
        self.n = 0
        self.wheres: dict = {}  # id(where node) -> (verdict fn, paths fn)

    def const(self, value) -> str:
        self.n += 1
        self.space[f"K{self.n}"] = value
        return f"K{self.n}"

    def name(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}{self.n}"


class _Scope:
    """One generated function body: a value looked up or a leaf decided once per body."""

    def __init__(self, src: _Source, item: bool):
        self.src, self.item = src, item
        self.lines: list[str] = []
        self.values: dict = {}
        self.leaves: dict = {}

    def value(self, ref: cond.Ref) -> str:
        key = (ref.scope, ref.name)
        if key not in self.values:
            var = self.values[key] = self.src.name("x")
            name = repr(ref.name)
            expr = {"item": f"it.get({name})", "derived": f"(D.get({name}) or None)", "decision": f"C.get({name})",
                    "timeline": f"(_dig(T, {name}) if T else None)"}.get(ref.scope, f"_dig(data, {name})")
            self.lines.append(f"{var} = {expr}")
        return self.values[key]

    def leaf(self, node: cond.Test) -> str:
        key = (node.ref.scope, node.ref.name, node.op, repr(node.value))
        if key not in self.leaves:
            x = self.value(node.ref)
            var = self.leaves[key] = self.src.name("l")
            if node.op in ("exists", "missing"):
                expr = f"{x} is {'not ' if node.op == 'exists' else ''}None"
            elif node.ref.scope == "derived":
                expr = f"None if {x} is None else any({_APPLY[node.op].format(x='_v', k=self.src.const(node.value))} " \
                       f"for _v in {x})"
            else:
                expr = f"None if {x} is None else ({_APPLY[node.op].format(x=x, k=self.src.const(node.value))})"
            self.lines.append(f"{var} = {expr}")
        return self.leaves[key]

    def verdict(self, node, out: list) -> str:
        """Append to `out` the lines that compute `node`'s verdict; return its variable (or a
        leaf's, shared by the whole body)."""
        if isinstance(node, cond.Test):
            return self.leaf(node)
        if isinstance(node, (cond.All, cond.Any_)):
            parts = [self.verdict(c, out) for c in node.children]
            var = self.src.name("n")
            out.append(f"{var} = {_junction_expr(isinstance(node, cond.Any_), parts)}")
            return var
        if isinstance(node, cond.Not):
            inner = self.verdict(node.child, out)
            var = self.src.name("n")
            out.append(f"{var} = None if {inner} is None else not {inner}")
            return var
        if isinstance(node, cond.Some) and not self.item:
            verdict_fn, _ = self.src_where(node.where)
            key = ("some", node.list_path, cond.aggregate_key(node.list_path, node.where, None))
            if key not in self.leaves:  # made where a rule first needs it: a pass over a list
                var = self.leaves[key] = self.src.name("s")
                self.lines.append(f"{var} = _UNSET")
            var = self.leaves[key]
            out.append(f"if {var} is _UNSET: {var} = _some({self.src.const(node.list_path)}, {verdict_fn}, data, w)")
            return var
        if isinstance(node, cond.Count) and not self.item:
            verdict_fn, _ = self.src_where(node.where)
            key = ("count", node.key)
            if key not in self.leaves:
                var = self.leaves[key] = self.src.name("c")
                self.lines.append(f"{var} = _UNSET")
            iv = self.leaves[key]
            out.append(f"if {iv} is _UNSET: {iv} = _count({self.src.const(node.list_path)}, {verdict_fn}, "
                       f"{self.src.const(node.sum_field)}, data)")
            var = self.src.name("n")
            out.append(f"{var} = None if {iv} is None else _interval_verdict({node.op!r}, {iv}[0], {iv}[1], "
                       f"{self.src.const(node.value)})")
            return var
        var = self.src.name("n")  # not expected (nothing nests in a where-clause): ask the interpreter
        out.append(f"{var} = _verdict({self.src.const(node)}, w, it or None)")
        return var

    def src_where(self, where):
        return _where_fns(self.src, where)

    def paths(self, node, names: dict, out: list, indent: str) -> None:
        """Lines adding to `found` the paths that keep `node` (undecided) undecided."""
        if isinstance(node, cond.Test):
            if node.ref.scope == "profile":
                out.append(f"{indent}add({node.ref.name!r})")
            elif node.ref.scope == "item":
                out.append(f"{indent}add(ip + {'.' + node.ref.name!r})")
            return
        if isinstance(node, (cond.All, cond.Any_)):
            for child in node.children:
                inner: list = []
                self.paths(child, names, inner, indent + "    ")
                if inner:
                    out.append(f"{indent}if {names[id(child)]} is None:")
                    out.extend(inner)
            return
        if isinstance(node, cond.Not):
            self.paths(node.child, names, out, indent)
            return
        if isinstance(node, cond.Some) and not self.item:
            verdict_fn, paths_fn = self.src_where(node.where)
            out.append(f"{indent}_some_paths({self.src.const(node.list_path)}, {verdict_fn}, {paths_fn}, data, w, add)")
            return
        if isinstance(node, cond.Count) and not self.item:
            out.append(f"{indent}add({node.list_path!r})")
            return
        out.append(f"{indent}_paths({self.src.const(node)}, w, it or None, ip, add)")

    def named_verdict(self, node, out: list) -> tuple[str, dict]:
        """The verdict lines of `node`, and the variable of every sub-node (for `paths`)."""
        names: dict = {}

        def walk(n):
            if isinstance(n, (cond.All, cond.Any_)):
                parts = [walk(c) for c in n.children]
                var = self.src.name("n")
                out.append(f"{var} = {_junction_expr(isinstance(n, cond.Any_), parts)}")
            elif isinstance(n, cond.Not):
                var, inner = self.src.name("n"), walk(n.child)
                out.append(f"{var} = None if {inner} is None else not {inner}")
            else:
                var = self.verdict(n, out)
            names[id(n)] = var
            return var
        return walk(node), names


def _where_fns(src: _Source, where) -> tuple[str, str]:
    """(verdict, paths) functions of one where-clause, on one entry; "None" without a clause."""
    if where is None:
        return "None", "None"
    if id(where) in src.wheres:
        return src.wheres[id(where)]
    scope = _Scope(src, item=True)
    body: list = []
    top, names = scope.named_verdict(where, body)
    paths: list = []
    scope.paths(where, names, paths, "    ")
    v, p = src.name("W"), src.name("P")
    prelude = ["    it = it or _EMPTY", "    D, C, T = w.derived, w.decisions, w.timeline"] + \
              ["    " + line for line in scope.lines]
    src.defs.append("\n".join([f"def {v}(it, w, data):"] + prelude + ["    " + b for b in body] +
                              [f"    return {top}"]))
    src.defs.append("\n".join([f"def {p}(it, w, data, ip, add):"] + prelude + ["    " + b for b in body] +
                              (paths or ["    pass"])))
    src.space["_keep"] = src.space.get("_keep", [])
    src.space["_keep"].append(where)  # ids stay valid while the program lives
    src.wheres[id(where)] = (v, p)
    return v, p


def _gen_some(list_path, where_fn, data, w):
    """`_some_verdict`, with the where-clause generated."""
    items = paths.items(data, list_path)
    if items is None:
        return None
    out = False
    for entry in items:
        value = True if where_fn is None else where_fn(entry, w, data)
        if value is True:
            return True
        if value is None:
            out = None
    return out


def _gen_some_paths(list_path, where_fn, paths_fn, data, w, add):
    """The evidence paths of an undecided `some`: the list, or its first undecided entry's."""
    items = paths.items(data, list_path)
    if items is None:
        add(list_path)
        return
    for i, entry in enumerate(items):
        if where_fn is not None and where_fn(entry, w, data) is None:
            paths_fn(entry, w, data, f"{list_path}[{i}]", add)
            return


_NOWHERE = World({})


def _gen_count(list_path, where_fn, sum_field, data):
    """`count_interval`, with the where-clause generated (read, like it, in a world of the
    profile alone)."""
    items = paths.items(data, list_path)
    if items is None:
        return None
    low = high = 0
    for item in items:
        value = True if where_fn is None else where_fn(item, _NOWHERE, data)
        amount = 1 if sum_field is None or not isinstance(item, dict) else item.get(sum_field, 1)
        low += amount if value is True else 0
        high += amount if value is not False else 0
    return low, high


def _paths(node, world, item, item_path, add) -> None:
    for e in evaluate(node, world, item, item_path).evidence:
        if e.verdict is None and e.scope in ("profile", "item"):
            add(e.path)


def compile_unknowns(rules: list):
    """A function (world, fired rule ids) -> {path: [rule ids]}: for every rule not in fired,
    in order, what `missing_inputs` finds."""
    src = _Source()
    scope = _Scope(src, item=False)
    body: list = []
    for rule in rules:
        lines: list = []
        top, names = scope.named_verdict(rule.when, lines)
        paths: list = []
        scope.paths(rule.when, names, paths, "        ")
        rid = src.const(rule.id)
        body.append(f"    if {rid} not in fired:")
        body += ["        " + line for line in lines]
        body.append(f"        if {top} is None:")
        body.append("            acc = []")
        body.append("            add = acc.append")
        body += ["    " + line for line in paths]
        body.append(f"            _merge(found, {rid}, acc)")
    fn = "\n".join(["def unknowns(w, fired):", "    data, D, C, T = w.data, w.derived, w.decisions, w.timeline",
                    "    it, ip, found = _EMPTY, None, {}"] + ["    " + line for line in scope.lines] + body +
                   ["    return found"])
    src.space.update(_some=_gen_some, _some_paths=_gen_some_paths, _count=_gen_count, _paths=_paths, _verdict=verdict,
                     _merge=_merge, _UNSET=_UNSET)
    text = "\n\n".join(src.defs + [fn]) + "\n"
    exec(compile(text, "<soaprules unknowns>", "exec"), src.space)
    out = src.space["unknowns"]
    out.source = text
    return out


def _merge(found: dict, rule_id: str, added: list) -> None:
    """The paths one undecided rule added, each listing the rule once."""
    for path in dict.fromkeys(added):
        found.setdefault(path, []).append(rule_id)


_UNSET = object()  # a list's verdict not yet needed in this profile


def _junction_expr(decisive: bool, parts: list[str]) -> str:
    """The three-valued `any` (decisive True) or `all` (decisive False) of `parts` as one
    expression, no call: the decisive value if any part has it, else unknown (None) if any
    part is, else the other."""
    if not parts:
        return repr(not decisive)
    hit = " or ".join(f"{p} is {decisive}" for p in parts)
    unknown = " or ".join(f"{p} is None" for p in parts)
    return f"{decisive} if ({hit}) else (None if ({unknown}) else {not decisive})"


def compile_intervals(aggregates: dict):
    """A function data -> {name: interval or None}: `count_interval` of every declared
    aggregate (program.aggregates: key -> (name, Count)), the where-clauses generated."""
    src = _Source()
    calls = []
    for name, node in aggregates.values():
        verdict_fn, _ = _where_fns(src, node.where)
        calls.append(f"{name!r}: _count({src.const(node.list_path)}, {verdict_fn}, {src.const(node.sum_field)}, data)")
    text = "\n\n".join(src.defs + ["def intervals(data):\n    return {" + ", ".join(calls) + "}"]) + "\n"
    src.space["_count"] = _gen_count
    exec(compile(text, "<soaprules intervals>", "exec"), src.space)
    return src.space["intervals"]
