"""Static checks of rule packs, beyond what loading refuses.

Loading already refuses duplicate ids, unknown paths and parameters, values outside a
field's choices, numbers compared with text, and missing cites or sources; lint
collects those without stopping, then checks the rules that did load for mistakes
no single rule shows:

- a condition that can never hold (a score above the field's maximum, a choice equal
  to two values at once, a range with nothing in it): the rule is dead;
- a rule reading a derived fact or decision that no rule writes;
- derived facts and decisions that feed each other in a loop;
- two rules proposing different values of one decision under the same condition;
- a parameter nothing reads, a decision no rule proposes;
- a profile field no rule reads (in a condition or a text) and no pack lists under
  `unread_fields:` with its reason, so what a student tells us is never silently dropped
  (checked when one of the packs declares `unread_fields:`, as the shipped core does);
- advice whose text or draft tells someone to contact a program ("email every program
  coordinator") without `contacts_program: true`, so the NRMP bound would not travel
  with it during SOAP (an error, in every pack loaded, overlays and school packs too).

Every finding is a Diagnostic with file:line, the rule id where there is one, a fix
hint, and a severity: `error` (the pack is wrong) or `warning` (it runs, but
something in it is likely a mistake).
"""
from __future__ import annotations

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

from soaprules.lang import conditions as cond
from soaprules.lang import analysis
from soaprules.errors import SOURCE_LINE, Diagnostic, Position, SoapError
from soaprules.packs.load import LoadedRule, RuleBook, load_rulebook, pack_files
from soaprules.profile.fields import FieldSpec, item_fields, profile_fields
from soaprules.source import LINE_BREAKS, Document, load_document
from soaprules.lang.templates import param_refs, placeholders
from soaprules.diagnose import as_written, by_position

SCAN_LIMIT = 2000  # widest finite integer range searched for a value no test excludes


@dataclass(frozen=True)
class Finding:
    check: str  # short name of the check, stable for tests and tooling
    diagnostic: Diagnostic

    @property
    def severity(self) -> str:
        return self.diagnostic.severity


@dataclass
class Report:
    findings: list
    packs: int
    rules: int

    @property
    def errors(self) -> list:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list:
        return [f for f in self.findings if f.severity == "warning"]

    def failed(self, strict: bool = False) -> bool:
        return bool(self.errors or (strict and self.warnings))


def lint(paths: list[str | Path], catalog: dict | None = None) -> Report:
    """Every finding for the packs at `paths` (files or directories), in file and line order."""
    load_errors: list[Diagnostic] = []
    try:
        book = load_rulebook(paths, catalog, collect=load_errors)
    except SoapError as exc:  # no pack at all, or a file that is not YAML: nothing more to check
        return Report([Finding("load", d) for d in exc.diagnostics], 0, 0)
    docs = _Docs(pack_files(paths))
    findings = [Finding("load", _with_hint(_with_position(d if d.code else replace(d, code="pack"), book, docs)))
                for d in load_errors]
    findings += [Finding("engine-limit", d) for d in engine_limits(book)]
    checker = _Checker(book, docs)
    for check in (checker.never_holds, checker.unwritten_reads, checker.loops, checker.conflicting_proposals,
                  checker.unused_params, checker.undecided_decisions, checker.unread_fields,
                  checker.undeclared_contact):
        findings += check()
    unique = {(f.check, f.diagnostic.headline()): f for f in findings}
    ordered = sorted(unique.values(), key=lambda f: by_position(f.diagnostic))
    return Report(ordered, len(book.packs), len(book.rules))


# ---- program contact worded but not declared ------------------------------------------
# Imperative program contact: a verb of reaching out, then a program-side person or office
# within a few words of the same sentence. Not contact: the program reaching out ("wait for
# a program to contact you": the verb's object is you) and a prohibition ("do not apply to
# or contact any program"). The one detector: lint and tests/test_advice_quality.py use it.
_CONTACT_VERB = re.compile(
    r"\b(?:e-?mail|call|phone|message|write to|contact|reach out to|follow up with|ask (?:them|him|her) to call"
    r"|speak(?: up)?(?: for you)?(?: to| with)|put in a word|vouch(?: for you)?(?: to| with))\b"
    r"(?!\s+you\b)", re.I)
