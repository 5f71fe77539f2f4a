"""Pack tests: YAML files of profiles and the advice the packs must give them.

Test files live in a `tests/` folder beside the packs (rules/tests/*.yaml). Pack
discovery reads only the *.yaml files directly in a folder, so it never mistakes a
test file for a pack, and the `tests:` key at the top of a test file makes a pack
loader refuse it loudly if pointed at one.

    tests: soaprules/pack-tests@1
    covers: [core]                  # the packs whose rules these tests are meant to exercise
    cases:
      - name: the quiet star is Tier 1
        profile: profiles/rs20-quiet-star.yaml   # beside the tests, or the profile itself, inline
        decisions: {rescue_tier: 1, advocacy_bucket: {value: push_hard, rule: advocacy-push-hard}}
        absent: [post_match_track]
        recommends: [nr-programs-call-first]
        forbids: [nr-soap-cap]
        fires: [nr-03-soap-contact-bound]
        silent: [tier-3-dishonesty]     # rules that must not fire
        priority: {nr-programs-call-first: critical}
        order: [nr-programs-call-first, rs-tier-1-this-week]   # given, in this order

A profile file is read only from inside the pack's own folder (the one holding tests/;
its parent too when that is a pack tree loaded in the same run: own_folder), and its
error snippets come from the text read, never from another file.

Tests beside a pack run against that pack and every pack given before it on the
command line, so `soaprules test rules/ my-overlay/` checks the shipped packs' tests
without the overlay, and the overlay's tests with it.

Coverage is per rule (did any case fire it) and per condition (was each test of a
rule's condition seen both true and false across the cases, by the reference
evaluator); it is measured over the packs the test files say they cover, and the
packs no test file covers are listed.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from soaprules.lang import conditions as cond
from soaprules.lang import analysis
from soaprules.errors import Diagnostic, InputFileError, PackTestError, SoapError
from soaprules.profile import paths
from soaprules.files import read_bytes
from soaprules.packs.load import PACK_SUFFIXES, LoadedRule, RuleBook, pack_files
from soaprules.profile.model import Profile
from soaprules.profile.load import validate_profile
from soaprules.lang.evaluate import World, evaluate
from soaprules.source import MAX_BYTES, Document, decode, load_document, parse_text
from soaprules.suggest import closest, one_of
from soaprules.diagnose import as_written, by_position, kind_of, to_diagnostics

TESTS_SCHEMA = "soaprules/pack-tests@1"
TESTS_DIR = "tests"
Scalar = Union[bool, int, str]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DecisionExpect(_Strict):
    value: Scalar = Field(description="The value the decision must take.")
    rule: Optional[str] = Field(default=None, description="The rule that must decide it.")


class Case(_Strict):
    name: str = Field(min_length=1, description="What this case shows, in a few words.")
    profile: Union[str, dict[str, Any]] = Field(description="A profile file (relative to this test file) or "
                                                            "the profile itself.")
    decisions: dict[str, Union[Scalar, DecisionExpect]] = Field(default_factory=dict)
    absent: list[str] = Field(default_factory=list, description="Decisions that must be left out.")
    recommends: list[str] = Field(default_factory=list, description="Recommendation ids that must be given.")
    forbids: list[str] = Field(default_factory=list, description="Recommendation ids that must not be given.")
    fires: list[str] = Field(default_factory=list, description="Rule ids that must fire.")
    silent: list[str] = Field(default_factory=list, description="Rule ids that must not fire.")
    priority: dict[str, Literal["critical", "high", "medium", "low"]] = Field(
        default_factory=dict, description="Recommendation ids that must be given at this priority.")
    order: list[str] = Field(default_factory=list, description="Recommendation ids that must be given, in this "
                                                               "order in the report (others may come between).")

    def checks(self) -> bool:
        return any(getattr(self, key) for key in CHECKS)


CHECKS = tuple(key for key in Case.model_fields if key not in ("name", "profile"))  # what a case can check


class TestFile(_Strict):
    __test__ = False  # not a pytest class
    tests: str = Field(description=f"Format version: {TESTS_SCHEMA}.")
    covers: list[str] = Field(description="Names of the packs these tests are meant to cover.")
    cases: list[Any] = Field(min_length=1)


class _Root(_Strict):
    """The whole file with its cases typed: the model error messages name fields from."""

    tests: str
    covers: list[str]
    cases: list[Case]


@dataclass
class LoadedCase:
    case: Case
    file: str
    line: int
    profile: Profile
    index: int  # its place under cases:, for positions


@dataclass
class LoadedTests:
    file: str
    covers: list
    cases: list


# ---- loading ---------------------------------------------------------------------------

def load_tests(path: str | Path, packs: Iterable[Path] = ()) -> tuple[LoadedTests, list[Diagnostic]]:
    """Shape and profiles of one test file; errors are returned, every one of them.
    `packs`: the packs the tests run against (a profile may be read from a parent pack
    tree only when it is one of them: own_folder)."""
    doc = load_document(path)
    errors: list[Diagnostic] = []
    if not isinstance(doc.data, dict):
        errors.append(doc.diagnostic((), f"a test file must be a mapping, not {kind_of(doc.data)}",
                                     expected="keys tests, covers, cases"))
        return LoadedTests(doc.file, [], []), errors
    head = _validate(TestFile, doc.data, doc, (), errors)
    if head is None:
        return LoadedTests(doc.file, [], []), errors
    if head.tests != TESTS_SCHEMA:
        errors.append(doc.diagnostic(("tests",), f"'{head.tests}' is not a test file format",
                                     expected=TESTS_SCHEMA))
    cases = []
    for i, raw in enumerate(head.cases):
        case = _validate(Case, raw, doc, ("cases", i), errors)
        if case is None:
            continue
        profile = _profile(case, doc, ("cases", i, "profile"), errors, packs)
        if profile is not None:
            pos = doc.position_of(("cases", i))
            cases.append(LoadedCase(case, doc.file, pos.line if pos else 1, profile, i))
    return LoadedTests(doc.file, list(head.covers), cases), errors


def _validate(model, raw, doc: Document, at: tuple, errors: list):
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        errors.extend(to_diagnostics(doc, exc.errors(), _Root, at))
        return None


def own_folder(test_file: Path, loaded: Iterable[Path] = ()) -> Path:
    """The folder a pack's tests may read from: the one holding their tests/ folder (or,
    for a test file elsewhere, its own folder). It widens to that folder's parent only
    when the parent is itself a rule-pack tree loaded in the same run (`loaded`: the packs
    the tests run against), as rules/plan/tests/ may read rules/tests/profiles/ when
    rules/ is loaded too. Nothing else widens it: not a heuristic catalog found further
    up, not a link (the folders are taken as named, then resolved, so a path through a
    link leading out resolves outside and is refused). Errors quote the files they name."""
    here = Path(os.path.abspath(test_file)).parent  # as named: a linked test file does not move the root
    base = here.parent if here.name == TESTS_DIR else here
    parent = base.parent
    if parent != base and _is_loaded_tree(parent, loaded):
        return parent.resolve()
    return base.resolve()


def _is_loaded_tree(folder: Path, loaded: Iterable[Path]) -> bool:
    """`folder` is a pack directory given to this run, or holds a pack file given to it."""
    target = folder.resolve()
    for pack in map(Path, loaded):
        where = pack if pack.is_dir() else pack.parent
        if where.resolve() == target and any(pack_files([where])):
            return True
    return False


def _profile(case: Case, doc: Document, at: tuple, errors: list, loaded: Iterable[Path] = ()) -> Profile | None:
    try:
        if isinstance(case.profile, str):
            return _profile_file(case, doc, at, errors, loaded)
        return validate_profile(_inline(doc, at, case.profile))[0]
    except SoapError as exc:
        errors.extend(exc.diagnostics)
        return None


def _profile_file(case: Case, doc: Document, at: tuple, errors: list, loaded: Iterable[Path]) -> Profile | None:
    """A case's profile file, read only from inside the pack's own folder; its errors show
    snippets of the text read (never the file read again, which may be another by then)."""
    from soaprules.render.errors import with_source

    path = Path(doc.file).parent / case.profile  # an absolute profile path stays absolute
    root = own_folder(Path(doc.file), loaded)
    try:
        resolved = path.resolve(strict=False)
    except (OSError, RuntimeError):  # a loop of links
        resolved = None
    if resolved is None or not resolved.is_relative_to(root):
        errors.append(doc.diagnostic(at, f"the profile {case.profile} of case '{case.name}' is outside the pack's "
                                         f"folder {root}",
                                     hint="keep test profiles inside the pack (e.g. tests/profiles/), "
                                          "or write the profile inline"))
        return None
    if not resolved.is_file():
        errors.append(doc.diagnostic(at, f"no profile file {case.profile}",
                                     hint=f"paths are relative to the test file: {path}"))
        return None
    shown = str(path)
    text = None
    try:
        text = decode(read_bytes(resolved, MAX_BYTES, what="profile"), shown)  # what was checked is what is read
        return validate_profile(parse_text(text, shown))[0]
    except SoapError as exc:
        for d in exc.diagnostics:  # a snippet only of the text read here; of no other file
            ours = d.file in (shown, str(resolved))
            errors.append(with_source(replace(d, file=shown), text) if ours else with_source(d, None))
        return None


def _inline(doc: Document, at: tuple, data: dict) -> Document:
    """The inline profile as a document of its own, keeping its positions in the test file."""
    n = len(at)
    positions = {k[n:]: v for k, v in doc.positions.items() if k[:n] == at}
    keys = {k[n:]: v for k, v in doc.key_positions.items() if k[:n] == at}
    data = {"schema": "soaprules/profile@1", **data}  # an inline profile may leave the version out
    return Document(doc.file, doc.text, data, positions, keys)


def check_against(tests: LoadedTests, book: RuleBook) -> list[Diagnostic]:
    """Names in the tests that the packs do not have, each with a did-you-mean."""
    doc = load_document(tests.file)
    errors: list[Diagnostic] = []
    packs = [p.name for p in book.packs]
    for k, name in enumerate(tests.covers):
        if name not in packs:
            errors.append(doc.diagnostic(("covers", k), f"pack '{name}' is not loaded", suggestion=closest(name, packs),
                                         expected=one_of(packs)))
    rule_ids = [r.id for r in book.rules]
    rec_ids = [r.recommendation_id for r in book.rules if r.recommendation_id]
    disabled = list(book.overlay.disabled) if book.overlay else []
    named: dict = {}
    for loaded in tests.cases:
        case, at = loaded.case, ("cases", loaded.index)
        if not case.checks():
            errors.append(doc.diagnostic(at + ("name",), f"case '{case.name}' checks nothing, so it passes whatever "
                                         "the packs do", expected=f"one or more of {', '.join(CHECKS[:-1])} or {CHECKS[-1]}"))
        if case.name in named:  # a report naming the case would not say which one failed
            errors.append(doc.diagnostic(at + ("name",), f"case name '{case.name}' is also the name of the case "
                                         f"on line {named[case.name]}", hint="give each case its own name"))
        named.setdefault(case.name, loaded.line)
        for name, expect in case.decisions.items():
            decl = book.decisions.get(name)
            if decl is None:
                errors.append(doc.diagnostic(at + ("decisions", name), f"no decision '{name}'", at_key=True,
                                             suggestion=closest(name, book.decisions),
                                             expected=one_of(book.decisions)))
                continue
            value = expect.value if isinstance(expect, DecisionExpect) else expect
            if value not in decl.values or type(value) is not type(decl.values[0]):
                errors.append(doc.diagnostic(at + ("decisions", name),
                                             f"{as_written(value)} is not a value of decision {name}",
                                             expected=one_of(map(as_written, decl.values)),
                                             suggestion=closest(value, decl.values)))
            if isinstance(expect, DecisionExpect) and expect.rule and expect.rule not in rule_ids:
                errors.append(doc.diagnostic(at + ("decisions", name, "rule"), f"no rule '{expect.rule}'",
                                             suggestion=closest(expect.rule, rule_ids)))
        for k, name in enumerate(case.absent):
            if name not in book.decisions:
                errors.append(doc.diagnostic(at + ("absent", k), f"no decision '{name}'",
                                             suggestion=closest(name, book.decisions)))
        for key, known, what in (("recommends", rec_ids, "recommendation"), ("forbids", rec_ids + disabled,
                                                                             "recommendation"),
                                 ("fires", rule_ids, "rule"), ("silent", rule_ids, "rule"),
                                 ("priority", rec_ids, "recommendation"), ("order", rec_ids, "recommendation")):
            names = getattr(case, key)
            for k, name in enumerate(names):
                if name not in known:
                    errors.append(doc.diagnostic(at + (key, name if isinstance(names, dict) else k),
                                                 f"no rule gives {what} '{name}'" if what == "recommendation"
                                                 else f"no rule '{name}'", at_key=isinstance(names, dict),
                                                 suggestion=closest(name, known)))
        for key, other in (("fires", "silent"), ("recommends", "forbids"), ("order", "forbids"),
                           ("priority", "forbids")):
            for name in set(getattr(case, key)) & set(getattr(case, other)):  # no profile passes both
                errors.append(doc.diagnostic(at + (other,), f"'{name}' is in both {key} and {other}, so the "
                                             "case can never pass", hint="keep it in one of them"))
        for name in {n for n in case.order if case.order.count(n) > 1}:
            errors.append(doc.diagnostic(at + ("order",), f"'{name}' is listed twice in order",
                                         hint="name each recommendation once"))
    return errors


# ---- running ---------------------------------------------------------------------------

@dataclass
class Failure:
    what: str  # decision rescue_tier | recommendation x | rule y
    expected: str
    actual: str
    detail: list = field(default_factory=list)  # lines that explain the actual value


@dataclass
class CaseResult:
    case: LoadedCase
    failures: list

    @property
    def passed(self) -> bool:
        return not self.failures


def run_case(program, case: LoadedCase, coverage: "Coverage | None" = None) -> CaseResult:
    from soaprules.advice import build
    from soaprules.engine.session import evaluate_profile

    run = evaluate_profile(program, case.profile)
    advice = build(run)
    if coverage is not None:
        coverage.observe(run)
    return CaseResult(case, _compare(case.case, run, advice))


def _compare(case: Case, run, advice: dict) -> list[Failure]:
    out = []
    decided = advice["decisions"]
    for name, expect in case.decisions.items():
        value = expect.value if isinstance(expect, DecisionExpect) else expect
        got = decided.get(name)
        if got is None:
            out.append(Failure(f"decision {name}", repr(value), "absent (no rule decided it)",
                               _why_not_any(run, name)))
        elif got["value"] != value:
            out.append(Failure(f"decision {name}", as_written(value),
                               f"{as_written(got['value'])} (decided by rule {got['rule']})",
                               [f"overridden: {as_written(o['value'])} from rule {o['rule']}"
                                for o in got["overridden"]]))
        elif isinstance(expect, DecisionExpect) and expect.rule and got["rule"] != expect.rule:
            out.append(Failure(f"decision {name}", f"{as_written(value)} decided by rule {expect.rule}",
                               f"{as_written(value)} decided by rule {got['rule']}"))
    for name in case.absent:
        if name in decided:
            out.append(Failure(f"decision {name}", "absent", f"{as_written(decided[name]['value'])} (decided by rule "
                                                              f"{decided[name]['rule']})"))
    given = {r["id"]: r for r in advice["recommendations"]}
    for rec_id in case.recommends:
        if rec_id not in given:
            rules = [r for r in run.program.book.rules if r.recommendation_id == rec_id]
            out.append(Failure(f"recommendation {rec_id}", "given", "not given",
                               [line for r in rules for line in _why_not(run, r)]))
    for rec_id in case.forbids:
        if rec_id in given:
            out.append(Failure(f"recommendation {rec_id}", "not given", f"given by rule {given[rec_id]['rule']}"))
    fired = {f.rule.id for f in run.firings}
    for rule_id in case.fires:
        if rule_id not in fired:
            rule = run.program.book.rule(rule_id)
            out.append(Failure(f"rule {rule_id}", "fires", "did not fire", _why_not(run, rule) if rule else []))
    for rule_id in case.silent:
        firing = run.fired(rule_id)
        if firing is not None:
            out.append(Failure(f"rule {rule_id}", "does not fire", "fired", _why(firing)))
    for rec_id, level in case.priority.items():
        got = given.get(rec_id)
        if got is None or got["priority"] != level:
            out.append(Failure(f"recommendation {rec_id}", f"given at priority {level}",
                               "not given" if got is None else f"given at priority {got['priority']} "
                                                               f"by rule {got['rule']}"))
    out += _order(case.order, [r["id"] for r in advice["recommendations"]])
    return out


def _order(wanted: list[str], shown: list[str]) -> list[Failure]:
    """The first recommendation of `wanted` missing, or shown before one listed ahead of it."""
    place = {rec_id: k for k, rec_id in enumerate(shown)}
    for k, rec_id in enumerate(wanted):
        if rec_id not in place:
            return [Failure(f"recommendation {rec_id}", f"given, after {wanted[k - 1]}" if k else "given",
                            "not given")]
        if k and place[rec_id] < place[wanted[k - 1]]:
            return [Failure(f"recommendation {rec_id}", f"after {wanted[k - 1]}",
                            f"item {place[rec_id] + 1} of the report, before it (item {place[wanted[k - 1]] + 1})")]
    return []


def _why(firing) -> list[str]:
    """The tests of a firing's condition that made it true."""
    return [_test_line(firing.rule.id, e) for e in firing.because]


