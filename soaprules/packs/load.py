"""Load rule packs: shape (pydantic), then conditions and actions, then cross-pack checks.

Every error of every pack is collected and reported together, each with file:line and
rule id; nothing is evaluated until all packs load cleanly.
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from soaprules.lang import conditions as cond
from soaprules.packs.calendar import Cycle, cycle_year
from soaprules.errors import Diagnostic, PackError, Position
from soaprules.packs.levers import load_levers
from soaprules.packs.overlay import arrange
from soaprules.packs.model import Decision, Pack, Recommend, Rule, Then
from soaprules.profile.fields import profile_fields
from soaprules.packs.cache import load_document  # packs and catalog: parsed once per content
from soaprules.source import Document
from soaprules.suggest import closest, one_of
from soaprules.lang import templates
from soaprules.lang.templates import PLACEHOLDER, every_alias, placeholders
from soaprules.diagnose import as_written, by_position, kind_of, to_diagnostics

CATALOG_FILE = "heuristics.yaml"
MAX_DECISIONS = 250  # every decision is a field of one engine fact, which holds 255 (with t, id, sid)
CITE_PATTERN = re.compile(r"^[A-Z]{2,3}-\d\d$")  # the shape of an ID; which IDs exist is the catalog's (rules/heuristics.yaml)
_PACKAGE = Path(__file__).resolve().parents[1]
_SHIPPED = _PACKAGE / "_shipped"  # an installed wheel carries the packs here
DEFAULT_RULES_DIR = _SHIPPED / "rules" if _SHIPPED.is_dir() else _PACKAGE.parent / "rules"


@dataclass(frozen=True)
class PackInfo:
    name: str
    version: str
    file: str
    sha256: str
    text: str


@dataclass(frozen=True)
class LoadedRule:
    id: str
    title: str
    rationale: str | None
    salience: int
    when: object  # conditions.Node
    then: Then
    cites: tuple
    sources: tuple
    pack: str
    file: str
    line: int
    index: int  # definition order across all packs

    @property
    def recommendation_id(self) -> str | None:
        rec = self.then.recommend
        return (rec.id or self.id) if rec else None


@dataclass(frozen=True)
class LoadedSilence:
    """A pack's `silences:` entry, parsed: once `when` holds, only `keep` is recommended."""

    name: str
    when: object  # conditions.Node
    keep: frozenset
    reason: str
    pack: str
    file: str
    line: int


@dataclass
class RuleBook:
    """All loaded packs, ready to compile."""

    packs: list[PackInfo]
    rules: list[LoadedRule]
    decisions: dict[str, Decision]
    params: dict
    calendar: dict[int, Cycle]  # dated cycles; calendar_rule gives the rest
    not_encoded: dict[str, str] = field(default_factory=dict)
    levers: list = field(default_factory=list)  # levers.LoadedLever, for what-if
    overlay: object = None  # overlay.Plan: load order and what overlays changed
    calendar_rule: object = None  # packs.model.CalendarRule: the pattern for years with no entry
    clock: object = None  # packs.model.Clock: the phase the calendar implies
    silences: list = field(default_factory=list)  # LoadedSilence, in load order
    shown_when: dict = field(default_factory=dict)  # decision name -> condition for "Where you stand"
    memo: dict = field(default_factory=dict, repr=False, compare=False)  # what is built from this book, kept on it

    def rule(self, rule_id: str) -> LoadedRule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    @property
    def board(self) -> tuple[str, object] | None:
        """(decision name, its BoardPiles) for the dean's board: the first decision with a `board:`."""
        return next(((name, d.board) for name, d in self.decisions.items() if d.board is not None), None)

    @property
    def milestones(self) -> tuple:
        first = next(iter(self.calendar.values()), None)
        if first is not None:
            return first.names
        return tuple(m.name for m in self.calendar_rule.milestones) if self.calendar_rule else ()


PACK_SUFFIXES = (".yaml", ".yml")  # both spellings: a .yml overlay skipped would change nothing, silently


