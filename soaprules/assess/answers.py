"""Turn what a student typed into a profile value, and put it in the profile data.

One parser per field type of profile.fields, each with a plain message when the text
does not fit. The same parsing serves the prompt, `--answer path=value` and stdin, so
an answer is valid the same way wherever it comes from. Nothing is filled in that the
student did not give: an unanswered field is absent.
"""
from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from typing import Callable

from pydantic import ValidationError

from soaprules.profile import paths
from soaprules.profile import model as profile_module
from soaprules.packs.calendar import WEEKDAYS, cycle_for, cycle_year, eastern, eastern_at
from soaprules.profile.fields import FieldSpec, item_fields, profile_fields
from soaprules.suggest import closest
from soaprules.errors import AnswerError
from soaprules.source import _CONTROL, MAX_INT_DIGITS

YES = ("yes", "y", "true")
NO = ("no", "n", "false")
NONE_WORDS = ("none", "nothing", "[]")


def label(value) -> str:
    """How a choice is shown: match_week -> match week."""
    return str(value).replace("_", " ")


def parse(spec: FieldSpec, text: str, week: Callable[[datetime], date | None] | None = None):
    """`week`: the Match Week's Monday for a moment (match_week(book)), so "Monday 10:30" has a date."""
    printable(text)  # before strip(): it would drop a trailing U+2028 or U+001F unseen
    text = text.strip()
    if not text:
        raise AnswerError("the answer is empty: give a value (at the prompt, an empty line skips the question)")
    if spec.kind in _NUMERIC:
        _ascii_digits(text)
    if spec.kind == "datetime":
        return _moment(spec, text, week)
    return _PARSERS[spec.kind](spec, text)


def printable(text: str, what: str = "the answer") -> None:
    """Refuse what profile files refuse (source._CONTROL): an escape sequence, a line
    separator or a direction mark would reach terminals and reports as it is."""
    bad = _CONTROL.search(text)
    if bad is not None:
        raise AnswerError(f"{what} holds the control character U+{ord(bad.group()):04X}: type plain text "
                          "(escape sequences, line separators and direction marks are refused, as in profiles)")


_NUMERIC = ("enum", "enum_list", "int", "datetime")  # kinds whose answers may be numbers


def _ascii_digits(text: str) -> None:
    """Numbers are read in the digits 0-9 only: int() would read '١٢' as 12 and fail on '²'."""
    other = next((c for c in text if c.isdigit() and c not in "0123456789"), None)
    if other is not None:
        raise AnswerError(f"'{text}': '{other}' (U+{ord(other):04X}) is not one of the digits 0 to 9; "
                          "type numbers with those")


def _choice(spec: FieldSpec, text: str):
    if re.fullmatch(r"[0-9]{1,6}", text) and 1 <= int(text) <= len(spec.values):
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
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        raise AnswerError(f"'{text}' is not a whole number: type digits only, such as 3")
    digits = len(text.lstrip("+-"))
    value = int(text) if digits <= MAX_INT_DIGITS else None  # int() itself fails past 4,300 digits
    low, high = spec.minimum, spec.maximum
    if value is None or low is not None and value < low or high is not None and value > high:
        shown = value if value is not None else f"a number of {digits} digits"
        wanted = (f"a number from {low} to {high}" if low is not None and high is not None else
                  f"a number of at least {low}" if low is not None else
                  f"a number of at most {high}" if high is not None else
                  f"a number of at most {MAX_INT_DIGITS} digits")
        raise AnswerError(f"{shown} is out of range: give {wanted}")
    return value


WEEKDAY = {name[:3]: name for name in WEEKDAYS}
_CLOCK = r"(?P<hour>[0-9]{1,2})(?::(?P<minute>[0-9][0-9]))?\s*(?P<half>am|pm|a\.m\.|p\.m\.)?"
_DAY = r"(?P<day>today|tomorrow|yesterday|[a-z]+)"
_ET = r"(?:\s*(?:et|eastern(?:\s+time)?|edt|est))?"
# [0-9], not \d: \d also matches other scripts' digits, which int() reads (١٢ as 12) or fails on (²)
_PLAIN = (re.compile(rf"^{_DAY},?\s+(?:at\s+)?{_CLOCK}{_ET}$"), re.compile(rf"^{_CLOCK}{_ET},?\s+(?:on\s+)?{_DAY}$"))
_DATE_AND_CLOCK = re.compile(rf"^(?P<date>[0-9]{{4}}-[0-9][0-9]-[0-9][0-9])(?:[ T]|\s+at\s+){_CLOCK}{_ET}$")
DATE_EXAMPLE = "Monday 10:30"


def match_week(book) -> Callable[[datetime], date | None]:
    """The Monday of the Match Week a student means by a weekday name, from the packs'
    calendar: this year's week until a week after its Match Day, then next year's."""
    def monday(now: datetime) -> date | None:
        for year in (cycle_year(now), cycle_year(now) + 1):
            cycle = cycle_for(book.calendar, book.calendar_rule, eastern_at(date(year, 6, 1), "12:00"))
            if cycle is None or not cycle.milestones:
                return None
            first, last = cycle.milestones[0][1], cycle.milestones[-1][1]
            if now < last + timedelta(days=7):
                start = eastern(first).date()
                return start - timedelta(days=start.weekday())
        return None
    return monday


