"""Input faults found by review, each held as a class: a numeric cell in another script's
digits, a cell with a line separator or bidi override, a day that does not exist, an
error message speaking Python, a UTF-16 file. Each is a positioned error and exit 1;
never exit 4, never a silent reading, never text reaching the output unchecked."""
from __future__ import annotations

import csv
import io
import re
import typing
from datetime import date

import pytest
from hypothesis import given, settings, strategies as st
from pydantic import BaseModel, ValidationError

from soaprules.cli.main import main
from soaprules.errors import InputFileError, ProfileError
from soaprules.plan.programs import COLUMNS, load_programs
from soaprules.profile.load import load_profile

from conftest import FIXTURES

PROFILE = FIXTURES / "profiles" / "rs20-quiet-star.yaml"
HEADER = [c.name for c in COLUMNS if c.required]
GOOD = ["9000001C0", "Synthetic A Hospital", "internal_medicine", "categorical", "Testville", "OH", "2", "ERAS"]
COL = {name: k for k, name in enumerate(HEADER)}
HEAD = "schema: soaprules/profile@1\n"
# What may never reach a plan or a terminal from a cell: C0/C1 controls, bidi, separators
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def regions() -> dict:
    from soaprules.plan.pack import DEFAULT_PLAN
    from soaprules.source import load_document
    return {s: r for r, states in load_document(DEFAULT_PLAN).data["regions"].items() for s in states}


def row(**cells) -> list[str]:
    out = list(GOOD)
    for name, value in cells.items():
        out[COL[name]] = value
    return out


def csv_text(*rows: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([HEADER, *rows])
    return out.getvalue()


def refused(tmp_path, text: str, name="list.csv") -> list:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    with pytest.raises(InputFileError) as caught:
        load_programs(path, regions())
    return caught.value.diagnostics


def column_of(line: str, k: int) -> int:
    """Where field `k` of a one-line CSV row without quotes starts (1-based)."""
    return sum(len(f) + 1 for f in line.split(",")[:k]) + 1


# ---- 1. a numeric cell takes the digits 0-9, nothing else that str.isdigit() takes ------

@pytest.mark.parametrize("cell", ["²", "٣", "١٢", "３", "𝟒", "2²", "0" * 5000 + "1", "+2", "2.0", "1 2"])
def test_a_positions_cell_in_other_digits_is_refused_at_its_cell(tmp_path, runner, cell):
    text = csv_text(GOOD, row(code="9000002C0", positions=cell))
    (d,) = refused(tmp_path, text)
    assert "not a number of open positions" in d.message and d.path == "positions"
    assert (d.position.line, d.position.column) == (3, column_of(text.splitlines()[2], COL["positions"]))
    path, out = tmp_path / "list.csv", tmp_path / "plan.txt"
    result = runner.invoke(main, ["plan", str(PROFILE), "--programs", str(path), "-o", str(out)])
    assert result.exit_code == 1 and f"{path}:3:" in result.output and not out.exists()


def test_a_yaml_list_takes_the_same_digits(tmp_path):
    text = ("programs: soaprules/programs@1\nlist:\n  - {code: 9000001C0, name: A, specialty: internal_medicine,"
            " position_type: categorical, city: T, state: OH, positions: \u0663, service: ERAS}\n")
    (d,) = refused(tmp_path, text, "list.yaml")
    assert d.path == "positions" and d.position.line == 3


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=8))
def test_any_positions_cell_is_a_number_of_ascii_digits_or_a_positioned_error(cell):
    import tempfile
    from pathlib import Path
    text = csv_text(row(positions=cell))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "list.csv"
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        try:
            (program,) = load_programs(path, regions()).programs
        except InputFileError as exc:
            assert all(d.position and d.file == str(path) for d in exc.diagnostics)
            return
    assert re.fullmatch(r"[0-9]+", cell.strip()) and program["positions"] == int(cell)


# ---- 2. a cell is printable text; and a row's line is the one the csv reader counts -----

