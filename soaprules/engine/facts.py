"""Turn a Profile into engine facts.

Shape (DESIGN.md: one flat profile fact overflows the engine's alpha-node limit):
- one fact per profile section (`t` = section name), always asserted, `_given` when present;
- one fact per entry of a list of entries (`t` = list path, `i` = index);
- a root fact `t: profile` holding the sizes of top-level lists;
- for a list field, `<field>#` holds its length, so "contains nothing" is decidable;
- one `agg` fact with every declared count (an interval: `<name>_lo`, `<name>_hi`), one
  `timeline` fact (valueless when `status.now` is not known);
- one `decisions` fact per stratum with the decisions final so far (a decision not there
  is absent for good), and one `derived` fact per derived value; a derived name no later
  rule can write and none did gets a valueless `derived` fact, so `missing` can match.
Unknown values are left out of the facts altogether: the engine then cannot match them.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime

from soaprules.lang import conditions as cond
from soaprules.profile import paths
from soaprules.profile.fields import profile_fields

ROOT = "profile"
DECISIONS = "decisions"  # one fact holding every decision final so far: one assert, not nine
AGGREGATES = "agg"  # one fact holding every declared count, as <name>_lo and <name>_hi
# The engine keys facts by `id` and sessions by `sid`; `t` and `i` are ours. A profile
# field with one of these names (applicant.id) is stored under another name.
RESERVED = {"id", "sid", "t", "i"}


def stored(name: str) -> str:
    return f"{name}_" if name in RESERVED else name


@dataclass(frozen=True)
class FactAddress:
    """Where a Ref lives: the fact type and the field inside that fact."""

    t: str
    field: str


def address(ref: cond.Ref) -> FactAddress:
    if ref.scope == "item":
        return FactAddress(ref.list_path, _field_name(ref.list_path + "." + ref.name, ref.name))
    if ref.scope == "derived":
        return FactAddress("derived", "value")
    if ref.scope == "decision":
        return FactAddress(DECISIONS, stored(ref.name))
    if ref.scope == "timeline":
        return FactAddress("timeline", ref.name)
    section, _, rest = ref.name.partition(".")
    if not rest:
        return FactAddress(ROOT, section + "#") if profile_fields()[section].kind == "items" \
            else FactAddress(section, "_given")
    return FactAddress(section, _field_name(ref.name, rest))


def _field_name(path: str, name: str) -> str:
    spec = profile_fields().get(path)
    head, _, rest = name.partition(".")
    name = stored(head) + (f".{rest}" if rest else "")
    return name + "#" if spec is not None and spec.kind == "items" else name


def _section_fact(t: str, data: dict | None, fact_id: str, extra: dict | None = None) -> dict:
    fact: dict = {"t": t, "id": fact_id, **(extra or {})}
    if data is None:
        return fact
    fact["_given"] = True
    for key, value in data.items():
        if value is None:
            continue
        if type(value) is list:  # paths.dump makes plain lists and dicts only
            fact[key + "#"] = len(value)
            if value and type(value[0]) is dict:
                continue  # entries become facts of their own
        elif type(value) is dict:
            value = _strip_none(value)
        elif isinstance(value, datetime):
            value = value.isoformat()
        fact[key if key not in RESERVED else key + "_"] = value
    return fact


def _strip_none(value):
    if isinstance(value, dict):
        return {k: _strip_none(v) for k, v in value.items() if v is not None}
    return value


@lru_cache(maxsize=None)
def _layout() -> tuple[tuple, tuple, tuple]:
    """The profile's sections, its top-level lists and every list of entries, in field
    order: the same for every profile, so read from the field table once."""
    fields = profile_fields()
    sections = tuple(n for n, s in fields.items() if "." not in n and s.kind != "items")
    top_lists = tuple(n for n, s in fields.items() if "." not in n and s.kind == "items")
    list_paths = tuple(p for p, s in fields.items() if s.kind == "items")
    return sections, top_lists, list_paths


def base_facts(data: dict) -> list[dict]:
    """Section, root and list-entry facts of a profile (as paths.dump gives it)."""
    sections, top_lists, list_paths = _layout()
    facts = [_section_fact(name, data.get(name), name) for name in sections]
    root: dict = {"t": ROOT, "id": ROOT}
    for name in top_lists:
        if data.get(name) is not None:
            root[name + "#"] = len(data[name])
    facts.append(root)
    for list_path in list_paths:
        for i, item in enumerate(paths.items(data, list_path) or []):
            facts.append(_section_fact(list_path, item, f"{list_path}[{i}]", {"i": i}))
    return facts


def derived_fact(name: str, value) -> dict:
    return {"t": "derived", "id": f"derived:{name}={value!r}", "name": name, "value": value}


def decisions_fact(decisions: dict) -> dict:
    return {"t": DECISIONS, "id": DECISIONS, **{stored(name): value for name, value in decisions.items()}}


def absent_fact(name: str) -> dict:
    """A derived fact that no rule can write any more and none did."""
    return {"t": "derived", "id": f"derived:{name}:absent", "name": name}


def aggregates_fact(intervals: dict) -> dict:
    fact = {"t": AGGREGATES, "id": AGGREGATES}
    for name, (low, high) in intervals.items():
        fact[f"{name}_lo"], fact[f"{name}_hi"] = low, high
    return fact


def timeline_fact(segment: str | None = None, hours_to: dict | None = None) -> dict:
    """The clock's fact; without a clock (no status.now, or no calendar for it) a valueless
    one, so a `missing` test on a timeline field can match, as the reference evaluator reads it."""
    if segment is None:
        return {"t": "timeline", "id": "timeline"}
    return {"t": "timeline", "id": "timeline", "segment": segment, "hours_to": hours_to}
