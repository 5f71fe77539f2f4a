"""Map pydantic validation errors back to positioned diagnostics in the source YAML.

Errors are classified by pydantic's error `type`, never by matching message text.
"""
from __future__ import annotations

import types
import typing
from typing import Union

from pydantic import BaseModel

from soaprules.errors import Diagnostic
from soaprules.source import Document, format_path
from soaprules.suggest import closest


def unwrap_optional(annotation):
    """`X | None` -> X: how a model field is described (the field registry uses it too)."""
    if typing.get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0]
    return annotation


def _kind(value) -> str:
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false", int: "a number",
            float: "a number", type(None): "empty"}.get(type(value), type(value).__name__)


def _model_at(root: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The model that owns the last element of `loc` (for listing its known fields)."""
    model: type[BaseModel] | None = root
    for part in loc[:-1]:
        if isinstance(part, int) or model is None:
            continue
        if typing.get_origin(unwrap_optional(model)) is dict:
            return None
        info = model.model_fields.get(part) or model.model_fields.get(part + "_")
        if info is None:
            return None
        inner = unwrap_optional(info.annotation)
        if typing.get_origin(inner) is list:
            inner = typing.get_args(inner)[0]
        model = inner if isinstance(inner, type) and issubclass(inner, BaseModel) else None
    return model


def _field_names(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def to_diagnostic(doc: Document, err: dict, root: type[BaseModel], **extra) -> Diagnostic:
    loc, kind = tuple(err["loc"]), err["type"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    field = format_path(loc)

    def say(at, message, **kw):  # code: pydantic's error type, a stable name (not its wording)
        return doc.diagnostic(at, message, code=f"schema.{kind}", **extra, **kw)

    if kind == "extra_forbidden":
        model = _model_at(root, loc)
        names = _field_names(model) if model else []
        return say(loc, f"unknown field '{loc[-1]}'", at_key=True, expected="one of " + ", ".join(names),
                   suggestion=closest(loc[-1], names))
    if kind == "literal_error":
        allowed = _literal_values(ctx.get("expected", ""))
        return say(loc, f"'{value}' is not an allowed value of {field}",
                   expected="one of " + ", ".join(allowed), suggestion=closest(value, allowed))
    if kind == "missing":
        return say(loc[:-1], f"required field '{field}' is missing", path_text=field,
                   expected="schema: soaprules/profile@1" if loc == ("schema",) else None)
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return say(loc, f"{field} must be a mapping, not {_kind(value)}")
    if kind == "list_type":
        return say(loc, f"{field} must be a list, not {_kind(value)}")
    if kind == "too_long":  # a bounded list (profile.MAX_ENTRIES): never echo the list itself
        return say(loc, f"{field} holds {ctx.get('actual_length')} items; the limit is {ctx.get('max_length')}",
                   expected=f"at most {ctx.get('max_length')} items")
    expected = _EXPECTED.get(kind)
    if expected:
        return say(loc, f"{field} must be {expected.format(**ctx)}, not {value!r}")
    if kind == "value_error":
        return say(loc, f"{field}: {ctx.get('error', err['msg'])}")
    return say(loc, f"{field} does not have the form this field takes ({kind})")  # a type not mapped above


def to_diagnostics(doc: Document, errors: list, root: type[BaseModel], at: tuple = (), rule_id_of=None) -> list:
    """pydantic's errors for the value at `at` of `doc`, as diagnostics, one per mistake.
    `rule_id_of(loc)`: the rule a location belongs to, named in its diagnostic."""
    found = []
    for err in errors:
        loc = at + tuple(err["loc"])
        extra = {"rule_id": rule_id_of(loc)} if rule_id_of else {}
        found.append(to_diagnostic(doc, {**err, "loc": loc}, root, **extra))
    return one_per_mistake(found)


def one_per_mistake(found: list[Diagnostic]) -> list[Diagnostic]:
    """A misspelt field is one mistake, not two: drop "required field X is missing" where an
    unknown field beside it already says "did you mean X"."""
    meant = {_beside(d.path, d.suggestion) for d in found
             if d.code == "schema.extra_forbidden" and d.suggestion and d.path}
    return [d for d in found if not (d.code == "schema.missing" and d.path in meant)]


def _beside(path: str, name: str) -> str:
    parent, dot, _ = path.rpartition(".")
    return f"{parent}.{name}" if dot else name


_EXPECTED = {
    "int_parsing": "a whole number", "int_type": "a whole number", "int_from_float": "a whole number",
    "bool_parsing": "true or false", "bool_type": "true or false",
    "string_type": "text", "greater_than_equal": "at least {ge}", "less_than_equal": "at most {le}",
    "string_too_short": "non-empty text", "string_too_long": "at most {max_length} characters",
    "datetime_parsing": "a date-time like 2026-03-16T10:30:00-04:00",
    "datetime_type": "a date-time like 2026-03-16T10:30:00-04:00",
    "datetime_from_date_parsing": "a date-time like 2026-03-16T10:30:00-04:00",
}


def _literal_values(expected: str) -> list[str]:
    # pydantic's ctx['expected'] reads "'a', 'b' or 'c'": split it back into values
    parts = expected.replace(" or ", ", ").split(", ")
    return [p.strip().strip("'") for p in parts if p.strip()]


def by_position(d: Diagnostic) -> tuple:
    return (d.file or "", d.position.line, d.position.column) if d.position else (d.file or "", 0, 0)


def kind_of(value) -> str:
    return _kind(value)
