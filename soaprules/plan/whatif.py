"""What-if over the plan: "if I opened the South, how many more programs?". The changes
are written as for `soaprules whatif --set` (geography.regions+=south), checked the same
way, applied to a copy of the profile, and the plan is made again over the same list."""
from __future__ import annotations

from soaprules.errors import Diagnostic, ProfileError
from soaprules.explain.whatif import apply_changes, parse_set
from soaprules.plan.run import PlanRun, plan_profile


def plan_whatif(run: PlanRun, sets: list[str], packs=None, plan_pack=None) -> dict:
    from soaprules.pipeline import program_for

    data = run.context.data
    levers = program_for(list(packs) if packs else None).book.levers
    changes = [parse_set(text, data, levers) for text in sets]
    changed = apply_changes(run.profile.model_dump(by_alias=True, exclude_none=True, mode="python"), changes)
    try:
        profile = type(run.profile).model_validate(changed)
    except Exception as exc:  # a change the profile's own rules refuse
        raise ProfileError(Diagnostic(f"the changed profile is not valid: {exc}")) from None
    after = plan_profile(profile, None, packs, plan_pack, programs=run.programs)
    return compare(run, after, sets)


def _worth(run: PlanRun) -> set:
    return {v.code for v in run.verdicts if v.verdict != "skip"}


def _proposed(run: PlanRun) -> list:
    return [v.code for s in run.services for v in s.proposed]


def compare(before: PlanRun, after: PlanRun, sets: list[str]) -> dict:
    was, now = _worth(before), _worth(after)
    proposed_was, proposed_now = _proposed(before), _proposed(after)
    return {"changes": list(sets),
            "worth_sending": {"before": len(was), "after": len(now), "more": len(now - was), "fewer": len(was - now)},
            "proposed": {"before": len(proposed_was), "after": len(proposed_now)},
            "newly_proposed": [c for c in proposed_now if c not in proposed_was],
            "no_longer_proposed": [c for c in proposed_was if c not in proposed_now],
            "newly_worth_sending": sorted(now - was), "no_longer_worth_sending": sorted(was - now)}


def text(what: dict) -> str:
    w, p = what["worth_sending"], what["proposed"]
    out = ["", f"What if {', '.join(what['changes'])}:",
           f"  programs worth an application: {w['before']} -> {w['after']} ({w['more']} more, {w['fewer']} fewer)",
           f"  proposed: {p['before']} -> {p['after']}"]
    if what["newly_proposed"]:
        out.append("  newly proposed: " + ", ".join(what["newly_proposed"]))
    if what["no_longer_proposed"]:
        out.append("  no longer proposed: " + ", ".join(what["no_longer_proposed"]))
    return "\n".join(out) + "\n"
