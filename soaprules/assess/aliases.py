"""Anchors, aliases and merge keys in a profile being saved into (round-trip, ruamel).

ruamel loads `step2: *e` as the very node of `step1: &e {...}`, and `<<: *e` as keys of
the merging mapping that are also `e`'s. Changed in place, one answer would change every
place sharing the node, and a merged key written again would repeat it (our loader
refuses the file: duplicate key). So a node is made its own before it is changed: a
shared one is copied, a merging one written out in full; the rest of the file is kept.
"""
from __future__ import annotations

import copy


def references(doc) -> dict[int, int]:
    """How many places hold each mapping or list of `doc` (by id): as a value, as a list
    item, as a merge source, or through a merge (a merged value is also its source's)."""
    counts: dict[int, int] = {}
    seen: set[int] = set()
    stack = [doc]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        children = list(node.values()) if isinstance(node, dict) else list(node)
        for child in children + merged(node):
            if isinstance(child, (dict, list)):
                counts[id(child)] = counts.get(id(child), 0) + 1
                stack.append(child)
    return counts


def merged(node) -> list:
    """The mappings `node` merges (`<<: *e`); ruamel has held them as maps or (position, map)."""
    sources = getattr(node, "merge", None) if isinstance(node, dict) else None
    return [s[1] if isinstance(s, tuple) else s for s in sources or ()]


def owned(parent, key, counts: dict[int, int]):
    """`parent[key]`, made `parent`'s own (copied, merges written out) before it is changed."""
    child = parent[key]
    if counts.get(id(child), 0) > 1 or merged(child):
        parent[key] = child = detached(child, counts)
    return child


def detached(node, counts: dict[int, int], own: bool | None = None):
    """A copy of `node` that shares nothing: no anchor, merged keys as its own. Comments
    are kept only where the node was in one place (a shared node's belong to the original)."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq, comment_attrib

    own = counts.get(id(node), 0) <= 1 if own is None else own

    def copied(value):
        if isinstance(value, (dict, list)):
            return detached(value, counts, own and counts.get(id(value), 0) <= 1)
        return value  # scalars are never changed in place: kept as they are

    if isinstance(node, dict):
        out = CommentedMap((k, copied(v)) for k, v in node.items())  # items() includes merged keys
    else:
        out = CommentedSeq(copied(v) for v in node)
    if getattr(node, "fa", None) is not None and node.fa.flow_style():
        out.fa.set_flow_style()
    if own and hasattr(node, comment_attrib):
        setattr(out, comment_attrib, copy.deepcopy(getattr(node, comment_attrib)))
    return out