def _moment(spec: FieldSpec, text: str, week=None) -> str:
    """now; a weekday of Match Week and a time ("Monday 10:30", Eastern time); a date and a
    time ("2026-03-16 10:30", Eastern time); or ISO 8601 with its own offset."""
    plain = text.lower().strip().rstrip(".")
    if plain == "now":
        return datetime.now().astimezone().replace(second=0, microsecond=0).isoformat()
    found = _DATE_AND_CLOCK.match(plain)
    if found:
        try:
            day = date.fromisoformat(found["date"])
        except ValueError:  # 2026-02-30, year 0000: the pattern matched, the calendar has no such day
            raise AnswerError(f"'{text}': {found['date']} is not a date that exists; give a real date, "
                              "such as 2026-03-16 10:30") from None
        return _eastern(day, found, text)
    if plain in WEEKDAYS or plain in WEEKDAY or plain in ("today", "tomorrow"):
        raise AnswerError(f"'{text}' needs a time too, e.g. {text.strip().capitalize()} 10:30 (Eastern time)")
    for pattern in _PLAIN:
        found = pattern.match(plain)
        if found:
            return _eastern(_day(found["day"], text, week), found, text)
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise AnswerError(f"'{text}' is not a day and time: type now, or e.g. {DATE_EXAMPLE} (Eastern time), "
                          "or a date such as 2026-03-16 10:30") from None
    if value.utcoffset() is None:  # a date and time with no offset: Eastern, as NRMP's schedule
        return eastern_at(value.date(), value.strftime("%H:%M")).isoformat()
    return value.isoformat()


def _day(word: str, text: str, week) -> date:
    today = eastern(datetime.now().astimezone()).date()
    relative = {"today": 0, "tomorrow": 1, "yesterday": -1}
    if word in relative:
        return today + timedelta(days=relative[word])
    name = WEEKDAY.get(word[:3]) if len(word) >= 3 else None
    if name is None or not name.startswith(word):
        raise AnswerError(f"'{text}' is not a day and time: start with a weekday, e.g. {DATE_EXAMPLE}, "
                          "or give a date such as 2026-03-16 10:30")
    monday = week(datetime.now().astimezone()) if week is not None else None
    if monday is None:
        raise AnswerError(f"'{text}': without the Match Week calendar a weekday is ambiguous; "
                          "give the date, e.g. 2026-03-16 10:30")
    return monday + timedelta(days=WEEKDAYS.index(name))


def _eastern(day: date, found: re.Match, text: str) -> str:
    hour, minute, half = int(found["hour"]), int(found["minute"] or 0), (found["half"] or "").replace(".", "")
    if half:
        if not 1 <= hour <= 12:
            raise AnswerError(f"'{text}': with am or pm the hour is 1 to 12")
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        raise AnswerError(f"'{text}' is not a time of day: use 24-hour time such as 14:30, or 2:30 pm")
    return eastern_at(day, f"{hour:02d}:{minute:02d}").isoformat()


def said(value: str) -> str:
    """An instant as the student reads it back: 'Monday 16 March 2026, 10:30 ET'."""
    at = eastern(datetime.fromisoformat(value))
    return f"{at.strftime('%A')} {at.day} {at.strftime('%B')} {at.year}, {at.strftime('%H:%M')} ET"


def _text(spec: FieldSpec, text: str) -> str:
    return text


_PARSERS = {"enum": _choice, "enum_list": _choices, "bool": _yes_no, "int": _whole_number,
            "datetime": _moment, "str": _text, "items": _yes_no}


# ---- the field a path names -------------------------------------------------------

def resolve(path: str) -> FieldSpec:
    """The schema field a path names: a profile path or an entry path such as red_flags[0].kind."""
    steps = paths.steps(path)
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


def parse_assignment(text: str, week=None) -> tuple[str, object]:
    """`path=value` (a flag or a stdin line) -> (path, parsed value). A list of entries takes
    yes/no here: no records that there are none; entries are given field by field."""
    path, sep, raw = text.partition("=")
    if _CONTROL.search(path):  # before strip(), as the value; shown escaped, never raw
        printable(path, f"the path {json.dumps(path.strip(' '))}")
    path = path.strip()
    if not sep or not path:
        raise AnswerError(f"'{text}' is not PATH=VALUE, e.g. status.phase=soap")
    _path_numbers(path)
    spec = resolve(path)
    try:
        value = parse(spec, raw, week)
    except AnswerError as exc:
        raise AnswerError(f"{path}: {exc}") from None
    if spec.kind == "items":
        if value:
            example = f"{path}[0].{next(iter(item_fields(path)))}=..."
            raise AnswerError(f"'{path}': give the entries field by field, e.g. {example}")
        return path, []
    return path, value


MAX_INDEX_DIGITS = 6  # no list of a profile comes near a million entries


def _path_numbers(path: str) -> None:
    """A path's list indexes in 0-9 too (paths.steps would read [٠] as [0]), and short
    enough for int() (which fails past 4,300 digits)."""
    _ascii_digits(path)
    for index in re.findall(r"\[([0-9]*)\]", path):
        if len(index) > MAX_INDEX_DIGITS:
            raise AnswerError(f"[{index[:MAX_INDEX_DIGITS]}...] ({len(index)} digits) is not an entry of a list: "
                              "give entries in order, starting from [0]")


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
