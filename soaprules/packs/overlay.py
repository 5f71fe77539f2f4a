"""Overlays: a school pack that changes the packs it `extends:`.

An overlay may set new values for their parameters (`override_params:`), put its own
rule in the place of one of theirs (`replace:`), switch one off (`disable:`), add a
calendar year or correct one, and add rules of its own. The loader calls `arrange`
on the shaped packs before anything is parsed, so every rule is checked against the
parameters and rules it will actually run with.

Load order is explicit: packs load in the order given, except that an overlay always
loads after every pack it extends. Two overlays changing the same rule, parameter or
calendar year is an error, not a silent "last one wins", because the second change
would hide the first.

Policy outranks packs (DESIGN.md): NRMP's Match agreement bounds all advice, so no
overlay may disable or replace a rule of a policy pack, nor override a parameter any
rule of a policy pack reads (that would move when the policy holds). A policy pack is
the pack named `nrmp`, or one whose rules carry a `bound:` (which only policy packs
give). It is refused where the overlay says it, whichever packs the overlay extends.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from soaprules.lang import conditions as cond
from soaprules.lang.templates import param_refs
from soaprules.source import Document
from soaprules.suggest import closest
from soaprules.diagnose import as_written, kind_of


@dataclass(frozen=True)
class Change:
    """One thing an overlay changed, for explanations, lint and the pack tests."""

    kind: str  # replace | disable | override_params | calendar
    target: str  # rule id, parameter name or calendar year
    pack: str  # the overlay that made the change
    origin: str  # the pack that defined the target
    file: str
    line: int
    reason: str | None = None  # disable: why
    old: object = None  # override_params: the value it replaced

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def describe(self) -> str:
        verb = {"replace": "replaced", "disable": "switched off", "override_params": "set",
                "calendar": "replaced"}[self.kind]
        return f"{self.target} ({self.origin}) {verb} by overlay {self.pack} at {self.where}"


@dataclass
class Plan:
    """What the overlays of one load changed, and the order the packs loaded in."""

    order: list = field(default_factory=list)  # pack names, in load order
    extends: dict = field(default_factory=dict)  # overlay name -> names it extends (directly)
    changes: list = field(default_factory=list)  # Change

    def _by(self, kind: str) -> dict:
        return {c.target: c for c in self.changes if c.kind == kind}

    @property
    def replaced(self) -> dict:
        return self._by("replace")

    @property
    def disabled(self) -> dict:
        return self._by("disable")

    @property
    def overridden(self) -> dict:
        return self._by("override_params")

    def change_of(self, rule_id: str) -> Change | None:
        """How an overlay changed this rule, if one did (explanations say so)."""
        return self.replaced.get(rule_id) or self.disabled.get(rule_id)


class _Entry:
    """A shaped pack while overlays are applied (the pydantic Pack is frozen)."""

    def __init__(self, pack, doc: Document, rules: list):
        self.pack, self.doc, self.rules = pack, doc, list(rules)

    @property
    def name(self) -> str:
        return self.pack.name

    def update(self, **changes) -> None:
        self.pack = self.pack.model_copy(update=changes)

    def line(self, at: tuple) -> int:
        pos = self.doc.position_of(at)
        return pos.line if pos else 0

    def error(self, errors: list, at: tuple, message: str, **kw) -> None:
        errors.append(self.doc.diagnostic(at, message, **kw))

    def raw_rule_ids(self) -> list[str]:
        raw = self.doc.data.get("rules") if isinstance(self.doc.data, dict) else None
        return [r["id"] for r in raw or [] if isinstance(r, dict) and isinstance(r.get("id"), str)]


POLICY_PACK = "nrmp"  # the NRMP Match agreement's pack: it bounds every other pack
POLICY_HINT = ("NRMP's Match agreement bounds all advice and outranks every pack: an overlay may add "
               "advice of its own, never weaken policy. Remove this entry; to say more, add a rule of your own")


def is_policy_pack(pack, rules) -> bool:
    """The pack named nrmp, and any pack whose rules carry an NRMP `bound:` (policy packs only)."""
    return pack.name == POLICY_PACK or any(rule.then.bound for _, rule in rules)


def policy_packs(rules) -> frozenset:
    """The packs whose silences and items may set NRMP items aside: nrmp alone. A pack that
    carries a `bound:` of its own has its rules protected from overlays (is_policy_pack), but
    a bound only adds a limit, so it earns no right to hide one of NRMP's."""
    return frozenset({POLICY_PACK})


