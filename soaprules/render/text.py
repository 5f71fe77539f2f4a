"""The terminal report, the plan first: "Now" (what to do before the next milestone, with
its deadline), "Where you stand" in plain sentences, then the rest by importance. At most
seven items are written out (plan.SHOWN_ITEMS); the others are listed by title, never
hidden. An NRMP bound is stated once, at the top, and each item it governs points to it.
Width: the terminal's when writing to one, else 80 columns (stable files)."""
from __future__ import annotations

import shutil
import sys
import textwrap
from typing import TextIO

from ..templates import words
from .plan import plan, short_title, source_line
from .words import because_line

FILE_WIDTH = 80


def _width() -> int:
    if sys.stdout.isatty():
        return max(40, min(120, shutil.get_terminal_size((FILE_WIDTH, 24)).columns))
    return FILE_WIDTH


def _wrap(text: str, indent: str, first: str | None = None, width: int = FILE_WIDTH) -> str:
    return textwrap.fill(text, width, initial_indent=first if first is not None else indent,
                         subsequent_indent=indent, break_on_hyphens=False)


def render(advice: dict, out: TextIO, width: int | None = None) -> None:
    w = width or _width()
    wrap = lambda text, indent, first=None: _wrap(text, indent, first, w)  # noqa: E731
    who = advice.get("profile_id") or "this applicant"
    phase = words(advice.get("phase") or "unknown phase")
    head = f"soaprules advice for {who} ({phase})"
    out.write(f"{head}\n{'=' * min(w, len(head))}\n")
    now_line = (advice.get("timeline") or {}).get("now_eastern")
    out.write(f"As of {now_line}.\n\n" if now_line else "\n")
    for warning in advice.get("warnings", []):  # before anything else: they change how to read the rest
        out.write(wrap("WARNING: " + warning["text"], "  ", "") + "\n\n")
    p = plan(advice)
    for n, bound in enumerate(p["bounds"], 1):
        out.write(wrap(f"[NRMP rule{'' if len(p['bounds']) == 1 else ' ' + str(n)}] " + bound["text"], "  ", "")
                  + "\n\n")
    if not advice["recommendations"]:
        out.write("No recommendations for this profile yet.\n\n")
    else:
        out.write(wrap("NOW" + (f", {p['deadline']}" if p["deadline"] else ""), "  ", "") + "\n")
        number = _items(p["now"], 1, p, out, wrap)
    _standing(p, out, wrap)
    if p["next"]:
        out.write("THEN, MOST IMPORTANT FIRST\n")
        number = _items(p["next"], number, p, out, wrap)
    if p["rest"]:
        out.write(f"ALSO ({len(p['rest'])} more, less important; `--format markdown` writes them out)\n")
        for rec in p["rest"]:
            out.write(wrap(f"{short_title(rec)} ({rec['priority']})", "      ", f"  {number:>2}. ") + "\n")
            number += 1
        out.write("\n")
    _unknowns(advice, out, wrap)


def _standing(p: dict, out: TextIO, wrap) -> None:
    out.write("WHERE YOU STAND\n")
    if not p["standing"]:
        out.write("  No judgement yet: the profile leaves its inputs unknown.\n")
    for sentence in p["standing"]:
        out.write(wrap(sentence, "    ", "  - ") + "\n")
    out.write(wrap("Why: `soaprules explain PROFILE DECISION` (e.g. rescue_tier).", "  ", "  ") + "\n\n")


def _items(recs: list[dict], start: int, p: dict, out: TextIO, wrap) -> int:
    for n, rec in enumerate(recs, start):
        _item(rec, n, p, out, wrap)
    return start + len(recs)


def _item(rec: dict, n: int, p: dict, out: TextIO, wrap) -> None:
    out.write(wrap(rec["text"], "      ", f"  {n:>2}. ") + "\n")
    if rec.get("bounds"):
        out.write(wrap("within the NRMP rule above", "       ", "     ! ") + "\n")
    out.write(wrap("because " + because_line(rec), "       ", "     - ") + "\n")
    out.write(wrap(f"source: {source_line(rec)} [{', '.join(rec['cites'])}]", "       ", "     - ") + "\n")
    if rec.get("draft"):
        out.write("     Draft to adapt:\n")
        for line in rec["draft"].splitlines():
            out.write(wrap(line, "       | ", "       | ") + "\n" if line.strip() else "       |\n")
    out.write("\n")


def _unknowns(advice: dict, out: TextIO, wrap) -> None:
    unknowns = advice["unknowns"]
    if unknowns:
        paths = ", ".join(u["path"] for u in unknowns[:8])
        more = f" and {len(unknowns) - 8} more" if len(unknowns) > 8 else ""
        out.write(wrap(f"Would sharpen this advice if known: {paths}{more}.", "  ", "") + "\n")
