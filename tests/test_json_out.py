"""`--format json` is `json.dumps(advice, indent=2, ensure_ascii=False)` byte for byte,
whichever encoder writes it (render/json_out.py: its own recursion before Python 3.13)."""
from __future__ import annotations

import enum
import json
from datetime import datetime

import pytest
from hypothesis import given, settings, strategies as st

from soaprules.render import json_out
from soaprules.pipeline import advise_file
from conftest import PROFILES


def stdlib(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


ANY_TEXT = st.text(st.characters(blacklist_categories=()), max_size=12)  # control and surrogate code points too
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | ANY_TEXT
KEYS = ANY_TEXT | st.integers() | st.floats() | st.booleans() | st.none()
PLAIN = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.lists(inner, max_size=4).map(tuple) |
                     st.dictionaries(KEYS, inner, max_size=4), max_leaves=30)


@settings(max_examples=400, deadline=None)
@given(PLAIN)
def test_plain_values_are_written_as_the_standard_library_writes_them(value):
    assert json_out.indented(value) == stdlib(value)
    assert json_out.dumps(value) == stdlib(value)


class Colour(enum.IntEnum):
    RED = 1


class Word(str):
    pass


@pytest.mark.parametrize("value", [{"a": [Colour.RED]}, {"a": Word("x")}, {Word("k"): 1}, [1.5, Colour.RED],
                                   {"a": {"b": datetime(2026, 3, 16)}}, {"a": {1, 2}}, {(1, 2): "x"}])
def test_anything_else_is_the_standard_librarys_to_write_or_refuse(value):
    try:
        expected = stdlib(value)
    except (TypeError, ValueError) as exc:
        with pytest.raises(type(exc)):
            json_out.indented(value)
    else:
        assert json_out.indented(value) == expected


def test_a_cycle_is_refused_as_the_standard_library_refuses_it():
    loop: list = []
    loop.append(loop)
    with pytest.raises(ValueError):
        stdlib(loop)
    with pytest.raises(ValueError):
        json_out.indented(loop)


@pytest.mark.parametrize("path", PROFILES, ids=lambda p: p.stem)
def test_every_fixtures_advice_is_the_same_text(path):
    advice = advise_file(path)
    assert json_out.indented(advice) == stdlib(advice)