def _why_not(run, rule: LoadedRule) -> list[str]:
    """The tests of the rule's condition that were false or unknown for this profile."""
    return [_test_line(rule.id, e) for e in evaluate(rule.when, run.world).evidence if e.verdict is not True]


def _test_line(rule_id: str, e) -> str:
    """One test of a rule's condition, its verdict and the actual value."""
    expected = "" if e.op in ("exists", "missing") or e.expected is None else f" {as_written(e.expected)}"
    param = f" (${e.param})" if e.param else ""
    verdict = {True: "true", False: "false", None: "unknown"}[e.verdict]
    actual = "unknown" if e.actual is None else e.actual
    return f"rule {rule_id}: {e.path} {e.op}{expected}{param} is {verdict}: actual {actual}"


def _why_not_any(run, decision: str) -> list[str]:
    rules = [r for r in run.program.book.rules if decision in r.then.decide]
    return [line for r in rules for line in _why_not(run, r)][:8]


# ---- coverage --------------------------------------------------------------------------

@dataclass
class Coverage:
    """Firings and condition verdicts of the covered rules, gathered over every case."""

    rules: dict = field(default_factory=dict)  # (pack, id) -> LoadedRule
    fired: set = field(default_factory=set)  # (pack, id)
    verdicts: dict = field(default_factory=dict)  # (pack, id, at) -> set of True/False
    conditions: dict = field(default_factory=dict)  # (pack, id, at) -> (rule, node)

    def cover(self, book: RuleBook, packs: set) -> None:
        for rule in book.rules:
            if rule.pack in packs:
                self.rules[(rule.pack, rule.id)] = rule
                for node, _ in analysis.leaves(rule.when):
                    key = (rule.pack, rule.id, node.at)
                    self.conditions[key] = (rule, node)
                    self.verdicts.setdefault(key, set())

    def observe(self, run) -> None:
        fired = {f.rule.id for f in run.firings}
        for (pack, rule_id), rule in self.rules.items():
            if run.program.book.rule(rule_id) is not rule:
                continue  # another run's book: this rule is not the one that ran here
            if rule_id in fired:
                self.fired.add((pack, rule_id))
            for node, in_list in analysis.leaves(rule.when):
                seen = self.verdicts[(pack, rule_id, node.at)]
                for verdict in _verdicts(node, in_list, run.world):
                    if verdict is not None:
                        seen.add(verdict)

    @property
    def rule_percent(self) -> float:
        return 100.0 * len(self.fired & set(self.rules)) / len(self.rules) if self.rules else 0.0

    @property
    def condition_percent(self) -> float:
        both = sum(1 for v in self.verdicts.values() if v >= {True, False})
        return 100.0 * both / len(self.verdicts) if self.verdicts else 0.0

    def unfired(self) -> list[LoadedRule]:
        return sorted((r for k, r in self.rules.items() if k not in self.fired), key=lambda r: (r.file, r.line))

    def one_sided(self) -> list[tuple]:
        """(rule, node, what was never seen) for every condition not seen both ways."""
        out = []
        for key, seen in self.verdicts.items():
            if seen >= {True, False}:
                continue
            rule, node = self.conditions[key]
            missing = "never true or false (always unknown)" if not seen else \
                "never false" if True in seen else "never true"
            out.append((rule, node, missing))
        return sorted(out, key=lambda t: (t[0].file, t[0].line, repr(t[1].at)))


