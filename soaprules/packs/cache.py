"""Parsed pack files kept on disk between runs, so a run that loads the packs (lint,
pack tests, a changed pack before its program is stored) does not parse every pack's
YAML again: the parse is most of a load. A cold `soaprules advise` with unchanged packs
reads neither: it takes the compiled program from engine.stored, sealed the same way
by `read_sealed` and `write_sealed` below.

Nothing here can run code: an entry is JSON of plain values (strings, numbers, lists,
and tagged pairs for mappings and dates), never pickle. It is keyed by the sha256 of
the exact bytes read, which are read once: the text the loader parses, the hash the
advice reports and the key are all of those same bytes, so a pack saved while a run
starts can never pair one version's hash with the other's content. The key also covers
the reading code (source.py, this file) and PyYAML's version.

Every entry carries an HMAC-SHA256 under a per-user secret kept in the cache directory,
checked before the entry is used: a truncated, edited or planted entry (someone who can
drop files there but not read the secret) is ignored and the pack parsed again. The
directory is created 0700, entries and the secret 0600; a directory or file owned by
another user, a link, or one others can write is not used at all.

SOAPRULES_CACHE=off bypasses it; SOAPRULES_CACHE=DIR moves it. Profiles are never
cached: they are personal data.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import stat
import tempfile
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path

import yaml

from soaprules import __version__
from soaprules.errors import Position, SoapError
from soaprules.files import read_bytes
from soaprules.source import MAX_BYTES, Document, decode, parse_text

FORMAT = 4  # 3: positions carry their end; 4: positions keyed by their path as JSON text
KEEP = 64  # entries kept per kind; the least recently used beyond that are removed
KEEP_OF = {"program": 8}  # a compiled program is about 1 MB: a few pack versions' worth
_PACKAGE = Path(__file__).resolve().parents[1]
_SECRET = "secret"


def directory() -> Path | None:
    setting = os.environ.get("SOAPRULES_CACHE", "")
    if setting.lower() in ("off", "0", "no"):
        return None
    if setting:
        return Path(setting)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "soaprules"


def _private(path: Path, kind) -> bool:
    """`path` is ours, of `kind` (stat.S_ISDIR / S_ISREG), not a link, and no one else can write it."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return kind(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o022


def _private_dir() -> Path | None:
    where = directory()
    if where is None:
        return None
    try:
        where.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None
    return where if _private(where, stat.S_ISDIR) else None


def _secret(where: Path) -> bytes | None:
    path = where / _SECRET
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(secrets.token_bytes(32))
        except FileExistsError:
            pass  # another run made it first: use theirs
        except OSError:
            return None
    if not _private(path, stat.S_ISREG):
        return None
    try:
        return read_bytes(path, 64)
    except SoapError:
        return None


def _code_tag() -> bytes:
    digest = hashlib.sha256(f"{FORMAT}|{__version__}|{yaml.__version__}".encode())
    for name in ("source.py", "files.py", "packs/cache.py"):
        digest.update((_PACKAGE / name).read_bytes())
    return digest.digest()


# -- plain-data encoding of a Document -------------------------------------------------

def _encode(value):
    if isinstance(value, dict):
        return ["d", [[k, _encode(v)] for k, v in value.items()]]
    if isinstance(value, list):
        return ["l", [_encode(v) for v in value]]
    if isinstance(value, datetime):
        return ["t", value.isoformat()]
    if isinstance(value, date):
        return ["D", value.isoformat()]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(type(value).__name__)


def _decode(value):
    if not isinstance(value, list):
        if value is None or isinstance(value, (str, int, float, bool)):
            return value
        raise ValueError("not a plain value")
    tag, body = value
    if tag == "d":
        out = {}
        for key, item in body:
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise ValueError("bad key")
            out[key] = _decode(item)
        return out
    if tag == "l":
        return [_decode(v) for v in body]
    if tag == "t":
        return datetime.fromisoformat(body)
    if tag == "D":
        return date.fromisoformat(body)
    raise ValueError(f"unknown tag {tag!r}")


def _positions(table: dict) -> dict:
    """{path as JSON text: [line, column, end line, end column]}: JSON decodes it into the
    very dict a lookup needs, so a cold run builds no table of its own."""
    return {_key(path): [p.line, p.column, p.end_line, p.end_column] for path, p in table.items()}


def _key(path) -> str:
    return json.dumps(list(path), separators=(",", ":"), ensure_ascii=False)