def pack_files(paths: list[str | Path]) -> list[Path]:
    """Files named directly, and the *.yaml and *.yml files of directories (the catalog
    excepted; sub-folders such as plan/ and tests/ are not packs, and are not entered)."""
    out: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():  # scandir, not glob: a batch asks for this on every record
            with os.scandir(path) as entries:
                names = sorted(e.name for e in entries if e.name.lower().endswith(PACK_SUFFIXES)
                               and e.name != CATALOG_FILE)
            out += [path / name for name in names]
        else:
            out.append(path)
    return out


def load_catalog(path: Path | None = None) -> dict[str, dict]:
    path = path or DEFAULT_RULES_DIR / CATALOG_FILE
    if not path.exists():
        return {}
    data = load_document(path).data
    return dict((data or {}).get("heuristics", {}))


def load_rulebook(paths: list[str | Path], catalog: dict | None = None, collect: list | None = None) -> RuleBook:
    """Load and check every pack. With `collect`, errors are appended to it and the book of the
    rules that did load is returned, so lint can go on checking; otherwise they raise PackError."""
    files = pack_files(paths)
    if not files:
        raise PackError(Diagnostic("no rule packs found", file=", ".join(map(str, paths)) or None,
                                   hint="give a pack file or a directory of *.yaml packs"))
    catalog = load_catalog() if catalog is None else catalog
    errors: list[Diagnostic] = [] if collect is None else collect
    shaped = [s for s in (_shape(f, errors) for f in files) if s is not None]
    shaped, plan = arrange(shaped, errors)
    book = _assemble(shaped, catalog, errors, disabled=set(plan.disabled) if plan else set())
    book.levers = load_levers(shaped, book.params, errors)
    book.overlay = plan
    if errors and collect is None:
        raise PackError(sorted(errors, key=by_position))
    return book


def _shape(path: Path, errors: list) -> tuple[Pack, Document, list] | None:
    """Check the pack's shape; rules one by one, so one bad rule hides no other error."""
    doc = load_document(path)
    if not isinstance(doc.data, dict):
        errors.append(doc.diagnostic((), f"a rule pack must be a mapping, not {kind_of(doc.data)}",
                                     expected="keys pack, name, version, description, rules"))
        return None
    raw_rules = doc.data.get("rules", [])
    header = {k: v for k, v in doc.data.items() if k != "rules"}
    pack = _validate(Pack, header, doc, (), errors)
    if not isinstance(raw_rules, list):
        errors.append(doc.diagnostic(("rules",), "rules must be a list of rules"))
        return None
    rules = [(i, _validate(Rule, raw, doc, ("rules", i), errors)) for i, raw in enumerate(raw_rules)]
    if pack is None:
        return None
    return pack, doc, [(i, r) for i, r in rules if r is not None] + table_rules(pack)


def table_rules(pack: Pack) -> list[tuple]:
    """Each row of each decision table as a rule, at the row's place in the file. Under
    `hit: first` a row's rule also requires that no earlier row holds."""
    out = []
    for t, table in enumerate(pack.tables):
        conditions = [{table.input: row.when} if table.input else row.when for row in table.rows]
        for r, row in enumerate(table.rows):
            when = conditions[r]
            if table.hit == "first" and r:
                when = {"all": [when, {"not": {"any": conditions[:r]}}]}
            rule = Rule(id=f"{table.id}-{row.id}", title=row.title or table.title, rationale=table.rationale,
                        salience=table.salience, when=when, then=row.then,
                        cites=list(dict.fromkeys([*table.cites, *row.cites])), sources=row.sources or table.sources)
            out.append((("tables", t, "rows", r), rule))
    return out


