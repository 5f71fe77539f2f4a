"""The plan end to end: profile + program list -> advice run -> plan rules -> the
soaprules/plan@1 document (docs/plan.md)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from soaprules.pipeline import program_for
from soaprules.profile.model import Profile
from soaprules.profile import paths
from soaprules.profile.load import load_profile
from soaprules.engine.session import evaluate_profile
from soaprules.plan.build import ServicePlan, Verdict, fill, verdicts
from soaprules.plan.evaluate import Context, compile_plan, match_engine, match_reference, program_record
from soaprules.plan.pack import PlanPack, load_plan_pack
from soaprules.plan.programs import ProgramList, load_programs

SCHEMA = "soaprules/plan@1"
MATCHERS = {"engine": match_engine, "reference": match_reference}


@dataclass
class PlanRun:
    pack: PlanPack
    profile: Profile
    programs: ProgramList
    context: Context
    verdicts: list  # Verdict, in list order
    services: list  # ServicePlan
    matched: dict  # code -> rule ids that hold

    def verdict(self, code: str) -> Verdict | None:
        return next((v for v in self.verdicts if v.code == code), None)


def plan_files(profile_path: str | Path, programs_path: str | Path, packs=None, plan_pack=None,
               matcher: str = "engine") -> PlanRun:
    profile, _ = load_profile(profile_path)
    return plan_profile(profile, programs_path, packs, plan_pack, matcher)


def plan_profile(profile: Profile, programs_path, packs=None, plan_pack=None, matcher: str = "engine",
                 programs: ProgramList | None = None) -> PlanRun:
    advice_program = program_for(list(packs) if packs else None)
    pack = load_plan_pack(advice_program.book, plan_pack)
    programs = programs or load_programs(programs_path, pack.regions)
    run = evaluate_profile(advice_program, profile)
    ctx = Context(run.data, dict(run.world.decisions), run.world.timeline)
    records = [program_record(p, pack, ctx.data) for p in programs.programs]
    matched = MATCHERS[matcher](compile_plan(pack), ctx, records)
    found = verdicts(pack, ctx, records, matched)
    return PlanRun(pack, profile, programs, ctx, found, fill(pack, found, sent(pack, ctx.data)), matched)


def sent(pack: PlanPack, data: dict) -> dict:
    """Applications already sent, per service, as far as the profile says (unknown: 0)."""
    out = {}
    for service, path in pack.sent.items():
        out[service] = paths.get(data, path) or 0
    return out


def document(run: PlanRun) -> dict:
    """The soaprules/plan@1 contract."""
    counts = {k: sum(1 for v in run.verdicts if v.verdict == k) for k in ("apply", "consider", "skip")}
    proposed = sum(len(s.proposed) for s in run.services)
    return {
        "schema": SCHEMA,
        "applicant": run.context.data.get("applicant", {}).get("id"),
        "programs_file": Path(run.programs.file).name,
        "pack": {"name": run.pack.name, "version": run.pack.version},
        "decisions": {k: run.context.decisions[k] for k in ("specialty_realism", "geographic_flexibility")
                      if k in run.context.decisions},
        "targeted_applications": run.pack.targeted,
        "applications_per_service": run.pack.cap,
        "counts": {"programs": len(run.verdicts), **counts, "proposed": proposed},
        "services": [_service(s, run.pack.targeted) for s in run.services],
        "skipped": _skipped(run),
        "unknowns": unknowns(run),
    }


def unknowns(run: PlanRun) -> list[str]:
    """Profile paths and decisions the plan rules read that this profile leaves unknown:
    answering them could change the plan (unknown is not false: rules reading them did not
    fire). Each rule is read with every program field unknown, so only what the profile
    itself leaves open counts: a partial-match rule is not asked about for an unmatched
    student, and a branch another branch already decides is not asked about either."""
    from soaprules.lang.evaluate import evaluate

    world = run.context.world({})
    out = set()
    for rule in run.pack.rules:
        result = evaluate(rule.when, world)
        if result.value is not None:
            continue
        for e in result.evidence:
            if e.verdict is not None or e.scope not in ("profile", "decision"):
                continue
            if not e.path.startswith("program."):
                out.add(e.path)
            elif (join := run.pack.joins.get(e.path.removeprefix("program."))) is not None:
                out |= {p for p in join.profile if _missing(run.context.data, p)}
    return sorted(out)


def _missing(data: dict, path: str) -> bool:
    return paths.values(data, path) is None


def _service(s: ServicePlan, targeted: int) -> dict:
    n = len(s.proposed)
    against = "on target" if n == targeted else (f"{targeted - n} fewer" if n < targeted else f"{n - targeted} more")
    return {"service": s.service, "cap": s.cap, "already_sent": s.used, "proposed_count": n,
            "against_targeted": f"{n} proposed against the targeted {targeted} ({against})",
            "proposed": [_entry(v, k + 1) for k, v in enumerate(s.proposed)],
            "reserve": [_entry(v, None) for v in s.reserve]}


def _entry(v: Verdict, rank: int | None) -> dict:
    p = v.program
    out = {"code": v.code, "name": p.get("name"), "specialty": p.get("specialty"),
           "position_type": p.get("position_type"), "city": p.get("city"), "state": p.get("state"),
           "region": p.get("region"), "verdict": v.verdict, "score": v.score,
           "reasons": [_reason(r) for r in v.reasons]}
    return {"rank": rank, **out} if rank is not None else out


def _reason(r) -> dict:
    return {"rule": r.rule, "text": r.text, "cites": list(r.cites)}


def _skipped(run: PlanRun) -> list:
    groups: dict = {}
    for v in sorted((v for v in run.verdicts if v.verdict == "skip"), key=lambda v: v.code):
        deciding = next(r for r in v.reasons if r.rule == v.deciding)
        group = groups.setdefault(v.deciding, {"rule": v.deciding, "reason": _generic(run, v.deciding),
                                               "cites": list(deciding.cites), "programs": []})
        group["programs"].append({"code": v.code, "name": v.program.get("name"), "reason": deciding.text})
    order = {r.id: r.index for r in run.pack.rules}
    return sorted(groups.values(), key=lambda g: order.get(g["rule"], len(order)))


def _generic(run: PlanRun, rule_id: str) -> str:
    rule = run.pack.rule(rule_id)
    return rule.title if rule else "No rule made this program a target"
