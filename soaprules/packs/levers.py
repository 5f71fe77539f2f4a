"""Levers: the profile fields what-if may change, declared in packs as data.

A lever names a profile path, says whether a student can change it at all (exam
history cannot, geographic openness can) and why, and for a field they can change,
the values a change may set (or add, for a list of choices). Levers are checked at
load like rules: the path against the profile schema, each value against the field,
every error positioned with a did-you-mean.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from soaprules.profile.fields import FieldSpec, item_fields, profile_fields
from soaprules.suggest import closest
from soaprules.diagnose import as_written

ENTRY_INDEX = re.compile(r"\[\d+\]")
NOT_LEVERS = ("section", "items", "datetime")  # whole sections, lists of entries, clock times


@dataclass(frozen=True)
class LoadedLever:
    path: str  # as declared: geography.regions, red_flags[].disclosed, exams.*
    actionable: bool
    reason: str
    title: str | None
    values: tuple  # allowed values; empty for a lever a student cannot pull
    change: str  # set | add
    pack: str
    file: str
    line: int

    @property
    def wildcard(self) -> bool:
        return self.path.endswith(".*")

    def to_dict(self) -> dict:
        return {"path": self.path, "actionable": self.actionable, "reason": " ".join(self.reason.split()),
                "title": self.title, "change": self.change, "values": [_plain(v) for v in self.values],
                "pack": self.pack}


def _plain(value):
    return list(value) if isinstance(value, tuple) else value


def pattern_of(path: str) -> str:
    """A concrete path (red_flags[0].disclosed) as a lever pattern (red_flags[].disclosed)."""
    return ENTRY_INDEX.sub("[]", path)


def lever_for(levers: list[LoadedLever], path: str) -> LoadedLever | None:
    """The lever that governs `path`: an exact declaration first, else the longest wildcard."""
    pattern = pattern_of(path)
    exact = next((lv for lv in levers if lv.path == pattern), None)
    if exact is not None:
        return exact
    covering = [lv for lv in levers if lv.wildcard and pattern.startswith(lv.path[:-1])]
    return max(covering, key=lambda lv: len(lv.path), default=None)


def field_spec(pattern: str) -> FieldSpec | None:
    """The schema entry of a profile path or a list-entry path `list[].field`."""
    head, sep, rest = pattern.partition("[].")
    if not sep:
        return profile_fields().get(pattern)
    outer = profile_fields().get(head)
    if outer is None or outer.kind != "items":
        return None
    return item_fields(head).get(rest)


def lever_paths() -> list[str]:
    """Every path a lever may name, for did-you-mean."""
    out = [p for p, s in profile_fields().items() if s.kind not in NOT_LEVERS]
    for list_path in (p for p, s in profile_fields().items() if s.kind == "items"):
        out += [f"{list_path}[].{f}" for f, s in item_fields(list_path).items() if s.kind not in NOT_LEVERS]
    return out


def _wildcard_ok(prefix: str) -> bool:
    if prefix.endswith("[]"):
        return field_spec(prefix[:-2]) is not None and field_spec(prefix[:-2]).kind == "items"
    spec = field_spec(prefix)
    return spec is not None and spec.kind in ("section", "items")


def value_problem(spec: FieldSpec, value) -> str | None:
    """Why `value` cannot be stored in the field, or None when it can."""
    if spec.kind in ("enum", "enum_list"):
        ok = value in spec.values and type(value) is type(spec.values[0])
        return None if ok else f"{as_written(value)} is not a value of {spec.path}"
    if spec.kind == "bool":
        return None if isinstance(value, bool) else f"{spec.path} is true or false, not {as_written(value)}"
    if spec.kind == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            return f"{spec.path} is a whole number, not {as_written(value)}"
        low, high = spec.minimum, spec.maximum
        if (low is not None and value < low) or (high is not None and value > high):
            return f"{value} is outside {spec.path}'s range {low}..{high}"
        return None
    return None if isinstance(value, str) else f"{spec.path} is text, not {as_written(value)}"


class _Checker:
    """Checks one pack's levers; errors go to the shared list, positioned in its file."""

    def __init__(self, doc, params: dict, errors: list):
        self.doc, self.params, self.errors = doc, params, errors

    def error(self, at: tuple, message: str, **kw) -> None:
        self.errors.append(self.doc.diagnostic(at, message, **kw))

    def lever(self, raw, at: tuple, pack: str) -> LoadedLever | None:
        line = self.doc.position_of(at)
        line = line.line if line else 0
        if raw.path.endswith(".*"):
            return self._wildcard(raw, at, pack, line)
        spec = field_spec(raw.path)
        if spec is not None and spec.kind == "items" and not raw.actionable:  # "entries cannot be added"
            return LoadedLever(raw.path, False, raw.reason, raw.title, (), "set", pack, self.doc.file, line)
        if spec is None or spec.kind in NOT_LEVERS:
            what = "is not a field a lever can change" if spec else "is not a profile path"
            self.error(at + ("path",), f"'{raw.path}' {what}", suggestion=closest(raw.path, lever_paths()),
                       hint="name one field (geography.open_to_any_region), a field of list entries "
                            "(red_flags[].disclosed), or section.* for fields a student cannot change")
            return None
        change = raw.change or ("add" if spec.kind == "enum_list" else "set")
        if change == "add" and spec.kind != "enum_list":
            self.error(at + ("change",), f"'add' works on a list of choices; {raw.path} is {spec.describe_type()}",
                       expected="change: set")
            return None
        values = self._values(raw, spec, change, at) if raw.actionable else ()
        if values is None:
            return None
        return LoadedLever(raw.path, raw.actionable, raw.reason, raw.title, values, change, pack, self.doc.file, line)

    def _wildcard(self, raw, at: tuple, pack: str, line: int) -> LoadedLever | None:
        prefix = raw.path[:-2]
        if not _wildcard_ok(prefix):
            sections = [p for p, s in profile_fields().items() if s.kind in ("section", "items")]
            self.error(at + ("path",), f"'{prefix}' is not a section or list of the profile",
                       suggestion=(s + ".*") if (s := closest(prefix, sections)) else None)
            return None
        if raw.actionable:
            self.error(at + ("actionable",), f"a wildcard lever ({raw.path}) must be actionable: false",
                       hint="name each field a student can change, with its values")
            return None
        return LoadedLever(raw.path, False, raw.reason, raw.title, (), "set", pack, self.doc.file, line)

    def _values(self, raw, spec: FieldSpec, change: str, at: tuple) -> tuple | None:
        values = raw.values
        if isinstance(values, str):
            name = values.removeprefix("$")
            if not values.startswith("$") or name not in self.params:
                self.error(at + ("values",), f"unknown parameter '{values}'",
                           expected="a list of values or one of " + ", ".join("$" + p for p in self.params),
                           suggestion=("$" + s) if (s := closest(name, self.params)) else None)
                return None
            values = self.params[name]
            values = values if isinstance(values, list) else [values]
        if values is None:
            values = _default_values(spec)
            if values is None:
                self.error(at, f"lever {raw.path} ({spec.describe_type()}) needs values:",
                           hint="list the values a change may set, e.g. values: [10, 25]")
                return None
        if not values:
            self.error(at + ("values",), "values: is empty", expected="at least one value")
            return None
        ok = True
        for i, value in enumerate(values):
            problem = self._value(spec, change, value)
            if problem:
                suggestion = closest(value, spec.values) if spec.values and not isinstance(value, list) else None
                self.error(at + ("values", i), problem, expected=spec.describe_type(), suggestion=suggestion)
                ok = False
        return tuple(tuple(v) if isinstance(v, list) else v for v in values) if ok else None

    @staticmethod
    def _value(spec: FieldSpec, change: str, value) -> str | None:
        if spec.kind == "enum_list" and change == "set":
            if not isinstance(value, list):
                return f"setting {spec.path} takes a list of values, not {as_written(value)}"
            return next((p for p in (value_problem(spec, v) for v in value) if p), None)
        if isinstance(value, list):
            return f"{spec.path} takes one value, not a list"
        return value_problem(spec, value)


def _default_values(spec: FieldSpec) -> list | None:
    """Every value of a choice, or true and false; a number or text has no sensible default."""
    if spec.kind == "bool":
        return [True, False]
    if spec.kind in ("enum", "enum_list"):
        return list(spec.values)
    return None


def load_levers(shaped, params: dict, errors: list) -> list[LoadedLever]:
    """Check the `levers:` of every shaped pack; one path may be declared once across packs."""
    out: list[LoadedLever] = []
    seen: dict[str, LoadedLever] = {}
    for pack, doc, _ in shaped:
        checker = _Checker(doc, params, errors)
        for i, raw in enumerate(pack.levers):
            lever = checker.lever(raw, ("levers", i), pack.name)
            if lever is None:
                continue
            if lever.path in seen:
                first = seen[lever.path]
                checker.error(("levers", i, "path"), f"lever '{lever.path}' is already declared at "
                                                      f"{first.file}:{first.line}")
                continue
            seen[lever.path] = lever
            out.append(lever)
    return out
