"""Shared wording for the human renderers: how decisions and evidence read."""
from __future__ import annotations

from soaprules.lang.templates import words

DECISION_LABELS = {
    "rescue_tier": "Rescue tier", "advocacy_bucket": "Faculty advocacy", "specialty_realism": "Specialty in SOAP",
    "geographic_flexibility": "Geography", "red_flag_risk": "Red-flag risk", "sellability": "Sellability",
    "outreach_window": "Outreach window", "advocate_status": "Advocates", "post_match_track": "Next-cycle track",
}


def decision_label(name: str) -> str:
    return DECISION_LABELS.get(name, words(name).capitalize())


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
