"""CSV cells a spreadsheet would run as formulas are written as text (CSV injection)."""
from __future__ import annotations

import csv
import io

from hypothesis import given, strategies as st

from soaprules.cohort.board import board, render
from soaprules.render.csv_cells import cell
from conftest import shipped_piles


@given(st.text(max_size=40))
def test_no_text_cell_begins_like_a_formula_and_the_text_survives(text):
    shown = cell(text)
    assert not shown.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert shown in (text, "'" + text)


def test_numbers_stay_numbers():
    assert cell(-3) == -3 and cell(2) == 2


def test_a_board_row_from_a_hostile_profile_cannot_run_in_a_spreadsheet():
    hostile = '=HYPERLINK("http://example.invalid","x")'
    records = [{"status": "ok", "source": "@SUM(A1).yaml",
                "advice": {"profile_id": hostile, "decisions": {"rescue_tier": {"value": 2}},
                           "recommendations": [{"id": "r", "priority": "high", "text": "+1 call"}]}}]
    rows = list(csv.reader(io.StringIO(render(board(records, shipped_piles()), "csv"))))
    cells = [c for row in rows[1:] for c in row]
    assert "'" + hostile in cells and "'@SUM(A1).yaml" in cells and "'+1 call" in cells
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)


def test_a_plan_row_from_a_hostile_program_list_cannot_run_in_a_spreadsheet():
    from soaprules.plan.render import csv_text

    entry = {"rank": 1, "verdict": "apply", "code": "1234567C0", "name": "=cmd|'/c calc'!A1", "specialty": "x",
             "position_type": "categorical", "city": "@SUM(A1)", "state": "NY", "reasons": []}
    doc = {"services": [{"service": "ERAS", "proposed": [entry]}],
           "skipped": [{"cites": [], "programs": [{"code": "9", "name": "-2+3", "reason": "r"}]}]}
    cells = [c for row in list(csv.reader(io.StringIO(csv_text(doc))))[1:] for c in row]
    assert "'=cmd|'/c calc'!A1" in cells and "'@SUM(A1)" in cells and "'-2+3" in cells