def _check_unique_tables(shaped, params: dict, errors: list) -> None:
    """`hit: unique` rows of an input table must not overlap: two rows holding for one value
    would both conclude. Checked where the rows' values can be listed (a value, a list, eq, in)."""
    for pack, doc, _ in shaped:
        for t, table in enumerate(pack.tables):
            if table.hit != "unique" or not table.input:
                continue
            first_row: dict = {}
            for r, row in enumerate(table.rows):
                for value in _row_values(row.when, params):
                    if value in first_row:
                        errors.append(doc.diagnostic(("tables", t, "rows", r, "when"),
                                                     f"rows {first_row[value]} and {row.id} of table {table.id} "
                                                     f"both hold for {table.input} = {value}",
                                                     hint="a unique table's rows must not overlap; "
                                                          "or say hit: first, and the earlier row wins",
                                                     code="pack.table-overlap"))
                    first_row.setdefault(value, row.id)


def _row_values(when, params: dict) -> list:
    """The values a row of an input table holds for, when it lists them; [] when it does not."""
    if isinstance(when, dict):
        if set(when) - {"eq", "in"}:
            return []
        when = when.get("in", [when["eq"]] if "eq" in when else [])
    if isinstance(when, str) and when.startswith("$"):
        when = params.get(when[1:], [])
    items = when if isinstance(when, list) else [when]
    return [v for v in items if isinstance(v, (str, int, bool))]


def _validate(model, raw, doc: Document, at: tuple, errors: list):
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        errors.extend(to_diagnostics(doc, exc.errors(), Pack, at, lambda loc: _rule_id_at(doc, loc)))
        return None


def _rule_id_at(doc: Document, loc) -> str | None:
    if len(loc) > 1 and loc[0] in ("rules", "replace") and isinstance(loc[1], int):
        rules = doc.data.get(loc[0])
        if isinstance(rules, list) and loc[1] < len(rules) and isinstance(rules[loc[1]], dict):
            rule_id = rules[loc[1]].get("id")
            return rule_id if isinstance(rule_id, str) else None
    return None


def _merge_named(kind: str, shaped, attr: str, errors: list) -> dict:
    """Params, decisions: one namespace across packs; a second definition is an error."""
    merged, where = {}, {}
    for pack, doc, _ in shaped:
        for name, value in getattr(pack, attr).items():
            if attr == "decisions" and not name.isidentifier():  # the engine reads a dot as a path
                errors.append(doc.diagnostic((attr, name), f"'{name}' cannot name a decision", at_key=True,
                                             expected="letters, digits and underscores (no dots)"))
                continue
            if name in merged:
                errors.append(doc.diagnostic((attr, name), f"{kind} '{name}' is already defined in {where[name]}"))
                continue
            if attr == "decisions" and len(merged) == MAX_DECISIONS:
                errors.append(doc.diagnostic((attr, name), f"decision '{name}' is one too many: the engine holds "
                                             f"at most {MAX_DECISIONS} decisions in all packs", at_key=True,
                                             hint="merge decisions, or derive facts instead"))
                continue
            merged[name] = value
            pos = doc.position_of((attr, name))
            where[name] = f"{doc.file}:{pos.line}" if pos else doc.file
    return merged


def _salience(given, strengths: dict, at, ctx) -> int:
    """A rule's salience as a number: given as one (0..1000), or as a name of `strengths:`."""
    if isinstance(given, str):
        if given in strengths:
            return strengths[given]
        ctx.error(at + ("salience",), f"'{given}' is not a named strength", suggestion=closest(given, strengths),
                  expected="a number 0..1000, or one of " + (", ".join(strengths) or "the strengths a pack declares"))
        return 0
    if isinstance(given, bool) or not 0 <= given <= 1000:
        ctx.error(at + ("salience",), f"salience {given} is out of range", expected="a number 0..1000, or a name")
        return 0
    return given


