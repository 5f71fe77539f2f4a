"""`soaprules explain PROFILE --programs LIST program=CODE`: why one program got its
verdict, and why the other plan rules did not hold (each test with its actual value),
from the reference evaluator's evidence."""
from __future__ import annotations

from datetime import date, datetime

from soaprules.errors import Diagnostic, UsageError
from soaprules.lang.evaluate import evaluate
from soaprules.suggest import closest
from soaprules.plan.run import PlanRun
from soaprules.diagnose import as_written

SCHEMA = "soaprules/plan-explanation@1"


def explain_program(run: PlanRun, code: str) -> dict:
    found = run.verdict(code)
    if found is None:
        codes = [v.code for v in run.verdicts]
        raise UsageError(Diagnostic(f"program {code} is not in {run.programs.file}", suggestion=closest(code, codes),
                                    hint="give program=CODE with a code from the list's code column"))
    world = run.context.world(found.program)
    rules = []
    for rule in run.pack.rules:
        result = evaluate(rule.when, world)
        rules.append({"rule": rule.id, "title": rule.title, "holds": result.value is True,
                      "verdict": rule.verdict, "weight": rule.weight, "cites": list(rule.cites),
                      "tests": [{"path": e.path, "op": e.op, "expected": _plain(e.expected), "actual": _plain(e.actual),
                                 "verdict": e.verdict} for e in result.evidence]})
    placed = _placed(run, code)
    return {"schema": SCHEMA, "program": code, "name": found.program.get("name"), "verdict": found.verdict,
            "deciding_rule": found.deciding, "score": found.score, "placed": placed,
            "reasons": [{"rule": r.rule, "text": r.text, "cites": list(r.cites)} for r in found.reasons],
            "overridden": [{"rule": r.rule, "verdict": r.verdict, "text": r.text} for r in found.overridden],
            "rules": rules}


def _placed(run: PlanRun, code: str) -> str:
    for s in run.services:
        for k, v in enumerate(s.proposed):
            if v.code == code:
                return f"proposed, rank {k + 1} of {len(s.proposed)} on {s.service}"
        if any(v.code == code for v in s.reserve):
            return f"possible but not proposed on {s.service}: past the targeted number or the cap"
    return "not proposed: skipped"


def _plain(value):
    """A value of the evidence as JSON holds it: a pair as a list, a moment (status.now) as
    ISO text."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return list(value) if isinstance(value, tuple) else value


def text(doc: dict) -> str:
    out = [f"{doc['program']} {doc['name']}: {doc['verdict']} ({doc['placed']})",
           f"  decided by {doc['deciding_rule']}"]
    for r in doc["reasons"]:
        out.append(f"  because {r['text']} [{', '.join(r['cites'])}]")
    for r in doc["overridden"]:
        out.append(f"  overridden: {r['rule']} proposed {r['verdict']}: {r['text']}")
    out.append("  rules that did not hold:")
    for r in doc["rules"]:
        if r["holds"]:
            continue
        tests = "; ".join(f"{t['path']} {t['op']} {as_written(t['expected'])}: actual {as_written(t['actual'])} -> "
                          f"{'unknown' if t['verdict'] is None else t['verdict']}" for t in r["tests"])
        out.append(f"    - {r['rule']} ({r['verdict'] or 'weight'}): {tests}")
    return "\n".join(out) + "\n"

