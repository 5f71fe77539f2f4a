"""Assemble the `soaprules/advice@1` document from an Evaluation.

Pure data in, plain data out (dicts, lists, strings, numbers) so every renderer and
the JSON output read the same thing, and the output is byte-identical for equal input.
"""
from __future__ import annotations

from datetime import datetime

from soaprules.engine.durable import ENGINE_NAME, ENGINE_VERSION
from soaprules.profile import paths
from soaprules.lang.analysis import bound_by
from soaprules.lang.evaluate import Evidence, evaluate, missing_inputs, verdict
from soaprules.engine.session import Evaluation, Firing
from soaprules.packs.calendar import contradictions, eastern_clock
from soaprules.packs.overlay import policy_packs
from soaprules.lang.templates import every_alias, render, words

SCHEMA = "soaprules/advice@1"
PRIORITY_ORDER = ("critical", "high", "medium", "low")
CLOCK_WORDS = {"match_week": "Match Week results are out (match_week)", "soap": "SOAP is running (soap)",
               "post_soap": "SOAP is over (post_soap)"}


def build(run: Evaluation) -> dict:
    book = run.program.book
    status = run.data.get("status", {})
    bounds = [f for f in run.firings if f.rule.then.bound]
    silences = active_silences(run)
    aside = set_aside(run, silences)
    return {
        "schema": SCHEMA,
        "profile_id": run.data.get("applicant", {}).get("id"),
        "phase": status.get("phase"),
        "packs": [{"name": p.name, "version": p.version, "file": p.file, "sha256": p.sha256} for p in book.packs],
        "engine": {"name": ENGINE_NAME, "version": ENGINE_VERSION},
        "decisions": {name: _decision(res, run.program.book.decisions[name].label)
                      for name, res in sorted(run.decisions.items())},
        "standing": _standing(run),
        "recommendations": _recommendations(run, bounds, aside),
        "set_aside": list(aside.values()),
        "trace": [_trace(f) for f in run.firings],
        "unknowns": _still_open(run, _unknowns(run), silences),
        "warnings": _warnings(run),
        "timeline": run.world.timeline,  # where the student stands in Match Week, for the plan's deadlines
    }


def _standing(run: Evaluation) -> list[dict]:
    """Where the student stands, as the packs word it: each decision made whose `shown_when:`
    is not false, in the order the packs declare them."""
    book = run.program.book
    out = []
    for name, decision in book.decisions.items():
        res = run.decisions.get(name)
        gate = book.shown_when.get(name)
        if res is None or (gate is not None and evaluate(gate, run.world).value is False):
            continue
        label = decision.label or name.replace("_", " ").capitalize()
        shown = {True: "yes", False: "no"}.get(res.value, res.value) if isinstance(res.value, bool) else res.value
        text = decision.says.get(res.value) or f"{label}: {str(shown).replace('_', ' ')}."
        out.append({"decision": name, "label": label, "value": res.value, "text": " ".join(text.split())})
    return out


def _decision(res, label: str | None) -> dict:
    out = {"value": res.value, "rule": res.rule.id, "policy": res.policy,
           "overridden": [{"value": p.value, "rule": p.rule.id} for p in res.overridden]}
    if label:  # the pack's own name for it, so every renderer says it alike
        out["label"] = label
    return out


def evidence_dict(e: Evidence) -> dict:
    out = {"path": e.path, "value": _shown(e.actual), "test": e.op}
    if e.op not in ("exists", "missing"):
        out["expected"] = list(e.expected) if isinstance(e.expected, tuple) else e.expected
    if e.param:
        out["param"] = e.param
    return out


def _shown(actual):
    if isinstance(actual, datetime):  # status.now: JSON has no date type
        return actual.isoformat()
    if isinstance(actual, tuple) and len(actual) == 2 and all(isinstance(x, int) for x in actual):
        low, high = actual
        return low if low == high else f"{low} to {high}"
    return list(actual) if isinstance(actual, (tuple, set)) else actual