_CONTACT_OBJECT = re.compile(r"[^.!?\n]{0,60}?\b(?:programs?|program directors?|PDs?|coordinators?|residency offices?)\b",
                             re.I)
_NEGATED = re.compile(r"(?:\bnot|n['’]t|\bnever|\b(?:no one|nobody) (?:may|can|should|will|must))\s+(?:to\s+)?"
                      r"(?:(?:\w+\s+){0,3}(?:or|nor|and)\s+)?$", re.I)
CONTACT_HINT = "declare contacts_program: true so the NRMP bound travels with it during SOAP"


def contact_wording(text: str) -> str | None:
    """The words of `text` that tell someone to contact a program ("email every program
    coordinator"), or None when it says no such thing."""
    for verb in _CONTACT_VERB.finditer(text or ""):
        if _NEGATED.search(text[max(0, verb.start() - 80):verb.start()]):
            continue
        rest = _CONTACT_OBJECT.match(text, verb.end())
        if rest:
            return text[verb.start():rest.end()]
    return None


def undeclared_contact(rules) -> list[tuple]:
    """(rule, "text" or "draft", the words) for each loaded rule whose advice words program
    contact without `contacts_program: true`."""
    out = []
    for rule in rules:
        rec = rule.then.recommend
        if rec is None or rec.contacts_program:
            continue
        for key in ("text", "draft"):
            words = contact_wording(getattr(rec, key) or "")
            if words:
                out.append((rule, key, words))
    return out


def _words_position(doc: Document | None, at: tuple, words: str) -> Position | None:
    """Where `words` stand in the source of the scalar at `at` (a folded text spans lines)."""
    start = doc.position_of(at) if doc is not None else None
    if start is None:
        return None
    lines = LINE_BREAKS.split(doc.text)[start.line - 1:]
    if not lines:
        return start
    lines[0] = " " * (start.column - 1) + lines[0][start.column - 1:]
    tail = "\n".join(lines)
    found = re.search(r"\s+".join(map(re.escape, words.split())), tail)
    if found is None:
        return start
    before = tail[:found.start()]
    line, column = start.line + before.count("\n"), found.start() - (before.rfind("\n") + 1) + 1
    if "\n" in found.group(0):  # the words run on to the next line: point at where they start
        return Position(line, column)
    return Position(line, column, line, column + len(found.group(0)))


def engine_limits(book: RuleBook) -> list[Diagnostic]:
    """What durable-rules cannot run (joins, compiled size, fields of one fact), as the loader
    refuses it: lint passes no pack that `advise` would refuse."""
    from soaprules.engine.compile import size_errors
    return size_errors(book)


class _Docs:
    """Pack documents by file name, read once, for positions and raw rule bodies."""

    def __init__(self, files: list[Path]):
        self.by_file: dict[str, Document] = {}
        for path in files:
            try:
                self.by_file[str(path)] = load_document(path)
            except SoapError:
                continue  # already reported by loading

    def get(self, file: str) -> Document | None:
        return self.by_file.get(file)

    def raw_rules(self):
        """(doc, path, raw rule) for every rule body in every pack, replacements included."""
        for doc in self.by_file.values():
            data = doc.data if isinstance(doc.data, dict) else {}
            for key in ("rules", "replace"):
                for i, raw in enumerate(data.get(key) or [] if isinstance(data.get(key), list) else []):
                    if isinstance(raw, dict):
                        yield doc, (key, i), raw


def rule_at(rule: LoadedRule) -> tuple:
    """The rule's path in its file: ("rules", i) or, for an overlay's replacement, ("replace", k)."""
    return tuple(rule.when.at[:2])


def _with_position(diag: Diagnostic, book: RuleBook, docs: _Docs) -> Diagnostic:
    if diag.position is not None or not diag.rule_id:
        return diag
    rule = book.rule(diag.rule_id)
    if rule is not None and (diag.file in (None, rule.file)):
        return replace(diag, file=rule.file, position=Position(rule.line, 1))
    return diag


_CODE_HINTS = {"pack.duplicate-rule-id": "give every rule its own id; an overlay changes a rule of a pack it "
                                         "extends with replace:"}
_FIELD_HINTS = {  # a missing or malformed field of a rule, by the field's name
    "cites": "cite the heuristic IDs this rule encodes, from rules/heuristics.yaml, e.g. cites: [RS-04]",
    "sources": "give the article and a short quote it rests on: sources: [{seed: <article file>, quote: \"...\"}]",
}


