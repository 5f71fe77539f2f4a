"""What-if results in the terminal: the ways to the target, smallest first, each with what
else it moves; or, when nothing within reach works, the fixed inputs that hold the result."""
from __future__ import annotations

import textwrap
from typing import TextIO

WIDTH = 100
SHOWN = 10


def render(doc: dict, out: TextIO) -> None:
    who = doc.get("profile_id") or "this profile"
    if "target" in doc:
        out.write(f"what-if {doc['target']['text']} for {who}\n")
        _search(doc, out)
    else:
        out.write(f"what-if for {who}, with {len(doc['changes'])} change(s) made by hand\n\n")
        for change in doc["changes"]:
            out.write(_fill(change["label"] + _lever_note(change), "  - ", "    ") + "\n")
        out.write("\n")
        _moves(doc["moves"], out, "  ")


def _search(doc: dict, out: TextIO) -> None:
    out.write(_fill(doc["message"], "", "") + "\n")
    searched = doc["searched"]
    levers = ", ".join(searched["levers"]) or "none that the rules behind the target read"
    out.write(_fill(f"Levers searched: {levers}. {searched['candidate_changes']} possible changes, "
                    f"{searched['change_sets_tried']} change sets tried (up to {doc['max_changes']} at once).",
                    "", "") + "\n\n")
    for n, solution in enumerate(doc["solutions"][:SHOWN], 1):
        first = f"{n:>2}. "
        for i, change in enumerate(solution["changes"]):
            title = f"  ({change['title']})" if change.get("title") else ""
            out.write(_fill(change["label"] + title, first if i == 0 else "    ", "      ") + "\n")
        _moves(solution["moves"], out, "    ", doc["target"])
    if len(doc["solutions"]) > SHOWN:
        out.write(f"... and {len(doc['solutions']) - SHOWN} more ways (see --format json).\n")
    if doc.get("held_by"):
        out.write("What holds it:\n")
        for held in doc["held_by"]:
            value = "unknown" if held["value"] is None else _shown(held["value"])
            out.write(_fill(f"{held['path']} = {value}: {held['reason']}", "  - ", "    ") + "\n")


def _moves(moves: dict, out: TextIO, indent: str, target: dict | None = None) -> None:
    """What a change set moves; under a search, besides the target itself."""
    aim = (target or {}).get("name")
    lines = [f"{name}: {_shown(d['from'])} -> {_shown(d['to'])}" for name, d in moves["decisions"].items()
             if name != aim]
    recs = moves["recommendations"]
    lines += [f"new recommendation {r}" for r in recs["added"] if r != aim]
    lines += [f"recommendation no longer given: {r}" for r in recs["removed"]]
    head = "also moves: " if target else "moves: "
    if not lines:
        out.write(indent + ("moves nothing else" if target else "moves nothing") + "\n\n")
        return
    out.write(_fill(head + "; ".join(lines), indent, indent + "  ") + "\n\n")


def _lever_note(change: dict) -> str:
    if change.get("actionable") is None:
        return "  (no lever names this field)"
    can = "a student can change this" if change["actionable"] else "a student cannot change this"
    return f"  ({can}: {change['reason']})"


def _shown(value) -> str:
    if value is None:
        return "not decided"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)


def _fill(text: str, first: str, rest: str) -> str:
    return textwrap.fill(" ".join(text.split()), WIDTH, initial_indent=first, subsequent_indent=rest,
                         break_on_hyphens=False, break_long_words=False)
