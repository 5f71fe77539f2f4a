"""Evaluate a cohort into a JSON-lines file that survives crashes.

Input is a directory of profile files (sorted by relative path) or a `.jsonl` file with
one profile per line. Each input yields exactly one record, in input order:

    {"source": "a/p1.yaml", "status": "ok", "advice": {...soaprules/advice@1...}, "input_sha256": "..."}
    {"source": "cohort.jsonl:7", "status": "error", "kind": "profile", "errors": [...], "input_sha256": "..."}

Why each part is the way it is:
- a record is written with one `write` (fsynced in groups: every FSYNC_EVERY records or
  FSYNC_SECONDS, and before exit), so a crash leaves whole lines plus at most one torn
  last line; a rerun keeps every whole record, rebuilds the file in input order when it
  is not already a prefix of it (a deleted, duplicated or reordered line), and computes
  only what is missing, so the final file is the bytes of an uninterrupted run; a record
  whose `input_sha256` is not its input's now (a profile edited since) is made again;
- one run per output: an exclusive lock (`<out>.lock`, holding the owner's pid and host)
  refuses a second run on the same --out; the output is never read as an input;
- the packs are pinned at the start: a record made with other pack bytes (a pack saved
  mid-run) stops the run, so one file never mixes two versions of the advice;
- workers die with their parent (PR_SET_PDEATHSIG on Linux, a parent watch elsewhere),
  so killing the batch never leaves workers holding the caller's pipes;
- workers are processes (the engine holds the GIL and is not thread-safe), each one
  registering its own rulesets; results are written in input order, never completion
  order, so `--jobs N` writes the same bytes as `--jobs 1`;
- records carry no times, pids or worker numbers, for the same reason.
"""
from __future__ import annotations

import ctypes
import fcntl
import hashlib
import json
import os
import signal
import stat
import socket
import sys
import threading
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Iterable, TextIO

from soaprules.errors import Diagnostic, InputFileError, PacksChanged, Position, SoapError, UsageError
from soaprules.source import MAX_BYTES, decode, parse_lazily

PROFILE_SUFFIXES = (".yaml", ".yml", ".json")
RECORD_START = b'{"source":'  # every record line begins so; a torn last line begins with part of it
CHUNK = 16  # tasks per worker round trip: enough to amortise pickling, small enough to stream
FSYNC_EVERY, FSYNC_SECONDS = 64, 0.1  # group commit: fsync per record capped throughput (issue 15)


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
    skipped_errors: int = 0  # of those, error records: the finished file holds them as surely
    ok: int = 0
    errors: int = 0
    dropped_torn_line: bool = False


# ---- input -----------------------------------------------------------------------------

def shown(text: str) -> str:
    """A record as text that UTF-8 can hold: a file name's bytes that are not UTF-8 read as \\xNN."""
    from soaprules.files import name_as_text

    return name_as_text(text)


def tasks(input_path: str | Path, exclude: tuple = ()) -> list[Task]:
    """Every profile of a directory or a .jsonl file, in a stable order; `exclude` (the
    output and its lock) is never read as a profile."""
    path = Path(input_path)
    skip = {os.path.realpath(p) for p in exclude}
    if path.is_dir():
        # Not only regular files: a FIFO, a device or a broken link named like a profile gets
        # an error record saying what it is, never a silent gap in the results.
        files = sorted((p for p in path.rglob("*") if p.suffix.lower() in PROFILE_SUFFIXES and not p.is_dir()
                        and os.path.realpath(p) not in skip),
                       key=lambda p: p.relative_to(path).as_posix())
        return [Task(shown(p.relative_to(path).as_posix()), str(p)) for p in files]
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


def _raw(task: Task) -> bytes:
    """The bytes a task's profile is read from: its file's, or its line's own (so bad UTF-8
    in a line is reported as such)."""
    from soaprules.files import read_bytes

    return read_bytes(task.path, MAX_BYTES, what="profile") if task.text is None else task.text.encode("latin-1")


def input_sha256(task: Task) -> str | None:
    """What a record was made from, so a rerun can tell an edited profile from the one its
    record describes; None for a file that cannot be read (its record is an error)."""
    try:
        return hashlib.sha256(_raw(task)).hexdigest()
    except SoapError:
        return None


