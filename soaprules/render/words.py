"""Shared wording for the human renderers: how decisions and evidence read."""
from __future__ import annotations

from soaprules.lang.templates import words

def decision_label(name: str, decision: dict | None) -> str:
    """A decision as the report names it: the pack's `label:` (carried in the advice), else its name."""
    return (decision or {}).get("label") or words(name).capitalize()


def evidence_line(ev: dict) -> str:
    value = ev["value"]
    shown = "unknown" if value is None else words(value)
    if ev["test"].startswith(("count", "total")):
        return f"{ev['path']}: {ev['test'].split()[0]} {shown}"
    return f"{ev['path']} = {shown}"


def telling(because: list) -> list:
    """The evidence a reader learns from: an internal derived fact that is simply absent
    (a gate such as "no accepted offer yet") says nothing to them; JSON and explain keep it."""
    return [e for e in because if not (e["value"] is None and e["path"].startswith("derived."))]


def because_line(rec: dict, limit: int = 3) -> str:
    lines = [evidence_line(e) for e in telling(rec["because"])]
    extra = f" (+{len(lines) - limit} more)" if len(lines) > limit else ""
    return "; ".join(lines[:limit]) + extra


def cite_line(rec: dict) -> str:
    return ", ".join(rec["cites"]) + f" (rule {rec['rule']})"
