"""Evaluate a cohort into a JSON-lines file that survives crashes.

Input is a directory of profile files (sorted by relative path) or a `.jsonl` file with
one profile per line. Each input yields exactly one record, in input order:

    {"source": "a/p1.yaml", "status": "ok", "advice": {...soaprules/advice@1...}}
    {"source": "cohort.jsonl:7", "status": "error", "kind": "profile", "errors": [...]}

Why each part is the way it is:
- a record is written with one `write`, then flushed and fsynced, so a crash leaves
  whole lines plus at most one torn last line; a rerun drops that line, skips every
  source already recorded and appends the rest;
- workers are processes (the engine holds the GIL and is not thread-safe), each one
  registering its own rulesets; results are written in input order, never completion
  order, so `--jobs N` writes the same bytes as `--jobs 1`;
- records carry no times, pids or worker numbers, for the same reason.
"""
from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from datetime import date, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Iterable, TextIO

from .errors import Diagnostic, InputFileError, Position, SoapError, UsageError
from .source import MAX_BYTES, decode, parse_text

PROFILE_SUFFIXES = (".yaml", ".yml", ".json")
RECORD_START = b'{"source":'  # every record line begins so; a torn last line begins with part of it
CHUNK = 16  # tasks per worker round trip: enough to amortise pickling, small enough to stream


@dataclass(frozen=True)
class Task:
    source: str  # the record key: relative path, or "<file>:<line>" for JSON lines
    path: str  # the file to read, or the .jsonl file the line came from
    line: int = 0  # 1-based line of a JSON-lines input; 0 for a file
    text: str | None = None  # the line itself (JSON lines only)


@dataclass
class Summary:
    total: int = 0
    skipped: int = 0  # already in the output from an earlier run
    ok: int = 0
    errors: int = 0
    dropped_torn_line: bool = False


# ---- input -----------------------------------------------------------------------------

def tasks(input_path: str | Path) -> list[Task]:
    """Every profile of a directory or a .jsonl file, in a stable order."""
    path = Path(input_path)
    if path.is_dir():
        files = sorted((p for p in path.rglob("*") if p.suffix.lower() in PROFILE_SUFFIXES and p.is_file()),
                       key=lambda p: p.relative_to(path).as_posix())
        return [Task(p.relative_to(path).as_posix(), str(p)) for p in files]
    if path.suffix.lower() == ".jsonl" and path.is_file():
        return list(_jsonl_tasks(path))
    if not path.exists():
        raise InputFileError(Diagnostic("no such file or directory", file=str(path)))
    raise UsageError(Diagnostic("expected a directory of profiles or a .jsonl file", file=str(path)))


def _jsonl_tasks(path: Path) -> Iterable[Task]:
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, 1):
            if raw.strip():
                yield Task(f"{path.name}:{number}", str(path), number, raw.decode("latin-1"))


def _load(task: Task):
    from .profile_load import load_profile, validate_profile

    if task.text is None:
        return load_profile(task.path)[0]
    raw = task.text.encode("latin-1")  # the line's own bytes, so bad UTF-8 is reported as such
    try:
        if len(raw) > MAX_BYTES:
            raise InputFileError(Diagnostic(f"line is {len(raw)} bytes; the limit is {MAX_BYTES}",
                                            file=task.path, position=Position(1, 1)))
        return validate_profile(parse_text(decode(raw, task.path), task.path))[0]
    except SoapError as exc:
        raise _shifted(exc, task.line - 1) from None


def _shifted(exc: SoapError, lines: int) -> SoapError:
    """Positions in a line parsed alone, moved to where the line sits in its file."""
    moved = [replace(d, position=replace(d.position, line=d.position.line + lines)) if d.position else d
             for d in exc.diagnostics]
    return type(exc)(moved)


# ---- one record ------------------------------------------------------------------------

def evaluate(task: Task, packs: list[str] | None) -> tuple[str, bool]:
    """The record line for one task (with its newline) and whether it is an error record."""
    rec = record(task, packs)
    return json.dumps(rec, ensure_ascii=False, separators=(",", ":"), default=_plain) + "\n", rec["status"] == "error"