def _calendar(shaped, errors: list) -> dict[int, Cycle]:
    """Every dated cycle of every pack: real date-times in their own year, in time order,
    all naming the same milestones."""
    calendar: dict[int, Cycle] = {}
    names: tuple | None = None
    for pack, doc, _ in shaped:
        for year, cycle in pack.calendar.items():
            at = ("calendar", year)
            parsed = tuple((m.name, m.at, m.label) for m in cycle.milestones)
            bad = [i for i, (_, when, _) in enumerate(parsed) if not (isinstance(when, datetime) and when.utcoffset())]
            for i in bad:
                errors.append(doc.diagnostic(at + ("milestones", i, "at"), "a milestone needs a date-time with UTC offset",
                                             expected="e.g. 2026-03-16T10:00:00-04:00"))
            for i, (name, when, _) in enumerate(parsed):
                if i not in bad and cycle_year(when) != year:
                    errors.append(doc.diagnostic(at + ("milestones", i, "at"), f"milestone {name} of the {year} "
                                                 f"cycle falls in {cycle_year(when)}", expected=f"a date in {year}"))
            if bad:
                continue
            if [w for _, w, _ in parsed] != sorted(w for _, w, _ in parsed):
                errors.append(doc.diagnostic(at, f"calendar {year}: milestones must be in time order"))
            these = tuple(n for n, _, _ in parsed)
            if names is not None and these != names:
                errors.append(doc.diagnostic(at, f"calendar {year} names different milestones than other years",
                                             expected=", ".join(names)))
            names = names or these
            calendar[year] = Cycle(year, cycle.source, cycle.provisional, parsed)
    return calendar


def _check_decision_words(shaped, errors: list) -> None:
    """A sentence for a value the decision does not have would never be shown: refuse it where
    it is written."""
    for pack, doc, _ in shaped:
        for name, decision in pack.decisions.items():
            for value in decision.says:
                if value not in decision.values:
                    errors.append(doc.diagnostic(("decisions", name, "says", value), f"decision {name} has no "
                                                 f"value {as_written(value)}",
                                                 suggestion=closest(value, decision.values),
                                                 expected=one_of(map(str, decision.values))))
            if decision.board is not None:
                _check_board(name, decision, doc, errors)


def _check_board(name: str, decision, doc, errors: list) -> None:
    at = ("decisions", name, "board")
    expected = one_of(map(str, decision.values))
    for part in ("names", "share"):
        for value in getattr(decision.board, part):
            if value not in decision.values:
                errors.append(doc.diagnostic(at + (part, value), f"decision {name} has no value {as_written(value)}",
                                             suggestion=closest(value, decision.values), expected=expected))
    missing = [v for v in decision.values if v not in decision.board.names]
    if missing:
        errors.append(doc.diagnostic(at + ("names",), f"board names leave out {', '.join(map(str, missing))}",
                                     expected="a name for every value"))
    share = decision.board.share
    if share and (sum(share.values()) != 100 or any(v < 0 for v in share.values())):
        errors.append(doc.diagnostic(at + ("share",), f"board shares add up to {sum(share.values())}",
                                     expected="percents of a class that add up to 100"))


def _shown_when(shaped, params, decisions, milestones, errors: list) -> dict:
    """Each decision's `shown_when:` condition, parsed like a rule's `when:`."""
    out = {}
    for pack, doc, _ in shaped:
        for name, decision in pack.decisions.items():
            if decision.shown_when is not None:
                ctx = cond.Context(doc, params, decisions, milestones, rule_id=f"decision {name}")
                node = cond.parse(decision.shown_when, ("decisions", name, "shown_when"), ctx)
                errors.extend(ctx.errors)
                if not ctx.errors:
                    out[name] = node
    return out


def _single(shaped, attr: str, errors: list):
    """A block only one pack may give (the calendar rule, the clock)."""
    found = None
    for pack, doc, _ in shaped:
        value = getattr(pack, attr)
        if value is None:
            continue
        if found is not None:
            errors.append(doc.diagnostic((attr,), f"{attr} is already given by pack {found[0]}", at_key=True))
            continue
        found = (pack.name, value, doc)
    return found


