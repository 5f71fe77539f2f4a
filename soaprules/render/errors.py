"""Print diagnostics like a compiler.

    error: 'stong' is not an allowed value of clinical.evaluations
      --> profile.yaml:5:16
       |
     5 |   evaluations: stong
       |                ^^^^^
       = expected: one of strong, solid, mixed, concerning
       = help: did you mean 'strong'?

What is printed goes to a terminal, and much of it comes from the user's file (the
source line, a bad value quoted in the message, the file name). So every part is shown,
never emitted raw: control characters (an ANSI escape, a carriage return, a bell),
bidirectional and other format characters are written escaped (`\\x1b`, `\\u202e`); the
source line is a window of at most WINDOW columns around the column (`…` marks a cut
side), with the caret under the character the position names; and every other part
is cut to at most FIELD characters.
"""
from __future__ import annotations

import re
import unicodedata
from typing import TextIO

from soaprules.errors import SOURCE_LINE, Diagnostic, SoapError
from soaprules.source import LINE_BREAKS

TOKEN = re.compile(r"[^\s,:\]}]+")
WINDOW = 120  # columns of the source line shown around the column
LEFT = 40  # of them, at most this many before the column (more when the line ends first)
REACH = 4 * WINDOW  # characters looked at either side (zero-width ones take no column)
FIELD = 600  # characters of a message, hint, expected... shown; the rest cut in the middle
ELLIPSIS = "\u2026"
SOURCE = SOURCE_LINE  # a Diagnostic's extra may carry (SOURCE, line): shown instead of reading the file


def _unsafe(ch: str) -> bool:
    """Characters a terminal acts on or that change how the rest is displayed."""
    return unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn") and ch != " "


def shown(ch: str) -> str:
    if not _unsafe(ch):
        return ch
    code = ord(ch)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def visible(text: str) -> str:
    """`text` with every control and format character escaped."""
    return "".join(map(shown, text))


def _width(ch: str) -> int:
    """Columns a character takes once shown."""
    if _unsafe(ch):
        return len(shown(ch))
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def field(text, limit: int = FIELD) -> str:
    """A part of a diagnostic as shown: escaped, one line, at most `limit` characters of
    the original (a cut in the middle keeps the start and the end)."""
    text = str(text)
    if len(text) > limit:
        half = limit // 2
        text = text[:half] + ELLIPSIS + text[-half:]
    return visible(text)


def window(line: str, column: int, end_column: int | None = None) -> tuple[str, int, int]:
    """(the part of `line` shown, the caret's offset in it, the caret's width) for a
    1-based `column`: at most WINDOW columns of the line, `…` where it was cut. The caret
    spans to `end_column` (exclusive) when the span ends on this line, else the token."""
    col = min(max(column - 1, 0), len(line))
    if end_column is not None and end_column - 1 > col:
        token_end = min(end_column - 1, len(line))
    else:
        token = TOKEN.match(line, col)
        token_end = token.end() if token else col + 1
    start = end = col
    used = 0

    def take_left(budget: int) -> None:
        nonlocal start, used
        while start > 0 and col - start < REACH and used + _width(line[start - 1]) <= budget:
            start -= 1
            used += _width(line[start])

    take_left(LEFT)
    while end < len(line) and end - col < REACH and used + _width(line[end]) <= WINDOW:
        used += _width(line[end])
        end += 1
    take_left(WINDOW)  # the line ended first: show more of what comes before
    left = ELLIPSIS if start > 0 else ""
    right = ELLIPSIS if end < len(line) else ""
    offset = len(left) + sum(map(_width, line[start:col]))
    width = max(1, sum(map(_width, line[col:min(token_end, end)])))
    return left + visible(line[start:end]) + right, offset, width


def _source_line(diag: Diagnostic) -> str | None:
    from soaprules.files import read_bytes
    from soaprules.source import MAX_BYTES

    attached = dict(p for p in diag.extra if isinstance(p, tuple) and len(p) == 2).get(SOURCE)
    if attached is not None:  # the text that was loaded: the file is not read again
        return attached or None
    try:  # capped, regular files only: a diagnostic about /dev/zero or a FIFO must not hang
        lines = LINE_BREAKS.split(read_bytes(diag.file, MAX_BYTES).decode("utf-8-sig", errors="replace"))
    except (SoapError, TypeError):
        return None
    n = diag.position.line
    return lines[n - 1] if 0 < n <= len(lines) else None


def with_source(diag: Diagnostic, text: str | None) -> Diagnostic:
    """`diag` carrying its source line from `text` (what was loaded), so rendering it
    never reads the file again; no text (or no such line): no snippet at all."""
    from dataclasses import replace

    line = ""
    if text is not None and diag.position:
        lines = LINE_BREAKS.split(text)
        n = diag.position.line
        line = lines[n - 1] if 0 < n <= len(lines) else ""
    return replace(diag, extra=tuple(p for p in diag.extra if not (isinstance(p, tuple) and p[:1] == (SOURCE,)))
                   + ((SOURCE, line),))


def format_diagnostic(diag: Diagnostic) -> str:
    head = f"{diag.severity}: {field(diag.message)}"
    if diag.rule_id:
        head += f" [rule {field(diag.rule_id, 200)}]"
    out = [head]
    if diag.file:
        out.append(f"  --> {field(diag.where)}")
    line = _source_line(diag) if diag.file and diag.position else None
    if line is not None:
        n = str(diag.position.line)
        pad = " " * len(n)
        at = diag.position
        text, offset, width = window(line, at.column, at.end_column if at.end_line == at.line else None)
        out += [f" {pad} |", f" {n} | {text}", f" {pad} | {' ' * offset}{'^' * width}"]
    pad = " " * (len(str(diag.position.line)) if line is not None else 1)
    if diag.path and not (diag.path in diag.message):
        out.append(f" {pad} = field: {field(diag.path)}")
    if diag.expected:
        out.append(f" {pad} = expected: {field(diag.expected)}")
    if diag.suggestion is not None:
        out.append(f" {pad} = help: did you mean '{field(diag.suggestion)}'?")
    if diag.hint:
        out.append(f" {pad} = note: {field(diag.hint)}")
    return "\n".join(out)


def render(diagnostics: list[Diagnostic], out: TextIO) -> None:
    for diag in diagnostics:
        out.write(format_diagnostic(diag) + "\n\n")
    errors = sum(d.severity == "error" for d in diagnostics)
    if errors > 1:
        out.write(f"{errors} errors\n")
