"""Turn what a student typed into a profile value, and put it in the profile data.

One parser per field type of schema_paths, each with a plain message when the text
does not fit. The same parsing serves the prompt, `--answer path=value` and stdin, so
an answer is valid the same way wherever it comes from. Nothing is filled in that the
student did not give: an unanswered field is absent.
"""
from __future__ import annotations

import copy
import re
from datetime import datetime

from pydantic import ValidationError

from . import datapath, profile as profile_module
from .schema_paths import FieldSpec, item_fields, profile_fields
from .suggest import closest

YES = ("yes", "y", "true")
NO = ("no", "n", "false")
NONE_WORDS = ("none", "nothing", "[]")


class AnswerError(ValueError):
    """An answer that does not fit its field; the message is said to the student."""


def label(value) -> str:
    """How a choice is shown: match_week -> match week."""
    return str(value).replace("_", " ")


def parse(spec: FieldSpec, text: str):
    text = text.strip()
    if not text:
        raise AnswerError("the answer is empty: give a value (at the prompt, an empty line skips the question)")
    return _PARSERS[spec.kind](spec, text)


def _choice(spec: FieldSpec, text: str):
    if text.isdigit() and 1 <= int(text) <= len(spec.values):
        return spec.values[int(text) - 1]
    wanted = text.lower().replace(" ", "_").replace("-", "_")
    if wanted in spec.values:
        return wanted
    guess = closest(wanted, spec.values)
    hint = f"; did you mean '{label(guess)}'?" if guess else ""
    raise AnswerError(f"'{text}' is not one of the choices: pick a number from 1 to {len(spec.values)}"
                      f" or type a choice{hint}")


def _choices(spec: FieldSpec, text: str) -> list:
    if text.lower() in NONE_WORDS:
        return []
    out = []
    for token in (t for t in re.split(r"[,;]", text) if t.strip()):
        value = _choice(spec, token.strip())
        if value not in out:
            out.append(value)
    return out


def _yes_no(spec: FieldSpec, text: str) -> bool:
    if text.lower() in YES:
        return True
    if text.lower() in NO:
        return False
    raise AnswerError(f"'{text}' is not yes or no: type yes or no")


def _whole_number(spec: FieldSpec, text: str) -> int:
    if not re.fullmatch(r"[+-]?\d+", text):
        raise AnswerError(f"'{text}' is not a whole number: type digits only, such as 3")
    value = int(text)
    if spec.minimum is not None and value < spec.minimum or spec.maximum is not None and value > spec.maximum:
        raise AnswerError(f"{value} is out of range: give a number from {spec.minimum} to {spec.maximum}")
    return value


def _moment(spec: FieldSpec, text: str) -> str:
    if text.lower() == "now":
        return datetime.now().astimezone().replace(second=0, microsecond=0).isoformat()
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise AnswerError(f"'{text}' is not a date and time: type now, or e.g. 2026-03-16T10:30-04:00") from None
    if value.utcoffset() is None:
        raise AnswerError("add your UTC offset so the time is not ambiguous, e.g. 2026-03-16T10:30-04:00 "
                          "(US Eastern in March), or type now")
    return value.isoformat()


def _text(spec: FieldSpec, text: str) -> str:
    return text


_PARSERS = {"enum": _choice, "enum_list": _choices, "bool": _yes_no, "int": _whole_number,
            "datetime": _moment, "str": _text, "items": _yes_no}


# ---- paths into plain profile data ----------------------------------------------------

def _steps(path: str) -> list[tuple[str, int | None]]:
    try:
        return datapath.steps(path)
    except ValueError as exc:
        raise AnswerError(str(exc)) from None


def get(data: dict, path: str):
    try:
        return datapath.get(data, path)
    except ValueError as exc:
        raise AnswerError(str(exc)) from None


def put(data: dict, path: str, value) -> dict:
    """A copy of `data` with `path` set; sections and the entry at an index are created."""
    out = copy.deepcopy(data)
    node = out
    steps = _steps(path)
    for name, index in steps[:-1]:
        if index is None:
            node = node.setdefault(name, {})
            continue
        entries = node.setdefault(name, [])
        if index > len(entries):
            raise AnswerError(f"'{path}': give entries in order, starting from [0]")
        node = _entry(entries, index)
    name, index = steps[-1]
    if index is not None:
        raise AnswerError(f"'{path}': name a field of the entry, e.g. {path}.kind")
    node[name] = value
    return out


def _entry(entries: list, index: int) -> dict:
    if index == len(entries):
        entries.append({})
    return entries[index]


def resolve(path: str) -> FieldSpec:
    """The schema field a path names: a profile path or an entry path such as red_flags[0].kind."""
    steps = _steps(path)
    for cut, (name, index) in enumerate(steps):
        if index is not None:
            list_path = ".".join(n for n, _ in steps[:cut + 1])
            rest = ".".join(n for n, _ in steps[cut + 1:])
            fields = item_fields(list_path) if _is_list(list_path) else {}
            if rest in fields:
                return fields[rest]
            raise AnswerError(_unknown(rest or list_path, list(fields) or list(profile_fields())))
    spec = profile_fields().get(path)
    if spec is None or spec.kind == "section":
        raise AnswerError(_unknown(path, [p for p, s in profile_fields().items() if s.kind != "section"]))
    return spec


def _is_list(path: str) -> bool:
    spec = profile_fields().get(path)
    return spec is not None and spec.kind == "items"


def _unknown(path: str, known: list[str]) -> str:
    guess = closest(path, known)
    return f"'{path}' is not a question of the profile" + (f"; did you mean '{guess}'?" if guess else "")


def parse_assignment(text: str) -> tuple[str, object]:
    """`path=value` (a flag or a stdin line) -> (path, parsed value). A list of entries takes
    yes/no here: no records that there are none; entries are given field by field."""
    path, sep, raw = text.partition("=")
    path = path.strip()
    if not sep or not path:
        raise AnswerError(f"'{text}' is not PATH=VALUE, e.g. status.phase=soap")
    spec = resolve(path)
    try:
        value = parse(spec, raw)
    except AnswerError as exc:
        raise AnswerError(f"{path}: {exc}") from None
    if spec.kind == "items":
        if value:
            example = f"{path}[0].{next(iter(item_fields(path)))}=..."
            raise AnswerError(f"'{path}': give the entries field by field, e.g. {example}")
        return path, []
    return path, value


def checked(data: dict) -> dict:
    """Validate the whole profile; return it as plain data (schema order, nothing absent filled)."""
    try:
        model = profile_module.Profile.model_validate({"schema": profile_module.SCHEMA_ID, **data})
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise AnswerError(f"{where}: {err['msg'].removeprefix('Value error, ')}") from None
    out = model.model_dump(by_alias=True, exclude_none=True, mode="json")
    out.pop("schema", None)
    return out
