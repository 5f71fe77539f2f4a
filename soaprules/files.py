"""Every file soaprules reads or writes goes through here, so that a path which is not a
plain file cannot hang, flood or damage anything.

Reading: open without blocking (a FIFO would otherwise wait for a writer), refuse
anything that is not a regular file after opening it (the check is on the open file,
not the name, so nothing can be swapped in between), and read at most `max_bytes` + 1
bytes: `stat` says 0 for /dev/zero and for files still growing, so the cap is on what is
actually read.

Writing (`write_atomically`): the report goes to a temporary file beside the target and
is renamed over it, so a reader or a crash never sees half a report. The target must be
a regular file or not exist yet. Decided:
- a symbolic link as target is refused (never followed, never replaced): replacing it
  would silently turn the link into a file, following it would write wherever it
  points; the error names the link and its target so the user can pass the real path;
- devices (/dev/null, /dev/stdout's target), FIFOs, sockets and directories are refused;
  standard output is `-` (or no `-o` at all);
- an existing file keeps its permission bits (a 0600 report stays 0600); a new one is
  created 0600, whatever the umask, because a report is a student's personal data.
"""
from __future__ import annotations

import errno
import os
import stat
import sys
import tempfile
from pathlib import Path

from soaprules.errors import Diagnostic, InputFileError, OutputFileError

STDOUT = "-"


def name_as_text(name: str) -> str:
    """A file name as text UTF-8 can hold: bytes that are not UTF-8 (surrogate escapes from
    the file system) read as \\xNN, so a database, a JSON line or a report can store it."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def name_on_one_line(name: str) -> str:
    """`name_as_text`, with characters that would break a listing's line (a newline, a
    terminal escape) written as escapes: one record, one line."""
    return "".join(c if c.isprintable() or c == " " else c.encode("unicode_escape").decode("ascii")
                   for c in name_as_text(name))


def _kind_of_mode(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _reason(exc: OSError) -> str:
    return {errno.ENOENT: "no such file", errno.EACCES: "permission denied", errno.EISDIR: "is a directory",
            errno.ELOOP: "too many levels of symbolic links", errno.ENOTDIR: "a part of the path is not a directory",
            errno.ENAMETOOLONG: "the file name is too long"}.get(exc.errno, exc.strerror or str(exc))


def read_bytes(path: str | Path, max_bytes: int, *, what: str = "file") -> bytes:
    """The bytes of the regular file at `path`, at most `max_bytes`, else InputFileError."""
    shown = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise InputFileError(Diagnostic(f"cannot read the {what}: {_reason(exc)}", file=shown)) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise InputFileError(Diagnostic(f"is {_kind_of_mode(mode)}, not a regular file", file=shown,
                                            expected=f"a {what} saved on disk"))
        chunks, left = [], max_bytes + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as exc:
        raise InputFileError(Diagnostic(f"cannot read the {what}: {_reason(exc)}", file=shown)) from None
    finally:
        os.close(fd)
    raw = b"".join(chunks)
    if len(raw) > max_bytes:
        raise InputFileError(Diagnostic(f"is over the size limit: the limit is {max_bytes} bytes", file=shown,
                                        hint="is this the right file?"))
    return raw


def check_output_target(path: Path) -> int | None:
    """The permission bits to give the report at `path` (None: a new file), or
    OutputFileError when `path` may not be replaced by a regular file."""
    shown = str(path)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise OutputFileError(Diagnostic(f"cannot write the report: {_reason(exc)}", file=shown)) from None
    if info is not None and stat.S_ISLNK(info.st_mode):
        raise OutputFileError(Diagnostic(f"is a symbolic link (to {os.readlink(path)}); soaprules neither follows "
                                         "nor replaces links", file=shown,
                                         hint="give the real file's path, or '-' for standard output"))
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise OutputFileError(Diagnostic(f"is {_kind_of_mode(info.st_mode)}; a report is written only to a "
                                         "regular file", file=shown, hint="use '-' for standard output"))
    parent = path.parent
    if not parent.is_dir():
        raise OutputFileError(Diagnostic(f"the directory {parent} does not exist", file=shown,
                                         hint="create it first, or write elsewhere"))
    return stat.S_IMODE(info.st_mode) if info is not None else None


def write_atomically(path: str | Path, text: str) -> None:
    """Write `text` (UTF-8) to a temporary file beside `path`, then rename it over `path`:
    never a partial file, never a device, FIFO, directory or link replaced."""
    path = Path(path)
    mode = check_output_target(path)
    data = text.encode("utf-8", errors="backslashreplace")  # a non-UTF-8 file name quoted in a report
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # 0600
    except OSError as exc:
        raise OutputFileError(Diagnostic(f"cannot write in {path.parent}: {_reason(exc)}", file=str(path))) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        check_output_target(path)  # again: a link or FIFO planted while we wrote is still refused
        os.replace(tmp, path)
    except OSError as exc:
        os.unlink(tmp)
        raise OutputFileError(Diagnostic(f"cannot write the report: {_reason(exc)}", file=str(path))) from None
    except BaseException:
        os.unlink(tmp)
        raise


def write_stdout(text: str) -> None:
    """UTF-8 whatever the locale: the reports are UTF-8 documents."""
    stream = sys.stdout
    buffer = getattr(stream, "buffer", None)
    if buffer is None:  # a test's StringIO
        stream.write(text)
        return
    stream.flush()
    buffer.write(text.encode("utf-8", errors="backslashreplace"))
    buffer.flush()


def emit(text: str, output: str | Path | None) -> None:
    """The one way a command delivers its report: whole to `output`, or to standard
    output when `output` is None or '-'."""
    if output is None or str(output) == STDOUT:
        write_stdout(text)
    else:
        write_atomically(Path(output), text)