@pytest.mark.parametrize("char", ["\x85", "\x9b", "\u202e", "\u2066", "\u2028", "\u2029", "\u200b", "\x0c", "\x1b",
                                  "\ufeff"])
@pytest.mark.parametrize("where", ["start", "middle", "end"])
def test_a_control_or_bidi_character_in_a_cell_is_refused(tmp_path, runner, char, where):
    name = {"start": char + "Synthetic B", "middle": "Synthetic" + char + "B", "end": "Synthetic B" + char}[where]
    (d,) = refused(tmp_path, csv_text(GOOD, row(code="9000002C0", name=name)))
    assert "control character" in d.message and f"U+{ord(char):04X}" in d.message
    assert d.path == "name" and d.position.line == 3
    out = tmp_path / "plan.json"
    result = runner.invoke(main, ["plan", str(PROFILE), "--programs", str(tmp_path / "list.csv"),
                                  "--format", "json", "-o", str(out)])
    assert result.exit_code == 1 and not out.exists() and not RAW_CONTROL.search(result.output)


@pytest.mark.parametrize("char", ["\u2028", "\x85", "\x0c", "\x0b", "\x1e", "\u2029"])
def test_an_error_after_a_line_separator_in_a_cell_is_on_the_csv_readers_line(tmp_path, runner, char):
    text = csv_text(row(name=f"Synthetic{char}A"), row(code="9000002C0", state="OX"))
    found = {d.path: d for d in refused(tmp_path, text)}
    bad = text.split("\n")[2]  # the csv reader's third line: it counts \n, \r\n and \r only
    assert (found["state"].position.line, found["state"].position.column) == (3, column_of(bad, COL["state"]))
    result = runner.invoke(main, ["plan", str(PROFILE), "--programs", str(tmp_path / "list.csv")])
    shown = result.stderr[result.stderr.index(f"list.csv:3:{column_of(bad, COL['state'])}"):]
    assert re.search(r"\n\s*3 \| 9000002C0,", shown), shown  # the snippet is that row, not a piece of the other


_cell = st.lists(st.sampled_from(list("ab ,\"") + ["\n", "\r", "\r\n", "\u2028", "\x85", "\x0c"]), max_size=6).map("".join)


@settings(max_examples=150, deadline=None)
@given(st.lists(_cell, min_size=1, max_size=4), st.sampled_from(["\n", "\r\n", "\r"]))
def test_a_rows_line_is_where_the_csv_reader_starts_it(names, ending):
    """Rows whose names hold line breaks of every kind, then a row with a bad state: that
    error is on the line where the csv reader began its record, at the state's column."""
    import tempfile
    from pathlib import Path
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=ending, quoting=csv.QUOTE_ALL)  # a bare \r in a cell ends its row
    writer.writerows([HEADER] + [row(code=f"900000{k}C0", name="n" + n) for k, n in enumerate(names)])
    before = out.getvalue()
    last = ",".join(row(code="9000009C0", state="OX"))
    text = before + last + ending
    line = len(re.findall(r"\r\n|[\r\n]", before)) + 1
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "list.csv"
        path.write_bytes(text.encode("utf-8"))
        with pytest.raises(InputFileError) as caught:
            load_programs(path, regions())
    (d,) = [d for d in caught.value.diagnostics if d.path == "state"]
    assert (d.position.line, d.position.column) == (line, column_of(last, COL["state"]))


# ---- 3. a day field names a day that exists, in a Match cycle's years -------------------

FACULTY = HEAD + "relationships:\n  faculty:\n    - role: chair\n      away_until: {}\n"


@pytest.mark.parametrize("day", ["'2027-13-99'", "'0000-00-00'", "'2027-02-29'", "'2027-04-31'", "'1999-12-31'",
                                 "'2101-01-01'", "'2027-00-10'"])
def test_a_day_that_does_not_exist_is_refused_with_its_field(tmp_path, day):
    path = tmp_path / "p.yaml"
    path.write_text(FACULTY.format(day))
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    (d,) = caught.value.diagnostics
    assert d.path == "relationships.faculty[0].away_until" and d.position.line == 5
    assert "relationships.faculty[0].away_until" in d.message and day.strip("'") in d.message


