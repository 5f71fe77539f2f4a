"""The soaprules/programs@1 list: the student's copy of the List of Unfilled Programs.

CSV (a header row, one program a row) or YAML (`programs: soaprules/programs@1` and a
`list:` of mappings), the same columns either way. Every problem of the file is
reported, each with its row and column, and nothing is planned from a file with any:
a partial list would make a plan that silently leaves programs out.
"""
from __future__ import annotations

import csv
import io
import re
import typing
from dataclasses import dataclass, replace
from pathlib import Path

from soaprules.errors import SOURCE_LINE, Diagnostic, InputFileError, Position
from soaprules.profile.model import Specialty
from soaprules.source import _CONTROL, parse_text, read_text
from soaprules.suggest import closest, one_of

FORMAT = "soaprules/programs@1"
MAX_BYTES = 4 * 1024 * 1024  # the real list is a few thousand rows, well under 1 MB
MAX_PROGRAMS = 10_000
MAX_ERRORS = 50  # a wholly wrong file says enough in 50 lines
SPECIALTIES = typing.get_args(Specialty)
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,19}$")
TRUE, FALSE = ("yes", "true", "y", "1"), ("no", "false", "n", "0", "")
DIGITS = re.compile(r"[0-9]{1,9}")  # ASCII only: str.isdigit() also takes '²' and '٣'; bounded for int()
CSV_LINES = re.compile(r"\r\n|[\r\n]")  # the breaks the csv reader counts lines by (not U+2028, \f, ...)


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    kind: str  # str | enum | int | bool
    values: tuple = ()
    description: str = ""


COLUMNS = (
    Column("code", True, "code", description="NRMP program code"),
    Column("name", True, "str", description="program name"),
    Column("specialty", True, "enum", SPECIALTIES, "specialty, in the profile's vocabulary"),
    Column("position_type", True, "enum", ("categorical", "preliminary", "advanced", "reserved")),
    Column("city", True, "str"),
    Column("state", True, "state", description="two-letter state or territory"),
    Column("positions", True, "int", description="positions open"),
    Column("service", True, "enum", ("ERAS", "ResidencyCAS"), "application service"),
    Column("visa", False, "enum", ("J-1", "H-1B", "none", "unknown"), "visa sponsorship"),
    Column("setting", False, "enum", ("community", "academic")),
    Column("contact", False, "enum", ("alum", "faculty", "resident"), "a known contact there"),
    Column("faculty_advised_against", False, "bool"),
    Column("contacted_me", False, "bool", description="the program contacted the student"),
)
BY_NAME = {c.name: c for c in COLUMNS}


@dataclass(frozen=True)
class ProgramList:
    file: str
    programs: tuple  # dicts: column -> value (unknown values left out), plus region and row


def load_programs(path: str | Path, regions: dict[str, str]) -> ProgramList:
    """Read and check a list; `regions` maps each state to its region (from the plan pack)."""
    shown = str(path)
    text = read_text(path, MAX_BYTES)
    if not text.strip():
        raise InputFileError(Diagnostic("the program list is empty", file=shown, position=Position(1, 1),
                                        expected=f"a CSV header row ({', '.join(c.name for c in COLUMNS if c.required)}) "
                                                 "and one row per program"))
    if Path(path).suffix.lower() in (".yaml", ".yml"):
        return ProgramList(shown, _checked(_yaml_rows(text, shown), shown, regions))
    lines = CSV_LINES.split(text)
    try:
        return ProgramList(shown, _checked(_csv_rows(text, shown, lines), shown, regions))
    except InputFileError as exc:  # the renderer splits lines as YAML does: give it the CSV line
        raise InputFileError([_with_line(d, lines) for d in exc.diagnostics]) from None


def _with_line(d: Diagnostic, lines: list[str]) -> Diagnostic:
    if d.position is None or any(isinstance(p, tuple) and p[:1] == (SOURCE_LINE,) for p in d.extra):
        return d
    n = d.position.line
    return replace(d, extra=d.extra + ((SOURCE_LINE, lines[n - 1] if 0 < n <= len(lines) else ""),))


