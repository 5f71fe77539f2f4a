"""Map pydantic validation errors back to positioned diagnostics in the source YAML.

Errors are classified by pydantic's error `type`, never by matching message text.
"""
from __future__ import annotations

import re
import types
import typing
from datetime import date, datetime
from typing import Union

from pydantic import BaseModel

from soaprules.errors import Diagnostic
from soaprules.source import Document, format_path
from soaprules.suggest import closest, one_of


def unwrap_optional(annotation):
    """`X | None` -> X: how a model field is described (the field registry uses it too)."""
    if typing.get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0]
    return annotation


def _kind(value) -> str:
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false", int: "a number",
            float: "a number", type(None): "empty", date: "a date", datetime: "a date-time"
            }.get(type(value), type(value).__name__)


def as_written(value) -> str:
    """A value as YAML spells it, for a message: the user wrote `null`, `true` and
    `2027-03-22`, not None, True and datetime.date(2027, 3, 22). Text is quoted (and cut:
    the renderer bounds a message, but 'x' * 10,000 says nothing more than its start)."""
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, (date, int, float)):  # datetime is a date
        return value.isoformat() if isinstance(value, date) else str(value)
    if isinstance(value, str):
        return f"'{value}'" if len(value) <= 80 else f"'{value[:80]}\u2026'"
    if isinstance(value, (list, tuple)) and all(v is None or isinstance(v, (str, int, float, date)) for v in value):
        shown = [as_written(v) for v in value[:10]]  # a list of values (an `in:` test) shows them, as YAML flow does
        return "[" + ", ".join(shown + (["\u2026"] if len(value) > 10 else [])) + "]"
    return _kind(value)


def _key_as_written(doc: Document, loc: tuple) -> str:
    """A mapping key as the file spells it: the loader turns a `null:` key into the text
    'None', and `true:` into 'True'; a quoted key is the text it reads as."""
    at = doc.key_positions.get(loc)
    if at is not None and at.end_line == at.line and at.end_column:
        text = doc.source_line(at.line)[at.column - 1:at.end_column - 1]
        if text and text[0] not in "'\"":
            return text
    return str(loc[-1])


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
        key = _key_as_written(doc, loc)
        return say(loc, f"unknown field '{key}'", at_key=True, path_text=format_path(loc[:-1] + (key,)),
                   expected=one_of(names), suggestion=closest(loc[-1], names))
    if kind == "literal_error":
        allowed = _literal_values(ctx.get("expected", ""))
        return say(loc, f"{as_written(value)} is not an allowed value of {field}",
                   expected=one_of(allowed), suggestion=closest(value, allowed))
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
    if kind == "too_short":
        return say(loc, f"{field} holds {ctx.get('actual_length')} items; at least {ctx.get('min_length')} are needed",
                   expected=f"at least {ctx.get('min_length')} items")
    if kind == "string_pattern_mismatch":  # the form in words, and the field's own description
        return say(loc, f"{field} must be {_form(ctx.get('pattern', ''))}, not {as_written(value)}",
                   hint=_description(root, loc))
    expected = _EXPECTED.get(kind)
    if kind == "string_too_short" and ctx.get("min_length", 1) > 1:
        expected = "text of at least {min_length} characters"
    if expected:
        scalar = not isinstance(value, (str, dict, list, type(None)))  # 12, true, 2027-03-22: quotes make them text
        quote = "write it in quotes to make it text" if kind == "string_type" and scalar else None
        return say(loc, f"{field} must be {expected.format(**ctx)}, not {as_written(value)}", hint=quote)
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


def _description(root: type[BaseModel], loc: tuple) -> str | None:
    model = _model_at(root, loc)
    info = model.model_fields.get(loc[-1]) if model and isinstance(loc[-1], str) else None
    return info.description if info else None


# A field's pattern in words: "^[a-z][a-z0-9-]*$" is "a lowercase letter, then any number of
# lowercase letters, digits or '-'". Only what the models use is read (anchors, classes of
# ranges and characters, literals, quantifiers); any other pattern is shown as it is.
_ATOM = re.compile(r"\[((?:\\.|[^\]\\])+)\]|\\d|\\([^A-Za-z0-9])|([^\\^$.|?*+()\[\]{}])")
_COUNT = re.compile(r"\{(\d+)(,(\d*))?\}|[*+?]")
_RANGES = {"a-z": ("a lowercase letter", "lowercase letters"), "A-Z": ("a capital letter", "capital letters"),
           "0-9": ("a digit", "digits")}


def _form(pattern: str) -> str:
    body = pattern[pattern.startswith("^"):len(pattern) - pattern.endswith("$")]
    parts, i = [], 0
    while i < len(body):
        atom = _ATOM.match(body, i)
        words = _choices(atom) if atom else None
        if words is None:
            return f"text matching the pattern {pattern}"
        i = atom.end()
        count = _COUNT.match(body, i)
        i = count.end() if count else i
        parts.append(words[0] if count is None else _counted(count, *words))
    return "text of " + ", then ".join(parts) if parts else f"text matching the pattern {pattern}"


def _choices(atom) -> tuple[str, str] | None:
    """(one of them, many of them) in words, for a class, \\d or a character; None for a
    class of other ranges, a negated one or one with \\w, \\s..."""
    if atom.group(1) is None:
        return ("a digit", "digits") if atom.group() == "\\d" else (f"'{atom.group(2) or atom.group(3)}'",) * 2
    inside, words = atom.group(1).replace("\\d", "0-9"), []
    if "A-Z" in inside and "a-z" in inside:  # both cases: letters
        inside, words = inside.replace("A-Z", "").replace("a-z", ""), [("a letter", "letters")]
    for span, named in _RANGES.items():
        if span in inside:
            inside, words = inside.replace(span, ""), words + [named]
    if inside.startswith("^") or re.search(r"\\[A-Za-z0-9]|.-.", inside):
        return None
    words += [(f"'{c}'",) * 2 for c in re.sub(r"\\(.)", r"\1", inside)]
    return tuple(w[0] if len(w) == 1 else ", ".join(w[:-1]) + " or " + w[-1] for w in zip(*words))


def _counted(count, one: str, many: str) -> str:
    if count.group() in "*+?":
        return {"*": f"any number of {many}", "+": f"one or more {many}", "?": f"optionally {one}"}[count.group()]
    low, comma, high = count.group(1), count.group(2), count.group(3)
    if not comma:
        return one if low == "1" else f"{low} {many}"
    return f"at least {low} {many}" if not high else f"{low} to {high} {many}"


def _literal_values(expected: str) -> list[str]:
    # pydantic's ctx['expected'] reads "'a', 'b' or 'c'": split it back into values
    parts = expected.replace(" or ", ", ").split(", ")
    return [p.strip().strip("'") for p in parts if p.strip()]


def by_position(d: Diagnostic) -> tuple:
    return (d.file or "", d.position.line, d.position.column) if d.position else (d.file or "", 0, 0)


def kind_of(value) -> str:
    return _kind(value)