def _rows(value) -> dict:
    if not isinstance(value, dict) or not all(isinstance(v, list) and len(v) == 4 for v in value.values()):
        raise ValueError("not a position table")
    return value


def _position(row: list) -> Position:
    line, column, end_line, end_column = row
    return Position(int(line), int(column), _int(end_line), _int(end_column))


def _int(value) -> int | None:
    return None if value is None else int(value)


class _Rows(Mapping):
    """Stored position rows read as `parse_text`'s table (path tuple -> Position): a lookup
    makes the one Position asked for, so a cold load builds no table. Loading a pack asks
    for a few hundred positions (each rule's line) of the thousands a pack has."""

    def __init__(self, rows: dict):
        self._rows = rows

    def __getitem__(self, path) -> Position:
        return _position(self._rows[_key(path)])

    def __contains__(self, path) -> bool:
        return _key(path) in self._rows

    def __iter__(self):
        return (tuple(json.loads(k)) for k in self._rows)

    def __len__(self) -> int:
        return len(self._rows)


class CachedDocument(Document):
    """A Document read from the cache, its positions looked up in the stored rows."""

    def __init__(self, file: str, text: str, data, rows: dict, key_rows: dict):  # noqa: D107
        super().__init__(file, text, data, _Rows(rows), _Rows(key_rows))


# -- the cache -------------------------------------------------------------------------

def load_document(path: str | Path) -> Document:
    """The pack or catalog at `path`, parsed: from the cache when an entry for exactly
    these bytes verifies, else parsed now (and stored)."""
    shown = str(path)
    raw = read_bytes(path, MAX_BYTES, what="rule pack")
    text = decode(raw, shown)
    if directory() is None:
        return parse_text(text, shown)
    name = hashlib.sha256(_code_tag() + raw).hexdigest()
    payload = read_sealed("doc", name)
    if payload is not None:
        try:
            cached = json.loads(payload)
            return CachedDocument(shown, text, _decode(cached["data"]), _rows(cached["positions"]),
                                  _rows(cached["key_positions"]))
        except (ValueError, TypeError, KeyError):
            pass  # verified but unreadable: another build's layout; parse instead
    doc = parse_text(text, shown)
    try:
        payload = json.dumps({"data": _encode(doc.data), "positions": _positions(doc.positions),
                              "key_positions": _positions(doc.key_positions)},
                             separators=(",", ":")).encode()
    except (TypeError, ValueError):
        return doc  # a value JSON cannot hold: not worth caching
    write_sealed("doc", name, payload)
    return doc


# -- sealed entries: what this cache and the program store (engine.stored) keep ---------

def read_sealed(kind: str, name: str) -> bytes | None:
    """The payload of entry `kind`-`name`, if there is one, ours, and its seal verifies."""
    where = _private_dir()
    secret = _secret(where) if where else None
    entry = where / f"{kind}-{name}.json" if secret else None
    if entry is None or not _private(entry, stat.S_ISREG):
        return None
    try:
        seal, _, payload = read_bytes(entry, 16 * MAX_BYTES).partition(b"\n")
        if hmac.compare_digest(seal.decode("ascii"), _seal(name, payload, secret)):
            return payload
    except (SoapError, ValueError, UnicodeDecodeError):
        pass
    return None


def write_sealed(kind: str, name: str, payload: bytes) -> None:
    """Store `payload` as entry `kind`-`name`, sealed, whole or not at all; keep the newest KEEP of its kind."""
    where = _private_dir()
    secret = _secret(where) if where else None
    if secret is None:
        return
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=where, prefix=f".{kind}-", suffix=".tmp")  # 0600
        with os.fdopen(fd, "wb") as handle:
            handle.write(_seal(name, payload, secret).encode() + b"\n" + payload)
        os.replace(tmp, where / f"{kind}-{name}.json")
        tmp = None
        kept = sorted(where.glob(f"{kind}-*.json"), key=lambda p: p.stat().st_atime, reverse=True)
        for old in kept[KEEP_OF.get(kind, KEEP):]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only home or a full disk is no reason to fail the advice
    finally:
        if tmp is not None:  # the write failed: leave no half-written temporary behind
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _seal(name: str, payload: bytes, secret: bytes) -> str:
    return hmac.new(secret, name.encode() + b"\0" + payload, hashlib.sha256).hexdigest()