def _check_clock(calendar: dict, rule, clock, errors: list) -> tuple:
    """The calendar rule names the dated years' milestones; the clock names milestones and phases."""
    names = next((c.names for c in calendar.values()), None)
    if rule is not None:
        pack, value, doc = rule
        mine = tuple(m.name for m in value.milestones)
        if names is not None and mine != names:
            errors.append(doc.diagnostic(("calendar_rule", "milestones"), "the calendar rule names different "
                                         "milestones than the dated years", expected=", ".join(names)))
        names = names or mine
    if clock is not None:
        pack, value, doc = clock
        phases = profile_fields()["status.phase"].values
        for name in value.phase_from:
            if name not in (names or ()):
                errors.append(doc.diagnostic(("clock", "phase_from", name), f"'{name}' is not a calendar milestone",
                                             at_key=True, suggestion=closest(name, names or ()),
                                             expected=one_of(names or ())))
        used = [("phase_from", k, v) for k, v in value.phase_from.items()] + \
               [("agrees", k, p) for k, ps in value.agrees.items() for p in [k, *ps]] + \
               [("restrictive", i, p) for i, p in enumerate(value.restrictive)]
        for where, key, phase in used:
            if phase not in phases:
                errors.append(doc.diagnostic(("clock", where, key), f"'{phase}' is not a phase",
                                             expected=one_of(phases), suggestion=closest(phase, phases)))
    return names or ()


def _assemble(shaped, catalog: dict, errors: list, disabled: set = frozenset()) -> RuleBook:
    params = _merge_named("parameter", shaped, "params", errors)
    strengths = _merge_named("strength", shaped, "strengths", errors)
    decisions = _merge_named("decision", shaped, "decisions", errors)
    _check_decision_words(shaped, errors)
    _check_unique_tables(shaped, params, errors)
    calendar = _calendar(shaped, errors)
    calendar_rule, clock = _single(shaped, "calendar_rule", errors), _single(shaped, "clock", errors)
    milestones = _check_clock(calendar, calendar_rule, clock, errors)
    seeds = {entry.get("seed") for entry in catalog.values() if isinstance(entry, dict)} | {"nrmp"}
    rules, seen = [], {}
    infos, not_encoded = [], {}
    for pack, doc, indexed_rules in shaped:
        infos.append(PackInfo(pack.name, pack.version, doc.file, hashlib.sha256(doc.text.encode()).hexdigest(),
                              doc.text))
        for entry in pack.not_encoded:
            not_encoded[entry.id] = entry.reason
        for i, rule in indexed_rules:
            at = i if isinstance(i, tuple) else ("rules", i)  # overlay replacements: ("replace", k)
            pos = doc.position_of(at)
            duplicate = rule.id in seen
            if duplicate:  # still check its body, so every error of the pack shows at once
                errors.append(doc.diagnostic(at + ("id",), f"duplicate rule id '{rule.id}' (first defined at "
                                                           f"{seen[rule.id]})", rule_id=rule.id,
                                             code="pack.duplicate-rule-id"))
            else:
                seen[rule.id] = f"{doc.file}:{pos.line}"
            ctx = cond.Context(doc, params, decisions, milestones, rule_id=rule.id)
            when = cond.parse(rule.when, at + ("when",), ctx)
            _check_then(rule, at, ctx)
            _check_citations(rule, at, ctx, catalog, seeds)
            salience = _salience(rule.salience, strengths, at, ctx)
            then = _quote_params(rule.then, params, at, ctx)
            errors.extend(ctx.errors)
            if not ctx.errors and not duplicate:
                rules.append(LoadedRule(rule.id, rule.title, rule.rationale, salience, when, then,
                                        tuple(rule.cites), tuple(rule.sources), pack.name, doc.file, pos.line,
                                        len(rules)))
    _check_recommendation_ids(rules, errors, disabled)
    known = sorted({r.recommendation_id for r in rules if r.recommendation_id} | disabled)
    silences = [s for pack, doc, _ in shaped
                for s in _silences(pack, doc, cond.Context(doc, params, decisions, milestones), known, errors)]
    return RuleBook(infos, rules, decisions, params, calendar, not_encoded,
                    calendar_rule=calendar_rule[1] if calendar_rule else None, clock=clock[1] if clock else None,
                    silences=silences, shown_when=_shown_when(shaped, params, decisions, milestones, errors))


