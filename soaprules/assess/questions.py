"""What to ask a student, and in which order, derived from the schema and the packs.

Nothing here lists fields by hand. A question is a profile path: its text, type and
choices come from the pydantic field (via profile.fields), and whether it is asked at
all comes from the loaded rules: a path is asked only when some rule still able to
fire reads it. So a field added to the schema, and read by a rule, becomes a
question with no change here.

Order: the phase first (it decides which rules can fire at all), then, again and
again, the unknown field of the advice's `unknowns` that would change the most
decisions and high-priority recommendations.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from soaprules.lang import analysis
from soaprules.profile.paths import get
from soaprules.lang.evaluate import World, evaluate
from soaprules.profile.fields import FieldSpec, item_fields, model_fields, profile_fields

PHASE = "status.phase"
NOW = "status.now"  # the timeline (where in Match Week) is computed from it
HIGH_PRIORITIES = ("critical", "high")
_ENTRY = re.compile(r"^(?P<list>[a-z0-9_.]+)\[(?P<index>\d+)\]\.(?P<field>[a-z0-9_]+)$")


@dataclass(frozen=True)
class Question:
    """One thing to ask. kind: field (a value), any (does a list have entries?),
    more (add another entry?)."""

    path: str  # status.phase, red_flags, red_flags[0].kind
    spec: FieldSpec
    kind: str = "field"
    entry: tuple[str, int] | None = None  # (list path, index) for a question about one entry

    @property
    def shown_path(self) -> str:
        """The path shown beside the question (and accepted by --answer)."""
        return self.entry[0] if self.kind == "more" else self.path

    @property
    def heading(self) -> str:
        """Where the question sits, from the descriptions of the sections around it."""
        if self.entry:
            list_path, index = self.entry
            return f"{_title(profile_fields()[list_path].description)}, entry {index + 1}"
        parts = self.path.split(".")
        parents = [profile_fields()[".".join(parts[:i])].description for i in range(1, len(parts))]
        return " > ".join(_title(p) for p in parents) or _title(self.spec.description)

    @property
    def examples(self) -> tuple:
        """For "any entries?", the choices of an entry's first field, so the student knows what counts."""
        if self.kind != "any":
            return ()
        first = next(iter(model_fields(self.spec.model).values()), None)
        return first.values if first is not None and first.kind == "enum" and len(first.values) <= 10 else ()

    @property
    def text(self) -> str:
        if self.kind == "any":
            return f"{_title(self.spec.description)}: do you have any?"
        if self.kind == "more":
            return f"Add another entry to {_title(self.spec.description).split(',')[0].lower()}?"
        from soaprules.assess.words import question  # second person: "Do you need a visa...?"
        return question(_student(self.spec.description), yes_no=self.spec.kind == "bool", entry=bool(self.entry))


def _title(description: str) -> str:
    from soaprules.assess.words import heading  # "Where you are in the cycle", no raw field names
    return heading(_student(description).rstrip("."))


def _student(description: str) -> str:
    """The schema's description, said to the student: 'you', not 'the applicant' (its heuristic
    IDs are kept apart, as the field's cites)."""
    text = (description or "").strip()
    for old, new in (("the applicant is", "you are"), ("the applicant's", "your"), ("the applicant", "you")):
        text = text.replace(old, new)
    return text


def question_for(path: str) -> Question:
    """The question that asks for `path` (a profile path, or an entry path like red_flags[0].kind)."""
    found = _ENTRY.match(path)
    if found:
        list_path, index = found["list"], int(found["index"])
        return Question(path, item_fields(list_path)[found["field"]], entry=(list_path, index))
    spec = profile_fields()[path]
    return Question(path, spec, kind="any" if spec.kind == "items" else "field")


def more_question(list_path: str, index: int) -> Question:
    return Question(f"{list_path}[{index}]+", profile_fields()[list_path], kind="more", entry=(list_path, index))


# ---- what each rule reads --------------------------------------------------------------

@dataclass(frozen=True)
class Reads:
    paths: frozenset  # profile paths, lists included
    items: dict  # list path -> item field names read inside its where-clauses
    timeline: bool
    inputs: frozenset  # ("decision" | "derived", name)


def reads(rule) -> Reads:
    paths, items, inputs, timeline = set(), {}, set(), False
    for read in analysis.reads(rule.when):
        if read.scope == "list":
            paths.add(read.list_path)
            items.setdefault(read.list_path, set())
        elif read.scope == "item":
            items.setdefault(read.list_path, set()).add(read.name)
        elif read.scope == "profile":
            paths.add(read.name)
        elif read.scope == "timeline":
            timeline = True
        else:
            inputs.add(read.fact)
    return Reads(frozenset(paths), {k: frozenset(v) for k, v in items.items()}, timeline, frozenset(inputs))


def phases() -> tuple:
    return profile_fields()[PHASE].values


def _possible(rule, data: dict) -> bool:
    """Not ruled out by what is known: three-valued evaluation is not False."""
    return evaluate(rule.when, World(data)).value is not False


def timeline_phases(book) -> tuple:
    """Phases in which Match-Week timing matters. Rules that read the calendar but test no
    phase (the outreach-window rules) apply wherever the clock matters; the packs' own
    phase-gated calendar rules say where that is. No such rule: every phase."""
    gated = [r for r in book.rules if reads(r).timeline and PHASE in reads(r).paths]
    if not gated:
        return phases()
    return tuple(p for p in phases() if any(_possible(r, {"status": {"phase": p}}) for r in gated))


