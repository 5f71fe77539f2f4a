"""Why-trees from an advice document alone (a batch record, a board folder): the same
Node model as why.py's, built from the advice's `because`, `overridden` and `trace`
instead of a live evaluation, so every renderer draws one kind of tree.

A recommendation's tree starts at its `because` facts; a decision's at the rule that
decided it and the proposals it overrode. A fact the packs derived (`derived.*`) or
decided (`decision.*`) opens into the firing that produced it, found in `trace`, and so
on down to profile values. A rule met twice on one branch is shown once (packs are
stratified, so this only guards a malformed document).
"""
from __future__ import annotations

from soaprules.explain.nodes import Citation, Node
from soaprules.lang.templates import words


class RecordedTrees:
    """Indexes of one advice document: who asserted what, who decided what."""

    def __init__(self, advice: dict):
        self.advice = advice
        self.cites = {r["rule"]: r["cites"] for r in advice.get("recommendations", [])}
        self.asserted: dict[str, list[dict]] = {}
        for firing in advice.get("trace", []):
            for fact in firing.get("asserted", []):
                self.asserted.setdefault(fact["name"], []).append(firing)

    def recommendation(self, rec: dict) -> Node:
        return Node("recommendation", rec["text"], rule=rec["rule"], cites=_cites(rec["cites"]),
                    rationale=f"rule {rec['rule']} (pack {rec['pack']}), priority {rec['priority']}",
                    children=[self.evidence(e, frozenset({rec["rule"]})) for e in rec["because"]])

    def decision(self, name: str) -> Node:
        d = self.advice["decisions"][name]
        kids = [self.firing(f, frozenset()) for f in self._proposers(name, d["value"], d["rule"])]
        for lost in d.get("overridden", []):
            kids.append(Node("overridden", f"Not {words(lost['value'])}: proposed by rule {lost['rule']}",
                             rule=lost["rule"], cites=_cites(self.cites.get(lost["rule"], ())),
                             rationale=f"overridden by rule {d['rule']} under the '{d.get('policy')}' policy",
                             children=[self.firing(f, frozenset())
                                       for f in self._proposers(name, lost["value"], lost["rule"])]))
        label = f"{d.get('label') or words(name).capitalize()}: {words(d['value'])}"
        return Node("decision", label, rule=d["rule"], cites=_cites(self.cites.get(d["rule"], ())),
                    rationale=f"decided by rule {d['rule']} (policy: {d.get('policy')})", children=kids)

    def firing(self, firing: dict, seen: frozenset) -> Node:
        rule = firing["rule"]
        bits = [f"pack {firing['pack']}", f"stratum {firing['stratum']}"]
        bits += [f"{alias} = {where}" for alias, where in firing.get("bindings", {}).items()]
        made = [f"{a['name']} = {words(a['value'])}" for a in firing.get("asserted", [])]
        decisions = self.advice.get("decisions", {})
        made += [f"{(decisions.get(k, {}).get('label') or words(k)).lower()} = {words(v)}"
                 for k, v in firing.get("proposed", {}).items()]
        note = "; ".join(bits) + (f"; concluded: {', '.join(made)}" if made else "")
        seen = seen | {rule}
        return Node("rule", f"Rule {rule}", rule=rule, cites=_cites(self.cites.get(rule, ())), rationale=note,
                    children=[self.evidence(e, seen) for e in firing.get("matched", [])])

    def evidence(self, ev: dict, seen: frozenset) -> Node:
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
        kids = [self.firing(f, seen) if f["rule"] not in seen
                else Node("rule", f"Rule {f['rule']}", rule=f["rule"], rationale="shown above") for f in producers]
        return Node("input", label, path=ev["path"], value=ev["value"], test=ev["test"],
                    expected=ev.get("expected"), param=ev.get("param"), detail={"note": note}, children=kids)

    def _proposers(self, name: str, value, rule: str) -> list[dict]:
        return [f for f in self.advice.get("trace", [])
                if f["rule"] == rule and name in f.get("proposed", {}) and f["proposed"][name] == value]


def _cites(ids) -> list:
    return [Citation(i, None, None, None) for i in ids]


def test_text(ev: dict) -> str:
    """The condition as a reader would say it: `test: in strong, solid`, `test: count eq 0`."""
    op = ev["test"]
    if "expected" not in ev:
        return f"test: {op}"
    expected = ev["expected"]
    shown = ", ".join(map(words, expected)) if isinstance(expected, list) else words(expected)
    param = f" (${ev['param']})" if ev.get("param") else ""
    return f"test: {op} {shown}{param}"
