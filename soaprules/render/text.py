"""The terminal report: 80 columns, decisions first, advice grouped by priority, each
item with a one-line reason and its citation."""
from __future__ import annotations

import textwrap
from typing import TextIO

from ..templates import words
from .words import because_line, cite_line, decision_label

WIDTH = 80
SHOWN_PER_PRIORITY = {"critical": 99, "high": 8, "medium": 3, "low": 1}  # a student reads ~12 items, not 25


def _wrap(text: str, indent: str, first: str | None = None) -> str:
    return textwrap.fill(text, WIDTH, initial_indent=first if first is not None else indent,
                         subsequent_indent=indent, break_on_hyphens=False)


def render(advice: dict, out: TextIO) -> None:
    who = advice.get("profile_id") or "this applicant"
    phase = words(advice.get("phase") or "unknown phase")
    out.write(f"soaprules advice for {who} ({phase})\n{'=' * min(WIDTH, 22 + len(who) + len(phase))}\n\n")
    for warning in advice.get("warnings", []):  # before anything else: they change how to read the rest
        out.write(_wrap("WARNING: " + warning["text"], "  ", "") + "\n\n")
    _decisions(advice, out)
    _recommendations(advice, out)
    _unknowns(advice, out)


def _decisions(advice: dict, out: TextIO) -> None:
    decisions = advice["decisions"]
    if not decisions:
        out.write("No decisions could be made: the profile leaves their inputs unknown.\n\n")
        return
    out.write("Where you stand\n")
    for name, d in decisions.items():
        out.write(f"  {decision_label(name) + ':':<20} {words(d['value'])}\n")
    out.write("\n")


def _recommendations(advice: dict, out: TextIO) -> None:
    recs = advice["recommendations"]
    if not recs:
        out.write("No recommendations for this profile yet.\n\n")
        return
    hidden = 0
    for priority in ("critical", "high", "medium", "low"):
        group = [r for r in recs if r["priority"] == priority]
        if not group:
            continue
        out.write(f"{priority.upper()}\n")
        for n, rec in enumerate(group[: SHOWN_PER_PRIORITY[priority]], 1):
            _item(rec, n, out)
        hidden += max(0, len(group) - SHOWN_PER_PRIORITY[priority])
    if hidden:
        out.write(f"... and {hidden} more lower-priority items (see --format json or markdown).\n\n")


def _item(rec: dict, n: int, out: TextIO) -> None:
    out.write(_wrap(rec["text"], "      ", f"  {n:>2}. ") + "\n")
    for bound in rec.get("bounds", []):
        out.write(_wrap("NRMP: " + bound["text"], "         ", "     ! ") + "\n")
    out.write(_wrap("because " + because_line(rec), "       ", "     - ") + "\n")
    out.write(_wrap("source " + cite_line(rec), "       ", "     - ") + "\n")
    if rec.get("draft"):
        out.write("     Draft to adapt:\n")
        for line in rec["draft"].splitlines():
            out.write(_wrap(line, "       | ", "       | ") + "\n" if line.strip() else "       |\n")
    out.write("\n")


def _unknowns(advice: dict, out: TextIO) -> None:
    unknowns = advice["unknowns"]
    if unknowns:
        paths = ", ".join(u["path"] for u in unknowns[:8])
        more = f" and {len(unknowns) - 8} more" if len(unknowns) > 8 else ""
        out.write(_wrap(f"Would sharpen this advice if known: {paths}{more}.", "  ", "") + "\n")