# A row: (line, {column: (raw value, column number)}); header problems are raised at once.

def _csv_rows(text: str, file: str, raw_lines: list[str]) -> list:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise InputFileError(Diagnostic(f"unreadable CSV: {exc}", file=file, position=Position(1, 1))) from None
    names = [h.strip() for h in header]
    head_cols = _columns(raw_lines[0], len(header)) if reader.line_num == 1 else [1] * len(header)
    _check_header(names, file, lambda k: Position(1, head_cols[k]))
    rows, line = [], reader.line_num
    try:
        for record in reader:
            start, line = line + 1, reader.line_num
            if not any(cell.strip() or _CONTROL.search(cell) for cell in record):  # U+2028 is not blank
                continue
            if len(record) != len(names):
                raise InputFileError(Diagnostic(f"row has {len(record)} fields; the header has {len(names)}",
                                                file=file, position=Position(start, 1),
                                                expected=f"{len(names)} comma-separated fields"))
            cols = _columns(raw_lines[start - 1], len(record)) if line == start else [1] * len(record)
            rows.append((start, {n: (cell, cols[k]) for k, (n, cell) in enumerate(zip(names, record))}))
            if len(rows) > MAX_PROGRAMS:
                raise InputFileError(Diagnostic(f"more than {MAX_PROGRAMS} programs", file=file,
                                                position=Position(start, 1)))
    except csv.Error as exc:
        raise InputFileError(Diagnostic(f"unreadable CSV: {exc}", file=file, position=Position(line + 1, 1))) from None
    return rows


def _columns(raw: str, count: int) -> list[int]:
    """The 1-based character column where each of a one-line row's `count` fields starts
    (past a field's leading spaces and opening quote), so an error points at the value,
    not at its field number. A row the scan does not follow gets column 1 throughout."""
    out, i = [], 0
    while len(out) < count and i <= len(raw):
        while i < len(raw) and raw[i] == " ":
            i += 1
        if i < len(raw) and raw[i] == '"':
            out.append(i + 2)
            i += 1
            while i < len(raw) and not (raw[i] == '"' and raw[i + 1:i + 2] != '"'):
                i += 2 if raw[i] == '"' else 1
            i += 1
        else:
            out.append(i + 1)
        comma = raw.find(",", i)
        i = len(raw) + 1 if comma < 0 else comma + 1
    return out if len(out) == count else [1] * count


def _yaml_rows(text: str, file: str) -> list:
    doc = parse_text(text, file)
    data = doc.data
    if not isinstance(data, dict) or data.get("programs") != FORMAT or not isinstance(data.get("list"), list):
        raise InputFileError(doc.diagnostic((), "not a program list", expected=f"programs: {FORMAT} and list: [...]"))
    if len(data["list"]) > MAX_PROGRAMS:
        raise InputFileError(doc.diagnostic(("list",), f"more than {MAX_PROGRAMS} programs"))
    rows = []
    for i, entry in enumerate(data["list"]):
        at = doc.position_of(("list", i))
        if not isinstance(entry, dict):
            raise InputFileError(doc.diagnostic(("list", i), "a program must be a mapping of columns"))
        _check_header(list(entry), file, lambda k, i=i, keys=list(entry): doc.position_of(("list", i, keys[k]), True))
        cells = {}
        for key, value in entry.items():
            pos = doc.position_of(("list", i, key))
            cells[key] = ("" if value is None else str(value).lower() if isinstance(value, bool) else str(value),
                          pos.column if pos else 1, pos.line if pos else None)
        rows.append((at.line if at else 1, cells))
    return rows