@pytest.mark.parametrize("day,text", [("2027-03-22", "2027-03-22"), ("'2027-03-22'", "2027-03-22"),
                                      ("2028-02-29", "2028-02-29"), ("'2100-12-31'", "2100-12-31")])
def test_a_real_day_is_read_quoted_or_not_as_its_iso_text(tmp_path, runner, day, text):
    path = tmp_path / "p.yaml"
    path.write_text(FACULTY.format(day))
    profile, _ = load_profile(path)
    assert profile.relationships.faculty[0].away_until == text
    assert runner.invoke(main, ["advise", str(path)]).exit_code == 0


def test_a_date_time_where_a_day_goes_says_so_without_python(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(FACULTY.format("2027-03-22T10:00:00-04:00"))
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    (d,) = caught.value.diagnostics
    assert "2027-03-22T10:00:00-04:00" in d.message and "datetime" not in d.message


def _day_fields(model: type[BaseModel], seen=None):
    """Every text field of the profile whose pattern a day such as 2027-03-22 matches."""
    from soaprules.diagnose import unwrap_optional
    seen = set() if seen is None else seen
    for name, info in model.model_fields.items():
        inner = unwrap_optional(info.annotation)
        inner = typing.get_args(inner)[0] if typing.get_origin(inner) is list else inner
        if isinstance(inner, type) and issubclass(inner, BaseModel) and inner not in seen:
            seen.add(inner)
            yield from _day_fields(inner, seen)
        pattern = next((m.pattern for m in info.metadata if getattr(m, "pattern", None)), None)
        if inner is str and pattern and re.match(pattern, "2027-03-22") and not re.match(pattern, "x"):
            yield model, name


@given(st.integers(0, 9999), st.integers(0, 99), st.integers(0, 99))
def test_every_day_field_takes_exactly_the_real_days_of_the_range(year, month, day):
    from soaprules.profile.model import FIRST_YEAR, LAST_YEAR, Profile
    text = f"{year:04d}-{month:02d}-{day:02d}"
    try:
        real = FIRST_YEAR <= date(year, month, day).year <= LAST_YEAR
    except ValueError:
        real = False
    fields = list(_day_fields(Profile))
    assert fields  # relationships.faculty[].away_until at least
    for model, name in fields:
        try:
            model.model_validate({name: text})
            assert real, f"{model.__name__}.{name} took {text}"
        except ValidationError:
            assert not real, f"{model.__name__}.{name} refused {text}"


# ---- 5. messages: what was expected, the value as the user wrote it ---------------------

@pytest.mark.parametrize("body,line,wanted,unwanted", [
    ("relationships:\n  null: []\n", 3, "unknown field 'null'", "None"),
    ("relationships:\n  true: []\n", 3, "unknown field 'true'", "True"),
    ("clinical:\n  evaluations: true\n", 3, "true is not an allowed value", "True"),
    ("exams:\n  step2: {score: true}\n", 3, "must be a whole number, not true", "True"),
    ("applicant:\n  id: 2027-03-22\n", 3, "must be text, not 2027-03-22", "datetime"),
    ("applicant:\n  id: 12\n", 3, "must be text, not 12", "'12'"),
    ("status:\n  now: 2027-03-22\n", 3, "", "datetime"),
    ("red_flags:\n  - {id: 'a b'}\n", 3, "1 to 32 letters, digits, '_' or '-', not 'a b'", "does not have the form"),
])
def test_a_message_shows_values_as_written_and_the_form_expected(tmp_path, runner, body, line, wanted, unwanted):
    path = tmp_path / "p.yaml"
    path.write_text(HEAD + body)
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    (d,) = caught.value.diagnostics
    assert wanted in d.message and unwanted not in d.message and d.position.line == line
    result = runner.invoke(main, ["advise", str(path)])
    assert result.exit_code == 1 and unwanted not in result.stderr.replace(str(path), "")


def test_a_minimum_length_above_one_is_said():
    from pydantic import Field
    from soaprules.diagnose import to_diagnostics
    from soaprules.source import parse_text

    class Note(BaseModel):
        text: str = Field(min_length=10)

    doc = parse_text("text: short\n", "n.yaml")
    try:
        Note.model_validate(doc.data)
    except ValidationError as exc:
        (d,) = to_diagnostics(doc, exc.errors(), Note)
    assert "at least 10 characters" in d.message and "non-empty" not in d.message


def test_a_pack_quote_too_short_says_its_minimum(tmp_path, runner):
    pack = tmp_path / "p.yaml"
    pack.write_text("pack: soaprules/pack@1\nname: p\nversion: '1'\ndescription: d\nrules:\n"
                    "  - {id: r1, title: t, cites: [FA-01], sources: [{seed: fa, quote: qq}],\n"
                    "     when: {clinical.evaluations: strong}, then: {derive: {x: true}}}\n")
    result = runner.invoke(main, ["lint", str(pack)])
    assert result.exit_code == 1 and "at least 3 characters" in result.output


@pytest.mark.parametrize("pattern,words", [
    (r"^[A-Za-z0-9_-]{1,32}$", "text of 1 to 32 letters, digits, '_' or '-'"),
    (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "text of 4 digits, then '-', then 2 digits, then '-', then 2 digits"),
    (r"^[a-z][a-z0-9-]*$", "text of a lowercase letter, then any number of lowercase letters, digits or '-'"),
    (r"^[a-f]+$", "text matching the pattern ^[a-f]+$"),  # a range not put in words: shown as it is
    (r"^[\w]+$", "text matching the pattern ^[\\w]+$"),
    (r"^(a|b)$", "text matching the pattern ^(a|b)$"),
])
def test_a_pattern_is_put_in_words_or_shown_as_it_is(pattern, words):
    from soaprules.diagnose import _form
    assert _form(pattern) == words


_scalar = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.dates(date(2000, 1, 1)),
                    st.text(st.sampled_from("abcXYZ 09-_."), min_size=1, max_size=20).filter(str.strip))