def _load(task: Task, raw: bytes):
    from soaprules.profile.load import validate_profile

    if task.text is None:
        return validate_profile(parse_lazily(decode(raw, task.path), task.path))[0]
    try:
        if len(raw) > MAX_BYTES:
            raise InputFileError(Diagnostic(f"line is {len(raw)} bytes; the limit is {MAX_BYTES}",
                                            file=task.path, position=Position(1, 1)))
        return validate_profile(parse_lazily(decode(raw, task.path), task.path))[0]
    except SoapError as exc:
        raise _shifted(exc, task.line - 1) from None


def _shifted(exc: SoapError, lines: int) -> SoapError:
    """Positions in a line parsed alone, moved to where the line sits in its file."""
    moved = [replace(d, position=replace(d.position, line=d.position.line + lines)) if d.position else d
             for d in exc.diagnostics]
    return type(exc)(moved)


# ---- one record ------------------------------------------------------------------------

def evaluate(task: Task, packs: list[str] | None, pinned: list | None = None) -> tuple[str, bool]:
    """The record line for one task (with its newline) and whether it is an error record.
    With `pinned` (the packs at the start of the run), a record that says it was made
    with other pack bytes raises PacksChanged instead of being written."""
    rec = record(task, packs)
    if pinned is not None and rec["status"] == "ok" and rec["advice"]["packs"] != pinned:
        now = rec["advice"]["packs"]
        changed = ", ".join(p["file"] for p in now if p not in pinned) or "a pack file"
        raise PacksChanged(Diagnostic(f"a rule pack changed during the run ({changed}); stopped so that one "
                                      "results file never mixes two versions of the advice",
                                      hint="write to a new --out file, or delete this one and run again"))
    text = json.dumps(rec, ensure_ascii=False, separators=(",", ":"), default=_plain)
    return shown(text) + "\n", rec["status"] == "error"


def _pack_ids(program) -> list:
    return [{"name": p.name, "version": p.version, "file": p.file, "sha256": p.sha256} for p in program.book.packs]


def _plain(value):
    """A value JSON has no type for (a datetime in evidence, e.g. status.now) as ISO text."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def record(task: Task, packs: list[str] | None) -> dict:
    """The record of one task. Never raises for a bad profile."""
    from soaprules.pipeline import advise, program_for

    digest = None
    try:
        raw = _raw(task)
        digest = hashlib.sha256(raw).hexdigest()
        advice = advise(_load(task, raw), program_for(packs))
        out = {"source": task.source, "status": "ok", "advice": advice}
    except SoapError as exc:
        out = {"source": task.source, "status": "error", "kind": exc.kind,
               "errors": [d.to_dict() for d in exc.diagnostics]}
    except Exception as exc:  # a bug, not bad input: record it and go on, the batch must finish
        out = {"source": task.source, "status": "error", "kind": "internal",
               "errors": [{"severity": "error", "message": f"{type(exc).__name__}: {exc}", "file": task.path}]}
    out["input_sha256"] = digest
    return out


def _evaluate_chunk(chunk: list[Task], packs: list[str] | None, pinned: list | None) -> list[tuple[str, bool]]:
    return [evaluate(task, packs, pinned) for task in chunk]


def _worker_init(packs: list[str] | None, parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the pool
    die_with_parent(parent)
    from soaprules.pipeline import program_for

    try:
        program_for(packs)  # load and compile once per process; rulesets register on first use
    except Exception:  # a broken pack: the parent reports it (this worker started before it compiled)
        pass


def die_with_parent(parent: int) -> None:
    """Killed with the parent: a worker left behind would block on its queue forever,
    holding the caller's stdout and stderr open."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(1, signal.SIGKILL, 0, 0, 0) == 0:  # PR_SET_PDEATHSIG: Linux only
            if os.getppid() != parent:  # the parent died before prctl took effect
                os._exit(1)
            return
    except (OSError, AttributeError):
        pass

    def watch() -> None:  # elsewhere: notice the parent is gone (reparented) within a second
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


# ---- output ----------------------------------------------------------------------------

@dataclass
class Recovered:
    records: dict  # source -> its whole record line (with newline), first occurrence
    lines: list  # the sources of the whole lines, in file order
    torn: bool  # a torn last line was found (it is never kept)
    packs: list | None  # the packs of the first result, to refuse mixing pack versions
    size: int = 0
    inputs: dict = field(default_factory=dict)  # source -> the input_sha256 its record names


