"""Bad program lists (soaprules/programs@1): a positioned error (file, row, column,
expected, did-you-mean), exit 1, no output file, never a partial plan."""
from __future__ import annotations

import csv
import io

import pytest
from hypothesis import assume, given, strategies as st

from soaprules.cli.main import main
from soaprules.errors import InputFileError
from soaprules.plan.programs import COLUMNS, MAX_BYTES, load_programs
from synthetic_programs import shipped_states

from conftest import FIXTURES

PROFILE = FIXTURES / "profiles" / "rs20-quiet-star.yaml"


def regions() -> dict:
    from soaprules.source import load_document
    from soaprules.plan.pack import DEFAULT_PLAN
    table = load_document(DEFAULT_PLAN).data["regions"]
    return {s: r for r, states in table.items() for s in states}


HEADER = [c.name for c in COLUMNS]
GOOD = ["9000001C0", "Synthetic A Hospital", "internal_medicine", "categorical", "Testville", "OH", "2", "ERAS",
        "J-1", "community", "", "no", "no"]


def _csv(rows: list[list[str]], header=HEADER) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue()


def _with(column: str, value: str, code="9000002C0") -> list[str]:
    row = list(GOOD)
    row[HEADER.index("code")] = code
    row[HEADER.index(column)] = value
    return row


CASES = [
    # (file text, line, field number, message part, suggestion): the error's column is the
    # character where that field starts (no field here holds a comma or a quote)
    (_csv([GOOD], [h if h != "specialty" else "specialy" for h in HEADER]), 1, 3, "unknown column 'specialy'",
     "specialty"),
    (_csv([[c for h, c in zip(HEADER, GOOD) if h != "state"]], [h for h in HEADER if h != "state"]), 1, 1,
     "required column 'state' is missing", None),
    (_csv([GOOD, _with("specialty", "internal_medcine")]), 3, 3, "'internal_medcine' is not a specialty",
     "internal_medicine"),
    (_csv([GOOD, _with("code", "9000001C0", code="9000001C0")]), 3, 1, "listed twice (first on line 2)", None),
    (_csv([GOOD, _with("code", "9000001c0", code="9000001c0")]), 3, 1, "listed twice (first on line 2 (as 9000001C0))",
     None),  # NRMP codes are upper case: one typed in lower case is the same program, and two applications
    (_csv([GOOD, _with("state", "OX")]), 3, 6, "'OX' is not a state", None),
    (_csv([GOOD, _with("position_type", "categorial")]), 3, 4, "not a position type", "categorical"),
    (_csv([GOOD, _with("positions", "many")]), 3, 7, "not a number of open positions", None),
    (_csv([GOOD, _with("service", "eras")]), 3, 8, "not a service", "ERAS"),
    (_csv([GOOD, _with("visa", "J1")]), 3, 9, "not a visa", "J-1"),
    (_csv([GOOD, _with("contacted_me", "maybe")]), 3, 13, "not yes or no", None),
    (_csv([GOOD, GOOD[:5]]), 3, 1, "row has 5 fields", None),
    (_csv([GOOD, _with("name", "Synthetic\x00\x1b[2J")]), 3, 2, "name holds a control character", None),
    (_csv([]), 1, 1, "header but no programs", None),
    ("", 1, 1, "the program list is empty", None),
    ("\n\n  \n", 1, 1, "the program list is empty", None),
]


@pytest.mark.parametrize("text,line,column,message,suggestion", CASES)
def test_bad_list_is_positioned(tmp_path, text, line, column, message, suggestion):
    path = tmp_path / "list.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputFileError) as caught:
        load_programs(path, regions())
    found = [d for d in caught.value.diagnostics if message in d.message]
    assert found, [d.message for d in caught.value.diagnostics]
    d = found[0]
    fields = (text.splitlines() or [""])[line - 1].split(",")
    start = sum(len(f) + 1 for f in fields[:column - 1]) + 1
    assert d.file == str(path) and d.position.line == line and d.position.column == start
    assert d.suggestion == suggestion


