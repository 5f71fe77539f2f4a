"""The report as Markdown, for sharing with an advisor: the plan first ("Now", "Where you
stand"), then every item by importance with its reasons; the decisions' rules last."""
from __future__ import annotations

import re
from typing import TextIO

from soaprules.lang.templates import words
from soaprules.render.plan import plan, source_line
from soaprules.render.words import decision_label, evidence_line, telling


def render(advice: dict, out: TextIO) -> None:
    who = escape(advice.get("profile_id") or "") or "this applicant"
    out.write(f"# soaprules advice for {who}\n\nPhase: {escape(words(advice.get('phase') or 'unknown'))}")
    now_line = (advice.get("timeline") or {}).get("now_eastern")
    out.write(f" &middot; as of {escape(now_line)}\n\n" if now_line else "\n\n")
    for warning in advice.get("warnings", []):
        out.write(f"> **Warning:** {escape(warning['text'])}\n\n")
    p = plan(advice, shown=len(advice["recommendations"]))
    for bound in p["bounds"]:
        out.write(f"> **NRMP rule:** {escape(bound['text'])}\n\n")
    out.write("## Now" + (f", {escape(p['deadline'])}" if p["deadline"] else "") + "\n\n")
    if not advice["recommendations"]:
        out.write("No recommendations for this profile yet.\n\n")
    for rec in p["now"]:
        _item(rec, out)
    out.write("## Where you stand\n\n" + "".join(f"- {escape(s)}\n" for s in p["standing"]) + "\n")
    if p["next"]:
        out.write("## Then, most important first\n\n")
    for rec in p["next"]:
        _item(rec, out)
    _decisions(advice, out)
    if advice["unknowns"]:
        out.write("## Unknown inputs\n\n" + "".join(f"- {code(u['path'])}\n" for u in advice["unknowns"]))


# Every string of the advice is plain text: a pack's wording with profile values filled
# in (a program's name, a flag's label, the id), or a value itself. The renderer writes
# the Markdown structure (headings, lists, the table, code fences) and each string goes
# into it through one of three doors, so nothing a student typed can become structure:
#   escape()  inline text: the characters that make Markdown mid-line are backslash-
#             escaped (emphasis, code, links and images, since an escaped `[` leaves `!`
#             and `(` inert, tables, strikethrough, a heading's closing `#`), `<` `>` `&`
#             become entities (no raw HTML, no autolink, no entity), whitespace runs and
#             line breaks become one space (no new block can start), control characters
#             U+FFFD (as CommonMark shows a NUL), and a first
#             character that would open a block at a line's start (`-`, `+`, `=`, `1.`)
#             is escaped too. The text still reads the same once rendered.
#   code()    a code span (rule ids, field paths) delimited by a backtick run longer than
#             any inside it, so it cannot be closed early; in a table cell `|` escaped.
#   fenced()  a code block (the drafts to copy) fenced by more backticks than any run in
#             the draft, so no line of it can close the fence; its text is kept verbatim.
#             (An `_` between two letters or digits is left alone: there it can neither
#             open nor close emphasis, and field names such as soap_eligible stay legible.)
_MARKDOWN = {c: "\\" + c for c in "\\`*_{}[]#|~"} | {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_BLOCK_START = re.compile(r"[-+=]|\d{1,9}(?=[.)])")


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # what is left of them once whitespace is one space


def _flat(text) -> str:
    """One line: whitespace runs as one space, a control character as U+FFFD (as
    CommonMark shows NUL; the others mean nothing in a report)."""
    return _CONTROL.sub("\ufffd", " ".join(str(text).split()))


def escape(text) -> str:
    """Plain text shown as itself in Markdown: no HTML, no Markdown, one line."""
    flat = _flat(text)
    last = len(flat) - 1
    out = "".join(c if c == "_" and 0 < i < last and flat[i - 1].isalnum() and flat[i + 1].isalnum()
                  else _MARKDOWN.get(c, c) for i, c in enumerate(flat))
    start = _BLOCK_START.match(out)
    if start:  # `- x`, `+ x`, `===`, `1. x` would open a block where the text starts a line
        at = start.start() if start.group() in "-+=" else start.end()
        out = out[:at] + "\\" + out[at:]
    return out


def code(text, in_table: bool = False) -> str:
    """`text` as a code span that nothing inside it can close."""
    text = _flat(text) or " "
    if in_table:
        text = text.replace("|", "\\|")  # GFM splits cells on every unescaped pipe, code spans too
    fence = "`" * (max(map(len, re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text[0] == "`" or text[-1] == "`" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def fenced(text: str, info: str = "text") -> str:
    """A fenced code block holding `text` verbatim, closed only by its own fence."""
    fence = "`" * max(3, max(map(len, re.findall(r"`+", text)), default=0) + 1)
    return f"{fence}{info}\n{text}\n{fence}\n\n"


def _item(rec: dict, out: TextIO) -> None:
    title = escape(rec.get("title") or rec["text"][:60])
    if rec.get("members"):  # items about one person, said as one (plan.compose)
        parts = "".join(f"- {escape(m['text'])}\n" for m in rec["members"])
        out.write(f"### [{escape(rec['priority'])}] {title}\n\n{escape(rec['intro'])}\n\n{parts}\n")
    else:
        out.write(f"### [{escape(rec['priority'])}] {title}\n\n{escape(rec['text'])}\n\n")
    if rec.get("bounds"):
        out.write("*Within the NRMP rule above.*\n\n")
    out.write("Because:\n\n" + "".join(f"- {escape(evidence_line(e))}\n" for e in telling(rec["because"])) + "\n")
    quotes = "; ".join(f"\u201c{escape(s['quote'])}\u201d" for s in rec["sources"])
    out.write(f"Source: {escape(source_line(rec))}: {quotes} ({escape(', '.join(rec['cites']))}, "
              f"rule {code(rec['rule'])})\n\n")
    for draft in rec.get("drafts") or ([rec["draft"]] if rec.get("draft") else []):
        out.write(fenced(draft))


def _decisions(advice: dict, out: TextIO) -> None:
    if not advice["decisions"]:
        return
    out.write("## How each judgement was decided\n\n| decision | value | decided by | overridden |\n"
              "|---|---|---|---|\n")
    for name, d in advice["decisions"].items():
        over = ", ".join(f"{words(o['value'])} ({o['rule']})" for o in d["overridden"]) or ""
        out.write(f"| {escape(decision_label(name, d))} | {escape(words(d['value']))} | {code(d['rule'], in_table=True)} "
                  f"| {escape(over)} |\n")
    out.write("\n")
