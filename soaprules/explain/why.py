"""Why-trees: from a conclusion back through the firings, derived facts and decisions it
read, down to the input values and their profile paths; and, for a conclusion that was
not reached, the why-not view of whynot.py.

A conclusion is a TARGET: a recommendation id, a decision name, a rule id, or
decision=value (`rescue_tier=1`). Each node carries the rule's title, rationale and
citations (heuristic ID with the catalog's summary, article and quote) and the values
the rule saw; a decision node lists the proposals it overrode, the rule that beat each
and the policy that decided it.
"""
from __future__ import annotations

from dataclasses import dataclass

from soaprules.lang import conditions as cond
from soaprules.lang import analysis
from soaprules.advice import build
from soaprules.errors import Diagnostic, UsageError
from soaprules.explain.nodes import SCHEMA, Node, citations, count_shown, plain, shown, sources_of
from soaprules.packs.load import load_catalog
from soaprules.lang.evaluate import Evidence, apply, evaluate, missing_inputs
from soaprules.engine.session import Evaluation, Firing
from soaprules.profile import paths
from soaprules.suggest import closest, one_of
from soaprules.explain.whynot import Reader, beats, proposes, rule_check, test_words

TARGET_HINT = "TARGET is a recommendation id, a decision name, a rule id, or decision=value such as rescue_tier=1"


@dataclass(frozen=True)
class Target:
    kind: str  # recommendation | decision | rule | decision_value
    name: str
    value: object = None

    @property
    def text(self) -> str:
        return f"{self.name}={self.value}" if self.kind == "decision_value" else self.name

    def to_dict(self) -> dict:
        out = {"kind": self.kind, "name": self.name, "text": self.text}
        if self.kind == "decision_value":
            out["value"] = self.value
        return out


def parse_decision_value(text: str, book) -> tuple[str, object]:
    """`rescue_tier=1` -> ("rescue_tier", 1), typed as the decision declares; usage error otherwise."""
    name, _, raw = (part.strip() for part in text.partition("="))
    decl = book.decisions.get(name)
    if decl is None:
        raise UsageError(Diagnostic(f"unknown decision '{name}'", expected=one_of(book.decisions),
                                    suggestion=closest(name, book.decisions)))
    value = next((v for v in decl.values if str(v).lower() == raw.lower()), None)
    if value is None:
        raise UsageError(Diagnostic(f"'{raw}' is not a value of {name}",
                                    expected=one_of(map(str, decl.values)),
                                    suggestion=closest(raw, decl.values)))
    return name, value


def parse_target(text: str, book) -> Target:
    if "=" in text:
        return Target("decision_value", *parse_decision_value(text, book))
    if text in book.decisions:
        return Target("decision", text)
    if any(r.recommendation_id == text for r in book.rules):
        return Target("recommendation", text)
    if book.rule(text) is not None:
        return Target("rule", text)
    names = list(book.decisions) + [r.recommendation_id for r in book.rules if r.recommendation_id] + \
        [r.id for r in book.rules]
    raise UsageError(Diagnostic(f"'{text}' is not a recommendation id, a decision or a rule id",
                                suggestion=closest(text, names), hint=TARGET_HINT))


def explain(run: Evaluation, target: Target, catalog: dict | None = None) -> dict:
    """The explanation document (soaprules/explanation@1) for one target."""
    return Explainer(run, catalog).document(target)


def why_trees(run: Evaluation, catalog: dict | None = None) -> dict:
    """The why-tree (dict form) of every recommendation given and every decision made, for reports."""
    explainer = Explainer(run, catalog)
    return {"recommendations": {r["id"]: explainer.recommendation_node(r).to_dict()
                                for r in explainer.advice["recommendations"]},
            "decisions": {name: explainer.decision_node(name).to_dict() for name in sorted(run.decisions)}}