def _silences(pack: Pack, doc: Document, base: cond.Context, known: list, errors: list) -> list[LoadedSilence]:
    """Parse a pack's `silences:`; a kept id close to a loaded recommendation id but not one
    of them (nor one an overlay switched off) is refused as a typo."""
    out = []
    for k, entry in enumerate(pack.silences):
        at = ("silences", k)
        ctx = cond.Context(doc, base.params, base.decisions, base.milestones, rule_id=f"silence {entry.name}")
        when = cond.parse(entry.when, at + ("when",), ctx)
        for j, rec_id in enumerate(entry.keep):
            # A kept id may belong to a pack not loaded this time (lint of a subset); one that is
            # close to a loaded id is a typo, and a typo would set aside the item meant to stand.
            near = closest(rec_id, known) if rec_id not in known else None
            if near is not None:
                ctx.errors.append(doc.diagnostic(at + ("keep", j), f"silence '{entry.name}' keeps '{rec_id}', "
                                                 "which no loaded rule recommends", suggestion=near,
                                                 expected="a recommendation id"))
        if any(s.name == entry.name for s in out):
            ctx.errors.append(doc.diagnostic(at + ("name",), f"duplicate silence '{entry.name}' in pack {pack.name}"))
        errors.extend(ctx.errors)
        if not ctx.errors:
            out.append(LoadedSilence(entry.name, when, frozenset(entry.keep), " ".join(entry.reason.split()),
                                     pack.name, doc.file, doc.position_of(at).line))
    return out


def _quote_params(then: Then, params: dict, at, ctx: cond.Context) -> Then:
    """A derived text may quote a parameter, `"scores {$rs17_primary_care_rate}"`, so a figure
    lives in one place; it is filled in at load (the fact is a constant either way)."""
    filled = {}
    for name, value in then.derive.items():
        if isinstance(value, str):
            # a derived fact is a constant: it is never filled in from the profile, so any other
            # brace would reach the student as written ("for {target.specialty}")
            other = re.sub(r"\{\s*\$[^{}]*\}", "", value)
            if "{" in other or "}" in other:
                shown = re.search(r"\{[^{}]*\}?|\}", other).group(0)
                ctx.error(at + ("then", "derive", name), f"a derived text may quote only a parameter, not {shown}",
                          expected="text, with {$parameter} where a figure of the packs belongs",
                          hint="say it in the recommendation that reads the fact: its text is filled in "
                               "from the profile ({target.specialty})")
                continue
        if not (isinstance(value, str) and "{$" in value):
            continue
        for key in (k[1:] for k in placeholders(value) if k.startswith("$")):
            if key not in params:
                ctx.error(at + ("then", "derive", name), f"'{key}' is not a parameter",
                          suggestion=closest(key, params), expected="a parameter of the loaded packs")
        filled[name] = templates.render(value, lambda k: params.get(k[1:]) if k.startswith("$") else None)
    return then.model_copy(update={"derive": {**then.derive, **filled}}) if filled else then


def _check_then(rule: Rule, at, ctx: cond.Context) -> None:
    then = rule.then
    if not (then.derive or then.decide or then.recommend or then.bound):
        ctx.error(at + ("then",), "then: does nothing", expected="derive, decide, recommend or bound")
    for name, value in then.decide.items():
        decl = ctx.decisions.get(name)
        if decl is None:
            ctx.error(at + ("then", "decide", name), f"unknown decision '{name}'",
                      expected=one_of(ctx.decisions), suggestion=closest(name, ctx.decisions))
        elif value not in decl.values or type(value) is not type(decl.values[0]):
            ctx.error(at + ("then", "decide", name), f"{as_written(value)} is not a value of decision {name}",
                      expected=one_of(map(str, decl.values)), suggestion=closest(value, decl.values))
    for name in then.derive:
        if not name.isidentifier():
            ctx.error(at + ("then", "derive", name), f"'{name}' is not a valid derived fact name",
                      expected="letters, digits and underscores")
    if then.recommend:
        _check_template(then.recommend, at + ("then", "recommend"), ctx)


