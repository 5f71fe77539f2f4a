"""What-if results in the terminal: the ways to the target, smallest first, each with what
else it moves; or, when nothing within reach works, the fixed inputs that hold the result.
Files and pipes get 100 columns of plain text; a terminal its own width (render/term.py)."""
from __future__ import annotations

from typing import TextIO

from soaprules.render.term import Plain, writer

WIDTH = 100
SHOWN = 10


def render(doc: dict, out: TextIO, width: int | None = None, terminal: bool | None = None,
           color: bool | None = None) -> None:
    w = writer(out, WIDTH, terminal=terminal, width=width, color=color, break_long_words=False)
    who = doc.get("profile_id") or "this profile"
    if "target" in doc:
        w.line(f"what-if {doc['target']['text']} for {who}", "title")
        _search(doc, w)
    else:
        w.line(f"what-if for {who}, with {len(doc['changes'])} change(s) made by hand", "title")
        w.line()
        for change in doc["changes"]:
            _fill(w, change["label"] + _lever_note(change), "  - ", "    ")
        w.line()
        _moves(doc["moves"], w, "  ")


def _search(doc: dict, w: Plain) -> None:
    _fill(w, doc["message"], "", "")
    searched = doc["searched"]
    levers = ", ".join(searched["levers"]) or "none that the rules behind the target read"
    _fill(w, f"Levers searched: {levers}. {searched['candidate_changes']} possible changes, "
             f"{searched['change_sets_tried']} change sets tried (up to {doc['max_changes']} at once).", "", "")
    for alike in searched.get("alike_entries", []):
        entries = alike["entries"]
        which = ", ".join(map(str, entries)) if len(entries) <= 6 else f"{entries[0]}, {entries[1]}, ..., {entries[-1]}"
        _fill(w, f"{alike['list']}[{which}]: {len(entries)} entries the rules behind the "
                 f"target cannot tell apart, so a change set is tried once for all of them.", "", "")
    w.line()
    for n, solution in enumerate(doc["solutions"][:SHOWN], 1):
        first = f"{n:>2}. "
        for i, change in enumerate(solution["changes"]):
            title = f"  ({change['title']})" if change.get("title") else ""
            _fill(w, change["label"] + title, first if i == 0 else "    ", "      ")
        if solution.get("alike"):
            w.line(f"    and {solution['alike']} more change set(s) just like it, on entries the rules cannot "
                   f"tell apart", "note")
        _moves(solution["moves"], w, "    ", doc["target"])
    if len(doc["solutions"]) > SHOWN:
        w.line(f"... and {len(doc['solutions']) - SHOWN} more ways (see --format json).")
    if doc.get("held_by"):
        w.line("What holds it:", "heading")
        for held in doc["held_by"]:
            value = "unknown" if held["value"] is None else _shown(held["value"])
            _fill(w, f"{held['path']} = {value}: {held['reason']}", "  - ", "    ")


def _moves(moves: dict, w: Plain, indent: str, target: dict | None = None) -> None:
    """What a change set moves; under a search, besides the target itself."""
    aim = (target or {}).get("name")
    lines = [f"{name}: {_shown(d['from'])} -> {_shown(d['to'])}" for name, d in moves["decisions"].items()
             if name != aim]
    recs = moves["recommendations"]
    lines += [f"new recommendation {r}" for r in recs["added"] if r != aim]
    lines += [f"recommendation no longer given: {r}" for r in recs["removed"]]
    head = "also moves: " if target else "moves: "
    if not lines:
        w.line(indent + ("moves nothing else" if target else "moves nothing"), "note")
        w.line()
        return
    _fill(w, head + "; ".join(lines), indent, indent + "  ", "note")
    w.line()


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


def _fill(w: Plain, text: str, first: str, rest: str, style: str | None = None) -> None:
    w.para(" ".join(text.split()), rest, first, style)
