"""The report as Markdown, for sharing with an advisor: every item with its reasons."""
from __future__ import annotations

from typing import TextIO

from ..templates import words
from .words import decision_label, evidence_line


def render(advice: dict, out: TextIO) -> None:
    who = advice.get("profile_id") or "this applicant"
    out.write(f"# soaprules advice for {who}\n\nPhase: {words(advice.get('phase') or 'unknown')}\n\n")
    for warning in advice.get("warnings", []):
        out.write(f"> **Warning:** {warning['text']}\n\n")
    out.write("## Decisions\n\n| decision | value | decided by | overridden |\n|---|---|---|---|\n")
    for name, d in advice["decisions"].items():
        over = ", ".join(f"{words(o['value'])} ({o['rule']})" for o in d["overridden"]) or ""
        out.write(f"| {decision_label(name)} | {words(d['value'])} | `{d['rule']}` | {over} |\n")
    out.write("\n## Recommendations\n\n")
    for rec in advice["recommendations"]:
        out.write(f"### [{rec['priority']}] {rec['text']}\n\n")
        for bound in rec.get("bounds", []):
            out.write(f"> **NRMP:** {bound['text']}\n\n")
        out.write("Because:\n\n" + "".join(f"- {evidence_line(e)}\n" for e in rec["because"]) + "\n")
        sources = "; ".join(f"{s['seed']}: \u201c{s['quote']}\u201d" for s in rec["sources"])
        out.write(f"Cites {', '.join(rec['cites'])} (rule `{rec['rule']}`). {sources}\n\n")
        if rec.get("draft"):
            out.write("```text\n" + rec["draft"] + "\n```\n\n")
    if advice["unknowns"]:
        out.write("## Unknown inputs\n\n" + "".join(f"- `{u['path']}`\n" for u in advice["unknowns"]))
