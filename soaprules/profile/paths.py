"""Dotted paths into profile data (`red_flags[0].kind`), shared by the interview and
what-if: one parser, one reader."""
from __future__ import annotations

import re

STEP = re.compile(r"^(?P<name>[a-z0-9_]+)(?:\[(?P<index>\d+)\])?$")


def steps(path: str) -> list[tuple[str, int | None]]:
    """`a.b[2].c` -> [(a, None), (b, 2), (c, None)]; ValueError for anything else."""
    out = []
    for part in path.split("."):
        found = STEP.match(part)
        if not found:
            raise ValueError(f"'{path}' is not a profile path")
        out.append((found["name"], None if found["index"] is None else int(found["index"])))
    return out


def get(data: dict, path: str):
    """The value at `path`, or None where any step is missing."""
    node = data
    for name, index in steps(path):
        node = node.get(name) if isinstance(node, dict) else None
        if index is not None:
            node = node[index] if isinstance(node, list) and index < len(node) else None
    return node
