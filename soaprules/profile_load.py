"""Load a profile file and validate it against `soaprules/profile@1`.

Pydantic reports failures as `loc` tuples; each is mapped back to the line of the
YAML node it names, and classified by pydantic's error `type` (never by message text).
"""
from __future__ import annotations

import typing
from pathlib import Path

from pydantic import BaseModel, ValidationError

from .errors import Diagnostic, ProfileError
from .profile import Profile
from .schema_paths import _unwrap_optional
from .source import Document, format_path, load_document
from .suggest import closest


def load_profile(path: str | Path) -> tuple[Profile, Document]:
    return validate_profile(load_document(path))


def validate_profile(doc: Document) -> tuple[Profile, Document]:
    if not isinstance(doc.data, dict):
        raise ProfileError(doc.diagnostic((), f"the profile must be a mapping, not {_kind(doc.data)}",
                                          expected="keys such as schema, applicant, status"))
    try:
        return Profile.model_validate(doc.data), doc
    except ValidationError as exc:
        found = [_diagnostic(doc, err) for err in exc.errors()]
        raise ProfileError(sorted(found, key=_by_position)) from None


def _by_position(d: Diagnostic) -> tuple:
    return (d.position.line, d.position.column) if d.position else (0, 0)


def _kind(value) -> str:
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false", int: "a number",
            float: "a number", type(None): "empty"}.get(type(value), type(value).__name__)


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The model that owns the last element of `loc` (for listing its known fields)."""
    model: type[BaseModel] | None = Profile
    for part in loc[:-1]:
        if isinstance(part, int) or model is None:
            continue
        info = model.model_fields.get(part) or model.model_fields.get(part + "_")
        if info is None:
            return None
        inner = _unwrap_optional(info.annotation)
        if typing.get_origin(inner) is list:
            inner = typing.get_args(inner)[0]
        model = inner if isinstance(inner, type) and issubclass(inner, BaseModel) else None
    return model


def _field_names(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def _diagnostic(doc: Document, err: dict) -> Diagnostic:
    loc, kind = tuple(err["loc"]), err["type"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    field = format_path(loc)
    if kind == "extra_forbidden":
        model = _model_at(loc)
        names = _field_names(model) if model else []
        return doc.diagnostic(loc, f"unknown field '{loc[-1]}'", expected="one of " + ", ".join(names),
                              suggestion=closest(loc[-1], names))
    if kind == "literal_error":
        allowed = _literal_values(ctx.get("expected", ""))
        return doc.diagnostic(loc, f"'{value}' is not an allowed value of {field}",
                              expected="one of " + ", ".join(allowed), suggestion=closest(value, allowed))
    if kind == "missing":
        return doc.diagnostic(loc[:-1], f"required field '{field}' is missing",
                              expected="schema: soaprules/profile@1" if loc == ("schema",) else None)
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return doc.diagnostic(loc, f"{field} must be a mapping, not {_kind(value)}")
    if kind == "list_type":
        return doc.diagnostic(loc, f"{field} must be a list, not {_kind(value)}")
    expected = _EXPECTED.get(kind)
    if expected:
        return doc.diagnostic(loc, f"{field} must be {expected.format(**ctx)}, not {value!r}")
    if kind == "value_error":
        return doc.diagnostic(loc, f"{field}: {ctx.get('error', err['msg'])}")
    return doc.diagnostic(loc, f"{field}: {err['msg']}")


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