class Explainer:
    def __init__(self, run: Evaluation, catalog: dict | None = None, advice: dict | None = None):
        self.run = run
        self.book = run.program.book
        self.catalog = load_catalog() if catalog is None else catalog
        self.advice = advice if advice is not None else build(run)

    def document(self, target: Target) -> dict:
        answer = {"recommendation": self._recommendation, "rule": self._rule, "decision": self._decision,
                  "decision_value": self._decision_value}[target.kind]
        tree, reached, summary = answer(target)
        return {"schema": SCHEMA, "profile_id": self.run.data.get("applicant", {}).get("id"),
                "target": target.to_dict(), "reached": reached, "summary": summary, "tree": tree.to_dict()}

    # ---- targets -----------------------------------------------------------------------

    def _recommendation(self, target: Target):
        rec = next((r for r in self.advice["recommendations"] if r["id"] == target.name), None)
        if rec is not None:
            node = self.recommendation_node(rec)
            return node, True, f"Recommendation {rec['id']} comes from rule {rec['rule']}, which fired on " \
                               f"{_inputs(node)} input values."
        aside = next((s for s in self.advice.get("set_aside", []) if s["id"] == target.name), None)
        if aside is not None:
            return self._set_aside(target.name, aside)
        rule = next(r for r in self.book.rules if r.recommendation_id == target.name)
        node, summary = self.why_not_rule(rule)
        node.label = f"recommendation {target.name} was not given: {node.label}"
        return node, False, f"Recommendation {target.name} was not given: {summary}"

    def _set_aside(self, rec_id: str, aside: dict):
        """Its rule fired, but a pack's silence holds (shown with what made it hold), or a given
        item says it within itself (shown with that item's firing)."""
        if aside["kind"] == "superseded":
            fired = self.firing_node(self.run.fired(aside["rule"]))
            by = next(f for f in self.run.firings if f.rule.recommendation_id == aside["by"])
            node = Node("superseded", f"recommendation {rec_id} was set aside: {aside['reason']}",
                        detail={"superseded_by": aside["by"]}, children=[fired, self.firing_node(by)])
            return node, False, f"Recommendation {rec_id} was set aside: rule {aside['rule']} fired, but it is " \
                                f"{aside['reason']}"
        silence = next(s for s in self.book.silences if s.name == aside["by"])
        fired = self.firing_node(self.run.fired(aside["rule"]))
        ended = [self.firing_node(f) for f in self.run.firings
                 if any(("derived", n) in _derived_reads(silence.when) for n, _ in f.asserted)]
        node = Node("silenced", f"recommendation {rec_id} was set aside by {silence.name} ({silence.pack}): "
                                f"{silence.reason}", detail={"silence": silence.name, "keeps": sorted(silence.keep)},
                    children=[fired, *ended])
        return node, False, f"Recommendation {rec_id} was set aside: rule {aside['rule']} fired, but " \
                            f"{silence.name} holds ({silence.reason})"

    def _rule(self, target: Target):
        firing = self.run.fired(target.name)
        if firing is None:
            node, summary = self.why_not_rule(self.book.rule(target.name))
            return node, False, summary
        node = self.firing_node(firing)
        node.children += self._lost_proposals(firing)
        return node, True, f"Rule {target.name} fired on {_inputs(node)} input values."

    def _decision(self, target: Target):
        if target.name in self.run.decisions:
            return self._decided(target.name)
        node, summary = self.why_not_decision(target.name)
        return node, False, summary

    def _decision_value(self, target: Target):
        res = self.run.decisions.get(target.name)
        if res is not None and res.value == target.value:
            return self._decided(target.name)
        node, summary = self.why_not_value(target.name, target.value)
        return node, False, summary

    def _decided(self, name: str):
        res = self.run.decisions[name]
        overridden = f"; {len(res.overridden)} other proposal(s) overridden" if res.overridden else ""
        return self.decision_node(name), True, \
            f"{name} = {res.value}: decided by {res.rule.id} under the {res.policy} policy{overridden}."

    # ---- why ---------------------------------------------------------------------------

    def rule_node(self, rule, kind: str, label: str, **kw) -> Node:
        return Node(kind, label, rule=rule.id, title=rule.title, rationale=_flat(rule.rationale),
                    cites=citations(rule, self.catalog), sources=sources_of(rule), **kw)

    def firing_node(self, firing: Firing) -> Node:
        rule = firing.rule
        detail: dict = {"pack": rule.pack, "stratum": firing.stratum}
        if firing.bindings:
            detail["bindings"] = {alias: f"{path}[{i}]" for alias, (path, i) in firing.bindings}
        if firing.asserted:
            detail["asserted"] = {name: value for name, value in firing.asserted}
        if firing.proposed:
            detail["proposed"] = dict(firing.proposed)
        if rule.recommendation_id:
            detail["recommends"] = rule.recommendation_id
        children = [self.evidence_node(e, rule) for e in firing.evidence]
        return self.rule_node(rule, "rule", f"rule {rule.id}: {rule.title}", detail=detail, children=children)

    def evidence_node(self, ev: Evidence, rule) -> Node:
        """One value a firing read. Under an odd number of `not`s the test failed, and that held the rule."""
        negated = ev.verdict is False
        build = {"derived": self._derived_evidence, "decision": self._decision_evidence,
                 "timeline": self._timeline_evidence}.get(ev.scope, self._input_evidence)
        node = build(ev, rule)
        node.test = node.test or ev.op
        if ev.op not in ("exists", "missing") and node.expected is None:
            node.expected = ev.expected
        node.param = ev.param
        if negated:
            node.label = "not: " + node.label
            node.detail["negated"] = True
        return node

    def _input_evidence(self, ev: Evidence, rule) -> Node:
        test = test_words(ev.op, ev.expected, ev.param)
        if ev.op.startswith(("count", "total")):
            actual = count_shown(ev.actual)
            label = f"{ev.path}: {ev.op.split()[0]} {shown(actual)}  [{test}]"
        else:
            actual, label = ev.actual, f"{ev.path} = {shown(ev.actual)}  [{test}]"
        reading = self.run.phase_reading
        if ev.path == "status.phase" and reading is not None and reading.disagrees:  # say the calendar overruled it
            label += f"  (stated {reading.stated}; read as {reading.used} by the Match Week calendar)"
        return Node("input", label, rule=rule.id, cites=citations(rule, self.catalog), path=ev.path, value=actual)

    def _derived_evidence(self, ev: Evidence, rule) -> Node:
        name = ev.path.removeprefix("derived.")
        writers = [f for f in self.run.firings if any(
            n == name and (ev.verdict is False or apply(ev.op, v, ev.expected)) for n, v in f.asserted)]
        if not writers and ev.actual is None:
            return self.underived_node(name, ev, rule)
        return Node("derived", f"{ev.path} = {shown(ev.actual)}  [{test_words(ev.op, ev.expected)}]", rule=rule.id,
                    cites=citations(rule, self.catalog), path=ev.path, value=ev.actual,
                    children=[self.firing_node(f) for f in writers])

    def underived_node(self, name: str, ev: Evidence, reader) -> Node:
        """A derived fact no rule asserted, read as absent: the inputs that kept its writers
        from firing, so the tree still ends in the profile (as an undecided decision does)."""
        paths = set()
        for writer in (r for r in self.book.rules if name in r.then.derive):
            result = evaluate(writer.when, self.run.world)
            paths |= {e.path for e in result.evidence if e.scope in ("profile", "item") and e.verdict is not True}
        return Node("derived", f"{ev.path} was not derived  [{test_words(ev.op, ev.expected)}]", rule=reader.id,
                    cites=citations(reader, self.catalog), path=ev.path, value=None,
                    detail={"derived": False}, children=self._input_nodes(sorted(paths), reader))

    def _decision_evidence(self, ev: Evidence, rule) -> Node:
        name = ev.path.removeprefix("decision.")
        node = self.decision_node(name) if name in self.run.decisions else self.undecided_node(name, rule)
        node.label += f"  [{test_words(ev.op, ev.expected)}]"
        return node

    def _timeline_evidence(self, ev: Evidence, rule) -> Node:
        now = (self.run.data.get("status") or {}).get("now")
        clock = Node("input", f"status.now = {shown(now)}", rule=rule.id, cites=citations(rule, self.catalog),
                     path="status.now", value=now, detail={"calendar": "the SOAP calendar of the nrmp pack"})
        return Node("computed", f"{ev.path} = {shown(ev.actual)}  [{test_words(ev.op, ev.expected)}]",
                    rule=rule.id, cites=citations(rule, self.catalog), path=ev.path, value=ev.actual,
                    children=[clock])

    def undecided_node(self, name: str, reader) -> Node:
        """A decision no rule decided, read by `reader` (e.g. with missing: true): the inputs it lacked."""
        missing = sorted({path for r in self.book.rules if name in r.then.decide for path in self._missing(r)})
        return Node("decision", f"decision {name} was not made", rule=reader.id,
                    cites=citations(reader, self.catalog), path=f"decision.{name}", value=None,
                    detail={"decided": False}, children=self._input_nodes(missing, reader))

    def _input_nodes(self, paths, reader) -> list[Node]:
        """The profile values behind something that did not happen, as leaves of `reader`'s tree."""
        return [Node("input", f"{path} = {shown(self._value(path))}", rule=reader.id,
                     cites=citations(reader, self.catalog), path=path, value=self._value(path)) for path in paths]

    def _missing(self, rule) -> set[str]:
        """Inputs whose absence left `rule` undecided; a timeline field stands for status.now."""
        paths = missing_inputs(rule.when, self.run.world)
        result = evaluate(rule.when, self.run.world)
        if result.value is None and any(e.scope == "timeline" and e.verdict is None for e in result.evidence):
            paths.add("status.now")
        return paths

    def _value(self, path: str):
        return paths.get(self.run.data, path)

    def decision_node(self, name: str) -> Node:
        res = self.run.decisions[name]
        proposals = self.run.proposals.get(name, [])
        agreeing = [p.rule.id for p in proposals if p.value == res.value and p.rule is not res.rule]
        children = [self.firing_node(self.run.fired(res.rule.id))]
        children += [self.overridden_node(name, res, p) for p in res.overridden]
        detail = {"policy": res.policy, "decided_by": res.rule.id}
        if agreeing:
            detail["also_proposed_by"] = agreeing
        label = f"decision {name} = {res.value}  (decided by {res.rule.id}; policy {res.policy})"
        return self.rule_node(res.rule, "decision", label, path=f"decision.{name}", value=res.value,
                              detail=detail, children=children)

    def overridden_node(self, name: str, res, proposal) -> Node:
        reason = policy_reason(self.book.decisions[name], proposal, res)
        firing = self.run.fired(proposal.rule.id)
        label = f"overridden: {name} = {proposal.value} from {proposal.rule.id} lost to {res.rule.id} ({reason})"
        return self.rule_node(proposal.rule, "overridden", label, detail={
            "decision": name, "value": proposal.value, "beaten_by": res.rule.id, "winning_value": res.value,
            "policy": res.policy, "reason": reason}, children=self.firing_node(firing).children)

    def recommendation_node(self, rec: dict) -> Node:
        rule = self.book.rule(rec["rule"])
        children = [self.firing_node(self.run.fired(rule.id))]
        for bound in rec.get("bounds", []):
            bound_rule = self.book.rule(bound["rule"])
            children.append(self.rule_node(bound_rule, "bound", f"bounded by NRMP rule {bound_rule.id}: "
                                                                 f"{bound_rule.title}",
                                           detail={"text": bound["text"]},
                                           children=self.firing_node(self.run.fired(bound_rule.id)).children))
        label = f"recommendation {rec['id']} [{rec['priority']}]: {rec['text']}"
        return self.rule_node(rule, "recommendation", label, detail={
            "id": rec["id"], "topic": rec["topic"], "priority": rec["priority"], "text": rec["text"]},
            children=children)

    def _lost_proposals(self, firing: Firing) -> list[Node]:
        out = []
        for name, value in firing.proposed:
            res = self.run.decisions.get(name)
            if res is not None and res.value != value:
                proposal = next(p for p in res.overridden if p.rule is firing.rule)
                out.append(self.overridden_node(name, res, proposal))
        return out

    # ---- why not -----------------------------------------------------------------------

    def reader(self, rule) -> Reader:
        return Reader(self.run.world, rule, citations(rule, self.catalog), self.link)

    def link(self, ref: cond.Ref, reader) -> list[Node]:
        """Why a derived fact or decision that a why-not condition of `reader` reads is what it is."""
        if ref.scope == "decision":
            decided = ref.name in self.run.decisions
            return [self.decision_node(ref.name) if decided else self.undecided_node(ref.name, reader)]
        return [self.firing_node(f) for f in self.run.firings if any(n == ref.name for n, _ in f.asserted)]

    def check(self, rule) -> tuple[Node, int]:
        return rule_check(rule, self.run, self.reader(rule))

    def candidates(self, rules, label: str) -> tuple[Node, list]:
        checks = sorted((self.check(r) + (r,) for r in rules), key=lambda c: (c[1], c[2].index))
        group = Node("candidates", label, children=[c[0] for c in checks])
        return group, checks

    def _blocker(self, proposal, res) -> Node:
        if res is not None and proposal.rule is res.rule:  # its tree is right above, under "what decided"
            return self.rule_node(proposal.rule, "rule", f"rule {proposal.rule.id}: {proposal.rule.title} "
                                                         f"(the deciding rule, shown above)")
        return self.firing_node(self.run.fired(proposal.rule.id))

    def why_not_rule(self, rule) -> tuple[Node, str]:
        check, to_fire = self.check(rule)
        node = Node("why_not", f"rule {rule.id} did not fire", rule=rule.id, cites=check.cites, children=[check])
        same = [r for r in self.book.rules if r is not rule and any(
            proposes(r, n, v) for n, v in rule.then.decide.items())]
        if same:
            node.children.append(self.candidates(same, "rules with the same effect, closest to firing first")[0])
        missing = check.detail.get("missing_inputs")
        summary = f"rule {rule.id} did not fire: {to_fire} condition(s) would have to change" + \
            (f"; missing inputs: {', '.join(missing)}" if missing else "") + "."
        return node, summary[0].upper() + summary[1:]

    def why_not_decision(self, name: str) -> tuple[Node, str]:
        rules = [r for r in self.book.rules if name in r.then.decide]
        group, checks = self.candidates(rules, f"rules that propose a value of {name}, closest to firing first")
        node = Node("why_not", f"decision {name} was not made: no rule proposing it fired", children=[group])
        closest_rule = f" Closest: {checks[0][2].id} ({checks[0][1]} condition(s) to change)." if checks else ""
        return node, f"{name} was not decided: no rule proposing a value fired.{closest_rule}"

    def why_not_value(self, name: str, value) -> tuple[Node, str]:
        decl = self.book.decisions[name]
        res = self.run.decisions.get(name)
        proposers = [r for r in self.book.rules if proposes(r, name, value)]
        now = f"{name} is {res.value}, not {value}" if res else f"{name} was not decided"
        node = Node("why_not", now, path=f"decision.{name}", value=res.value if res else None, expected=value)
        strongest = max((r.salience for r in proposers), default=0)
        blockers = [p for p in self.run.proposals.get(name, []) if p.value != value and beats(decl, p, value, strongest)]
        if res is not None:
            in_the_way = any(p.rule is res.rule for p in blockers)
            node.children.append(Node("actual", f"what decided {name} = {res.value} instead",
                                      detail={"in_the_way": in_the_way}, children=[self.decision_node(name)]))
        if blockers:
            node.children.append(Node("blockers", f"in the way: these rules fired and would beat {name} = {value} "
                                                  f"under the {decl.resolve} policy",
                                      children=[self._blocker(p, res) for p in blockers]))
        if not proposers:
            node.children.append(Node("candidates", f"no rule proposes {name} = {value}"))
            return node, f"{now}: no rule proposes {value}."
        group, checks = self.candidates(proposers, f"rules that propose {name} = {value}, closest to firing first")
        node.children.append(group)
        return node, _value_summary(now, checks, blockers)