def _verdicts(node, in_list: str | None, world: World) -> list:
    if in_list is None:
        value = evaluate(node, world).value
        if value is None and isinstance(node, cond.Test) and node.ref.scope == "derived":
            value = False  # a fact no rule derived is never false, only absent: absent is its "not holding"
        return [value]
    items = paths.items(world.data, in_list) or []
    return [evaluate(node, world, item, f"{in_list}[{i}]").value for i, item in enumerate(items)
            if isinstance(item, dict)]


# ---- which tests run against which packs ------------------------------------------------

@dataclass
class Suite:
    packs: list  # the packs this suite's tests run against
    files: list  # test files
    only: set | None  # for a pack given as a file: test files must cover one of these packs


def suites(packs: list[Path], extra_tests: list[Path] = ()) -> list[Suite]:
    """Tests beside each pack, run against it and every pack before it; extra tests against all."""
    found: dict[Path, list] = {}  # tests folder -> [last index, names or None]
    for index, pack in enumerate(packs):
        folder = (pack if pack.is_dir() else pack.parent) / TESTS_DIR
        if not folder.is_dir():
            continue
        names = None if pack.is_dir() else {_pack_name(pack)}
        prev = found.get(folder)
        if prev is not None:
            names = None if prev[1] is None or names is None else prev[1] | names
        found[folder] = [index, names]
    out = [Suite(packs[: index + 1], _test_files(folder), names)
           for folder, (index, names) in sorted(found.items(), key=lambda kv: kv[1][0])]
    if extra_tests:
        out.append(Suite(list(packs), list(extra_tests), None))
    return out