def policy_param_reads(pack, rules) -> dict[str, list[str]]:
    """Parameter -> what in this pack reads it ("rule nr-03-..."): its rules' conditions and
    texts (table rows included), its silences and its decisions' shown_when."""
    out: dict[str, list[str]] = {}

    def note(label: str, data) -> None:
        for name in sorted(param_refs(data)):
            if label not in out.setdefault(name, []):
                out[name].append(label)

    for _, rule in rules:
        note(f"rule {rule.id}", [rule.when, rule.then.model_dump()])
    for silence in pack.silences:
        note(f"silence {silence.name}", silence.when)
    for name, decision in pack.decisions.items():
        note(f"decision {name}", decision.shown_when)
    return out


def arrange(shaped: list, errors: list) -> tuple[list, Plan]:
    """Order the packs and apply every overlay; returns shaped packs as the loader expects."""
    entries = _unique_names([_Entry(*s) for s in shaped], errors)
    by_name = {e.name: e for e in entries}
    extends = {e.name: _resolve_extends(e, by_name, errors) for e in entries}
    ordered = _load_order(entries, extends, errors)
    plan = Plan([e.name for e in ordered], {n: ex for n, ex in extends.items() if ex})
    _Applier(ordered, extends, plan, errors).run()
    return [(e.pack, e.doc, e.rules) for e in ordered], plan


def _unique_names(entries: list, errors: list) -> list:
    seen: dict[str, _Entry] = {}
    out = []
    for entry in entries:
        first = seen.get(entry.name)
        if first is not None:
            entry.error(errors, ("name",), f"pack name '{entry.name}' is already used by "
                                           f"{first.doc.file}:{first.line(('name',))}",
                        hint="overlays find the packs they extend by name: give each pack its own")
            continue
        seen[entry.name] = entry
        out.append(entry)
    return out


def _resolve_extends(entry: _Entry, by_name: dict, errors: list) -> list[str]:
    found = []
    for k, name in enumerate(entry.pack.extends):
        at = ("extends", k)
        if name == entry.name:
            entry.error(errors, at, "a pack cannot extend itself")
        elif name not in by_name:
            loaded = [n for n in by_name if n != entry.name]
            entry.error(errors, at, f"pack '{name}' is not loaded, and this overlay extends it",
                        expected="one of " + (", ".join(loaded) or "(no other pack loaded)"),
                        suggestion=closest(name, loaded),
                        hint="load the packs an overlay extends with it, e.g. "
                             f"`soaprules advise PROFILE --pack rules/ --pack {entry.doc.file}`")
        elif name not in found:
            found.append(name)
    return found


def _load_order(entries: list, extends: dict, errors: list) -> list:
    """Stable topological order: the given order, each overlay moved after what it extends."""
    done: list = []
    pending = list(entries)
    while pending:
        ready = next((e for e in pending if all(n in {d.name for d in done} for n in extends[e.name])), None)
        if ready is None:  # every pending pack waits on another: a loop of extends
            names = [e.name for e in pending]
            for e in pending:
                e.error(errors, ("extends",), "packs extend each other in a loop: " + " -> ".join(names + names[:1]),
                        hint="an overlay extends the packs it changes; they cannot change it back")
            extends.update({e.name: [] for e in pending})
            done += pending
            break
        done.append(ready)
        pending.remove(ready)
    return done


