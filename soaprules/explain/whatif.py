"""What-if: the smallest sets of changes to actionable levers that reach a target, and
the diff a manual change makes.

The search is exhaustive up to `max_changes` and keeps only change sets none of whose
proper subsets already works, so every answer is a minimal alternative. It is bounded: past
MAX_CHANGE_SETS evaluated change sets it stops, and the result says so (`complete`,
`exhaustive_to`) instead of claiming to be exhaustive. Entries of a list that agree on
every field the target's rules read are interchangeable, so a change set is tried once for
all the ways of spreading it over such entries. To stay fast it
(1) considers only levers that some rule behind the target reads (the target's cone:
the rules proposing it and, recursively, the rules writing the derived facts and
decisions they read), and (2) evaluates only that cone with the pure-Python reference
matcher. Each answer is then re-evaluated through the normal engine path, which is
what the report shows: whether it really reaches the target, and what else it moves.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
import re
from itertools import combinations, permutations, product
from math import factorial, perm

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

# The search evaluates at most this many change sets, and looks at (most it skips at once as
# not minimal, or as the same as one already tried) at most MAX_SCANNED; then it stops and
# says so. No shipped fixture comes near either (the largest tries a few hundred).
MAX_CHANGE_SETS = 2000
MAX_SCANNED = 300_000
# Answers that stand for the same changes to entries the rules cannot tell apart are listed
# one by one when there are at most this many in all; past that, each is shown once with
# the number of others like it.
SPELL_OUT = 100
# The report re-evaluates at most this many answers through the engine; it says how many it left out.
MAX_REPORTED = 200


@dataclass
class Search:
    target: Target
    max_changes: int
    candidates: list = field(default_factory=list)
    solutions: list = field(default_factory=list)  # tuples of Change, smallest first
    tried: int = 0
    already: bool = False
    total: int = 0  # every change set of at most max_changes (no two values for one field)
    complete: bool = True  # False: stopped at MAX_CHANGE_SETS or MAX_SCANNED
    exhaustive_to: int = 0  # every change set up to this size was tried (or one just like it)
    alike: list = field(default_factory=list)  # (list path, entry indices) the rules cannot tell apart
    stands_for: list = field(default_factory=list)  # per solution: how many change sets it stands for


def search(program: Program, profile: Profile, target: Target, max_changes: int = 3,
           limit: int | None = None) -> Search:
    """Inclusion-minimal change sets of at most `max_changes` that reach `target`, smallest first.

    Exhaustive unless it runs past `limit` evaluated change sets (MAX_CHANGE_SETS by default)
    or MAX_SCANNED looked at; then `complete` is False and `exhaustive_to` says up to which
    size every set was tried. Entries of a list that agree on every field the target's rules
    read are interchangeable: changes to them are tried for the first ones only, and answers
    found that way stand for the same changes to the others (listed, up to SPELL_OUT)."""
    book = program.book
    data = profile.model_dump(by_alias=True, exclude_none=True, mode="python")
    rule_ids, reads = cone(book, target)
    sub = cone_program(program, rule_ids)
    found = Search(target, max_changes)
    found.already = reached(evaluate_profile(sub, profile, ReferenceMatcher()), target)
    if found.already:
        return found
    found.candidates = cands = candidate_changes(book.levers, data, reads)
    found.total = _count_sets(cands, max_changes)
    sym = _Symmetry(cands, data, reads, max_changes)
    found.alike = sym.alike
    limit = MAX_CHANGE_SETS if limit is None else limit
    solved: set[frozenset] = set()
    canonical: list[tuple] = []
    scanned = 0
    for size in range(1, max_changes + 1):
        for combo in combinations(sym.pool, size):
            scanned += 1
            if scanned > MAX_SCANNED:
                break
            if len({cands[i].key for i in combo}) < size:
                continue
            chosen = frozenset(combo)
            if sym.alike and sym.canon(chosen) != chosen:
                continue  # the same as a set tried in its canonical form
            if any(sym.canon(frozenset(part)) in solved for k in range(1, size) for part in combinations(combo, k)):
                continue  # a smaller set already works: not minimal
            if found.tried >= limit:
                break
            found.tried += 1
            changed = _validated(apply_changes(data, [cands[i] for i in combo]))
            if changed is not None and reached(evaluate_profile(sub, changed, ReferenceMatcher()), target):
                solved.add(chosen)
                canonical.append(combo)
        else:
            found.exhaustive_to = size
            continue
        found.complete = False
        break
    combos, found.stands_for = sym.expand(canonical)
    found.solutions = [tuple(cands[i] for i in combo) for combo in combos]
    return found


def _count_sets(cands: list, max_changes: int) -> int:
    """How many change sets of 1..max_changes there are, at most one change per key."""
    sizes: dict = {}
    for c in cands:
        sizes[c.key] = sizes.get(c.key, 0) + 1
    e = [1] + [0] * max_changes  # elementary symmetric sums of the key groups' sizes
    for g in sizes.values():
        for k in range(max_changes, 0, -1):
            e[k] += e[k - 1] * g
    return sum(e[1:])


class _Symmetry:
    """Entries of one list that agree on every field the target's rules read (and so on every
    lever the search may pull) are interchangeable: no condition names an entry by position,
    and what rules conclude are constants. A change set is tried only in its canonical form,
    with the changes given to the first entries of each such group, in a fixed order."""

    def __init__(self, cands: list, data: dict, reads: set[str], max_changes: int):
        self.slot: dict[int, tuple] = {}  # candidate -> (group, entry index, local key)
        self.at: dict[tuple, int] = {}  # (group, entry index, local key) -> candidate
        self.members: dict = {}  # group -> entry indices, ascending
        self.alike: list = []
        entry = re.compile(r"^(.*?)\[(\d+)\]\.(.*)$")
        by_head: dict[str, dict] = {}
        for i, c in enumerate(cands):
            m = entry.match(c.path)
            if not m:
                continue
            head, index = m.group(1), int(m.group(2))
            groups = by_head.get(head)
            if groups is None:
                groups = by_head[head] = self._groups(head, data, reads)
            group = groups[index]
            local = (m.group(3), c.op, repr(plain(c.value)))
            self.slot[i] = (group, index, local)
            self.at[(group, index, local)] = i
        for head, groups in by_head.items():
            for index, group in sorted(groups.items()):
                self.members.setdefault(group, []).append(index)
        self.alike = [(g[0], m) for g, m in self.members.items() if len(m) > 1]
        rank = {(g, ix): r for g, m in self.members.items() for r, ix in enumerate(m)}
        # changes to the first max_changes entries of a group are enough to stand for all
        self.pool = [i for i in range(len(cands)) if i not in self.slot
                     or rank[self.slot[i][:2]] < max_changes]

    @staticmethod
    def _groups(head: str, data: dict, reads: set[str]) -> dict[int, tuple]:
        fields = sorted({r.partition("[].")[2] for r in reads if r.startswith(head + "[].")})
        entries = get_value(data, head) or []
        return {i: (head, tuple(repr(plain(get_value(e, f))) for f in fields)) for i, e in enumerate(entries)}

    def _patterns(self, chosen) -> tuple[list, dict]:
        plain_part, per_entry = [], {}
        for i in chosen:
            if i not in self.slot:
                plain_part.append(i)
                continue
            group, index, local = self.slot[i]
            per_entry.setdefault(group, {}).setdefault(index, []).append(local)
        return plain_part, {g: sorted(tuple(sorted(p)) for p in e.values()) for g, e in per_entry.items()}

    def canon(self, chosen: frozenset) -> frozenset:
        """The canonical form of a change set: per group, patterns in order on the first entries."""
        if not self.alike:
            return chosen
        plain_part, groups = self._patterns(chosen)
        out = list(plain_part)
        for group, pats in groups.items():
            for index, pat in zip(self.members[group], pats):
                out += [self.at[(group, index, local)] for local in pat]
        return frozenset(out)

    def _orbit_size(self, combo) -> int:
        _, groups = self._patterns(combo)
        n = 1
        for group, pats in groups.items():
            size = len(self.members[group])
            n *= perm(size, len(pats))
            for pat in set(pats):
                n //= factorial(pats.count(pat))
        return n

    def _orbit(self, combo) -> list[tuple]:
        plain_part, groups = self._patterns(combo)
        choices = []
        for group, pats in groups.items():
            ways = set()
            for indices in permutations(self.members[group], len(pats)):
                ways.add(frozenset(self.at[(group, ix, local)] for ix, pat in zip(indices, pats) for local in pat))
            choices.append(ways)
        return [tuple(sorted(plain_part + [i for part in parts for i in part])) for parts in product(*choices)]

    def expand(self, canonical: list[tuple]) -> tuple[list[tuple], list[int]]:
        """The answers: every change set each canonical answer stands for, in the order an
        unreduced search finds them, when there are at most SPELL_OUT; else the canonical
        ones, with how many each stands for."""
        if not self.alike:
            return canonical, [1] * len(canonical)
        sizes = [self._orbit_size(c) for c in canonical]
        if sum(sizes) > SPELL_OUT:
            return canonical, sizes
        every = sorted({o for c in canonical for o in self._orbit(c)}, key=lambda t: (len(t), t))
        return every, [1] * len(every)


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
    stands_for = found.stands_for or [1] * len(found.solutions)
    for combo, many in zip(found.solutions[:MAX_REPORTED], stands_for):
        run = evaluate_profile(program, Profile.model_validate(apply_changes(data, combo)))
        if not reached(run, found.target):
            unverified += 1  # the reference and the engine disagree: never report it as a way there
            continue
        solution = {"size": len(combo), "changes": [c.to_dict() for c in combo], "moves": moves(base, build(run))}
        if many > 1:
            solution["alike"] = many - 1  # other change sets just like it, on entries the rules cannot tell apart
        solutions.append(solution)
    searched = {"levers": sorted({c.lever.path for c in found.candidates}),
                "candidate_changes": len(found.candidates), "change_sets_tried": found.tried}
    if not found.already:
        searched.update(change_sets=found.total, complete=found.complete, exhaustive_to=found.exhaustive_to,
                        limit=MAX_CHANGE_SETS)
        if found.alike:
            searched["alike_entries"] = [{"list": head, "entries": list(ix)} for head, ix in found.alike]
    doc = {"schema": SCHEMA, "profile_id": base.get("profile_id"), "target": found.target.to_dict(),
           "max_changes": found.max_changes, "already_reached": found.already,
           "searched": searched, "solutions": solutions}
    if unverified:
        doc["unverified"] = unverified
    if len(found.solutions) > MAX_REPORTED:
        doc["left_out"] = len(found.solutions) - MAX_REPORTED  # found, but neither checked nor shown
    doc["message"] = _message(found, solutions)
    if doc.get("left_out"):
        doc["message"] += f" Only the first {MAX_REPORTED} found are checked and listed; {doc['left_out']} more are left out."
    if not solutions and not found.already:
        doc["held_by"] = held_by(base_run, found.target)
    return doc


def _message(found: Search, solutions: list) -> str:
    goal = found.target.text
    if found.already:
        return f"{goal} already holds; nothing to change."
    if not found.complete:  # never claim exhaustiveness: say where the search stopped
        done = found.exhaustive_to
        stop = (f"Stopped at the search limit: tried {found.tried} of {found.total} possible change sets; "
                + (f"every set of at most {done} change(s) was tried, larger ones only in part. " if done
                   else "not every single change was tried. "))
        if not solutions:
            return stop + (f"No set of at most {done} change(s) reaches {goal}; a larger one not tried may."
                           if done else f"None tried reaches {goal}; one not tried may.")
        return stop + (f"{len(solutions)} way(s) to reach {goal} found so far; the smallest takes "
                       f"{solutions[0]['size']} change(s), and no smaller set works; other ways may exist.")
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