def _test_files(folder: Path) -> list[Path]:
    """The *.yaml and *.yml files of a tests/ folder, as packs are found: a .yml test file
    skipped would have its cases never run, and say nothing."""
    return sorted(p for p in folder.iterdir() if p.name.lower().endswith(PACK_SUFFIXES) and p.is_file())


def _pack_name(path: Path) -> str | None:
    try:
        data = load_document(path).data
    except InputFileError:
        return None
    return data.get("name") if isinstance(data, dict) else None


# ---- the whole run -----------------------------------------------------------------------

@dataclass
class Outcome:
    results: list  # CaseResult, in file order
    coverage: Coverage
    untested: list  # (pack name, number of rules) of loaded packs no test file covers
    files: int

    @property
    def failed(self) -> list:
        return [r for r in self.results if not r.passed]


def run(packs: list[Path], extra_tests: list[Path] = ()) -> Outcome:
    """Load every suite's packs and tests, run every case; bad test files raise PackTestError."""
    from soaprules.pipeline import program_for

    plan = suites(packs, extra_tests)
    coverage = Coverage()
    loaded, errors = [], []
    for suite in plan:
        program = program_for(suite.packs)
        for path in suite.files:
            tests, found = load_tests(path, suite.packs)
            if suite.only is not None and not (set(tests.covers) & suite.only):
                continue
            found += check_against(tests, program.book) if not found else []
            errors += found
            loaded.append((suite, program, tests))
    if errors:
        raise PackTestError(sorted(errors, key=by_position))
    for suite, program, tests in loaded:
        coverage.cover(program.book, set(tests.covers))
    results = [run_case(program, case, coverage) for _, program, tests in loaded for case in tests.cases]
    covered = {name for _, _, tests in loaded for name in tests.covers}
    everything = program_for(packs).book if packs else None
    untested = []
    if everything is not None:
        counts: dict = {}
        for rule in everything.rules:
            counts[rule.pack] = counts.get(rule.pack, 0) + 1
        untested = [(p.name, counts[p.name]) for p in everything.packs if p.name not in covered and p.name in counts]
    return Outcome(results, coverage, untested, sum(len(s.files) for s in plan))