def _lookup(run: Evaluation, firing: Firing):
    """A placeholder's value, as the advice says it: a time as Eastern clock text (the week
    runs on Eastern time, and a raw offset timestamp is no way to tell a student when)."""
    find = _raw_lookup(run, firing)

    def lookup(name: str):
        value = find(name)
        return eastern_clock(value) if isinstance(value, datetime) else value
    return lookup


def _raw_lookup(run: Evaluation, firing: Firing):
    bound = dict(firing.bindings)

    def lookup(name: str):
        head, _, rest = name.partition(".")
        if name.startswith("$"):
            return run.program.book.params.get(name[1:])
        if (every := every_alias(name)) is not None:
            return _every(run, firing, *every)
        if head in bound:
            list_path, index = bound[head]
            return paths.get((paths.items(run.data, list_path) or [])[index], rest)
        if head == "decision":
            return run.world.decisions.get(rest)
        if head == "timeline":
            return paths.get(run.world.timeline or {}, rest)
        if head == "derived":
            values = run.world.derived.get(rest)
            return sorted(values, key=repr)[0] if values else None
        return paths.get(run.data, name)
    return lookup


def _every(run: Evaluation, firing: Firing, alias: str, field: str) -> list:
    """The field of every entry the `as: alias` test matches, in list order, each value
    once: the engine binds only the first match, and advice that names one hidden flag
    of two would leave the other hidden."""
    node = bound_by(firing.rule.when, alias)
    if node is None:
        return []
    out: list = []
    for entry in paths.items(run.data, node.list_path) or ():
        if node.where is None or verdict(node.where, firing.world, entry) is True:
            value = paths.get(entry, field)
            if value is not None and value not in out:
                out.append(value)
    return out


def active_silences(run: Evaluation) -> list:
    """The packs' `silences:` that hold once the run is over (derived facts are final then)."""
    return [s for s in run.program.book.silences if evaluate(s.when, run.world).value is True]


def silenced_by(silences: list, rec_id: str):
    """The first active silence that sets this recommendation aside, or None."""
    return next((s for s in silences if rec_id not in s.keep), None)


def silencing(silences: list, policy: frozenset, rule):
    """The first active silence that sets aside `rule`'s recommendation, or None: an NRMP
    item (a policy pack's) only by a policy pack's silence."""
    if rule.pack in policy:
        silences = [s for s in silences if s.pack in policy]
    return silenced_by(silences, rule.recommendation_id)


def _still_open(run: Evaluation, unknowns: list[dict], silences: list) -> list[dict]:
    """Once a silence holds, only what could change a kept recommendation is worth asking."""
    if not silences:
        return unknowns
    policy = policy_packs(run.program.book.rules)
    kept = {r.id for r in run.program.book.rules if r.recommendation_id and not silencing(silences, policy, r)}
    out = []
    for u in unknowns:
        rules = [r for r in u["rules"] if r in kept]
        if rules:
            out.append({**u, "rules": rules})
    return out


def set_aside(run: Evaluation, silences: list) -> dict[str, dict]:
    """Recommendations whose rule fired but that are not given, by id, each with what set it
    aside: an active silence, or a given item that `supersedes:` it (says the same, better
    fitted). Listed in the advice, so nothing is dropped without a word. NRMP's own items
    (a policy pack's) are set aside only by a policy pack: the Match agreement outranks every
    other pack, so a school's silence or superseding item never hides it."""
    out: dict[str, dict] = {}
    given = []
    policy = policy_packs(run.program.book.rules)
    for firing in run.firings:
        rec = firing.rule.then.recommend
        if rec is None:
            continue
        rec_id = rec.id or firing.rule.id
        by = silencing(silences, policy, firing.rule)
        if by is not None:
            out[rec_id] = {"id": rec_id, "rule": firing.rule.id, "kind": "silence", "by": by.name,
                           "reason": by.reason}
        else:
            given.append((rec_id, firing))
    ids = {rec_id: firing for rec_id, firing in given}
    for rec_id, firing in given:
        for other in firing.rule.then.recommend.supersedes:
            if other in ids and other != rec_id and other not in out and _may_set_aside(firing, ids[other], policy):
                out[other] = {"id": other, "rule": ids[other].rule.id, "kind": "superseded", "by": rec_id,
                              "reason": f"said within {rec_id} ({firing.rule.title})"}
    return out


