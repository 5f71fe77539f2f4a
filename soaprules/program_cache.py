"""A compiled program kept on disk between runs, so a cold `soaprules advise` does not
parse and compile every pack again (about 0.2 s of its 0.5 s).

The key is the content of every pack file and of the heuristic catalog, plus the
soaprules code itself (file sizes and times) and the engine version: any edit to a pack
or to the compiler misses the cache. The cache only ever holds what this process
compiled; anything unreadable there is ignored and rewritten. Set SOAPRULES_CACHE=off to
bypass it, or SOAPRULES_CACHE=DIR to move it.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path

from . import __version__
from .engine import ENGINE_VERSION

_CODE = Path(__file__).resolve().parent


def directory() -> Path | None:
    setting = os.environ.get("SOAPRULES_CACHE", "")
    if setting.lower() in ("off", "0", "no"):
        return None
    if setting:
        return Path(setting)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "soaprules"


def key(files: list[Path], catalog: Path) -> str:
    digest = hashlib.sha256(f"{__version__}|{ENGINE_VERSION}".encode())
    for code in sorted(_CODE.rglob("*.py")):
        stat = code.stat()
        digest.update(f"{code}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    for path in [*files, catalog]:
        digest.update(str(path).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def load(name: str):
    where = directory()
    if where is None:
        return None
    try:
        with open(where / f"program-{name}.pickle", "rb") as handle:
            return pickle.load(handle)
    except Exception:  # absent, truncated or from another build: compile instead
        return None


KEEP = 16  # programs kept; the least recently used beyond that are removed


def store(name: str, program) -> None:
    where = directory()
    if where is None:
        return
    try:
        where.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=where, prefix=".program-", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(program, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, where / f"program-{name}.pickle")
        kept = sorted(where.glob("program-*.pickle"), key=lambda p: p.stat().st_atime, reverse=True)
        for old in kept[KEEP:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only home is no reason to fail the advice