class _Applier:
    """Applies overlays in load order, tracking which pack owns each rule, parameter, year."""

    def __init__(self, ordered: list, extends: dict, plan: Plan, errors: list):
        self.ordered, self.extends, self.plan, self.errors = ordered, extends, plan, errors
        self.by_name = {e.name: e for e in ordered}
        self.rule_owner: dict[str, str] = {}
        self.param_owner: dict[str, str] = {}
        self.year_owner: dict[int, str] = {}
        self.touched: dict[tuple, Change] = {}
        # policy packs, their rules and the parameters they read, from every pack given, so
        # the refusal does not depend on load order or on what the overlay extends
        policy = [e for e in ordered if is_policy_pack(e.pack, e.rules)]
        self.policy_rules = {rule_id: e.name for e in policy
                             for rule_id in [*e.raw_rule_ids(), *(r.id for _, r in e.rules)]}
        self.policy_reads = {e.name: policy_param_reads(e.pack, e.rules) for e in policy}
        # items an NRMP item trusts to say it in the student's terms (restated_by): an overlay
        # that rewrote one would be rewriting what NRMP's item says
        self.restating = {rec_id: r.id for e in policy for _, r in e.rules if r.then.recommend
                          for rec_id in r.then.recommend.restated_by}

    def closure(self, name: str) -> set[str]:
        out, todo = set(), list(self.extends.get(name, []))
        while todo:
            n = todo.pop()
            if n not in out:
                out.add(n)
                todo += self.extends.get(n, [])
        return out

    def run(self) -> None:
        for entry in self.ordered:
            base = self.closure(entry.name)
            if base:
                self._params(entry, base)
                self._override_params(entry, base)
                self._disable(entry, base)
                self._replace(entry, base)
                self._own_rules(entry, base)
            elif not entry.pack.extends:  # (an unresolved extends: is reported already)
                for key in ("override_params", "replace", "disable"):
                    if getattr(entry.pack, key):
                        entry.error(self.errors, (key,), f"only an overlay can use {key}:", at_key=True,
                                    hint="name the packs it changes first, e.g. extends: [core]")
            self._calendar(entry, base)
            for name in entry.pack.params:
                self.param_owner.setdefault(name, entry.name)
            for rule_id in entry.raw_rule_ids():
                self.rule_owner.setdefault(rule_id, entry.name)

    # ---- conflicts ---------------------------------------------------------------------

    def _record(self, entry: _Entry, at: tuple, change: Change) -> bool:
        """Note a change; an earlier change of the same target is an error at this one."""
        key = ("rule" if change.kind in ("replace", "disable") else change.kind, change.target)
        first = self.touched.get(key)
        if first is not None:
            who = "this pack" if first.pack == entry.name else f"overlay {first.pack}"
            what = {"rule": "rule", "override_params": "parameter", "calendar": "calendar year"}[key[0]]
            entry.error(self.errors, at, f"{what} {change.target} is already changed by {who} at {first.where}",
                        rule_id=change.target if key[0] == "rule" else None,
                        hint="two overlays may not change the same thing: make one change, in one overlay")
            return False
        self.touched[key] = change
        self.plan.changes.append(change)
        return True

    def _owned(self, entry: _Entry, at: tuple, kind: str, target, owners: dict, base: set) -> str | None:
        """The pack in this overlay's base that defines `target`, else a positioned error."""
        owner = owners.get(target)
        if owner in base:
            return owner
        at_key = at[0] == "override_params"  # point at the name, not at the new value
        if owner is not None:
            entry.error(self.errors, at, f"{kind} {target} belongs to pack {owner}, which this overlay "
                                         "does not extend", hint=f"add {owner} to extends:", at_key=at_key)
        else:
            known = [t for t, o in owners.items() if o in base]
            entry.error(self.errors, at, f"no {kind} {target} in the packs this overlay extends "
                                         f"({', '.join(sorted(base))})", suggestion=closest(target, known),
                        at_key=at_key)
        return None

    # ---- policy --------------------------------------------------------------------------

    def _policy_rule(self, entry: _Entry, at: tuple, rule_id: str, verb: str) -> bool:
        """A rule of a policy pack (not the overlay's own) may not be switched off or replaced."""
        owner = self.policy_rules.get(rule_id)
        if owner is None or owner == entry.name:
            return False
        entry.error(self.errors, at, f"{at[0]}: {rule_id} is a rule of the NRMP policy pack {owner}; "
                                     f"an overlay may not {verb}", rule_id=rule_id, hint=POLICY_HINT,
                    code="pack.overlay-weakens-policy")
        return True

    def _restates_policy(self, entry: _Entry, at: tuple, owner: str, rule) -> bool:
        """A rule whose item an NRMP item names in `restated_by:` may be switched off (the
        NRMP item is then given), not replaced: its replacement would set the NRMP item aside."""
        old = next((r for _, r in self.by_name[owner].rules if r.id == rule.id), None)
        ids = {(r.then.recommend.id or r.id) for r in (old, rule) if r is not None and r.then.recommend}
        trusted = sorted(i for i in ids if i in self.restating)
        if not trusted:
            return False
        entry.error(self.errors, at, f"replace: NRMP's rule {self.restating[trusted[0]]} trusts item {trusted[0]} "
                                     f"of rule {rule.id} to say its text in the student's terms (restated_by); "
                                     "an overlay may not replace that rule", rule_id=rule.id,
                    hint="disable it instead (the NRMP item is then given), or add an item of your own beside it",
                    code="pack.overlay-weakens-policy")
        return True

    def _policy_param(self, entry: _Entry, at: tuple, name: str) -> bool:
        """A parameter any rule of a policy pack reads decides when the policy holds: locked."""
        for pack, reads in self.policy_reads.items():
            if pack == entry.name or name not in reads:
                continue
            readers = reads[name]
            said = ", ".join(readers[:3]) + (f" and {len(readers) - 3} more" if len(readers) > 3 else "")
            entry.error(self.errors, at, f"override_params: {name} is read by the NRMP policy pack {pack} "
                                         f"({said}); an overlay may not change it", at_key=True,
                        hint=POLICY_HINT, code="pack.overlay-weakens-policy")
            return True
        return False

    # ---- parameters --------------------------------------------------------------------

    def _params(self, entry: _Entry, base: set) -> None:
        """A base parameter under params: is a mistake the loader would call a duplicate."""
        clash = [n for n in entry.pack.params if self.param_owner.get(n) in base]
        for name in clash:
            entry.error(self.errors, ("params", name), f"parameter {name} is defined by pack "
                                                       f"{self.param_owner[name]}", at_key=True,
                        hint="an overlay gives a parameter a new value under override_params:")
        if clash:
            entry.update(params={k: v for k, v in entry.pack.params.items() if k not in clash})

    def _override_params(self, entry: _Entry, base: set) -> None:
        for name, value in entry.pack.override_params.items():
            at = ("override_params", name)
            if self._policy_param(entry, at, name):
                continue
            owner = self._owned(entry, at, "parameter", name, self.param_owner, base)
            if owner is None:
                continue
            target = self.by_name[owner]
            old = target.pack.params[name]
            if not _same_kind(old, value):
                entry.error(self.errors, at, f"{name} is {_kind(old)} in pack {owner}; "
                                             f"{as_written(value)} cannot take its place", expected=_kind(old))
                continue
            broken = self._breaks(name, value)
            if broken:
                for diag in broken:
                    entry.error(self.errors, at, f"with {name} = {as_written(value)}: {diag.message}",
                                rule_id=diag.rule_id, expected=diag.expected, suggestion=diag.suggestion,
                                hint=f"rule {diag.rule_id} at {diag.where} reads ${name}")
                continue
            change = Change("override_params", name, entry.name, owner, entry.doc.file, entry.line(at), old=old)
            if self._record(entry, at, change):
                target.update(params={**target.pack.params, name: value})

    def _breaks(self, name: str, value) -> list:
        """Errors that the new value would cause in rules reading $name, and the old would not.

        Checked here so the error points at the override, and the bad value is never applied."""
        decisions = {k: v for e in self.ordered for k, v in e.pack.decisions.items()}
        milestones = next((tuple(m.name for m in c.milestones) for e in self.ordered for c in e.pack.calendar.values()),
                          ())
        params = {k: v for e in self.ordered for k, v in e.pack.params.items()}
        out = []
        for entry in self.ordered:
            for i, rule in entry.rules:
                if f"${name}" not in repr(rule.when):
                    continue
                at = (i if isinstance(i, tuple) else ("rules", i)) + ("when",)

                def errors_with(v, rule=rule, at=at, entry=entry):
                    ctx = cond.Context(entry.doc, {**params, name: v}, decisions, milestones, rule_id=rule.id)
                    cond.parse(rule.when, at, ctx)
                    return ctx.errors

                before = {(d.message, d.where) for d in errors_with(params.get(name))}
                out += [d for d in errors_with(value) if (d.message, d.where) not in before]
        return out

    # ---- rules -------------------------------------------------------------------------

    def _drop_rule(self, owner: str, rule_id: str) -> None:
        target = self.by_name[owner]
        target.rules = [(i, r) for i, r in target.rules if r.id != rule_id]

    def _disable(self, entry: _Entry, base: set) -> None:
        for k, item in enumerate(entry.pack.disable):
            at = ("disable", k, "id")
            if self._policy_rule(entry, at, item.id, "switch it off"):
                continue
            owner = self._owned(entry, at, "rule", item.id, self.rule_owner, base)
            if owner is None:
                continue
            change = Change("disable", item.id, entry.name, owner, entry.doc.file, entry.line(at), reason=item.reason)
            if self._record(entry, at, change):
                self._drop_rule(owner, item.id)

    def _replace(self, entry: _Entry, base: set) -> None:
        added = []
        for k, rule in enumerate(entry.pack.replace):
            at = ("replace", k, "id")
            if self._policy_rule(entry, at, rule.id, "replace it"):
                continue
            owner = self._owned(entry, at, "rule", rule.id, self.rule_owner, base)
            if owner is None or self._restates_policy(entry, at, owner, rule):
                continue
            change = Change("replace", rule.id, entry.name, owner, entry.doc.file, entry.line(at))
            if self._record(entry, at, change):
                self._drop_rule(owner, rule.id)
                added.append((("replace", k), rule))  # the loader reads a tuple index as the rule's path
        entry.rules = added + entry.rules

    def _own_rules(self, entry: _Entry, base: set) -> None:
        keep = []
        for i, rule in entry.rules:
            owner = self.rule_owner.get(rule.id)
            if isinstance(i, int) and owner in base:
                entry.error(self.errors, ("rules", i, "id"), f"rule {rule.id} is already in pack {owner}",
                            rule_id=rule.id, hint="to change it, put your version under replace:; "
                                                  "to switch it off, list it under disable:")
                continue
            keep.append((i, rule))
        entry.rules = keep

    # ---- calendar ----------------------------------------------------------------------

    def _calendar(self, entry: _Entry, base: set) -> None:
        """A year is given once; an overlay may correct a year of a pack it extends."""
        for year in entry.pack.calendar:
            at = ("calendar", year)
            owner = self.year_owner.get(year)
            if owner is None:
                self.year_owner[year] = entry.name
            elif owner in base:
                change = Change("calendar", str(year), entry.name, owner, entry.doc.file, entry.line(at))
                if self._record(entry, at, change):
                    target = self.by_name[owner]
                    target.update(calendar={y: ms for y, ms in target.pack.calendar.items() if y != year})
                    self.year_owner[year] = entry.name
            else:
                entry.error(self.errors, at, f"calendar year {year} is already given by pack {owner}", at_key=True,
                            hint=f"give each year once; an overlay that extends {owner} may correct it")


def _kind(value) -> str:
    if isinstance(value, list):
        return "a list of " + {bool: "true/false values", int: "numbers"}.get(type(value[0]), "words") if value \
            else "a list"
    return kind_of(value)


def _same_kind(old, new) -> bool:
    """An override keeps the shape of the value it replaces: a number for a number, a list for a list."""
    if isinstance(old, list):
        return isinstance(new, list) and bool(new) and all(type(x) is type(old[0]) for x in new + old[:1])
    return type(old) is type(new)
