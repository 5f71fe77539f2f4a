"""A `soaprules batch` results file read back: every record checked against the shape batch
writes before anything believes it.

`cohort FILE.jsonl` builds a board (and each student's HTML report) from the records alone,
and a batch rerun copies the records already there into its output. A torn, hand-edited,
concatenated or foreign file must not become an internal error halfway through a board, nor
a board or a resumed file that shows advice no evaluation gave: each line is refused where
it is wrong (file, line, column, field), and one file holds one version of the advice (the
same packs and engine on every record) and one record per input.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from soaprules.errors import Diagnostic, InputFileError, Position
from soaprules.source import format_path
from soaprules.diagnose import as_written

ADVICE_SCHEMA = "soaprules/advice@1"  # advice.SCHEMA, named here without importing the engine
MAX_SHOWN = 20  # a wholly foreign file: the first few mistakes say enough
Scalar = str | int | bool


class _Shape(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, defer_build=True)


class Evidence(_Shape):
    path: str
    value: Any  # always written, null when unknown
    test: str
    expected: Any = None
    param: str | None = None


class Source(_Shape):
    seed: str
    quote: str


class Milestone(_Shape):
    name: str
    at: str
    label: str
    deadline: str | None = None


class Due(Milestone):
    hours: int


class About(_Shape):
    path: str
    label: str


class Bound(_Shape):
    text: str
    rule: str
    cites: list[str]


class Recommendation(_Shape):
    id: str
    topic: str
    priority: Literal["critical", "high", "medium", "low"]
    rank: int
    title: str
    text: str
    rule: str
    pack: str
    cites: list[str]
    sources: list[Source]
    because: list[Evidence]
    about: About | None = None
    due: Due | None = None
    draft: str | None = None
    provisional_calendar: bool | None = None
    contacts_program: bool | None = None
    bounds: list[Bound] | None = None


class Overridden(_Shape):
    value: Scalar
    rule: str


class Decision(_Shape):
    value: Scalar
    rule: str
    policy: str
    overridden: list[Overridden]
    label: str | None = None


class Standing(_Shape):
    decision: str
    label: str
    value: Scalar
    text: str


class SetAside(_Shape):
    id: str
    rule: str
    kind: Literal["silence", "superseded"]
    by: str
    reason: str


class Asserted(_Shape):
    name: str
    value: Any


class Firing(_Shape):
    rule: str
    pack: str
    stratum: int
    matched: list[Evidence]
    bindings: dict[str, str]
    asserted: list[Asserted]
    proposed: dict[str, Any]


class Unknown(_Shape):
    path: str
    rules: list[str]


class Warning_(_Shape):
    code: str
    text: str
    path: str | None = None
    stated_phase: str | None = None
    calendar_phase: str | None = None
    used_phase: str | None = None
    year: int | None = None
    source: str | None = None
    items: list[str] | None = None
    pack: str | None = None  # calendar_from_overlay: the pack whose dates are used


class Timeline(_Shape):
    segment: str
    hours_to: dict[str, int]
    year: int
    provisional: bool
    source: str
    derived: bool
    now_eastern: str
    passed: list[str]
    label: str | None = None
    ahead: dict[str, Milestone]
    next: Milestone | None = None


class Pack(_Shape):
    name: str
    version: str
    file: str
    sha256: str


class Engine(_Shape):
    name: str
    version: str


class Advice(_Shape):
    schema_: Literal["soaprules/advice@1"] = Field(alias="schema")
    profile_id: str | None
    phase: str | None
    packs: list[Pack]
    engine: Engine
    decisions: dict[str, Decision]
    standing: list[Standing]
    recommendations: list[Recommendation]
    set_aside: list[SetAside]
    trace: list[Firing]
    unknowns: list[Unknown]
    warnings: list[Warning_]
    timeline: Timeline | None


class ErrorEntry(_Shape):
    severity: str
    message: str
    code: str | None = None
    file: str | None = None
    path: str | None = None
    rule_id: str | None = None
    expected: str | None = None
    suggestion: str | None = None
    hint: str | None = None
    line: int | None = None
    column: int | None = None
    end_line: int | None = None
    end_column: int | None = None


class OkRecord(_Shape):
    source: str
    status: Literal["ok"]
    advice: Advice
    input_sha256: str | None = None  # records of earlier versions name no input


class ErrorRecord(_Shape):
    source: str
    status: Literal["error"]
    kind: str
    errors: list[ErrorEntry] = Field(min_length=1)
    input_sha256: str | None = None  # records of earlier versions name no input


SHAPES = {"ok": OkRecord, "error": ErrorRecord}


def problems(record: Any) -> list[tuple[tuple, str]]:
    """What keeps `record` (parsed JSON) from being a record batch writes, as (field path,
    message) pairs; empty for a good one."""
    if not isinstance(record, dict):
        return [((), f"a record is a JSON object, not {type(record).__name__}")]
    status = record.get("status")
    shape = SHAPES.get(status) if isinstance(status, str) else None  # a list or object there is no key
    if shape is None:
        return [(("status",), f"status must be 'ok' or 'error', not {as_written(record.get('status'))}")]
    try:
        shape.model_validate(record)
    except ValidationError as exc:
        return [(tuple(e["loc"]), _said(e)) for e in exc.errors(include_url=False)]
    return []


def _said(err: dict) -> str:
    kind = err["type"]
    if kind == "missing":
        return "is missing"
    if kind == "extra_forbidden":
        return "is not a field batch writes"
    if kind == "literal_error":
        return f"must be {err.get('ctx', {}).get('expected')}, not {_brief(err.get('input'))}"
    wanted = {"string_type": "text", "int_type": "a whole number", "bool_type": "true or false",
              "dict_type": "an object", "model_type": "an object", "list_type": "a list",
              "too_short": "a list with at least one entry"}.get(kind)
    return f"must be {wanted}, not {_brief(err.get('input'))}" if wanted else f"does not have batch's form ({kind})"


def _brief(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, (dict, list)) else type(value).__name__
    return text if len(text) <= 40 else text[:37] + "..."


def _no_duplicates(pairs: list) -> dict:
    seen: dict = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"the key {key!r} appears twice in one object")
        seen[key] = value
    return seen


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def parse(raw: bytes) -> Any:
    """One line as strict JSON: no repeated keys, no NaN or Infinity (ValueError)."""
    return json.loads(raw, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)


def diagnostic(file: str, line: int, loc: tuple, message: str) -> Diagnostic:
    field = format_path(loc)
    return Diagnostic(f"{field} {message}" if field else message, file=file,
                      position=Position(line, 1), path=field or None,
                      hint="this is not a results file `soaprules batch` wrote as it stands; run batch "
                           "again into a new --out file")


def read(path: str | Path) -> list[dict]:
    """Every record of a results file, each checked; InputFileError naming each bad line."""
    file = str(path)
    try:
        with open(path, "rb") as handle:
            return _checked(handle, file)
    except OSError as exc:
        raise InputFileError(Diagnostic(f"cannot read the results file: {exc.strerror}", file=file)) from None


def _checked(raw_lines, file: str) -> list[dict]:
    records, found = [], []
    first_at: dict = {}  # source -> the line of its record
    version = None  # (packs, engine) of the first ok record, and its line
    for number, raw in enumerate(raw_lines, 1):
        if len(found) >= MAX_SHOWN:
            break
        if not raw.strip():
            continue
        try:
            record = parse(raw)
        except ValueError as exc:
            column = getattr(exc, "colno", 1)
            found.append(Diagnostic(f"not a JSON record: {getattr(exc, 'msg', str(exc))}", file=file,
                                    position=Position(number, column),
                                    hint="a torn or edited line: run batch again to complete the file"))
            continue
        wrong = problems(record)
        if wrong:
            found += [diagnostic(file, number, loc, message) for loc, message in wrong]
            continue
        source = record["source"]
        if source in first_at:
            found.append(diagnostic(file, number, ("source",), f"repeats {as_written(source)}, already recorded on line "
                                    f"{first_at[source]}: one file holds one record per profile"))
            continue
        first_at[source] = number
        if record["status"] == "ok":
            made_with = (record["advice"]["packs"], record["advice"]["engine"])
            if version is None:
                version = (made_with, number)
            elif made_with != version[0]:
                found.append(diagnostic(file, number, ("advice", "packs"),
                                        f"differ from line {version[1]}'s: the records were made with two "
                                        "versions of the rule packs (or engine), and one board shows one"))
                continue
        records.append(record)
    if found:
        raise InputFileError(found[:MAX_SHOWN])
    return records
