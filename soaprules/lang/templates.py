"""Advice text with placeholders: `{target.specialty}`, `{ally.role}`, `{$param}`,
`{decision.rescue_tier}`, and a fallback after a bar: `{applicant.id|you}`.
`{every hidden.kind}` reads the field of every entry an `as: hidden` list test matches,
not only the one it bound: a text about undisclosed flags must name all of them.

Values read as words: enum values lose their underscores, lists join with commas
and "and". A placeholder whose value is unknown shows its fallback, or the field's
name in brackets, so a draft never claims something the profile does not say.
"""
from __future__ import annotations

import re
from typing import Callable

PLACEHOLDER = re.compile(r"\{([^{}|]+)(?:\|([^{}]*))?\}")


EVERY = "every "


def placeholders(text: str) -> list[str]:
    return [m.group(1).strip() for m in PLACEHOLDER.finditer(text)]


def every_alias(name: str) -> tuple[str, str] | None:
    """(alias, field) of an `every alias.field` placeholder, else None."""
    if not name.startswith(EVERY):
        return None
    alias, _, rest = name[len(EVERY):].strip().partition(".")
    return alias, rest


def words(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        items = [words(v) for v in value]
        return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else "none"
    return str(value).replace("_", " ")


PARAM_REF = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")  # $name in a condition, {$name} in a text


def param_refs(data) -> set[str]:
    """Every parameter named anywhere in plain pack data (conditions, texts, tables), as
    written: lint's unused check and the overlay's policy lock read parameters the same way."""
    return set(PARAM_REF.findall(" ".join(_strings(data))))


def _strings(data):
    if isinstance(data, dict):
        for value in data.values():
            yield from _strings(value)
    elif isinstance(data, (list, tuple)):
        for value in data:
            yield from _strings(value)
    elif isinstance(data, str):
        yield data


def render(text: str, lookup: Callable[[str], object]) -> str:
    """Fill placeholders; `lookup(name)` returns None when the value is unknown."""

    def fill(match: re.Match) -> str:
        name, fallback = match.group(1).strip(), match.group(2)
        value = lookup(name)
        if value is None:  # unknown: the bracket asks the reader to fill it in
            return fallback if fallback is not None else f"[{name.rsplit('.', 1)[-1].replace('_', ' ')}]"
        if value == [] or value == ():  # known to be empty: nothing to fill in
            return fallback if fallback is not None else "none"
        return words(value)

    return PLACEHOLDER.sub(fill, text)