def _may_set_aside(by: Firing, other: Firing, policy: frozenset) -> bool:
    """An item may supersede another, except an NRMP (policy) item, which only its own pack
    or an item it names in `restated_by:` may say in its place."""
    if other.rule.pack not in policy or by.rule.pack in policy:
        return True
    return (by.rule.then.recommend.id or by.rule.id) in other.rule.then.recommend.restated_by


def _recommendations(run: Evaluation, bounds: list[Firing], aside: dict) -> list[dict]:
    out = []
    for firing in run.firings:
        rec = firing.rule.then.recommend
        if rec is None or (rec.id or firing.rule.id) in aside:
            continue
        lookup = _lookup(run, firing)
        item = {"id": rec.id or firing.rule.id, "topic": rec.topic, "priority": rec.priority, "rank": rec.rank,
                "title": firing.rule.title,
                "text": " ".join(render(rec.text, lookup).split()), "rule": firing.rule.id,
                "pack": firing.rule.pack, "cites": list(firing.rule.cites),
                "sources": [{"seed": s.seed, "quote": s.quote} for s in firing.rule.sources],
                "because": [evidence_dict(e) for e in firing.because]}
        about = _about(run, firing)
        if about:
            item["about"] = about
        if rec.due is not None:
            item["due"] = _due(run, rec.due)
        if rec.draft:
            item["draft"] = render(rec.draft, lookup).strip()
        if _reads_provisional_clock(run, firing):
            item["provisional_calendar"] = True
        if rec.contacts_program:
            item["contacts_program"] = True
            item["bounds"] = [{"text": " ".join(b.rule.then.bound.split()), "rule": b.rule.id,
                               "cites": list(b.rule.cites)} for b in bounds]
        out.append(item)
    # Priority, then the rank the pack declares; stable, so equal ranks keep rule order.
    return sorted(out, key=lambda r: (PRIORITY_ORDER.index(r["priority"]), -r["rank"]))


PEOPLE = {"relationships.faculty": "faculty member", "relationships.alumni": "alum"}


def _about(run: Evaluation, firing: Firing) -> dict | None:
    """The one person the item is about (a faculty or alumni entry its rule bound), so a
    report can say everything about that person as one item; None for none, or several."""
    # only a name the rule gave (`as:`): an unnamed `some` is a condition, not the item's subject
    people = {(path, i) for alias, (path, i) in firing.bindings if path in PEOPLE and not alias.startswith("_")}
    if len(people) != 1:
        return None
    (path, i), = people
    entry = (paths.items(run.data, path) or [])[i]
    if path == "relationships.faculty":
        label = words(entry["role"]) if entry.get("role") else PEOPLE[path]
    else:
        label = f"{words(entry['specialty'])} alum" if entry.get("specialty") else PEOPLE[path]
    return {"path": f"{path}[{i}]", "label": label}


def _due(run: Evaluation, milestone: str) -> dict | None:
    """The item's own deadline, when it is still ahead; None: it has none (or it has passed)."""
    ahead = (run.world.timeline or {}).get("ahead", {})
    if milestone == "none" or milestone not in ahead:
        return None
    return {**ahead[milestone], "hours": run.world.timeline["hours_to"][milestone]}


def _reads_provisional_clock(run: Evaluation, firing: Firing) -> bool:
    line = run.world.timeline
    return bool(line and line["provisional"]) and any(e.scope == "timeline" for e in firing.because)