def recover(out: Path) -> Recovered:
    """Every whole record `out` already holds. A last line cut off mid-record is torn; a
    complete last line that only lacks its newline is whole. Anything else that is not a
    record means the file is not ours, and it is never touched."""
    found = Recovered({}, [], False, None)
    if not out.is_file():
        return found
    data = out.read_bytes()
    found.size = len(data)
    raw_lines = data.split(b"\n")
    last = raw_lines.pop()  # b"" when the file ends with a newline
    packs_line = 0
    for i, raw in enumerate(raw_lines + ([last] if last else [])):
        record, wrong = _parse(raw)
        if record is None and i == len(raw_lines) and RECORD_START[:len(raw)] == raw[:len(RECORD_START)]:
            found.torn = True  # the last line, cut off mid-write
            break
        if wrong:
            raise UsageError(Diagnostic(f"this file is not a soaprules batch results file as it stands ({wrong}); "
                                        "refusing to append to it", file=str(out), position=Position(i + 1, 1),
                                        hint="give --out a new .jsonl file"))
        found.lines.append(record["source"])
        found.records.setdefault(record["source"], raw + b"\n")
        found.inputs.setdefault(record["source"], record.get("input_sha256"))
        if record["status"] == "ok":
            if found.packs is None:
                found.packs, packs_line = record["advice"]["packs"], i + 1
            elif record["advice"]["packs"] != found.packs:  # a file of two versions is not resumed into a third
                raise UsageError(Diagnostic(f"this record was made with other rule packs than line {packs_line}'s: "
                                            "the file already mixes two versions of the advice", file=str(out),
                                            position=Position(i + 1, 1), hint="write to a new --out file"))
    return found


def _parse(raw: bytes) -> tuple[dict | None, str]:
    """A line as a record batch writes (checked as cohort reads it back), and what is wrong
    with it: a record that is not whole is never copied into the output."""
    from soaprules.cohort import results
    from soaprules.source import format_path

    try:
        record = results.parse(raw)
    except ValueError as exc:
        return None, f"not JSON: {getattr(exc, 'msg', exc)}"
    if not raw.startswith(RECORD_START):
        return None, "a line that does not begin as a record"
    wrong = results.problems(record)
    if wrong:
        loc, message = wrong[0]
        return None, f"{format_path(loc)} {message}".strip()
    return record, ""


def _same_packs(found: Recovered, program, out: Path) -> None:
    if found.packs is not None and found.packs != _pack_ids(program):
        raise UsageError(Diagnostic("the results already there were made with other rule packs (a pack "
                                    "changed since): resuming would mix two versions of the advice",
                                    file=str(out), hint="write to a new --out file, or delete this one"))


def _forget_edited(found: Recovered, todo: list[Task]) -> None:
    """A record of a profile edited (or made unreadable, or readable) since is not kept:
    it would describe a profile that no longer exists. Records written before records
    named their input are recomputed too, as they cannot be checked."""
    for task in todo:
        if task.source in found.records and found.inputs.get(task.source, "") != input_sha256(task):
            del found.records[task.source]


def rebuild(out: Path, found: Recovered, todo: list[Task]) -> int:
    """Make `out` the longest run of `todo`'s records, in input order, that it already
    holds; return how many. The file is replaced atomically only when it is not that
    already (a torn line, a duplicate, a gap, a line out of order, a missing newline)."""
    keep = 0
    while keep < len(todo) and todo[keep].source in found.records:
        keep += 1
    body = b"".join(found.records[t.source] for t in todo[:keep])
    if found.size == len(body) and found.lines == [t.source for t in todo[:keep]] and not found.torn:
        return keep
    temp = out.with_name(f".{out.name}.rebuild")
    with open(temp, "wb") as handle:
        handle.write(body)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, out)
    return keep


