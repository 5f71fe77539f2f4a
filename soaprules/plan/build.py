"""From the rules that hold per program to the plan: verdicts resolved by the pack's
declared policy, reasons, ranking, and filling each service up to its cap.

Ranking is by verdict (apply before consider), then the summed weights of the rules that
hold, then open positions, then program code: a total order, so the plan does not depend
on the order of the rows. A skip is never proposed; considers are proposed only while a
service holds fewer than the pack's targeted number (FA-06), applies up to the cap (NR-02).
"""
from __future__ import annotations

from dataclasses import dataclass

from soaprules.lang import templates
from soaprules.profile import paths
from soaprules.engine.resolve import Proposal, resolve
from soaprules.plan.evaluate import Context
from soaprules.plan.pack import PlanPack

SERVICES = ("ERAS", "ResidencyCAS")


@dataclass(frozen=True)
class Reason:
    rule: str
    text: str
    cites: tuple
    verdict: str | None
    weight: int


@dataclass(frozen=True)
class Verdict:
    code: str
    program: dict  # the readable record (columns, region, joins)
    verdict: str
    deciding: str  # the rule whose proposal won, or "otherwise"
    score: int
    reasons: tuple  # Reasons that support the verdict (and raises), in rule order
    overridden: tuple  # Reasons whose verdict lost

    def sort_key(self) -> tuple:
        return (("apply", "consider", "skip").index(self.verdict), -self.score, -self.program.get("positions", 0),
                self.code)


class _Otherwise:
    """The pack's `otherwise:` verdict, standing in for a rule in the resolution."""

    id = "otherwise"
    index = -1
    salience = 0


def verdicts(pack: PlanPack, ctx: Context, records: list[dict], matched: dict[str, set]) -> list[Verdict]:
    return [verdict_of(pack, ctx, r, matched[r["code"]]) for r in records]


def verdict_of(pack: PlanPack, ctx: Context, record: dict, fired: set) -> Verdict:
    rules = [r for r in pack.rules if r.id in fired]
    proposals = [Proposal(r.verdict, r) for r in rules if r.verdict is not None]
    if not proposals:
        other = pack.otherwise
        reason = Reason("otherwise", _text(other.reason, record, ctx, pack), tuple(other.cites), other.verdict, 0)
        return Verdict(record["code"], record, other.verdict, "otherwise", 0, (reason,), ())
    won = resolve(pack.verdict, proposals)
    final = won.value
    kept = [r for r in rules if r.verdict in (final, None)] if final != "skip" else [r for r in rules if r.verdict == final]
    lost = [r for r in rules if r.verdict is not None and r.verdict != final]
    reason = lambda r: Reason(r.id, _text(r.reason, record, ctx, pack), r.cites, r.verdict, r.weight)  # noqa: E731
    score = sum(r.weight for r in kept) if final != "skip" else 0
    return Verdict(record["code"], record, final, won.rule.id, score, tuple(map(reason, kept)),
                   tuple(map(reason, lost)))


def _text(text: str, record: dict, ctx: Context, pack: PlanPack) -> str:
    def lookup(name: str):
        if name.startswith("$"):
            return pack.params.get(name[1:])
        if name.startswith("program."):
            return record.get(name.removeprefix("program."))
        return paths.get(ctx.data, name)

    return templates.render(text, lookup)


@dataclass(frozen=True)
class ServicePlan:
    service: str
    cap: int
    used: int  # applications already sent through this service (from the profile, when known)
    proposed: tuple  # Verdicts, ranked
    reserve: tuple  # apply or consider verdicts left out: over the cap or past the targeted number


def fill(pack: PlanPack, verdicts_: list[Verdict], used: dict | None = None) -> list[ServicePlan]:
    out = []
    for service in SERVICES:
        ranked = sorted((v for v in verdicts_ if v.program.get("service") == service and v.verdict != "skip"),
                        key=Verdict.sort_key)
        if not ranked:
            continue
        spent = (used or {}).get(service, 0)
        room = max(pack.cap - spent, 0)
        target = max(min(pack.targeted - spent, room), 0)
        proposed = []
        for v in ranked:
            if len(proposed) < room and (v.verdict == "apply" or len(proposed) < target):
                proposed.append(v)
        chosen = {v.code for v in proposed}
        out.append(ServicePlan(service, pack.cap, spent, tuple(proposed),
                               tuple(v for v in ranked if v.code not in chosen)))
    return out