def _with_hint(diag: Diagnostic) -> Diagnostic:
    """Loading errors mostly carry a did-you-mean or the expected values; add a hint where
    not, keyed on the diagnostic's code and field path (never on its wording)."""
    if diag.hint or diag.suggestion is not None:
        return diag
    hint = _CODE_HINTS.get(diag.code or "") or _FIELD_HINTS.get(_field_name(diag.path))
    if hint:
        return replace(diag, hint=hint)
    if diag.expected:
        return diag
    return replace(diag, hint="see docs/rule-packs.md for the form this takes")


def _field_name(path: str | None) -> str:
    """`rules[3].sources[0].quote` -> `sources`: the rule field a diagnostic is about."""
    found = re.match(r"^rules\[\d+\]\.([a-z_]+)", path or "")
    return found[1] if found else ""


# ---- feasibility: can a condition ever hold? -------------------------------------------

class _Domain:
    """The values a field may still take after some tests of one conjunction."""

    def __init__(self, spec: FieldSpec):
        self.kind = spec.kind
        finite = spec.values if spec.kind == "enum" else (True, False) if spec.kind == "bool" else None
        self.allowed: set | None = set(finite) if finite is not None else None
        self.excluded: set = set()
        self.low, self.high = (spec.minimum, spec.maximum) if spec.kind == "int" else (None, None)
        self.present: bool | None = None  # True: must be known; False: must be missing

    def apply(self, op: str, value) -> None:
        if op in ("exists", "missing"):
            want = op == "exists"
            self.present = want if self.present in (None, want) else "conflict"
            return
        self.present = True if self.present in (None, True) else "conflict"  # a value test needs a value
        if op in ("contains", "contains_any"):
            return  # a list can hold many values at once
        if op in ("eq", "in"):
            values = set(value) if op == "in" else {value}
            self.allowed = values if self.allowed is None else self.allowed & values
        elif op in ("ne", "not_in"):
            self.excluded |= set(value) if op == "not_in" else {value}
        elif op in ("lt", "lte", "gt", "gte"):
            bound = value - 1 if op == "lt" else value + 1 if op == "gt" else value
            if op in ("lt", "lte"):
                self.high = bound if self.high is None else min(self.high, bound)
            else:
                self.low = bound if self.low is None else max(self.low, bound)

    def empty(self) -> bool:
        if self.present == "conflict":
            return True
        if self.present is False:
            return False
        if self.allowed is not None:
            return not any(self._fits(v) for v in self.allowed)
        if self.low is not None and self.high is not None:
            if self.low > self.high:
                return True
            if self.high - self.low < SCAN_LIMIT:
                return all(v in self.excluded for v in range(self.low, self.high + 1))
        return False

    def _fits(self, v) -> bool:
        if v in self.excluded:
            return False
        if isinstance(v, int) and not isinstance(v, bool):
            return (self.low is None or v >= self.low) and (self.high is None or v <= self.high)
        return True


# ---- the checks ------------------------------------------------------------------------