class Lock:
    """One batch per output file: an exclusive flock on `<out>.lock`, which names its
    owner. The lock file stays (deleting it would let two runs lock two files)."""

    def __init__(self, out: Path):
        self.path = out.with_name(out.name + ".lock")
        try:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise InputFileError(Diagnostic(f"cannot write: {exc.strerror}", file=str(self.path))) from None
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            _refuse(self.fd, out)
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, f"pid {os.getpid()} on {socket.gethostname()}\n".encode(), 0)

    def release(self) -> None:
        os.close(self.fd)

    @staticmethod
    def refuse_if_held(out: Path) -> None:
        """Refuse at once, before the packs are compiled, when another batch holds the lock
        of `out`; creates nothing (the lock itself is taken after compiling, as before)."""
        try:
            fd = os.open(out.with_name(out.name + ".lock"), os.O_RDONLY)
        except OSError:
            return  # no lock file (or unreadable): Lock() decides
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            _refuse(fd, out)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _refuse(fd: int, out: Path):
    owner = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "another process"
    os.close(fd)
    raise UsageError(Diagnostic(f"another batch is writing to this file ({owner}); refusing to run a "
                                "second one on it", file=str(out),
                                hint="wait for it to finish, or give --out another file")) from None


class _Appender:
    """Append whole lines, one write per record; fsync in groups and before closing."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as exc:
            raise InputFileError(Diagnostic(f"cannot write: {exc.strerror}", file=str(path))) from None
        if not stat.S_ISREG(os.fstat(self.fd).st_mode):  # a device or a pipe cannot be resumed or synced
            os.close(self.fd)
            raise InputFileError(Diagnostic("--out must be a regular file: results are appended, synced and "
                                            "resumed", file=str(path), hint="give --out a file name")) from None
        self.unsynced, self.synced_at = 0, time.monotonic()

    def write(self, line: str | bytes) -> None:
        data = memoryview(line if isinstance(line, bytes) else line.encode("utf-8"))
        try:
            while data:
                data = data[os.write(self.fd, data):]
        except OSError as exc:  # a full disk: the records written so far stand, and a rerun resumes
            raise self._failed(exc) from None
        self.unsynced += 1
        if self.unsynced >= FSYNC_EVERY or time.monotonic() - self.synced_at >= FSYNC_SECONDS:
            self.sync()

    def sync(self) -> None:
        try:
            os.fsync(self.fd)
        except OSError as exc:
            raise self._failed(exc) from None
        self.unsynced, self.synced_at = 0, time.monotonic()

    def _failed(self, exc: OSError) -> InputFileError:
        return InputFileError(Diagnostic(f"cannot write: {exc.strerror}", file=str(self.path),
                                         hint="free some space and run the same command again: it resumes "
                                              "after the last whole record"))

    def close(self) -> None:
        try:
            self.sync()
        finally:
            os.close(self.fd)


# ---- the run ---------------------------------------------------------------------------

def lines(pending: list[Task], packs: list[str] | None, jobs: int = 1,
          pinned: list | None = None, pool=None) -> Iterable[tuple[str, bool]]:
    """Record lines of `pending`, in input order, computed in `jobs` processes (in `pool`,
    when one is already started)."""
    return _serial(pending, packs, pinned) if jobs <= 1 else _parallel(pending, packs, jobs, pinned, pool)


def run(input_path: str | Path, out: str | Path, packs: list[str] | None = None, jobs: int = 1,
        progress_to: TextIO | None = None) -> Summary:
    from soaprules.pipeline import program_for

    packs = [str(p) for p in packs] if packs else None
    if Path(out).is_symlink():  # its lock is named for the path given: a link would be a second name for one file
        raise UsageError(Diagnostic(f"is a symbolic link (to {os.readlink(out)}); batch writes its results only "
                                    "to a real file, so that two runs can never share one file under two names",
                                    file=str(out), hint="give the real file's path"))
    links = _hard_links(Path(out))
    if links > 1:  # the same reason: another name of this file would take a lock of its own
        raise UsageError(Diagnostic(f"has {links} names (hard links); batch writes its results only to a file "
                                    "with one name, so that two runs can never share one file under two names",
                                    file=str(out), hint="give a new file's path, or remove the file's other names"))
    Lock.refuse_if_held(Path(out))  # a second run on one --out is refused before it compiles anything
    forking = jobs > 1 and can_fork()
    pool = _start_pool(packs, jobs) if jobs > 1 and not forking else None  # spawned: start while this compiles
    try:
        program = program_for(packs)  # a broken pack fails the whole batch here, before any record is written
        if forking:  # forked from here, compiled and warm: no worker imports, compiles or generates anything
            program.warm()
            pool = _start_pool(packs, jobs, fork=can_fork())  # asked again: still one thread, or spawn
        out = Path(out)
        lock = Lock(out)
        try:
            return _run(input_path, out, packs, jobs, progress_to, program, lock, pool)
        finally:
            lock.release()
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _hard_links(path: Path) -> int:
    try:
        info = path.stat()
    except OSError:  # not there yet (or unreadable: the run itself says so)
        return 0
    return info.st_nlink if stat.S_ISREG(info.st_mode) else 0


def can_fork() -> bool:
    """Workers may be forked from this process: Linux (fork is unsafe on macOS), and one
    thread only, so no other thread can be mid-call (in the engine, in malloc, holding a
    lock) when the child's copy of the memory is taken. Threads are counted by the kernel:
    a thread started by C code or by `_thread` is not in Python's threading count, and
    Python 3.12+ warns of exactly such a fork. The engine itself is between profiles
    whenever this process forks: every session of an evaluation is deleted before it
    returns, so a child inherits registered rulesets and nothing in use."""
    return sys.platform == "linux" and _os_threads() == 1


def _os_threads() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:  # no /proc: unknown, so not one
        return 0


def _start_pool(packs: list[str] | None, jobs: int, fork: bool = False) -> ProcessPoolExecutor:
    """A pool whose `jobs` workers are already starting. Forked (`fork`, see `can_fork`):
    copies of this process, ready at once. Spawned otherwise: each imports and compiles
    in its own process, while this one compiles too."""
    # A fork pool launches every worker at its first submit, before its manager thread
    # starts (CPython does so for fork), so each worker is forked from one thread.
    pool = ProcessPoolExecutor(jobs, mp_context=get_context("fork" if fork else "spawn"), initializer=_worker_init,
                               initargs=(packs, os.getpid()))
    for _ in range(jobs):  # a worker is started per task waiting while none is idle
        pool.submit(_ready)
    return pool


def _ready() -> None:
    return None


def _run(input_path, out: Path, packs, jobs: int, progress_to, program, lock: Lock, pool=None) -> Summary:
    todo = tasks(input_path, exclude=(out, lock.path, out.with_name(f".{out.name}.rebuild")))
    found = recover(out)
    _same_packs(found, program, out)
    _forget_edited(found, todo)
    pinned = _pack_ids(program)
    summary = Summary(total=len(todo), dropped_torn_line=found.torn)
    kept = rebuild(out, found, todo)
    rest = todo[kept:]
    pending = [t for t in rest if t.source not in found.records]
    summary.skipped = len(todo) - len(pending)
    summary.skipped_errors = sum(json.loads(found.records[t.source]).get("status") == "error"
                                 for t in todo if t.source in found.records)
    from soaprules.cohort.progress import Bar  # the display, with rate and ETA: soaprules/progress.py
    progress = Bar(len(pending), progress_to)
    appender = _Appender(out)
    try:
        computed = iter(lines(pending, packs, jobs, pinned, pool))
        for task in rest:  # in input order: a record already there is copied, the rest computed
            if task.source in found.records:
                appender.write(found.records[task.source])
                continue
            line, error = next(computed)
            appender.write(line)
            summary.errors += error
            summary.ok += not error
            progress.step(error)
    finally:
        appender.close()
        progress.close()
    return summary


def _serial(pending: list[Task], packs, pinned) -> Iterable[tuple[str, bool]]:
    for task in pending:
        yield evaluate(task, packs, pinned)


def _parallel(pending: list[Task], packs, jobs: int, pinned, pool=None) -> Iterable[tuple[str, bool]]:
    chunks = [pending[i:i + CHUNK] for i in range(0, len(pending), CHUNK)]
    own = pool is None
    if own:
        pool = _start_pool(packs, jobs)
    window: deque = deque()
    feed = iter(chunks)
    try:
        for chunk in feed:
            window.append(pool.submit(_evaluate_chunk, chunk, packs, pinned))
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
        if own:
            pool.shutdown(wait=True)


def report(summary: Summary, out: Path, stream: TextIO | None = None) -> None:
    parts = [f"{summary.ok} results", f"{summary.errors} error records"]
    if summary.skipped:
        parts.append(f"{summary.skipped} already done" + (f" ({summary.skipped_errors} of them error records)"
                                                          if summary.skipped_errors else ""))
    if summary.dropped_torn_line:
        parts.append("dropped a torn last line")
    (stream or sys.stderr).write(f"batch: {', '.join(parts)} -> {out}\n")
