"""CSV for spreadsheets: a text cell that begins like a formula is written as text.

A cell such as `=HYPERLINK(...)`, `+1`, `-2+3` or `@SUM(A1)` is run as a formula when a
spreadsheet opens the file (CSV injection). Program lists and profiles are the input of
people other than the one who opens the board, so every text cell that begins with one
of = + - @, a tab or a carriage return gets a leading apostrophe, which spreadsheets
read as "this is text" and do not show. Numbers are written as numbers.
"""
from __future__ import annotations

import csv
from typing import Iterable, TextIO

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    """`value` as a spreadsheet reads it: text that would start a formula is quoted as text."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


class Writer:
    """csv.writer with every cell passed through `cell`."""

    def __init__(self, out: TextIO):
        self._w = csv.writer(out, lineterminator="\n")

    def writerow(self, row: Iterable) -> None:
        self._w.writerow([cell(v) for v in row])
