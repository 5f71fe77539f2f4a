"""The report as Markdown, for sharing with an advisor: the plan first ("Now", "Where you
stand"), then every item by importance with its reasons; the decisions' rules last."""
from __future__ import annotations

from typing import TextIO

from ..templates import words
from .plan import plan, source_line
from .words import decision_label, evidence_line, telling


def render(advice: dict, out: TextIO) -> None:
    who = escape(advice.get("profile_id") or "") or "this applicant"
    out.write(f"# soaprules advice for {who}\n\nPhase: {words(advice.get('phase') or 'unknown')}")
    now_line = (advice.get("timeline") or {}).get("now_eastern")
    out.write(f" &middot; as of {now_line}\n\n" if now_line else "\n\n")
    for warning in advice.get("warnings", []):
        out.write(f"> **Warning:** {warning['text']}\n\n")
    p = plan(advice, shown=len(advice["recommendations"]))
    for bound in p["bounds"]:
        out.write(f"> **NRMP rule:** {bound['text']}\n\n")
    out.write("## Now" + (f", {p['deadline']}" if p["deadline"] else "") + "\n\n")
    if not advice["recommendations"]:
        out.write("No recommendations for this profile yet.\n\n")
    for rec in p["now"]:
        _item(rec, out)
    out.write("## Where you stand\n\n" + "".join(f"- {s}\n" for s in p["standing"]) + "\n")
    if p["next"]:
        out.write("## Then, most important first\n\n")
    for rec in p["next"]:
        _item(rec, out)
    _decisions(advice, out)
    if advice["unknowns"]:
        out.write("## Unknown inputs\n\n" + "".join(f"- `{u['path']}`\n" for u in advice["unknowns"]))


# Mid-line, only these make Markdown: emphasis, code, links and images (an escaped `[`
# leaves `!`/`(` inert), tables, strikethrough, a heading's closing `#`. List markers
# (`-`, `+`, `1.`) matter only at a line's start, which the id never is.
_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\`*_{}[]#|~"} | {"&": "&amp;", "<": "&lt;", ">": "&gt;",
                                                                          "\n": " ", "\r": " "})


def escape(text: str) -> str:
    """Text a student typed (the profile id), shown as itself: no HTML, no Markdown, one line."""
    return str(text).translate(_MARKDOWN)


def _item(rec: dict, out: TextIO) -> None:
    out.write(f"### [{rec['priority']}] {rec.get('title') or rec['text'][:60]}\n\n{rec['text']}\n\n")
    if rec.get("bounds"):
        out.write("*Within the NRMP rule above.*\n\n")
    out.write("Because:\n\n" + "".join(f"- {evidence_line(e)}\n" for e in telling(rec["because"])) + "\n")
    quotes = "; ".join(f"\u201c{s['quote']}\u201d" for s in rec["sources"])
    out.write(f"Source: {source_line(rec)}: {quotes} ({', '.join(rec['cites'])}, rule `{rec['rule']}`)\n\n")
    if rec.get("draft"):
        out.write("```text\n" + rec["draft"] + "\n```\n\n")


def _decisions(advice: dict, out: TextIO) -> None:
    if not advice["decisions"]:
        return
    out.write("## How each judgement was decided\n\n| decision | value | decided by | overridden |\n"
              "|---|---|---|---|\n")
    for name, d in advice["decisions"].items():
        over = ", ".join(f"{words(o['value'])} ({o['rule']})" for o in d["overridden"]) or ""
        out.write(f"| {decision_label(name)} | {words(d['value'])} | `{d['rule']}` | {over} |\n")
    out.write("\n")
