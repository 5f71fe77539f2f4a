"""What-if: the smallest sets of changes to actionable levers that reach a target, and
the diff a manual change makes.

The search is exhaustive up to `max_changes` and keeps only change sets none of whose
proper subsets already works, so every answer is a minimal alternative. To stay fast it
(1) considers only levers that some rule behind the target reads (the target's cone:
the rules proposing it and, recursively, the rules writing the derived facts and
decisions they read), and (2) evaluates only that cone with the pure-Python reference
matcher. Each answer is then re-evaluated through the normal engine path, which is
what the report shows: whether it really reaches the target, and what else it moves.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from itertools import combinations

import yaml
from pydantic import ValidationError

from soaprules.lang import analysis
from soaprules.profile import paths
from soaprules.advice import build
from soaprules.engine.compile import Program
from soaprules.errors import Diagnostic, UsageError
from soaprules.explain.why import Explainer, Target
from soaprules.explain.nodes import PASSED, UNKNOWN, plain, shown
from soaprules.packs.levers import LoadedLever, field_spec, lever_for, lever_paths, pattern_of, value_problem
from soaprules.profile.model import Profile
from soaprules.engine.session import Evaluation, ReferenceMatcher, evaluate_profile
from soaprules.suggest import closest

SCHEMA = "soaprules/whatif@1"


@dataclass(frozen=True)
class Change:
    path: str  # concrete: geography.open_to_any_region, red_flags[0].disclosed
    op: str  # set | add
    value: object
    before: object = field(compare=False)  # may be a list: not part of equality or hash
    lever: LoadedLever | None = field(default=None, compare=False)

    @property
    def key(self) -> tuple:
        """Changes with the same key cannot be made together (two values for one field)."""
        return (self.path,) if self.op == "set" else (self.path, self.value)

    @property
    def label(self) -> str:
        if self.op == "add":
            return f"{self.path}: add {shown(self.value)}"
        return f"{self.path}: {shown(self.before)} -> {shown(self.value)}"

    def to_dict(self) -> dict:
        out = {"path": self.path, "change": self.op, "value": plain(self.value), "before": plain(self.before),
               "label": self.label}
        if self.lever is not None:
            out.update(lever=self.lever.path, title=self.lever.title, actionable=self.lever.actionable,
                       reason=" ".join(self.lever.reason.split()))
        else:
            out.update(lever=None, actionable=None, reason="no lever names this field")
        return out


# ---- reading and changing profile data -------------------------------------------------

get_value = paths.get


def apply_changes(data: dict, changes) -> dict:
    """A changed copy of profile data (as paths.dump gives it); sections are created as needed."""
    for change in changes:
        if change.op == "add":
            data = paths.append(data, change.path, change.value)
        else:
            data = paths.put(data, change.path, list(change.value) if isinstance(change.value, tuple) else change.value)
    return data


# ---- targets and their cone ------------------------------------------------------------

def reached(run: Evaluation, target: Target) -> bool:
    if target.kind == "decision_value":
        res = run.decisions.get(target.name)
        return res is not None and res.value == target.value
    if target.kind == "decision":
        return target.name in run.decisions
    return run.fired(_rule_id(run.program.book, target)) is not None


def _rule_id(book, target: Target) -> str:
    if target.kind == "recommendation":
        return next(r.id for r in book.rules if r.recommendation_id == target.name)
    return target.name


def _reads(rule) -> tuple[set[str], set[tuple[str, str]]]:
    """Profile path patterns a rule's condition reads, and the (scope, name) facts it depends on."""
    paths, facts = set(), set()
    for read in analysis.reads(rule.when):
        if read.fact:
            facts.add(read.fact)
        else:
            paths.add("status.now" if read.scope == "timeline" else read.pattern)
    return paths, facts


def cone(book, target: Target) -> tuple[set[str], set[str]]:
    """Rule ids that can influence the target, and the profile path patterns they read."""
    if target.kind in ("decision_value", "decision"):
        todo = [r for r in book.rules if target.name in r.then.decide]
    else:
        todo = [book.rule(_rule_id(book, target))]
    rules, paths = set(), set()
    while todo:
        rule = todo.pop()
        if rule.id in rules:
            continue
        rules.add(rule.id)
        read, facts = _reads(rule)
        paths |= read
        todo += [r for r in book.rules if analysis.writes(r) & facts]
    return rules, paths


def _relevant(pattern: str, reads: set[str]) -> bool:
    return any(pattern == r or pattern.startswith(r + ".") for r in reads)


def cone_program(program: Program, rule_ids: set[str]) -> Program:
    """The program restricted to the cone, for the reference matcher (no engine rulesets needed)."""
    strata = [replace(s, rules=[r for r in s.rules if r.id in rule_ids], chunks=[]) for s in program.strata]
    return replace(program, strata=strata)