@pytest.mark.parametrize("text", [c[0] for c in CASES])
def test_bad_list_exits_1_without_output(tmp_path, runner, text):
    path, out = tmp_path / "list.csv", tmp_path / "plan.json"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(main, ["plan", str(PROFILE), "--programs", str(path), "--format", "json", "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert "list.csv" in result.output and "Traceback" not in result.output
    assert not out.exists() and list(tmp_path.iterdir()) == [path]


def test_every_problem_of_a_file_is_reported_at_once(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text(_csv([GOOD, _with("visa", "J1"), _with("state", "ZZ", code="9000003C0")]), encoding="utf-8")
    with pytest.raises(InputFileError) as caught:
        load_programs(path, regions())
    assert [(d.position.line, d.path) for d in caught.value.diagnostics] == [(3, "visa"), (4, "state")]


def test_a_50_mb_file_is_refused_before_reading(tmp_path, runner):
    path, out = tmp_path / "list.csv", tmp_path / "plan.txt"
    row = ",".join(GOOD) + "\n"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(",".join(HEADER) + "\n")
        handle.write(row * (50 * 1024 * 1024 // len(row) + 1))
    assert path.stat().st_size > 50 * 1024 * 1024 > MAX_BYTES
    result = runner.invoke(main, ["plan", str(PROFILE), "--programs", str(path), "-o", str(out)])
    assert result.exit_code == 1 and "limit" in result.output and not out.exists()


def test_yaml_list_reads_like_csv_and_positions_its_errors(tmp_path):
    good = tmp_path / "list.yaml"
    good.write_text("programs: soaprules/programs@1\nlist:\n"
                    "  - {code: 9000001C0, name: Synthetic A, specialty: internal_medicine, position_type: categorical,\n"
                    "     city: Testville, state: OH, positions: 2, service: ERAS, contacted_me: true}\n", encoding="utf-8")
    (program,) = load_programs(good, regions()).programs
    assert program["region"] == "midwest" and program["contacted_me"] is True and program["positions"] == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("programs: soaprules/programs@1\nlist:\n  - code: 9000001C0\n    name: Synthetic A\n"
                   "    specialty: pediatric\n    position_type: categorical\n    city: T\n    state: OH\n"
                   "    positions: 2\n    service: ERAS\n", encoding="utf-8")
    with pytest.raises(InputFileError) as caught:
        load_programs(bad, regions())
    (d,) = caught.value.diagnostics
    assert d.position.line == 5 and d.suggestion == "pediatrics"


def test_unknown_is_no_value():
    """`unknown` visa sponsorship reads as absent: rules cannot mistake it for a fact."""
    from soaprules.plan.programs import _checked
    row = {h: (v, k + 1) for k, (h, v) in enumerate(zip(HEADER, GOOD))}
    row["visa"] = ("unknown", 9)
    (program,) = _checked([(2, row)], "x.csv", regions())
    assert "visa" not in program


def test_the_synthetic_list_is_the_seeded_generator_output():
    """The shipped fixture is reproducible and obviously fictitious."""
    from synthetic_programs import generate, to_csv
    text = (FIXTURES / "programs" / "synthetic.csv").read_text(encoding="utf-8")
    assert text == to_csv(generate(7, 300, shipped_states()))
    programs = load_programs(FIXTURES / "programs" / "synthetic.csv", regions()).programs
    assert len(programs) == 300 and all(p["name"].startswith("Synthetic ") for p in programs)


# ---- a CSV error points at the value, not at the field's number ------------------------

_field = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)


@given(st.lists(_field, min_size=1, max_size=8))
def test_each_csv_field_column_is_where_its_value_starts_in_the_line(fields):
    from soaprules.plan.programs import _columns

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(fields)
    raw = buffer.getvalue()
    assume("\n" not in raw and "\r" not in raw and raw.strip(" ") != "")
    for value, col in zip(fields, _columns(raw, len(fields))):
        quoted = col >= 2 and raw[col - 2] == '"'
        assert raw[col - 1:].startswith(value.replace('"', '""') if quoted else value.lstrip(" ")), (raw, col)


def test_the_reported_column_of_a_bad_cell_is_its_characters(tmp_path):
    path = tmp_path / "p.csv"
    header = "code,name,specialty,position_type,city,state,positions,service"
    path.write_text(header + '\n1234567C0,"Doe, General",internal_medicine,categorical,X,NY,-1,ERAS\n')
    with pytest.raises(InputFileError) as info:
        load_programs(path, {"NY": "northeast"})
    [diag] = info.value.diagnostics
    line = path.read_text().splitlines()[1]
    assert diag.position.line == 2 and line[diag.position.column - 1:].startswith("-1,ERAS")
