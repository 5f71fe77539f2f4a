"""Resolve each decision's proposals by the policy its pack declares.

Rules only *propose*; the decision's `resolve:` says who wins:
- worst / best: the value latest / earliest in the declared order;
- salience: the proposal of the rule with the highest salience, ties to the worse value.
The losers are kept, each with the rule that beat it, for the explanation.
"""
from __future__ import annotations

from dataclasses import dataclass

from soaprules.packs.model import Decision


@dataclass(frozen=True)
class Proposal:
    value: object
    rule: object  # LoadedRule


@dataclass(frozen=True)
class Resolution:
    value: object
    rule: object  # the deciding LoadedRule
    policy: str
    overridden: tuple  # Proposals that lost, in rule order


def _rank(decision: Decision, proposal: Proposal) -> tuple:
    order = decision.values.index(proposal.value)
    if decision.resolve == "best":
        return (-order, -proposal.rule.index)
    if decision.resolve == "worst":
        return (order, -proposal.rule.index)
    return (proposal.rule.salience, order, -proposal.rule.index)


def resolve(decision: Decision, proposals: list[Proposal]) -> Resolution:
    winner = max(proposals, key=lambda p: _rank(decision, p))
    losers = tuple(p for p in proposals if p is not winner and p.value != winner.value)
    return Resolution(winner.value, winner.rule, decision.resolve, losers)