def _check_header(names: list, file: str, position) -> None:
    errors = []
    seen: set = set()
    for k, name in enumerate(names):
        if name not in BY_NAME:
            errors.append(Diagnostic(f"unknown column '{name}'", file=file, position=position(k), path=str(name),
                                     expected=one_of(BY_NAME), suggestion=closest(name, BY_NAME)))
        elif name in seen:
            errors.append(Diagnostic(f"column '{name}' appears twice", file=file, position=position(k), path=name))
        seen.add(name)
    for column in COLUMNS:
        if column.required and column.name not in seen:
            errors.append(Diagnostic(f"required column '{column.name}' is missing", file=file, position=position(0),
                                     path=column.name, expected=column.description or column.name))
    if errors:
        raise InputFileError(errors)


def _checked(rows: list, file: str, regions: dict) -> tuple:
    errors: list = []
    programs, first_row = [], {}
    for line, cells in rows:
        program: dict = {"row": line}
        for name, (raw, col, *at) in cells.items():
            value, problem = _value(BY_NAME[name], raw, regions)
            if problem:  # a YAML cell knows its own line; a CSV cell is on its row's
                errors.append(Diagnostic(problem[0], file=file, position=Position(at[0] or line if at else line, col),
                                         path=name,
                                         expected=problem[1], suggestion=problem[2]))
            elif value is not None:
                program[name] = value
        code = program.get("code")
        if code is not None:
            key = code.upper()  # NRMP codes are upper case: 9199478c9 is 9199478C9 typed by hand
            if key in first_row:
                first, written = first_row[key]
                same = "" if written == code else f" (as {written})"
                errors.append(Diagnostic(f"program code {code} is listed twice (first on line {first}{same})",
                                         file=file, position=Position(line, cells["code"][1]), path="code",
                                         hint="each program appears once on the List of Unfilled Programs"))
            first_row.setdefault(key, (line, code))
        if "state" in program:
            program["region"] = regions[program["state"]]
        programs.append(program)
        if len(errors) >= MAX_ERRORS:
            break
    if errors:
        raise InputFileError(errors[:MAX_ERRORS])
    if not programs:
        raise InputFileError(Diagnostic("the program list has a header but no programs", file=file,
                                        position=Position(1, 1), expected="one row per program"))
    return tuple(programs)


def _value(column: Column, raw: str, regions: dict):
    """(value, None) or (None, (message, expected, suggestion)); unknown is (None, None)."""
    # Checked before stripping: strip() takes U+2028 and \x85 as spaces and would hide them
    bad = _CONTROL.search(raw)
    raw = raw.strip()
    if bad := bad or re.search("[\t\n]", raw):  # escape codes, bidi overrides, line separators: they would reach the plan as they are
        return None, (f"{column.name} holds a control character (U+{ord(bad.group()):04X})", "plain text", None)
    if raw == "":
        if column.required:
            return None, (f"{column.name} is empty", column.description or column.name, None)
        return None, None
    if column.kind == "code":
        if CODE.match(raw):
            return raw, None
        return None, (f"'{raw}' is not a program code", "letters, digits and dashes, at most 20", None)
    if column.kind == "str":
        return (raw, None) if len(raw) <= 200 else (None, (f"{column.name} is longer than 200 characters", "a name", None))
    if column.kind == "state":
        up = raw.upper()
        if up in regions:
            return up, None
        return None, (f"'{raw}' is not a state or territory", "a two-letter code such as OH", closest(up, regions))
    if column.kind == "int":
        if DIGITS.fullmatch(raw) and 0 < int(raw) <= 999:
            return int(raw), None
        return None, (f"'{raw}' is not a number of open positions", "a whole number from 1 to 999", None)
    if column.kind == "bool":
        low = raw.lower()
        if low in TRUE or low in FALSE:
            return low in TRUE, None
        return None, (f"'{raw}' is not yes or no", "yes or no", None)
    if raw in column.values:
        return (None if raw == "unknown" else raw), None  # unknown is no value: rules cannot guess
    folded = {_fold(v): v for v in column.values}  # "eras", "Internal Medicine": the same words
    return None, (f"'{raw}' is not a {column.name.replace('_', ' ')}", one_of(column.values),
                  folded.get(_fold(raw)) or closest(raw, column.values))


def _fold(text: str) -> str:
    return text.lower().replace(" ", "_").replace("-", "_")