class _Checker:
    def __init__(self, book: RuleBook, docs: _Docs):
        self.book, self.docs = book, docs
        plan = book.overlay
        self.disabled = set(plan.disabled) if plan else set()
        self.replaced = set(plan.replaced) if plan else set()

    def finding(self, check: str, rule: LoadedRule | None, at: tuple | None, message: str, hint: str,
                severity: str = "error", file: str | None = None, at_key: bool = False, **kw) -> Finding:
        file = file or rule.file
        doc = self.docs.get(file)
        pos = doc.position_of(at, key=at_key) if doc is not None and at is not None else None
        if pos is None and rule is not None:
            pos = Position(rule.line, 1)
        return Finding(check, Diagnostic(message, file=file, position=pos, rule_id=rule.id if rule else None,
                                         severity=severity, hint=hint, code=f"lint.{check}", **kw))

    # a condition that can never hold ------------------------------------------------------

    def spec_of(self, ref: cond.Ref) -> FieldSpec | None:
        if ref.scope == "profile":
            return profile_fields().get(ref.name)
        if ref.scope == "item":
            return item_fields(ref.list_path).get(ref.name)
        if ref.scope == "decision" and ref.name in self.book.decisions:
            return FieldSpec(ref.display, "enum", tuple(self.book.decisions[ref.name].values))
        if ref.scope == "timeline":
            if ref.name == "segment":
                return FieldSpec(ref.display, "enum", ("before_calendar",) + self.book.milestones)
            return FieldSpec(ref.display, "int")
        return None  # derived facts may hold several values at once: no contradiction to find

    def impossible(self, node) -> tuple | None:
        """(path, why) of the first part of `node` that can never hold, or None."""
        if isinstance(node, (cond.Test, cond.Count, cond.All)):
            return self.conjunction(analysis.conjuncts(node))
        if isinstance(node, cond.Any_):
            found = [self.impossible(c) for c in node.children]
            if all(found):
                return node.at, "none of its alternatives can hold: " + "; ".join(why for _, why in found)
            return None
        if isinstance(node, cond.Some) and node.where is not None:
            found = self.impossible(node.where)
            return (found[0], f"no entry of {node.list_path} can match: {found[1]}") if found else None
        return None  # a `not` of something that cannot hold always holds

    def conjunction(self, parts: list) -> tuple | None:
        domains: dict = {}
        seen: dict = defaultdict(list)
        for part in parts:
            if isinstance(part, cond.Test):
                spec = self.spec_of(part.ref)
                if spec is None:
                    continue
                key, make = (part.ref.scope, part.ref.name, part.ref.list_path), lambda s=spec: _Domain(s)
            elif isinstance(part, cond.Count):
                key, make = ("count", part.key), lambda: _Domain(FieldSpec("count", "int", minimum=0))
            else:
                found = self.impossible(part)
                if found:
                    return found
                continue
            domain = domains.setdefault(key, make())
            domain.apply(part.op, part.value)
            seen[key].append(part)
            if domain.empty():
                tests = seen[key]
                if len(tests) == 1:
                    spec = self.spec_of(part.ref) if isinstance(part, cond.Test) else None
                    kind = f": the field is {spec.describe_type()}" if spec else ""
                    return part.at, f"{analysis.describe(part)} cannot hold{kind}"
                return part.at, "these tests cannot all hold at once: " + ", ".join(analysis.describe(t) for t in tests)
        return None

    def never_holds(self) -> list:
        out = []
        for rule in self.book.rules:
            found = self.impossible(rule.when)
            if found:
                at, why = found
                out.append(self.finding("never-holds", rule, at, f"the rule can never fire: {why}",
                                        "check the numbers and values against the field; a rule that cannot "
                                        "fire is dead weight"))
        return out

    # reads of facts no rule writes ----------------------------------------------------------

    def writers(self) -> dict:
        """(scope, name) -> rule ids writing it: loaded rules, and rules that failed to load
        (so one broken rule does not make every reader of its facts look dead too)."""
        out: dict = defaultdict(set)
        loaded = {r.id for r in self.book.rules}
        for rule in self.book.rules:
            for name in rule.then.derive:
                out[("derived", name)].add(rule.id)
            for name in rule.then.decide:
                out[("decision", name)].add(rule.id)
        for _, (key, _i), raw in self.docs.raw_rules():
            rule_id = raw.get("id")
            if rule_id in loaded or rule_id in self.disabled or (key == "rules" and rule_id in self.replaced):
                continue
            then = raw.get("then") if isinstance(raw.get("then"), dict) else {}
            for scope, field in (("derived", "derive"), ("decision", "decide")):
                if isinstance(then.get(field), dict):
                    for name in then[field]:
                        out[(scope, name)].add(rule_id)
        return out

    def disabled_writers(self) -> dict:
        """(scope, name) -> ids of rules an overlay switched off that wrote it."""
        out: dict = defaultdict(set)
        for _, _, raw in self.docs.raw_rules():
            then = raw.get("then") if isinstance(raw.get("then"), dict) else {}
            for scope, key in (("derived", "derive"), ("decision", "decide")):
                if raw.get("id") in self.disabled and isinstance(then.get(key), dict):
                    for name in then[key]:
                        out[(scope, name)].add(raw["id"])
        return out

    def unwritten_reads(self) -> list:
        writers, out = self.writers(), []
        for rule in self.book.rules:
            for at, scope, name in _reads(rule):
                if writers.get((scope, name)):
                    continue
                what = "derived fact" if scope == "derived" else "decision"
                verb = "derives" if scope == "derived" else "proposes a value of"
                off = self.disabled_writers().get((scope, name))
                note = f" (an overlay switched off {', '.join(sorted(off))})" if off else ""
                out.append(self.finding("unwritten-read", rule, at, f"no rule {verb} {what} '{name}', so "
                                                                    f"{scope}.{name} is never known here{note}",
                                        f"add a rule with then: {{{'derive' if scope == 'derived' else 'decide'}: "
                                        f"{{{name}: ...}}}}, or read a fact another rule writes"))
        return out

    # loops ------------------------------------------------------------------------------

    def loops(self) -> list:
        rules = self.book.rules
        writers = analysis.writers(rules)
        edges = {r.id: sorted({w.id for _, s, n in _reads(r) for w in writers.get((s, n), [])}) for r in rules}
        out = []
        for component in strongly_connected(edges):
            first = min(component, key=lambda rid: self.book.rule(rid).index)
            if len(component) == 1 and first not in edges[first]:
                continue
            loop = _cycle_from(first, edges, set(component))
            rule = self.book.rule(first)
            out.append(self.finding("loop", rule, rule_at(rule) + ("when",),
                                    "rules feed each other in a loop: " + " -> ".join(loop),
                                    "a derived fact or decision may not depend on itself; break the loop by "
                                    "reading a profile field instead of one of these facts"))
        return out

    # two rules, one condition, different proposals --------------------------------------

    def conflicting_proposals(self) -> list:
        by_condition: dict = defaultdict(list)
        out = []
        for rule in self.book.rules:
            key = analysis.canonical(rule.when)
            for other in by_condition[key]:
                for name, value in rule.then.decide.items():
                    theirs = other.then.decide.get(name)
                    if theirs is None or theirs == value:
                        continue
                    out.append(self.finding(
                        "conflicting-proposals", rule, rule_at(rule) + ("then", "decide", name),
                        f"proposes {name} = {as_written(value)} under the same condition as rule {other.id} "
                        f"({other.file}:{other.line}), which proposes {as_written(theirs)}",
                        "one of the two never decides anything: make the conditions differ, or remove one",
                        severity="warning"))
            by_condition[key].append(rule)
        return out

    # unused parameters, decisions no rule proposes ---------------------------------------

    def unused_params(self) -> list:
        used = set()
        for rule in self.book.rules:
            used |= {n.param for n in analysis.walk(rule.when) if getattr(n, "param", None)}
        for doc in self.docs.by_file.values():  # templates, levers, rules that did not load
            data = doc.data if isinstance(doc.data, dict) else {}
            used |= param_refs({k: v for k, v in data.items() if k != "params"})
        out = []
        for doc in self.docs.by_file.values():
            data = doc.data if isinstance(doc.data, dict) else {}
            for name in (data.get("params") or {}) if isinstance(data.get("params"), dict) else {}:
                if name not in used and name in self.book.params:
                    out.append(self.finding("unused-param", None, ("params", name),
                                            f"parameter {name} is not read by any rule", "read it as "
                                            f"${name} in a condition or {{${name}}} in a text, or remove it",
                                            severity="warning", file=doc.file, at_key=True))
        return out

    def undecided_decisions(self) -> list:
        writers = self.writers()
        out = []
        for doc in self.docs.by_file.values():
            data = doc.data if isinstance(doc.data, dict) else {}
            decisions = data.get("decisions") if isinstance(data.get("decisions"), dict) else {}
            for name in decisions:
                if name in self.book.decisions and not writers.get(("decision", name)):
                    out.append(self.finding("undecided", None, ("decisions", name),
                                            f"no rule proposes a value of decision {name}",
                                            f"add a rule with then: {{decide: {{{name}: ...}}}}, or remove it",
                                            severity="warning", file=doc.file, at_key=True))
        return out


    # program contact worded, not declared -----------------------------------------------

    def undeclared_contact(self) -> list:
        out = []
        for rule, key, words in undeclared_contact(self.book.rules):
            at = _rule_path(rule) + ("then", "recommend", key)
            found = self.finding("contact-undeclared", rule, at, f"the advice {key} tells someone to contact a "
                                 f"program ('{words}') but does not declare contacts_program: true", CONTACT_HINT)
            doc = self.docs.get(rule.file)
            pos = _words_position(doc, at, words)
            if pos is not None:
                extra = ((SOURCE_LINE, doc.source_line(pos.line)),)
                found = Finding(found.check, replace(found.diagnostic, position=pos, extra=extra))
            out.append(found)
        return out

    # profile fields no rule reads ---------------------------------------------------------

    def unread_fields(self) -> list:
        """Only for a set of packs that claims to cover the profile: one of them declares
        `unread_fields:` (even empty). A small or school pack alone reads few fields by design."""
        docs = list(self.docs.by_file.values())
        if not any(isinstance(d.data, dict) and "unread_fields" in d.data for d in docs):
            return []
        read = set().union(*(_profile_reads(r) for r in self.book.rules)) if self.book.rules else set()
        fields = _leaf_fields()
        declared, out = {}, []
        for doc in self.docs.by_file.values():
            entries = doc.data.get("unread_fields") if isinstance(doc.data, dict) else None
            for i, entry in enumerate(entries if isinstance(entries, list) else []):
                path = entry.get("path") if isinstance(entry, dict) else None
                if not isinstance(path, str):
                    continue  # the pack model reports the shape
                at = ("unread_fields", i, "path")
                if path not in fields:
                    close = difflib.get_close_matches(path, sorted(fields), n=1)
                    out.append(self.finding("unread-field", None, at, f"'{path}' is not a profile field",
                                            "list a field of the profile schema (list entries as red_flags[].kind)",
                                            file=doc.file, suggestion=close[0] if close else None))
                elif path in read:
                    out.append(self.finding("unread-field", None, at, f"'{path}' is listed as unread, but a "
                                            "rule reads it", "remove it from unread_fields", severity="warning",
                                            file=doc.file))
                declared.setdefault(path, doc.file)
        # unlisted fields are reported where the list lives
        home = next(d for d in docs if isinstance(d.data, dict) and "unread_fields" in d.data)
        for path in sorted(set(fields) - set(read) - set(declared)):
            out.append(self.finding("unread-field", None, ("unread_fields",),
                                    f"profile field {path} is read by no rule",
                                    "read it in a rule's condition or text, or list it under unread_fields: "
                                    "with the reason", severity="warning", file=home.file, at_key=True))
        return out