# ---- candidate changes -----------------------------------------------------------------

def candidate_changes(levers: list[LoadedLever], data: dict, reads: set[str] | None = None) -> list[Change]:
    """Every single change the actionable levers allow that differs from the profile as it is."""
    out = []
    for lever in levers:
        if not lever.actionable or lever.wildcard or (reads is not None and not _relevant(lever.path, reads)):
            continue
        for path in _concrete_paths(lever.path, data):
            before = get_value(data, path)
            for value in lever.values:
                if lever.change == "add":
                    if value not in (before or []):
                        out.append(Change(path, "add", value, before, lever))
                elif plain(value) != plain(before):
                    out.append(Change(path, "set", value, before, lever))
    return out


def _concrete_paths(pattern: str, data: dict) -> list[str]:
    head, sep, rest = pattern.partition("[].")
    if not sep:
        return [pattern]
    items = get_value(data, head) or []
    return [f"{head}[{i}].{rest}" for i in range(len(items))]


# ---- the search ------------------------------------------------------------------------

@dataclass
class Search:
    target: Target
    max_changes: int
    candidates: list = field(default_factory=list)
    solutions: list = field(default_factory=list)  # tuples of Change, smallest first
    tried: int = 0
    already: bool = False


def search(program: Program, profile: Profile, target: Target, max_changes: int = 3) -> Search:
    """Exhaustive search for inclusion-minimal change sets of at most `max_changes` that reach `target`."""
    book = program.book
    data = profile.model_dump(by_alias=True, exclude_none=True, mode="python")
    rule_ids, reads = cone(book, target)
    sub = cone_program(program, rule_ids)
    found = Search(target, max_changes)
    found.already = reached(evaluate_profile(sub, profile, ReferenceMatcher()), target)
    if found.already:
        return found
    found.candidates = cands = candidate_changes(book.levers, data, reads)
    solved: list[frozenset] = []
    for size in range(1, max_changes + 1):
        for combo in combinations(range(len(cands)), size):
            if len({cands[i].key for i in combo}) < size or any(s <= set(combo) for s in solved):
                continue
            found.tried += 1
            changed = _validated(apply_changes(data, [cands[i] for i in combo]))
            if changed is not None and reached(evaluate_profile(sub, changed, ReferenceMatcher()), target):
                solved.append(frozenset(combo))
                found.solutions.append(tuple(cands[i] for i in combo))
    return found


def _validated(data: dict) -> Profile | None:
    try:
        return Profile.model_validate(data)
    except ValidationError:
        return None  # a combination the schema refuses is simply not a way there


# ---- reporting through the engine path -------------------------------------------------

def moves(before: dict, after: dict) -> dict:
    """What a change moves: decisions that change value, recommendations that appear or go."""
    decisions = {}
    for name in sorted(set(before["decisions"]) | set(after["decisions"])):
        old = before["decisions"].get(name, {}).get("value")
        new = after["decisions"].get(name, {}).get("value")
        if old != new:
            decisions[name] = {"from": old, "to": new}
    old_recs = [r["id"] for r in before["recommendations"]]
    new_recs = [r["id"] for r in after["recommendations"]]
    return {"decisions": decisions,
            "recommendations": {"added": [r for r in new_recs if r not in old_recs],
                                "removed": [r for r in old_recs if r not in new_recs]}}


def report(program: Program, profile: Profile, found: Search) -> dict:
    """The what-if document: each solution re-evaluated by the engine, with what else it moves."""
    data = profile.model_dump(by_alias=True, exclude_none=True, mode="python")
    base_run = evaluate_profile(program, profile)
    base = build(base_run)
    solutions, unverified = [], 0
    for combo in found.solutions:
        run = evaluate_profile(program, Profile.model_validate(apply_changes(data, combo)))
        if not reached(run, found.target):
            unverified += 1  # the reference and the engine disagree: never report it as a way there
            continue
        solutions.append({"size": len(combo), "changes": [c.to_dict() for c in combo],
                          "moves": moves(base, build(run))})
    doc = {"schema": SCHEMA, "profile_id": base.get("profile_id"), "target": found.target.to_dict(),
           "max_changes": found.max_changes, "already_reached": found.already,
           "searched": {"levers": sorted({c.lever.path for c in found.candidates}),
                        "candidate_changes": len(found.candidates), "change_sets_tried": found.tried},
           "solutions": solutions}
    if unverified:
        doc["unverified"] = unverified
    doc["message"] = _message(found, solutions)
    if not solutions and not found.already:
        doc["held_by"] = held_by(base_run, found.target)
    return doc


def _message(found: Search, solutions: list) -> str:
    goal = found.target.text
    if found.already:
        return f"{goal} already holds; nothing to change."
    if not solutions:
        return (f"Nothing within reach: no set of at most {found.max_changes} changes to what the student can "
                f"change reaches {goal}.")
    smallest = solutions[0]["size"]
    return f"{len(solutions)} way(s) to reach {goal}; the smallest takes {smallest} change(s)."


