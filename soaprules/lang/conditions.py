"""The condition language under a rule's `when:`: its syntax tree and its parser.

The language is closed: `all`, `any`, `not`, `some`, `none`, `count` and path tests
with the operators in OPS. Every path is checked against the profile schema (or a
declared decision, derived fact or timeline field) and every value against the
path's type, at load, so nothing is left to fail or coerce at run time
('7' > 5 is true in the engine).

Semantics are three-valued (Kleene): a test on an unknown field is *unknown*, `not`
of unknown is unknown, and a rule fires only when its condition is definitely true.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from soaprules.profile.fields import FieldSpec, item_fields, profile_fields
from soaprules.source import Document, PathKey
from soaprules.suggest import closest, one_of
from soaprules.diagnose import as_written

OR_UNKNOWN = "or_unknown"  # beside the operators: the test also holds when the value is unknown
OPS = ("eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "contains", "contains_any", "exists", "missing")
STRUCTURAL = ("all", "any", "not", "some", "none", "count")
COUNT_OPS = ("eq", "ne", "lt", "lte", "gt", "gte")
OPS_BY_KIND = {
    "enum": ("eq", "ne", "in", "not_in", "exists", "missing"),
    "str": ("eq", "ne", "in", "not_in", "exists", "missing"),
    "bool": ("eq", "ne", "exists", "missing"),
    "int": ("eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "exists", "missing"),
    "enum_list": ("contains", "contains_any", "exists", "missing"),
    "items": ("exists", "missing"),
    "section": ("exists", "missing"),
    "datetime": ("exists", "missing"),
    "any": OPS,
}
SCOPES = ("derived", "decision", "timeline")


@dataclass(frozen=True)
class Ref:
    """What a test reads. scope: profile | item | derived | decision | timeline."""

    scope: str
    name: str
    list_path: str | None = None  # for item refs: the list the item belongs to

    @property
    def display(self) -> str:
        if self.scope == "profile":
            return self.name
        if self.scope == "item":
            return f"{self.list_path}[].{self.name}"
        return f"{self.scope}.{self.name}"


@dataclass(frozen=True)
class Test:
    ref: Ref
    op: str
    value: object
    at: PathKey
    param: str | None = None  # the parameter the value came from, for explanations


@dataclass(frozen=True)
class All:
    children: tuple
    at: PathKey


@dataclass(frozen=True)
class Any_:
    children: tuple
    at: PathKey


@dataclass(frozen=True)
class Not:
    child: object
    at: PathKey


@dataclass(frozen=True)
class Some:
    list_path: str
    where: object | None
    alias: str
    at: PathKey


@dataclass(frozen=True)
class Count:
    list_path: str
    where: object | None
    sum_field: str | None
    op: str
    value: int
    at: PathKey
    param: str | None = None

    @property
    def key(self) -> str:
        """Aggregates with the same list, filter and sum share one computed fact."""
        return aggregate_key(self.list_path, self.where, self.sum_field)


Node = Union[Test, All, Any_, Not, Some, Count]


def aggregate_key(list_path: str, where, sum_field: str | None) -> str:
    return f"{list_path}|{sum_field or ''}|{_shape(where)}"


def _shape(node) -> str:
    """A canonical text of a where-clause, independent of its position in the file."""
    if node is None:
        return ""
    if isinstance(node, Test):
        return f"{node.ref.name} {node.op} {node.value!r}"
    if isinstance(node, Not):
        return f"not({_shape(node.child)})"
    kind = "all" if isinstance(node, All) else "any"
    return f"{kind}({', '.join(_shape(c) for c in node.children)})"


@dataclass
class Context:
    """What a condition may refer to, gathered from all loaded packs before parsing."""

    doc: Document
    params: dict
    decisions: dict  # name -> Decision
    milestones: tuple  # calendar milestone names
    rule_id: str | None = None
    errors: list = field(default_factory=list)
    aliases: set = field(default_factory=set)
    # Paths beyond the profile a pack kind may read (the plan pack's program.*), each
    # with its spec; they are read like profile paths, from a section of that name.
    extra_fields: dict = field(default_factory=dict)

    def error(self, at: PathKey, message: str, **kw) -> None:
        self.errors.append(self.doc.diagnostic(at, message, rule_id=self.rule_id, **kw))


def parse(raw, at: PathKey, ctx: Context) -> Node | None:
    """Parse a `when:` tree; errors go to ctx.errors and the result is None on failure."""
    return _node(raw, at, ctx, items_of=None)


def _node(raw, at: PathKey, ctx: Context, items_of: str | None):
    if not isinstance(raw, dict) or not raw:
        ctx.error(at, "a condition must be a mapping such as {all: [...]} or {target.specialty: internal_medicine}")
        return None
    structural = [k for k in raw if k in STRUCTURAL]
    if structural:
        return _structural(structural[0], raw, at, ctx, items_of)
    tests = [_tests(key, value, at + (key,), ctx, items_of) for key, value in raw.items()]
    parts = [t for group in tests if group is not None for t in group]
    if any(group is None for group in tests):
        return None
    return parts[0] if len(parts) == 1 else All(tuple(parts), at)


def _structural(key: str, raw: dict, at: PathKey, ctx: Context, items_of):
    allowed = {"all": (), "any": (), "not": (), "some": ("where", "as"), "none": ("where",),
               "count": ("where", "sum") + COUNT_OPS}[key]
    extra = [k for k in raw if k != key and k not in allowed]
    for k in extra:
        ctx.error(at + (k,), f"'{k}' cannot stand beside '{key}'", at_key=True,
                  expected=f"only {', '.join(allowed)}" if allowed else f"'{key}' alone in its mapping",
                  suggestion=closest(k, allowed) if allowed else None,
                  hint="wrap path tests in all: [...] to combine them")
    if extra:
        return None
    if key in ("all", "any"):
        return _junction(key, raw[key], at + (key,), ctx, items_of)
    if key == "not":
        child = _node(raw["not"], at + ("not",), ctx, items_of)
        return Not(child, at) if child is not None else None
    if items_of is not None:
        ctx.error(at + (key,), f"'{key}' cannot be nested inside a list item's where-clause")
        return None
    return {"some": _some, "none": _none, "count": _count}[key](raw, at, ctx)


def _junction(key: str, raw, at: PathKey, ctx: Context, items_of):
    if not isinstance(raw, list) or not raw:
        ctx.error(at, f"'{key}' takes a non-empty list of conditions")
        return None
    children = [_node(child, at + (i,), ctx, items_of) for i, child in enumerate(raw)]
    if any(c is None for c in children):
        return None
    if len(children) == 1:
        return children[0]
    return All(tuple(children), at) if key == "all" else Any_(tuple(children), at)


def _list_path(raw: dict, key: str, at: PathKey, ctx: Context) -> str | None:
    path = raw[key]
    fields = profile_fields()
    spec = fields.get(path) if isinstance(path, str) else None
    if spec is None or spec.kind not in ("items", "enum_list"):
        lists = [p for p, s in fields.items() if s.kind in ("items", "enum_list")]
        ctx.error(at + (key,), f"'{path}' is not a list in the profile", expected=one_of(lists),
                  suggestion=closest(path, lists))
        return None
    if spec.kind == "enum_list" and ("where" in raw or key == "some"):
        ctx.error(at + (key,), f"'{path}' is a list of values: test it with contains / contains_any",
                  hint=f"{key} with where: works on lists of entries such as relationships.faculty")
        return None
    return path


def _where(raw: dict, at: PathKey, ctx: Context, list_path: str):
    if "where" not in raw:
        return True, None
    where = _node(raw["where"], at + ("where",), ctx, items_of=list_path)
    return where is not None, where


def _some(raw: dict, at: PathKey, ctx: Context):
    list_path = _list_path(raw, "some", at, ctx)
    if list_path is None:
        return None
    ok, where = _where(raw, at, ctx, list_path)
    alias = raw.get("as", f"_{len(ctx.aliases)}")
    if "as" in raw and (not isinstance(alias, str) or not alias.isidentifier() or alias in SCOPES):
        ctx.error(at + ("as",), f"'{alias}' cannot name a list entry", expected="a short word such as ally")
        return None
    if alias in ctx.aliases:
        ctx.error(at + ("as",), f"the name '{alias}' is already used in this rule")
        return None
    ctx.aliases.add(alias)
    return Some(list_path, where, alias, at) if ok else None


def _none(raw: dict, at: PathKey, ctx: Context):
    list_path = _list_path(raw, "none", at, ctx)
    if list_path is None:
        return None
    ok, where = _where(raw, at, ctx, list_path)
    return Count(list_path, where, None, "eq", 0, at) if ok else None


def _count(raw: dict, at: PathKey, ctx: Context):
    list_path = _list_path(raw, "count", at, ctx)
    if list_path is None:
        return None
    ok, where = _where(raw, at, ctx, list_path)
    sum_field = raw.get("sum")
    if sum_field is not None:
        spec = item_fields(list_path).get(sum_field)
        if spec is None or spec.kind != "int":
            numeric = [p for p, s in item_fields(list_path).items() if s.kind == "int"]
            ctx.error(at + ("sum",), f"'{sum_field}' is not a number field of {list_path} entries",
                      expected="one of " + (", ".join(numeric) or "(none)"), suggestion=closest(sum_field, numeric))
            return None
    ops = [op for op in COUNT_OPS if op in raw]
    if not ops:
        ctx.error(at, "count needs a comparison", expected=one_of(COUNT_OPS), hint="e.g. gte: 2")
        return None
    counts = []
    for op in ops:
        value, param = _resolve_param(raw[op], at + (op,), ctx)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            ctx.error(at + (op,), f"count compares with a whole number, not {as_written(value)}")
            return None
        counts.append(Count(list_path, where, sum_field, op, value, at + (op,), param))
    if not ok:
        return None
    return counts[0] if len(counts) == 1 else All(tuple(counts), at)


def _resolve_param(value, at: PathKey, ctx: Context):
    if isinstance(value, str) and value.startswith("$"):
        name = value[1:]
        if name not in ctx.params:
            ctx.error(at, f"unknown parameter '{value}'", expected=one_of("$" + p for p in ctx.params),
                      suggestion=("$" + s) if (s := closest(name, ctx.params)) else None)
            return None, name
        return ctx.params[name], name
    return value, None


def _spec_for(key: str, at: PathKey, ctx: Context, items_of: str | None) -> tuple[Ref, FieldSpec] | None:
    if items_of is not None:
        fields = item_fields(items_of)
        if key in fields:
            return Ref("item", key, items_of), fields[key]
        ctx.error(at, f"'{key}' is not a field of {items_of} entries", at_key=True, expected=one_of(fields),
                  suggestion=closest(key, fields))
        return None
    scope, _, name = key.partition(".")
    if scope in SCOPES:
        return _scoped_spec(scope, name, at, ctx)
    fields = profile_fields()
    if key in fields:
        return Ref("profile", key), fields[key]
    if key in ctx.extra_fields:
        return Ref("profile", key), ctx.extra_fields[key]
    known = list(fields) + list(ctx.extra_fields) + [f"{s}." for s in SCOPES]
    ctx.error(at, f"'{key}' is not a profile path", at_key=True, suggestion=closest(key, known),
              hint="paths look like exams.step2.score; derived facts are derived.NAME, decisions decision.NAME")
    return None


def _scoped_spec(scope: str, name: str, at: PathKey, ctx: Context):
    if scope == "derived":
        if not name.isidentifier():
            ctx.error(at, f"'derived.{name}' is not a valid derived fact name")
            return None
        return Ref("derived", name), FieldSpec(f"derived.{name}", "any")
    if scope == "decision":
        if name not in ctx.decisions:
            ctx.error(at, f"unknown decision '{name}'", expected=one_of(ctx.decisions),
                      suggestion=closest(name, ctx.decisions))
            return None
        return Ref("decision", name), FieldSpec(f"decision.{name}", "enum", tuple(ctx.decisions[name].values))
    if name == "segment":
        values = ("before_calendar",) + tuple(ctx.milestones)
        return Ref("timeline", "segment"), FieldSpec("timeline.segment", "enum", values)
    hours = name.removeprefix("hours_to.")
    if name.startswith("hours_to.") and hours in ctx.milestones:
        return Ref("timeline", name), FieldSpec(f"timeline.{name}", "int")
    known = ["segment"] + [f"hours_to.{m}" for m in ctx.milestones]
    ctx.error(at, f"unknown timeline field '{name}'", expected=one_of(known),
              suggestion=closest(name, known))
    return None


def _tests(key, value, at: PathKey, ctx: Context, items_of) -> list | None:
    if not isinstance(key, str):
        ctx.error(at, f"'{key}' is not a path")
        return None
    found = _spec_for(key, at, ctx, items_of)
    if found is None:
        return None
    ref, spec = found
    if not isinstance(value, dict):
        value = {"in": value} if isinstance(value, list) else {"eq": value}
        op_at = at
    else:
        op_at = None
    or_unknown = value.get(OR_UNKNOWN, False)
    if not isinstance(or_unknown, bool):
        ctx.error(at + (OR_UNKNOWN,), f"'{OR_UNKNOWN}' takes true or false")
        return None
    out = []
    for op, operand in value.items():
        if op == OR_UNKNOWN:
            continue
        test = _test(ref, spec, op, operand, op_at or at + (op,), ctx)
        if test is None:
            return None
        out.append(test)
    if not out:
        ctx.error(at, f"no operator given for '{key}'", expected=one_of(OPS))
        return None
    if or_unknown:  # "holds, or the value is not known": the branch deans wrote by hand, said once
        if any(t.op in ("exists", "missing") for t in out):
            ctx.error(at + (OR_UNKNOWN,), f"'{OR_UNKNOWN}' with exists or missing says nothing",
                      hint="drop it, or test the value itself")
            return None
        held = out[0] if len(out) == 1 else All(tuple(out), at)
        return [Any_((held, Test(ref, "missing", True, at + (OR_UNKNOWN,))), at)]
    return out


def _test(ref: Ref, spec: FieldSpec, op, operand, at: PathKey, ctx: Context) -> Test | None:
    allowed = OPS_BY_KIND[spec.kind]
    if op not in allowed:
        hint = None if op in OPS else f"operators are {', '.join(OPS)}"
        ctx.error(at, f"operator '{op}' does not apply to {ref.display} ({spec.short_type()})", at_key=True,
                  expected=one_of(allowed), suggestion=closest(op, allowed), hint=hint)
        return None
    operand, param = _resolve_param(operand, at, ctx)
    if param is not None and operand is None:
        return None
    if op in ("exists", "missing"):
        if operand is not True:
            ctx.error(at, f"'{op}' takes true", hint=f"to negate it, use {'missing' if op == 'exists' else 'exists'}: true")
            return None
        return Test(ref, op, True, at, param)
    values = operand if op in ("in", "not_in", "contains_any") else [operand]
    if op in ("in", "not_in", "contains_any") and (not isinstance(operand, list) or not operand):
        ctx.error(at, f"'{op}' takes a non-empty list of values")
        return None
    for item in values:
        if not _value_fits(ref, spec, item, at, ctx):
            return None
    return Test(ref, op, tuple(operand) if isinstance(operand, list) else operand, at, param)


def _value_fits(ref: Ref, spec: FieldSpec, value, at: PathKey, ctx: Context) -> bool:
    kind = spec.kind
    if kind in ("enum", "enum_list"):
        if value in spec.values and type(value) is type(spec.values[0]):
            return True
        ctx.error(at, f"{as_written(value)} is not a value of {ref.display}", expected=spec.describe_type(),
                  suggestion=closest(value, spec.values))
        return False
    checks = {"int": lambda v: isinstance(v, int) and not isinstance(v, bool),
              "bool": lambda v: isinstance(v, bool), "str": lambda v: isinstance(v, str),
              "any": lambda v: isinstance(v, (bool, int, str))}
    if checks[kind](value):
        return True
    ctx.error(at, f"{ref.display} is {spec.describe_type()}; {as_written(value)} cannot be compared with it",
              expected=spec.describe_type())
    return False
