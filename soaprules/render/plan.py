"""The plan every human format opens with, chosen once here so text, Markdown and HTML
agree: "Now" (the few things to do before the next milestone), "Where you stand", then
the rest by importance. Importance is the order advice.py gives (priority, then the
rank each pack declares), so showing the first N never hides an item while showing a
less important one.
"""
from __future__ import annotations

import re
from functools import lru_cache

from soaprules.lang.templates import words
from soaprules.render.words import decision_label

NOW_ITEMS = 3
SHOWN_ITEMS = 7  # a dean gives a student five to seven things, not sixteen
NOW_PRIORITIES = ("critical", "high")


def plan(advice: dict, shown: int = SHOWN_ITEMS) -> dict:
    recs = compose(advice)
    now = [r for r in recs[:NOW_ITEMS] if r["priority"] in NOW_PRIORITIES] or recs[:1]
    return {"now": now, "next": recs[len(now):shown], "rest": recs[max(shown, len(now)):],
            "deadline": deadline(advice.get("timeline"), now), "bounds": policy_bounds(recs),
            "standing": standing(advice), "standing_of": standing_of(advice),
            "decided": sorted(advice["decisions"])}


def compose(advice: dict) -> list[dict]:
    """The recommendations in order, those about one person (advice.py's `about`: the faculty
    member or alum the rule bound) made one item at the place of the most important: a
    student talks to their program director once, not four times. The parts stay under
    `members`; the JSON keeps every item apart."""
    recs = advice["recommendations"]
    groups: dict[str, list[int]] = {}
    for i, rec in enumerate(recs):
        if rec.get("about"):
            groups.setdefault(rec["about"]["path"], []).append(i)
    lead_of = {members[0]: members for members in groups.values() if len(members) > 1}
    taken = {i for members in lead_of.values() for i in members}
    out = []
    for i, rec in enumerate(recs):
        if i in lead_of:
            out.append(_together([recs[k] for k in lead_of[i]]))
        elif i not in taken:
            out.append(rec)
    return out


def _together(members: list[dict]) -> dict:
    lead = members[0]
    who, n = lead["about"]["label"], len(members)
    drafts = [m["draft"] for m in members if m.get("draft")]
    item = {**lead, "members": members, "person": lead["about"]["path"],
            "title": f"With your {who}: {n} things, in one conversation",
            "intro": f"These {n} points are all about your {who}; take them up in one conversation or one "
                     f"message, not {n}.",
            "text": " ".join(m["text"] for m in members),
            "because": _union(m["because"] for m in members),
            "sources": _union(m["sources"] for m in members),
            "cites": list(dict.fromkeys(c for m in members for c in m["cites"])),
            "bounds": _union(m.get("bounds", []) for m in members)}
    item.pop("draft", None)
    if drafts:
        item["drafts"] = drafts  # each its own message, to adapt apart
    if not item["bounds"]:
        item.pop("bounds")
    return item


def _union(lists) -> list:
    out = []
    for items in lists:
        for item in items:
            if item not in out:
                out.append(item)
    return out


def deadline(timeline: dict | None, now: list[dict] = ()) -> str | None:
    """When "now" ends: the earliest deadline the Now items declare (`due:`); none when each
    declares it has none; otherwise the next Match Week milestone, as the calendar words it."""
    declared = [r["due"] for r in now if r.get("due")]
    if declared:
        nxt = min(declared, key=lambda d: d["hours"])
    elif now and all("due" in r for r in now):
        return None
    else:
        nxt = (timeline or {}).get("next")
    if not nxt:
        return None
    label = nxt.get("deadline") or re.sub(r"\s*\([^()]*ET\)$", "", nxt["label"])  # the hour is said already
    return f"by {nxt['at']} ({label})"


def policy_bounds(recs: list[dict]) -> list[dict]:
    """Each NRMP bound once, however many items it governs."""
    seen: dict[str, dict] = {}
    for rec in recs:
        for bound in rec.get("bounds", []):
            seen.setdefault(bound["rule"], bound)
    return list(seen.values())


def standing(advice: dict) -> list[str]:
    """One plain sentence per decision; the rule behind it is one `explain` away. Once a
    silence holds (an accepted offer), that is where the student stands, and the decisions
    about the search are not news."""
    ended = [s for s in advice.get("set_aside") or () if s["kind"] == "silence"]
    if ended:
        reason = next(iter({s["reason"] for s in ended}))
        return [f"{reason} ({len(ended)} item{'s' if len(ended) != 1 else ''} that no longer "
                f"appl{'y' if len(ended) != 1 else 'ies'} set aside.)"]
    if "standing" in advice:
        return [s["text"] for s in advice["standing"]]
    return [f"{decision_label(name, d)}: {words(d['value'])}." for name, d in advice["decisions"].items()]


def standing_of(advice: dict) -> list:
    """The decision behind each sentence of `standing` (None: not a decision), for links."""
    if any(s["kind"] == "silence" for s in advice.get("set_aside") or ()):
        return [None]
    if "standing" in advice:
        return [s["decision"] for s in advice["standing"]]
    return list(advice["decisions"])


def short_title(rec: dict) -> str:
    return rec.get("title") or rec["text"].split(". ")[0]


def source_line(rec: dict) -> str:
    """The articles behind an item, by title and date, not by seed file name."""
    names = []
    for s in rec.get("sources", []):
        name = article_name(s["seed"])
        if name not in names:
            names.append(name)
    return "; ".join(names)


def article_name(seed: str) -> str:
    art = articles().get(seed)
    if not art:
        return seed
    return art["title"] + (f" ({art['date']})" if art.get("date") else "")


@lru_cache(maxsize=1)
def articles() -> dict:
    from soaprules.packs.cache import load_document  # parsed once per content, as the loader reads it
    from soaprules.packs.load import CATALOG_FILE, DEFAULT_RULES_DIR

    path = DEFAULT_RULES_DIR / CATALOG_FILE
    if not path.exists():
        return {}
    return dict((load_document(path).data or {}).get("articles", {}) or {})