def held_by(run: Evaluation, target: Target) -> list[dict]:
    """The inputs behind the why-not that no actionable lever can change, with each one's reason."""
    explainer = Explainer(run)
    if target.kind == "decision_value":
        tree, _ = explainer.why_not_value(target.name, target.value)
    elif target.kind == "decision":
        tree, _ = explainer.why_not_decision(target.name)
    else:
        tree, _ = explainer.why_not_rule(run.program.book.rule(_rule_id(run.program.book, target)))
    out: dict[str, dict] = {}
    for node in _holding(tree):
        path = node.path or ""
        if path.startswith(("derived.", "decision.", "timeline.")):
            continue
        lever = lever_for(run.program.book.levers, path)
        if node.verdict == UNKNOWN or node.value is None:
            reason = "the profile does not say; filling it in lets the rules decide"
        elif lever is not None and lever.actionable:
            continue
        else:
            reason = " ".join(lever.reason.split()) if lever else "no lever names this field, so what-if leaves it alone"
        out.setdefault(path, {"path": path, "value": plain(node.value), "reason": reason})
    return list(out.values())


def _holding(node):
    """Input values that keep a why-not as it is: what makes the deciding rule and the rules in
    the way fire, and the conditions of candidate rules that fail; not what was overridden, nor
    the conditions that already pass."""
    if node.kind == "overridden" or node.verdict == PASSED or (node.kind == "actual" and not node.detail["in_the_way"]):
        return
    missing_list = node.kind == "some" and node.value is None
    if node.kind == "input" or (node.kind == "condition" and node.verdict != PASSED) or missing_list:
        yield node
    for child in node.children:
        yield from _holding(child)


# ---- manual changes: --set path=value ---------------------------------------------------

def parse_set(text: str, data: dict, levers: list[LoadedLever]) -> Change:
    """`geography.open_to_any_region=true`, `red_flags[0].disclosed=true`, `geography.regions+=south`."""
    if "=" not in text:
        raise UsageError(Diagnostic(f"--set needs path=value, not '{text}'", hint="e.g. --set geography.open_to_any_region=true"))
    path, _, raw = text.partition("=")
    op = "add" if path.endswith("+") else "set"
    path = path.removesuffix("+").strip()
    spec = field_spec(pattern_of(path))
    if spec is None or spec.kind in ("section", "items", "datetime"):
        raise UsageError(Diagnostic(f"'{path}' is not a field --set can change",
                                    suggestion=closest(pattern_of(path), lever_paths()),
                                    hint="use a profile path; entries of a list by index: red_flags[0].disclosed"))
    if "[" in path and get_value(data, path.rsplit(".", 1)[0]) is None:
        raise UsageError(Diagnostic(f"the profile has no entry {path.rsplit('.', 1)[0]}"))
    value = _parse_value(raw, path)
    problem = _set_problem(spec, op, value)
    if problem:
        raise UsageError(Diagnostic(f"--set {text}: {problem}", expected=spec.describe_type(),
                                    suggestion=closest(value, spec.values) if spec.values and not isinstance(value, list)
                                    else None))
    value = tuple(value) if isinstance(value, list) else value
    return Change(path, op, value, get_value(data, path), lever_for(levers, path))


def _parse_value(raw: str, path: str):
    try:
        return yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        raise UsageError(Diagnostic(f"cannot read the value given for {path}: '{raw}'",
                                    hint="write it as in a profile: true, 10, internal_medicine, [midwest, south]"))


def _set_problem(spec, op: str, value) -> str | None:
    if op == "add":
        if spec.kind != "enum_list":
            return f"+= adds to a list of choices; {spec.path} is {spec.describe_type()}"
        return value_problem(spec, value)
    if spec.kind == "enum_list":
        if not isinstance(value, list):
            return f"{spec.path} is a list: write [a, b], or add one value with +="
        return next((p for p in map(lambda v: value_problem(spec, v), value) if p), None)
    return value_problem(spec, value)


def manual(program: Program, profile: Profile, changes: list[Change]) -> dict:
    """The diff of decisions and recommendations a manual change makes (engine path)."""
    data = profile.model_dump(by_alias=True, exclude_none=True, mode="python")
    try:
        changed = Profile.model_validate(apply_changes(data, changes))
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise UsageError(Diagnostic(f"the changed profile is not valid at {where}: {err['msg']}"))
    base, after = build(evaluate_profile(program, profile)), build(evaluate_profile(program, changed))
    return {"schema": SCHEMA, "profile_id": base.get("profile_id"), "changes": [c.to_dict() for c in changes],
            "moves": moves(base, after)}