def _check_template(rec: Recommend, at, ctx: cond.Context) -> None:
    if rec.due is not None and rec.due != "none" and rec.due not in ctx.milestones:
        ctx.error(at + ("due",), f"due names '{rec.due}', which is not a calendar milestone",
                  suggestion=closest(rec.due, list(ctx.milestones)), expected="a milestone name, or none")
    fields = profile_fields()
    for key in ("text", "draft"):
        stray = next((c for c in PLACEHOLDER.sub("", getattr(rec, key) or "") if c in "{}"), None)
        if stray is not None:  # `{target.specialty` would reach the student as it is written
            ctx.error(at + (key,), f"a '{stray}' that opens or closes no placeholder",
                      hint="close it, e.g. {target.specialty}, or remove the brace")
        for name in placeholders(getattr(rec, key) or ""):
            head, _, rest = name.partition(".")
            if (every := every_alias(name)) is not None:
                if every[0] in ctx.aliases and every[1]:
                    continue
                ctx.error(at + (key,), f"placeholder {{{name}}} needs a name bound with `as:` and a field",
                          suggestion=closest(every[0], sorted(ctx.aliases)) if ctx.aliases else None,
                          expected="{every ALIAS.FIELD}, e.g. {every hidden.kind}")
                continue
            if name in fields or head in ctx.aliases and rest or head in ("derived", "decision", "timeline"):
                continue
            if name.startswith("$") and name[1:] in ctx.params:
                continue
            ctx.error(at + (key,), f"placeholder {{{name}}} names nothing this rule can read",
                      suggestion=closest(name, list(fields) + sorted(ctx.aliases)),
                      hint="use a profile path, a name bound with `as:`, or $param")


def _check_citations(rule: Rule, at, ctx: cond.Context, catalog: dict, seeds: set) -> None:
    for i, cite in enumerate(rule.cites):
        if not CITE_PATTERN.match(cite) or (catalog and cite not in catalog):
            ctx.error(at + ("cites", i), f"'{cite}' is not a heuristic ID of the catalog",
                      suggestion=closest(cite, catalog) if catalog else None, expected="an ID such as RS-04")
    for i, source in enumerate(rule.sources):
        if len(seeds) > 1 and source.seed not in seeds:
            ctx.error(at + ("sources", i, "seed"), f"'{source.seed}' is not a source article",
                      expected=one_of(sorted(s for s in seeds if s)),
                      suggestion=closest(source.seed, [s for s in seeds if s]))


def _check_recommendation_ids(rules: list[LoadedRule], errors: list, disabled: set = frozenset()) -> None:
    seen: dict[str, LoadedRule] = {}
    for rule in rules:
        rec_id = rule.recommendation_id
        if rec_id is None:
            continue
        if rec_id in seen:
            first = seen[rec_id]
            errors.append(Diagnostic(f"recommendation id '{rec_id}' is also emitted by rule {first.id} "
                                     f"({first.file}:{first.line})", file=rule.file, rule_id=rule.id,
                                     position=None))
        seen[rec_id] = rule
    for rule in rules:
        rec = rule.then.recommend
        # restated_by names other packs' items, which a subset (lint of one pack) may not load
        others_ids = [i for i, r in seen.items() if r.pack != rule.pack]
        for verb, others, pool in ((("supersedes", rec.supersedes, list(seen)),
                                    ("is restated by", rec.restated_by, others_ids)) if rec else ()):
            for other in others:
                near = closest(other, pool) if other not in seen and other not in disabled else None  # switched off: known
                if near is not None:  # an id of a pack not loaded is fine; one close to a loaded id is a typo
                    errors.append(Diagnostic(f"{verb} '{other}', which no loaded rule recommends", file=rule.file,
                                             position=Position(rule.line), rule_id=rule.id, suggestion=near,
                                             expected="a recommendation id"))
        for other in rec.contradicts if rec else ():
            if other not in seen:
                errors.append(Diagnostic(f"contradicts '{other}', which no rule recommends", file=rule.file,
                                         position=Position(rule.line), rule_id=rule.id,
                                         suggestion=closest(other, list(seen)), expected="a recommendation id"))
