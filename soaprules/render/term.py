"""Writing a text report: plain and stable in files and pipes, fitted and coloured at a terminal.

A text renderer says what to write as paragraphs with a hanging indent (`para`) and whole
lines (`line`), each with an optional style name. Two writers carry it out:

- `Plain`, for files, pipes and tests: `textwrap` at a fixed width, so a report saved or
  piped is the same bytes on every machine (docs/examples/*.txt are such files);
- `Rich`, at a terminal: rich wraps to the terminal's width (cell widths, so wide
  characters count right) and colours by style name; with `NO_COLOR` set (any value) it
  writes no escape sequence at all, only the fitted text.

Which one: `writer(out, width)` looks at where the text ends up. Commands render into a
buffer and write it whole (files.emit), so for a buffer the answer is standard output's,
when the command writes there (no `-o FILE`) and does not record the text (`--record`:
replay compares bytes, so recorded reports are always the plain form).
"""
from __future__ import annotations

import os
import shutil
import sys
import textwrap
from functools import lru_cache
from typing import TextIO

REPORT_COMMANDS = ("advise", "assess", "cohort", "explain", "whatif")
MIN_WIDTH, MAX_WIDTH = 40, 120  # beyond 120 columns a paragraph is hard to read
MIN_TEXT = 24  # columns a paragraph keeps beside its indent, however deep

# Style names the renderers use, and what they look like at a colour terminal.
THEME = {
    "title": "bold",
    "heading": "bold cyan",
    "now": "bold yellow",
    "warning": "bold red",
    "bound": "bold magenta",
    "critical": "bold",
    "high": "",
    "mark": "bold red",
    "note": "dim",
    "passed": "green",
    "failed": "red",
    "unknown": "yellow",
    "guide": "dim",
    "tier1": "bold red",
    "tier3": "dim",
}


@lru_cache(maxsize=8192)
def filled(text: str, width: int, first: str, rest: str, break_long_words: bool) -> str:
    """textwrap.fill, memoised: a cohort's reports repeat most paragraphs (the same advice
    and citations), and filling is a pure function of these arguments. Bounded, so a long
    batch holds at most a few MB of them."""
    return textwrap.fill(text, width, initial_indent=first, subsequent_indent=rest,
                         break_on_hyphens=False, break_long_words=break_long_words)


class Plain:
    """textwrap at a fixed width: the file and pipe form, byte for byte stable."""

    terminal = False

    def __init__(self, out: TextIO, width: int, break_long_words: bool = True):
        self.out, self.width, self.break_long_words = out, width, break_long_words

    def para(self, text: str, rest: str, first: str | None = None, style: str | None = None) -> None:
        """`text` filled to the width: `first` before its first line (default `rest`), `rest`
        before the others."""
        self.out.write(filled(text, self.width, rest if first is None else first, rest, self.break_long_words) + "\n")

    def line(self, text: str = "", style: str | None = None) -> None:
        self.out.write(text + "\n")

    def write(self, text: str) -> None:
        self.out.write(text)


class Rich(Plain):
    """rich at a terminal: wrapped to the terminal's width, coloured unless NO_COLOR."""

    terminal = True

    def __init__(self, out: TextIO, width: int, color: bool | None = None, break_long_words: bool = True):
        from rich.console import Console
        from rich.theme import Theme

        super().__init__(out, width, break_long_words)
        color = no_color_wanted() is False if color is None else color
        self.console = Console(file=out, width=width, force_terminal=color, color_system="auto" if color else None,
                               no_color=not color, highlight=False, emoji=False, markup=False,
                               theme=Theme(THEME), soft_wrap=False, legacy_windows=False)

    def para(self, text: str, rest: str, first: str | None = None, style: str | None = None) -> None:
        from rich.text import Text

        first = rest if first is None else first
        first, rest = self._fit(first), self._fit(rest)
        room = self.width - max(_cells(first), _cells(rest))
        body = Text(" ".join(text.split()), style=style or "")
        lines = body.wrap(self.console, room, overflow="fold") or [Text("")]  # a long word is cut at a terminal
        for i, piece in enumerate(lines):
            piece.rstrip()
            self._print(Text.assemble(Text(first if i == 0 else rest, style="guide" if _is_guide(rest) else ""),
                                      piece))

    def _fit(self, indent: str) -> str:
        """An indent that leaves at least MIN_TEXT columns: a deep tree's guides lose their left end."""
        keep = self.width - MIN_TEXT
        if _cells(indent) <= keep:
            return indent
        return "…" + indent[len(indent) - keep + 1:]

    def line(self, text: str = "", style: str | None = None) -> None:
        """A line as it is when it fits; else wrapped, under its own indent."""
        from rich.cells import cell_len
        from rich.text import Text

        if cell_len(text) <= self.width:
            self._print(Text(text, style=style or ""))
            return
        lead = text[:len(text) - len(text.lstrip())]
        self.para(text[len(lead):], lead + "  ", lead, style)

    def styled(self, *parts: tuple[str, str | None]) -> None:
        """One line made of (text, style) parts, cut to the width if it must be."""
        from rich.text import Text

        self._print(Text.assemble(*((t, s or "") for t, s in parts)))

    def write(self, text: str) -> None:
        for piece in text.split("\n")[:-1] if text.endswith("\n") else text.split("\n"):
            self.line(piece)

    def _print(self, renderable) -> None:
        self.console.print(renderable, soft_wrap=True, crop=False, overflow="ignore")


def _cells(text: str) -> int:
    from rich.cells import cell_len
    return cell_len(text)


def _is_guide(indent: str) -> bool:
    return any(ch in indent for ch in "│├└")


def no_color_wanted() -> bool:
    """NO_COLOR (https://no-color.org): set to anything non-empty, no colour."""
    return bool(os.environ.get("NO_COLOR"))


def terminal_width() -> int:
    return max(MIN_WIDTH, min(MAX_WIDTH, shutil.get_terminal_size((80, 24)).columns))


def to_terminal(out: TextIO) -> bool:
    """Whether `out` (or, for a command's buffer, standard output) is a terminal the
    report goes to as it is."""
    if _isatty(out):
        return True
    if _isatty(getattr(sys, "stdout", None)):
        try:
            import click
        except ImportError:  # pragma: no cover
            return False
        ctx = click.get_current_context(silent=True)
        if ctx is None or ctx.info_name not in REPORT_COMMANDS:
            return False
        params = ctx.params or {}
        output = params.get("output")
        return (output is None or str(output) == "-") and not params.get("record")
    return False


def _isatty(stream) -> bool:
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError):
        return False


def writer(out: TextIO, file_width: int, terminal: bool | None = None, width: int | None = None,
           color: bool | None = None, break_long_words: bool = True) -> Plain:
    """The writer for `out`: Rich at a terminal (`terminal` forces the choice, `width` the
    columns, `color` the colour), else Plain at `width` or the renderer's file width."""
    at_terminal = to_terminal(out) if terminal is None else terminal
    if at_terminal:
        return Rich(out, width or terminal_width(), color, break_long_words)
    return Plain(out, width or file_width, break_long_words)
