"""Explanation trees in the terminal: one node a line, indented with tree guides.

Reads the dict form of explain.nodes.Node (the same data as `--format json`), so any
explanation (why, why-not, what-if) renders the same way:

    decision rescue_tier = 3  (decided by tier-3-professionalism; policy salience)
    │   why: Known professionalism issues, complaints from staff, ...
    │   cites: RS-07, RS-04 · "Toxic attitude, disrespect to staff" (003_630423e79144373b.txt)
    ├── rule tier-3-professionalism: Professionalism or behaviour concerns on record
    │   ├── conduct.staff_complaints = true  [= true]
    ...
"""
from __future__ import annotations

from typing import TextIO

from soaprules.render.term import Plain, writer

WIDTH = 100  # in files and pipes; at a terminal, the terminal's width (render/term.py)
VERDICT_MARKS = {"passed": "[passed] ", "failed": "[failed] ", "not evaluated": "[not evaluated: input missing] "}
VERDICT_STYLES = {"passed": "passed", "failed": "failed", "not evaluated": "unknown"}
WITH_NOTES = ("rule", "recommendation", "overridden", "bound")  # a decision's rule is its first child


def render(doc: dict, out: TextIO, width: int | None = None, terminal: bool | None = None,
           color: bool | None = None) -> None:
    """An explanation document (soaprules/explanation@1): heading, summary, tree."""
    w = writer(out, WIDTH, terminal=terminal, width=width, color=color, break_long_words=False)
    who = doc.get("profile_id") or "this profile"
    w.line(f"explain {doc['target']['text']} for {who}", "title")
    _fill(w, doc["summary"], "", "")
    w.line()
    render_node(doc["tree"], w)


def render_node(node: dict, out, lead: str = "", branch: str = "", last: bool = True) -> None:
    """`lead` is the guide text above this node's column; `branch` its own connector.
    `out`: a term writer, or a text stream (written plain, at WIDTH)."""
    w = out if isinstance(out, Plain) else Plain(out, WIDTH, break_long_words=False)
    inner = lead + ("" if not branch else ("    " if last else "│   "))
    children = node.get("children", [])
    guide = inner + ("│   " if children else "    ")  # under this node: its notes, and its children's rail
    _fill(w, VERDICT_MARKS.get(node.get("verdict"), "") + node["label"], lead + branch,
          guide if children else inner, VERDICT_STYLES.get(node.get("verdict")))
    for note in notes(node):
        _fill(w, note, guide, guide + "  ", "note")
    for i, child in enumerate(children):
        render_node(child, w, inner, "└── " if i == len(children) - 1 else "├── ", i == len(children) - 1)


def notes(node: dict) -> list[str]:
    """The lines under a rule's label: its rationale, its citations, and a note if any."""
    out = []
    if node.get("kind") in WITH_NOTES and node.get("rule"):
        if node.get("rationale"):
            out.append("why: " + node["rationale"])
        cites = ", ".join(c["id"] for c in node.get("cites", []))
        quotes = " · ".join(f"\"{s['quote']}\" ({s['seed']})" for s in node.get("sources", [])[:1])
        if cites:
            out.append(f"cites: {cites}" + (f" · {quotes}" if quotes else ""))
    detail = node.get("detail", {})
    if detail.get("note"):
        out.append(detail["note"])
    if detail.get("missing_inputs"):
        out.append("missing inputs: " + ", ".join(detail["missing_inputs"]))
    return out


def _fill(w: Plain, text: str, first: str, rest: str, style: str | None = None) -> None:
    w.para(" ".join(text.split()), rest, first, style)
