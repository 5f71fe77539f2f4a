"""Progress of a long run (`batch`, `cohort`) on a terminal: one line, redrawn in place,
with the rate and the time left; nothing at all when the stream is not a terminal, so logs
and pipes stay clean.

    [###########...................] 812/2000  3 errors  19.4/s  ETA 1:01

The line is cut to the terminal's width (a wrapped \\r line would scroll instead of
redrawing). The rate is over the whole run so far, so the estimate settles rather than
jumping with each slow profile.
"""
from __future__ import annotations

import shutil
import time
from typing import TextIO

REDRAW_SECONDS = 0.1


def _isatty(stream) -> bool:
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError):
        return False


def clock(seconds: float) -> str:
    """0:07, 1:43, 1:02:05."""
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Bar:
    """`step(error)` once per item; `close()` at the end (the last line stays, with the time taken)."""

    def __init__(self, total: int, stream: TextIO | None, now=time.monotonic):
        self.total, self.stream = total, stream if _isatty(stream) else None
        self.done = self.errors = 0
        self.now = now
        self.started = now()
        self.shown = float("-inf")

    def step(self, error: bool = False) -> None:
        self.done += 1
        self.errors += bool(error)
        at = self.now()
        if self.stream and (at - self.shown >= REDRAW_SECONDS or self.done == self.total):
            self.shown = at
            self._draw(at)

    def line(self, at: float) -> str:
        elapsed = max(at - self.started, 1e-9)
        rate = self.done / elapsed
        filled = 30 * self.done // max(self.total, 1)
        text = f"[{'#' * filled}{'.' * (30 - filled)}] {self.done}/{self.total}  {self.errors} errors"
        if self.done and self.done >= self.total:
            return text + f"  {rate:.1f}/s  done in {clock(elapsed)}"
        if self.done:
            return text + f"  {rate:.1f}/s  ETA {clock((self.total - self.done) / rate)}"
        return text

    def _draw(self, at: float) -> None:
        width = shutil.get_terminal_size((80, 24)).columns
        self.stream.write("\r" + self.line(at)[:max(20, width - 1)] + "\x1b[K")
        self.stream.flush()

    def close(self) -> None:
        if self.stream and self.done:
            self._draw(self.now())
            self.stream.write("\n")
            self.stream.flush()