def _value_summary(now: str, checks: list, blockers: list) -> str:
    parts = [now + "."]
    best_node, to_fire, rule = checks[0]
    if best_node.detail["fired"]:
        parts.append(f"{rule.id} proposed it but was overridden.")
    else:
        parts.append(f"Closest: {rule.id}, {to_fire} condition(s) to change.")
    if blockers:
        parts.append("In the way: " + ", ".join(sorted({p.rule.id for p in blockers})) + ".")
    return " ".join(parts)


def policy_reason(decision, loser, res) -> str:
    """Why `loser` lost to the resolution `res`, in the words of its policy."""
    if res.policy == "salience":
        if res.rule.salience > loser.rule.salience:
            return f"salience {res.rule.salience} beats {loser.rule.salience}"
        return f"equal salience {res.rule.salience}: ties go to the worse value"
    better = "worse" if res.policy == "worst" else "better"
    return f"{res.policy} value wins: {res.value} is {better} than {loser.value}"


def _inputs(node: Node) -> int:
    return len({(n.path, repr(plain(n.value))) for n in node.walk() if n.kind == "input"})


def _flat(text: str | None) -> str | None:
    return " ".join(text.split()) if text else None


def _derived_reads(node) -> set:
    return {(r.scope, r.name) for r in analysis.reads(node) if r.scope not in ("list",)}
