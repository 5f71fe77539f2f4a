"""Dotted paths into plain profile data (`red_flags[0].kind`, `soap_week.program_contacts`):
the one module that reads or writes a value at a path. The engine's facts, the reference
evaluator, advice templates, explanations, the interview and what-if all go through it.

Data is the profile as `dump` gives it: dicts, lists and plain values. A missing step
reads as None (unknown), never as an error; a path that is not a path is refused.
"""
from __future__ import annotations

import copy
import re
from functools import lru_cache
from typing import Any

from soaprules.errors import AnswerError

STEP = re.compile(r"^(?P<name>[a-z0-9_]+)(?:\[(?P<index>[0-9]{1,6})\])?$")  # 0-9 only: \d also matches other scripts


def dump(profile) -> dict:
    """A validated Profile as plain data, under its field names (aliases), unknowns left out."""
    return profile.model_dump(by_alias=True, exclude_none=True, mode="python")


@lru_cache(maxsize=4096)  # a pack reads a few hundred paths, over and over
def steps(path: str) -> tuple[tuple[str, int | None], ...]:
    """`a.b[2].c` -> ((a, None), (b, 2), (c, None)); AnswerError for anything else."""
    out = []
    for part in path.split("."):
        found = STEP.match(part)
        if not found:
            raise AnswerError(f"'{path}' is not a profile path")
        out.append((found["name"], None if found["index"] is None else int(found["index"])))
    return tuple(out)


def get(data: Any, path: str) -> Any:
    """The value at `path`, or None where any step is missing."""
    node = data
    for name, index in steps(path):
        node = node.get(name) if isinstance(node, dict) else None
        if index is not None:
            node = node[index] if isinstance(node, list) and index < len(node) else None
    return node


def items(data: Any, list_path: str) -> list | None:
    """The entries of a list field (`red_flags`, `soap_week.program_contacts`); None when unknown."""
    found = get(data, list_path)
    return found if isinstance(found, list) else None


def values(data: Any, path: str) -> list | None:
    """Every value at a dotted path that may run through lists of entries
    (`soap_week.program_contacts.program`: each contact's program); None when any is unknown."""
    return _values(data, path.split("."))


def _values(node: Any, parts: list) -> list | None:
    for k, part in enumerate(parts):
        if isinstance(node, list) and node and isinstance(node[0], dict):
            out = []
            for entry in node:
                got = _values(entry, parts[k:])
                if got is None:
                    return None
                out += got
            return out
        node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            return None
    return list(node) if isinstance(node, list) else [node]


def put(data: dict, path: str, value: Any) -> dict:
    """A copy of `data` with `path` set. Sections are created; an entry may be added only
    at the next index, so entries are given in order."""
    out = copy.deepcopy(data)
    parent, name = _parent(out, path, create=True)
    parent[name] = value
    return out


def append(data: dict, path: str, value: Any) -> dict:
    """A copy of `data` with `value` added to the list at `path` (created if absent)."""
    out = copy.deepcopy(data)
    parent, name = _parent(out, path, create=True)
    parent[name] = list(parent.get(name) or []) + [value]
    return out


def _parent(root: dict, path: str, create: bool) -> tuple[dict, str]:
    *parents, (name, index) = steps(path)
    if index is not None:
        raise AnswerError(f"'{path}': name a field of the entry, e.g. {path}.kind")
    node = root
    for step, at in parents:
        node = node.setdefault(step, {} if at is None else [])
        if at is not None:
            if not isinstance(node, list) or at > len(node):
                raise AnswerError(f"'{path}': give entries in order, starting from [0]")
            if at == len(node):
                node.append({})
            node = node[at]
        if not isinstance(node, dict):
            raise AnswerError(f"'{path}': {step} is not a section")
    return node, name