def _plain(value):
    """A value JSON has no type for (a datetime in evidence, e.g. status.now) as ISO text."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def record(task: Task, packs: list[str] | None) -> dict:
    """The record of one task. Never raises for a bad profile."""
    from .pipeline import advise, program_for

    try:
        advice = advise(_load(task), program_for(packs))
        out = {"source": task.source, "status": "ok", "advice": advice}
    except SoapError as exc:
        out = {"source": task.source, "status": "error", "kind": exc.kind,
               "errors": [d.to_dict() for d in exc.diagnostics]}
    except Exception as exc:  # a bug, not bad input: record it and go on, the batch must finish
        out = {"source": task.source, "status": "error", "kind": "internal",
               "errors": [{"severity": "error", "message": f"{type(exc).__name__}: {exc}", "file": task.path}]}
    return out


def _evaluate_chunk(chunk: list[Task], packs: list[str] | None) -> list[tuple[str, bool]]:
    return [evaluate(task, packs) for task in chunk]


def _worker_init(packs: list[str] | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the pool
    from .pipeline import program_for

    program_for(packs)  # load and compile once per process; rulesets register on first use


# ---- output ----------------------------------------------------------------------------

@dataclass
class Recovered:
    done: set  # sources already recorded
    torn: bool  # a torn last line was cut off
    packs: list | None  # the packs of the first result, to refuse mixing pack versions


def recover(out: Path) -> Recovered:
    """What `out` already holds; a torn last line (a crash mid-write) is cut off."""
    found = Recovered(set(), False, None)
    if not out.is_file():
        return found
    good = 0  # byte offset just past the last whole, parseable record
    with open(out, "rb") as handle:
        for raw in handle:
            try:
                record = json.loads(raw) if raw.endswith(b"\n") else None
                found.done.add(record["source"])
            except (ValueError, KeyError, TypeError):
                break
            if found.packs is None and record.get("status") == "ok":
                found.packs = record["advice"]["packs"]
            good += len(raw)
        rest = raw[:len(RECORD_START)] if good < out.stat().st_size else b""
        if rest and (handle.read(1) or not RECORD_START.startswith(rest)):  # not one torn record: not ours
            raise UsageError(Diagnostic("this file is not a soaprules batch results file; refusing to "
                                        "append to it", file=str(out), hint="give --out a new .jsonl file"))
    found.torn = good != out.stat().st_size
    if found.torn:
        with open(out, "r+b") as handle:
            handle.truncate(good)
            os.fsync(handle.fileno())
    return found


def _same_packs(found: Recovered, program, out: Path) -> None:
    now = [{"name": p.name, "version": p.version, "file": p.file, "sha256": p.sha256} for p in program.book.packs]
    if found.packs is not None and found.packs != now:
        raise UsageError(Diagnostic("the results already there were made with other rule packs (a pack "
                                    "changed since): resuming would mix two versions of the advice",
                                    file=str(out), hint="write to a new --out file, or delete this one"))


class _Appender:
    """Append whole lines: one write per record, then flush and fsync."""

    def __init__(self, path: Path):
        try:
            self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as exc:
            raise InputFileError(Diagnostic(f"cannot write: {exc.strerror}", file=str(path))) from None

    def write(self, line: str) -> None:
        data = memoryview(line.encode("utf-8"))
        while data:
            data = data[os.write(self.fd, data):]
        os.fsync(self.fd)

    def close(self) -> None:
        os.close(self.fd)


class Progress:
    """A one-line bar on a terminal; silent otherwise (logs and pipes stay clean)."""

    def __init__(self, total: int, stream: TextIO | None):
        self.total, self.stream = total, stream if stream is not None and stream.isatty() else None
        self.done = self.errors = 0
        self.shown = 0.0

    def step(self, error: bool) -> None:
        self.done += 1
        self.errors += error
        if self.stream and (time.monotonic() - self.shown > 0.1 or self.done == self.total):
            self.shown = time.monotonic()
            filled = 30 * self.done // max(self.total, 1)
            self.stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {self.done}/{self.total}"
                              f"  {self.errors} errors")
            self.stream.flush()

    def close(self) -> None:
        if self.stream and self.done:
            self.stream.write("\n")


# ---- the run ---------------------------------------------------------------------------

def lines(pending: list[Task], packs: list[str] | None, jobs: int = 1) -> Iterable[tuple[str, bool]]:
    """Record lines of `pending`, in input order, computed in `jobs` processes."""
    return _serial(pending, packs) if jobs <= 1 else _parallel(pending, packs, jobs)


def run(input_path: str | Path, out: str | Path, packs: list[str] | None = None, jobs: int = 1,
        progress_to: TextIO | None = None) -> Summary:
    from .pipeline import program_for

    packs = [str(p) for p in packs] if packs else None
    program = program_for(packs)  # a broken pack fails the whole batch here, before any record is written
    todo = tasks(input_path)
    out = Path(out)
    found = recover(out)
    _same_packs(found, program, out)
    summary = Summary(total=len(todo), dropped_torn_line=found.torn)
    pending = [t for t in todo if t.source not in found.done]
    summary.skipped = len(todo) - len(pending)
    progress = Progress(len(pending), progress_to)
    appender = _Appender(out)
    try:
        for line, error in lines(pending, packs, jobs):
            appender.write(line)
            summary.errors += error
            summary.ok += not error
            progress.step(error)
    finally:
        appender.close()
        progress.close()
    return summary


def _serial(pending: list[Task], packs) -> Iterable[tuple[str, bool]]:
    for task in pending:
        yield evaluate(task, packs)


def _parallel(pending: list[Task], packs, jobs: int) -> Iterable[tuple[str, bool]]:
    chunks = [pending[i:i + CHUNK] for i in range(0, len(pending), CHUNK)]
    # spawn, not fork: a forked child would inherit the parent's engine state mid-use
    with ProcessPoolExecutor(jobs, mp_context=get_context("spawn"), initializer=_worker_init,
                             initargs=(packs,)) as pool:
        window: deque = deque()
        feed = iter(chunks)
        try:
            for chunk in feed:
                window.append(pool.submit(_evaluate_chunk, chunk, packs))
                if len(window) >= 4 * jobs:
                    yield from window.popleft().result()
            while window:
                yield from window.popleft().result()
        except BrokenProcessPool:
            raise SoapError(Diagnostic("a worker process died (the engine crashed?); "
                                       "rerun the same command to finish the rest")) from None
        finally:
            for future in window:
                future.cancel()


def report(summary: Summary, out: Path, stream: TextIO | None = None) -> None:
    parts = [f"{summary.ok} results", f"{summary.errors} error records"]
    if summary.skipped:
        parts.append(f"{summary.skipped} already done")
    if summary.dropped_torn_line:
        parts.append("dropped a torn last line")
    (stream or sys.stderr).write(f"batch: {', '.join(parts)} -> {out}\n")