def rules_for_phase(book, phase: str | None) -> list:
    """Rules that can still fire once the phase is known (all rules when it is not)."""
    if phase is None:
        return list(book.rules)
    data = {"status": {"phase": phase}}
    clock = phase in timeline_phases(book)
    return [r for r in book.rules if _possible(r, data) and (clock or not _reads_only_clock(r))]


def _reads_only_clock(rule) -> bool:
    found = reads(rule)
    return found.timeline and not found.paths and not found.inputs


def phase_paths(book, phase: str | None) -> list[str]:
    """Every question path the phase's rules read, in schema order (for the time estimate)."""
    wanted = set()
    clock = phase is None or phase in timeline_phases(book)
    for rule in rules_for_phase(book, phase):
        found = reads(rule)
        wanted |= found.paths
        wanted |= {NOW} if found.timeline and clock else set()
    if not clock:  # a rule may test status.now directly; outside Match Week it is never asked
        wanted.discard(NOW)
    order = list(profile_fields())
    return sorted((p for p in wanted if profile_fields()[p].kind != "section"), key=order.index)


def entry_fields(book, list_path: str, phase: str | None) -> list[str]:
    """Fields of one entry of `list_path` that the phase's rules read, in schema order."""
    wanted = set()
    for rule in rules_for_phase(book, phase):
        wanted |= reads(rule).items.get(list_path, frozenset())
    return [name for name in item_fields(list_path) if name in wanted]


# ---- what an answer would change --------------------------------------------------------

def impacts(book) -> dict[str, frozenset]:
    """rule id -> the decisions, high-priority recommendations and policy bounds that the
    rule's firing can change, directly or through the rules reading what it derives."""
    consumers: dict = {}
    for rule in book.rules:
        for name in reads(rule).inputs:
            consumers.setdefault(name, []).append(rule)
    memo: dict[str, frozenset] = {}

    def reach(rule, visiting: frozenset) -> frozenset:
        if rule.id in memo:
            return memo[rule.id]
        then = rule.then
        out = {f"decision:{n}" for n in then.decide}
        if then.recommend and then.recommend.priority in HIGH_PRIORITIES:
            out.add(f"recommendation:{rule.recommendation_id}")
        if then.bound:
            out.add(f"bound:{rule.id}")
        outputs = [("decision", n) for n in then.decide] + [("derived", n) for n in then.derive]
        for output in outputs:
            for other in consumers.get(output, []):
                if other.id not in visiting:
                    out |= reach(other, visiting | {rule.id})
        memo[rule.id] = frozenset(out)
        return memo[rule.id]

    return {rule.id: reach(rule, frozenset()) for rule in book.rules}


@dataclass(frozen=True)
class Candidate:
    question: Question
    changes: frozenset  # what answering could change
    rules: tuple  # rule ids that answering could decide

    def key(self) -> tuple:
        return (-len(self.changes), -len(self.rules), _schema_rank(self.question.path))


def _schema_rank(path: str) -> tuple:
    found = _ENTRY.match(path)
    order = list(profile_fields())
    if found:
        fields = list(item_fields(found["list"]))
        return (order.index(found["list"]), int(found["index"]), fields.index(found["field"]))
    return (order.index(path), -1, -1)


def ranked(run, advice: dict, asked: set) -> list[Candidate]:
    """Unanswered questions, most useful first. `run` is the session Evaluation behind
    `advice`; its `unknowns` name the missing paths and the rules each would decide."""
    book, data = run.program.book, run.data
    effect = _impact_table(book)
    found: dict[str, set] = {}
    for unknown in advice["unknowns"]:
        for path in _questions_behind(book, unknown["path"], unknown["rules"], data):
            found.setdefault(path, set()).update(unknown["rules"])
    for path, rules in _clock_unknowns(run).items():
        found.setdefault(path, set()).update(rules)
    out = [Candidate(question_for(p), frozenset().union(*(effect[r] for r in rules)), tuple(sorted(rules)))
           for p, rules in found.items() if p not in asked]
    return sorted(out, key=Candidate.key)


_IMPACTS: dict[int, tuple] = {}


def _impact_table(book) -> dict:
    """impacts() once per loaded rule book (the book object is kept, so its id stays unique)."""
    if id(book) not in _IMPACTS:
        _IMPACTS[id(book)] = (book, impacts(book))
    return _IMPACTS[id(book)][1]


def _questions_behind(book, path: str, rule_ids: list, data: dict) -> list[str]:
    """The questions that would make `path` known: itself, or the missing fields of the
    entries already given when the unknown is a count over a list."""
    if _ENTRY.match(path):
        return [path]
    spec = profile_fields().get(path)
    if spec is None or spec.kind == "section":
        return []
    entries = get(data, path) if spec.kind == "items" else None
    if entries is None:
        return [path]
    wanted = set()
    for rule_id in rule_ids:
        wanted |= reads(book.rule(rule_id)).items.get(path, frozenset())
    return [f"{path}[{i}].{name}" for i, entry in enumerate(entries)
            for name in item_fields(path) if name in wanted and entry.get(name) is None]


def _clock_unknowns(run) -> dict[str, set]:
    """`unknowns` leaves the timeline out (it is not a profile path); it comes from status.now."""
    book, data = run.program.book, run.data
    phase = get(data, PHASE)
    if get(data, NOW) is not None or (phase is not None and phase not in timeline_phases(book)):
        return {}
    fired = {f.rule.id for f in run.firings}
    waiting = set()
    for rule in book.rules:
        if rule.id in fired or not reads(rule).timeline:
            continue
        result = evaluate(rule.when, run.world)
        if result.value is None and any(e.scope == "timeline" and e.verdict is None for e in result.evidence):
            waiting.add(rule.id)
    return {NOW: waiting} if waiting else {}