def _warnings(run: Evaluation) -> list[dict]:
    """What the reader must know before the advice: a phase the calendar contradicts, a
    calendar NRMP has not published. Each says what was done about it."""
    out = []
    line, reading = run.world.timeline, run.phase_reading
    if reading is not None and reading.calendar and reading.contradicted:
        said = (f"Your profile gives the phase as {reading.stated}, but at {line['now_eastern']} the {line['year']} "
                f"Match Week calendar says {CLOCK_WORDS.get(reading.calendar, reading.calendar)}. ")
        if reading.disagrees:
            said += (f"This advice is read for {reading.used}, the more restrictive of the two, so it unlocks no contact "
                     "that NRMP's SOAP rules bar; correct status.phase if it is out of date.")
        else:  # the stated phase is the more restrictive: kept, but the advice that follows the clock is not given
            said += (f"This advice is still read for {reading.stated}, the more restrictive of the two, so it unlocks "
                     f"no contact; if the clock is right, set status.phase to {reading.calendar} for the advice that "
                     "applies now (its SOAP-week times may already have passed).")
        out.append({"code": "phase_disagrees_with_calendar", "stated_phase": reading.stated,
                    "calendar_phase": reading.calendar, "used_phase": reading.used, "text": said})
    status = run.data.get("status") or {}
    for path, what in contradictions(run.program.book.calendar, run.program.book.calendar_rule, status.get("now"),
                                     run.data.get("soap_week"), status):
        out.append({"code": "profile_contradicts_calendar", "path": path,
                    "text": f"Your profile ({path}) {what}. Advice about offers and contacts reads this record, "
                            "so it may be wrong, or left out, until the record is corrected."})
    changed = _calendar_change(run.program.book, line)
    if changed is not None:  # dates that decide when contact is barred, from a pack other than NRMP's
        out.append({"code": "calendar_from_overlay", "year": line["year"], "pack": changed.pack,
                    "text": f"The {line['year']} Match Week dates used here come from pack {changed.pack}, which "
                            f"replaces the dates the NRMP pack gives for that year. Every time in this advice, and "
                            "when SOAP's rules on contacting programs apply, rests on them: check them against "
                            "NRMP's published schedule."})
    if line and line["provisional"]:
        why = (f"this pack has no dated {line['year']} calendar, so the dates follow the usual pattern"
               if line["derived"] else f"NRMP has not published the {line['year']} schedule")
        items = sorted({(f.rule.then.recommend.id or f.rule.id) for f in run.firings
                        if f.rule.then.recommend and _reads_provisional_clock(run, f)})
        out.append({"code": "provisional_calendar", "year": line["year"], "source": line["source"], "items": items,
                    "text": f"The Match Week dates for {line['year']} are provisional: {why} ({line['source']}). "
                            "Confirm them on the NRMP site; advice that depends on the day and hour of Match "
                            "Week rests on them" + (f" ({', '.join(items)})." if items else ".")})
    return out


def _calendar_change(book, line):
    """The overlay change that gave the calendar year in use, if an overlay gave it."""
    plan = getattr(book, "overlay", None)
    if not line or plan is None:
        return None
    return next((c for c in plan.changes if c.kind == "calendar" and c.target == str(line["year"])), None)


def _trace(f: Firing) -> dict:
    return {"rule": f.rule.id, "pack": f.rule.pack, "stratum": f.stratum,
            "matched": [evidence_dict(e) for e in f.because],
            "bindings": {alias: f"{path}[{i}]" for alias, (path, i) in f.bindings},
            "asserted": [{"name": n, "value": v} for n, v in f.asserted],
            "proposed": dict(f.proposed)}


def _unknowns(run: Evaluation) -> list[dict]:
    """Missing fields that would have let a rule that did not fire decide. The program's
    generated question (lang.evaluate.compile_unknowns) from its second report on: one report
    is cheaper asked of the interpreter than generated."""
    fired = {f.rule.id for f in run.firings}
    generated = run.program.unknowns_generated()
    found = generated(run.world, fired) if generated else _unknowns_interpreted(run, fired)
    return [{"path": p, "rules": rules} for p, rules in sorted(found.items())]


def _unknowns_interpreted(run: Evaluation, fired: set) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    memo: dict = {}
    for rule in run.program.book.rules:
        if rule.id in fired:
            continue
        for path in missing_inputs(rule.when, run.world, memo):
            found.setdefault(path, []).append(rule.id)
    return found
