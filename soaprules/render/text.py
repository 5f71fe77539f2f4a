"""The terminal report, the plan first: "Now" (what to do before the next milestone, with
its deadline), "Where you stand" in plain sentences, then the rest by importance. At most
seven items are written out (plan.SHOWN_ITEMS); the others are listed by title, never
hidden. An NRMP bound is stated once, at the top, and each item it governs points to it.

Width and colour (render/term.py): at a terminal, rich fits the report to the terminal's
width and colours it (none with NO_COLOR); in a file or a pipe it is 80 columns of plain
text, the same bytes everywhere."""
from __future__ import annotations

from datetime import date, datetime
from typing import TextIO

from soaprules.lang.templates import words
from soaprules.render.plan import plan, short_title, source_line
from soaprules.render.term import Plain, writer
from soaprules.render.timeline_text import day_of, merged, months_to_next_cycle, week_lines
from soaprules.render.words import because_line

FILE_WIDTH = 80


def render(advice: dict, out: TextIO, width: int | None = None, terminal: bool | None = None,
           color: bool | None = None, today: date | None = None) -> None:
    """`terminal`/`color` force the choice render/term.py makes from where `out` goes;
    `today` dates the months to the next cycle (default: the day of the profile's
    status.now, else today, Eastern time)."""
    w = writer(out, FILE_WIDTH, terminal=terminal, width=width, color=color)
    who = advice.get("profile_id") or "this applicant"
    phase = words(advice.get("phase") or "unknown phase")
    head = f"soaprules advice for {who} ({phase})"
    w.line(head, "title")
    w.line("=" * min(w.width, len(head)), "title")
    now_line = (advice.get("timeline") or {}).get("now_eastern")
    w.line(f"As of {now_line}." if now_line else "")
    if now_line:
        w.line()
    for warning in advice.get("warnings", []):  # before anything else: they change how to read the rest
        w.para("WARNING: " + warning["text"], "  ", "", "warning")
        w.line()
    p = plan(advice)
    for n, bound in enumerate(p["bounds"], 1):
        w.para(f"[NRMP rule{'' if len(p['bounds']) == 1 else ' ' + str(n)}] " + bound["text"], "  ", "", "bound")
        w.line()
    if w.terminal:  # pictures of time, at a terminal only: saved and piped reports keep their bytes
        _week(advice, p, w)
    number = 1
    if not advice["recommendations"]:
        w.line("No recommendations for this profile yet.")
        w.line()
    else:
        w.para("NOW" + (f", {p['deadline']}" if p["deadline"] else ""), "  ", "", "now")
        number = _items(p["now"], 1, p, w)
    _standing(p, w)
    if w.terminal:
        _year(advice, w, today)
    if p["next"]:
        w.line("THEN, MOST IMPORTANT FIRST", "heading")
        number = _items(p["next"], number, p, w)
    if p["rest"]:
        w.line(f"ALSO ({len(p['rest'])} more, less important; `--format markdown` writes them out)", "heading")
        for rec in p["rest"]:
            w.para(f"{short_title(rec)} ({rec['priority']})", "      ", f"  {number:>2}. ")
            number += 1
        w.line()
    _unknowns(advice, w)


def _week(advice: dict, p: dict, w: Plain) -> None:
    """Match Week on one screen (render/timeline_text.py), before the Now items."""
    lines = week_lines(advice.get("timeline"), p["deadline"])
    if not lines:
        return
    w.line("MATCH WEEK (Eastern time)", "heading")
    for left, text, style in lines:
        w.para(text, " " * 11, f"  {left:<8} ", style)
    w.line()


def _year(advice: dict, w: Plain, today: date | None) -> None:
    """For a student after the Match: the months to the next cycle, with the milestones the
    post-Match advice names."""
    if today is None:  # the profile's own day, as every other date in the report; else the machine's
        from soaprules.packs.calendar import eastern
        today = day_of(advice) or eastern(datetime.now().astimezone()).date()
    months = months_to_next_cycle(advice, today)
    if not months:
        return
    last = months[-1][0]
    w.line(f"THE {len(months)} MONTH{'S' if len(months) > 1 else ''} TO THE NEXT CYCLE (ERAS, {last})", "heading")
    for label, things in merged(months):
        for i, thing in enumerate(things[:3]):
            w.para(thing, " " * 16, f"  {label if i == 0 else '':<13} ", "now" if label == last else None)
    w.line()


def _standing(p: dict, w: Plain) -> None:
    w.line("WHERE YOU STAND", "heading")
    if not p["standing"]:
        # Decisions made but none worth saying in this phase (a gap year, barred from SOAP)
        # is not the same as knowing too little to decide anything.
        w.line("  Nothing to weigh for where you are now." if p["decided"] else
               "  No judgement yet: the profile leaves its inputs unknown.")
    for sentence in p["standing"]:
        w.para(sentence, "    ", "  - ")
    example = next((n for n in p["standing_of"] if n), None) or next(iter(p["decided"]), "rescue_tier")
    w.para(f"Why: `soaprules explain PROFILE DECISION` (e.g. {example}).", "  ", "  ", "note")
    w.line()


def _items(recs: list[dict], start: int, p: dict, w: Plain) -> int:
    for n, rec in enumerate(recs, start):
        _item(rec, n, p, w)
    return start + len(recs)


def _item(rec: dict, n: int, p: dict, w: Plain) -> None:
    style = rec.get("priority") if rec.get("priority") in ("critical", "high") else None
    if rec.get("members"):  # items about one person, said as one (plan.compose)
        w.para(rec["intro"], "      ", f"  {n:>2}. ", style)
        for letter, member in zip("abcdefghij", rec["members"]):
            w.para(member["text"], "          ", f"      {letter}) ")
    else:
        w.para(rec["text"], "      ", f"  {n:>2}. ", style)
    if rec.get("bounds"):
        w.para("within the NRMP rule above", "       ", "     ! ", "bound")
    w.para("because " + because_line(rec), "       ", "     - ", "note")
    w.para(f"source: {source_line(rec)} [{', '.join(rec['cites'])}]", "       ", "     - ", "note")
    for draft in rec.get("drafts") or ([rec["draft"]] if rec.get("draft") else []):
        w.line("     Draft to adapt:")
        for line in draft.splitlines():
            if line.strip():
                w.para(line, "       | ", "       | ")
            else:
                w.line("       |")
    w.line()


def _unknowns(advice: dict, w: Plain) -> None:
    unknowns = advice["unknowns"]
    if unknowns:
        paths = ", ".join(u["path"] for u in unknowns[:8])
        more = f" and {len(unknowns) - 8} more" if len(unknowns) > 8 else ""
        w.para(f"Would sharpen this advice if known: {paths}{more}.", "  ", "", "note")