@given(_scalar)
def test_a_value_as_written_reads_back_as_that_value(value):
    from soaprules.diagnose import as_written
    from soaprules.source import parse_text
    assert parse_text(f"v: {as_written(value)}\n", "x.yaml").data["v"] == value


# ---- 6. a UTF-16 or UTF-32 file is named as such, at 1:1, without a garbage line --------

@pytest.mark.parametrize("bom,codec,name", [(b"\xff\xfe", "utf-16-le", "UTF-16"), (b"\xfe\xff", "utf-16-be", "UTF-16"),
                                            (b"\xff\xfe\x00\x00", "utf-32-le", "UTF-32"),
                                            (b"\x00\x00\xfe\xff", "utf-32-be", "UTF-32")])
@pytest.mark.parametrize("command,file", [("advise", "p.yaml"), ("lint", "pack.yaml"), ("plan", "list.csv")])
def test_a_file_with_a_utf16_or_utf32_bom_is_named_as_such(tmp_path, runner, bom, codec, name, command, file):
    path = tmp_path / file
    path.write_bytes(bom + (HEAD + "clinical: {evaluations: strong}\n").encode(codec))
    args = {"advise": [str(path)], "lint": [str(path)], "plan": [str(PROFILE), "--programs", str(path)]}[command]
    result = runner.invoke(main, [command, *args])
    assert result.exit_code == 1, result.output
    assert f"the file is {name} (byte-order mark); save it as UTF-8" in result.output  # lint reports on stdout
    assert f"{path}:1:1" in result.output and "\\x00" not in result.output and " | " not in result.output


def test_a_path_index_is_read_in_the_digits_0_to_9_only():
    import pytest as _pytest

    from soaprules.errors import AnswerError
    from soaprules.profile import paths

    assert paths.steps("red_flags[2].kind") == (("red_flags", 2), ("kind", None))
    for bad in ("red_flags[٠].kind", "red_flags[²]", "red_flags[1234567]"):
        with _pytest.raises(AnswerError):
            paths.steps(bad)
