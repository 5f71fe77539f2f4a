"""The advice document as JSON: the contract `soaprules/advice@1`, byte-stable.

The text is exactly `json.dumps(advice, indent=2, ensure_ascii=False)`. Before Python 3.13
the standard library indents in pure Python, through generators, about twice as slow as
the plain recursion below, which writes the same bytes (held to it by tests/test_json_out.py)
for the types an advice holds and hands anything else to the standard library. From 3.13
on the standard library's C encoder indents too, and is faster than both.
"""
from __future__ import annotations

import json
import sys
from json.encoder import encode_basestring as _string
from typing import TextIO

_C_INDENTS = sys.version_info >= (3, 13)
_int = int.__repr__
_float = float.__repr__
_INF = float("inf")


def dumps(doc: dict) -> str:
    """An advice document (or a plan's) as the contract's JSON text."""
    if _C_INDENTS:
        return _stdlib(doc)
    return indented(doc)


def render(advice: dict, out: TextIO) -> None:
    out.write(dumps(advice))


def _stdlib(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


class _Unplain(Exception):
    """A value other than dict, list, tuple, str, int, float, bool or None: the standard
    library decides (it may know it, or refuse it in its own words)."""


def indented(value) -> str:
    """`_stdlib(value)`, written by a plain recursion."""
    out: list[str] = []
    try:
        _write(value, out.append, "\n")
    except (_Unplain, RecursionError):  # RecursionError: a cycle, or nesting beyond the stack
        return _stdlib(value)
    out.append("\n")
    return "".join(out)


def _write(value, emit, newline: str) -> None:
    kind = value.__class__
    if kind is str:
        emit(_string(value))
    elif kind is dict:
        if not value:
            emit("{}")
            return
        inner, opening = newline + "  ", "{"
        for key, item in value.items():
            emit(opening + inner + _string(key if key.__class__ is str else _key(key)) + ": ")
            opening = ","
            _write(item, emit, inner)
        emit(newline + "}")
    elif kind is list or kind is tuple:
        if not value:
            emit("[]")
            return
        inner, opening = newline + "  ", "["
        for item in value:
            emit(opening + inner)
            opening = ","
            _write(item, emit, inner)
        emit(newline + "]")
    elif value is None:
        emit("null")
    elif value is True:
        emit("true")
    elif value is False:
        emit("false")
    elif kind is int:
        emit(_int(value))
    elif kind is float:
        emit(_number(value))
    else:
        raise _Unplain


def _key(key) -> str:
    """A key that is not a string, as the standard library writes it."""
    kind = key.__class__
    if kind is bool:
        return "true" if key else "false"
    if key is None:
        return "null"
    if kind is int:
        return _int(key)
    if kind is float:
        return _number(key)
    raise _Unplain


def _number(value: float) -> str:
    if value != value:
        return "NaN"
    if value == _INF:
        return "Infinity"
    if value == -_INF:
        return "-Infinity"
    return _float(value)
