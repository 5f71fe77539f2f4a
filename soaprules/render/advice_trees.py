"""Why-trees read from the advice document alone, as plain data for renderers.

A node is `{"label", "note", "cites", "quotes", "children"}` (quotes: (source, quote)
pairs; none here, the advice keeps its quotes on the recommendations). A recommendation's tree starts at its
`because` facts; a decision's at the rule that decided it and the proposals it overrode.
A fact the packs derived (`derived.*`) or decided (`decision.*`) opens into the firing
that produced it, found in `trace`, and so on down to profile values. A rule met twice
on one branch is shown once (packs are stratified, so this only guards bad input).
"""
from __future__ import annotations

from soaprules.lang.templates import words
from soaprules.render.words import decision_label


def node(label: str, note: str | None = None, cites=(), children=()) -> dict:
    return {"label": label, "note": note, "cites": list(cites), "quotes": [], "children": list(children)}


class Forest:
    """Indexes of one advice document: who asserted what, who decided what."""

    def __init__(self, advice: dict):
        self.advice = advice
        self.cites = {r["rule"]: r["cites"] for r in advice.get("recommendations", [])}
        self.asserted: dict[str, list[dict]] = {}
        for firing in advice.get("trace", []):
            for fact in firing.get("asserted", []):
                self.asserted.setdefault(fact["name"], []).append(firing)

    def recommendation(self, rec: dict) -> dict:
        return node(rec["text"], f"rule {rec['rule']} (pack {rec['pack']}), priority {rec['priority']}",
                    rec["cites"], [self.evidence(e, frozenset({rec["rule"]})) for e in rec["because"]])

    def decision(self, name: str) -> dict:
        d = self.advice["decisions"][name]
        label = f"{decision_label(name, d)}: {words(d['value'])}"
        kids = [self.firing(f, frozenset()) for f in self._proposers(name, d["value"], d["rule"])]
        for lost in d.get("overridden", []):
            kids.append(node(f"Not {words(lost['value'])}: proposed by rule {lost['rule']}",
                             f"overridden by rule {d['rule']} under the '{d.get('policy')}' policy",
                             self.cites.get(lost["rule"], ()),
                             [self.firing(f, frozenset()) for f in self._proposers(name, lost["value"], lost["rule"])]))
        note = f"decided by rule {d['rule']} (policy: {d.get('policy')})"
        return node(label, note, self.cites.get(d["rule"], ()), kids)

    def firing(self, firing: dict, seen: frozenset) -> dict:
        rule = firing["rule"]
        bits = [f"pack {firing['pack']}", f"stratum {firing['stratum']}"]
        bits += [f"{alias} = {where}" for alias, where in firing.get("bindings", {}).items()]
        made = [f"{a['name']} = {words(a['value'])}" for a in firing.get("asserted", [])]
        made += [f"{decision_label(k, self.advice['decisions'].get(k)).lower()} = {words(v)}"
                 for k, v in firing.get("proposed", {}).items()]
        note = "; ".join(bits) + (f"; concluded: {', '.join(made)}" if made else "")
        seen = seen | {rule}
        return node(f"Rule {rule}", note, self.cites.get(rule, ()),
                    [self.evidence(e, seen) for e in firing.get("matched", [])])

    def evidence(self, ev: dict, seen: frozenset) -> dict:
        label = f"{ev['path']} = {'unknown' if ev['value'] is None else words(ev['value'])}"
        note = test_text(ev)
        head, _, name = ev["path"].partition(".")
        producers = []
        if head == "derived":
            producers = self.asserted.get(name, [])
            note += "; derived by the packs" if producers else "; not derived by any rule"
        elif head == "decision" and name in self.advice["decisions"]:
            d = self.advice["decisions"][name]
            producers = self._proposers(name, d["value"], d["rule"])
            note += "; decided by the packs"
        elif head == "decision":
            note += "; no rule decided it"
        elif head == "timeline":
            note += "; from the profile's date and the SOAP calendar"
        else:
            note += "; from the profile"
        kids = [self.firing(f, seen) if f["rule"] not in seen else node(f"Rule {f['rule']}", "shown above")
                for f in producers]
        return node(label, note, children=kids)

    def _proposers(self, name: str, value, rule: str) -> list[dict]:
        return [f for f in self.advice.get("trace", [])
                if f["rule"] == rule and name in f.get("proposed", {}) and f["proposed"][name] == value]


def test_text(ev: dict) -> str:
    """The condition as a reader would say it: `in strong, solid`, `count eq 0`."""
    op = ev["test"]
    if "expected" not in ev:
        return f"test: {op}"
    expected = ev["expected"]
    shown = ", ".join(map(words, expected)) if isinstance(expected, list) else words(expected)
    param = f" (${ev['param']})" if ev.get("param") else ""
    return f"test: {op} {shown}{param}"