def _rule_path(rule: LoadedRule) -> tuple:
    """The rule's own path in its file, table rows too: ("tables", t, "rows", r)."""
    at = tuple(rule.when.at)
    return at[:at.index("when")] if "when" in at else rule_at(rule)


def _leaf_fields() -> set[str]:
    """Every profile field a rule could act on: leaves, and list-entry leaves as list[].field."""
    out = set()
    for path, spec in profile_fields().items():
        if spec.kind == "items":
            out |= {f"{path}[].{name}" for name, sub in item_fields(path).items() if sub.kind != "section"}
        elif spec.kind != "section":
            out.add(path)
    return out


def _profile_reads(rule: LoadedRule) -> set[str]:
    """Profile fields a rule reads in its condition or its texts, named as _leaf_fields names them."""
    return {r.pattern for r in analysis.rule_reads(rule) if r.scope in ("profile", "item", "list")}


def _reads(rule: LoadedRule) -> list[tuple]:
    """(path, scope, name) of every derived fact and decision the rule reads."""
    out = [(r.at, r.scope, r.name) for r in analysis.reads(rule.when) if r.fact]
    rec = rule.then.recommend
    for key in ("text", "draft"):
        for name in placeholders(getattr(rec, key) or "") if rec else []:
            scope, _, rest = name.partition(".")
            if scope in analysis.FACT_SCOPES and rest:
                out.append((rule_at(rule) + ("then", "recommend", key), scope, rest))
    return out


def strongly_connected(edges: dict) -> list[list]:
    """Tarjan's algorithm, iterative order by the dict's order so results are deterministic."""
    index: dict = {}
    low: dict = {}
    stack: list = []
    on_stack: set = set()
    out: list = []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, []):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            out.append(component)

    for v in edges:
        if v not in index:
            visit(v)
    return out


def _cycle_from(start: str, edges: dict, within: set) -> list[str]:
    """One loop through `start` inside its component, as rule ids ending where it began."""
    path, seen = [start], {start}

    def walk(v) -> bool:
        for w in edges.get(v, []):
            if w == start:
                path.append(w)
                return True
            if w in within and w not in seen:
                seen.add(w)
                path.append(w)
                if walk(w):
                    return True
                path.pop()
        return False

    walk(start)
    return path
