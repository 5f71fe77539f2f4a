"""The audit trail: every recorded evaluation, with everything needed to run it again.

One SQLite file (the standard library's sqlite3). A record holds the profile text, the
full text and sha256 of every pack file used (and of the heuristic catalog the packs
were checked against), the soaprules, engine, library and Python versions, the report
format and the exact output. File contents are stored once per distinct sha256, so
recording the same packs a thousand times stores them once.

The packs stored are the ones compiled for the run, taken from the loaded RuleBook (each
PackInfo holds the text the loader read once, and its sha256, the one the advice
reports), never the files read again: a pack saved between evaluating and recording
cannot make a record pair one version's output with the other's text. The same goes
for the profile when `advise` passes the Document it evaluated (so `-`, standard input,
records too); a profile given as a path is read as exact bytes, a BOM kept.

Every text is stored with its sha256, and since schema version 2 every record with a
digest of its own fields and file list (time, profile name, versions...), so replay
refuses a record edited in place, text or not. The digests are not keyed: they catch an
edit made outside soaprules, not a forger who recomputes them; the fresh run catches an
output no code gives.

A record is written in one transaction: a crash, an exception or SIGKILL part way
leaves the database as it was before (SQLite's rollback journal undoes a half-written
transaction the next time the file is opened).

The schema is versioned with `PRAGMA user_version`; a database written by a newer
soaprules is refused rather than misread.
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import sqlite3
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from soaprules import __version__
from soaprules.errors import AuditError, Diagnostic, InputFileError
from soaprules.files import name_as_text
from soaprules.source import MAX_BYTES

SCHEMA_VERSION = 2
ENV_VAR = "SOAPRULES_DB"
DB_NAME = "audit.sqlite3"
LIBRARIES = ("pydantic", "PyYAML", "click")  # the engine is built in: its version comes from engine.pin

# Each entry upgrades a database from version N-1 to N, statement by statement (all in
# one transaction); new versions append, never edit.
MIGRATIONS = {
    1: ("""
    CREATE TABLE records (
        id INTEGER PRIMARY KEY,
        created_at TEXT NOT NULL,
        profile_file TEXT NOT NULL,
        profile_sha256 TEXT NOT NULL REFERENCES contents(sha256),
        format TEXT NOT NULL,
        output TEXT NOT NULL,
        output_sha256 TEXT NOT NULL,
        soaprules_version TEXT NOT NULL,
        engine_name TEXT NOT NULL,
        engine_version TEXT NOT NULL,
        python_version TEXT NOT NULL,
        libraries TEXT NOT NULL,      -- JSON object: distribution -> version
        file_count INTEGER NOT NULL   -- rows in record_files: lets a reader check completeness
    )""", """
    CREATE TABLE contents (
        sha256 TEXT PRIMARY KEY,      -- of the exact bytes
        text TEXT NOT NULL            -- those bytes decoded as UTF-8 (a BOM kept)
    )""", """
    CREATE TABLE record_files (
        record_id INTEGER NOT NULL REFERENCES records(id),
        position INTEGER NOT NULL,    -- load order: it decides rule order
        role TEXT NOT NULL CHECK (role IN ('pack', 'catalog')),
        label TEXT NOT NULL,          -- the path as the packs were loaded, as shown in the output
        sha256 TEXT NOT NULL REFERENCES contents(sha256),
        PRIMARY KEY (record_id, position)
    )"""),
    # The digest of every field of a record and of its file list, so a time, a profile name
    # or a version edited in place is caught like an edited text. Records written before it
    # have none, and say so when replayed.
    2: ("ALTER TABLE records ADD COLUMN record_sha256 TEXT",),
}


@dataclass(frozen=True)
class StoredFile:
    role: str  # pack | catalog | profile
    label: str
    sha256: str
    text: str

    @property
    def data(self) -> bytes:
        return self.text.encode("utf-8")


@dataclass(frozen=True)
class Record:
    id: int
    created_at: str
    profile: StoredFile
    files: tuple[StoredFile, ...]
    format: str
    output: str
    output_sha256: str
    versions: dict  # soaprules, engine, python, and each library
    sealed: bool = True  # False: written before record digests, its plain fields unverified

    @property
    def packs(self) -> tuple[StoredFile, ...]:
        return tuple(f for f in self.files if f.role == "pack")

    @property
    def catalog(self) -> StoredFile | None:
        return next((f for f in self.files if f.role == "catalog"), None)


def default_path() -> Path:
    """The per-user default: $XDG_DATA_HOME/soaprules, else ~/.local/share/soaprules."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "soaprules" / DB_NAME


def resolve_path(given: str | Path | None = None) -> Path:
    """--db wins, then $SOAPRULES_DB, then the per-user default."""
    return Path(given or os.environ.get(ENV_VAR) or default_path()).expanduser()


def current_versions() -> dict:
    from soaprules.engine.durable import ENGINE_NAME, ENGINE_VERSION  # imports durable-rules: only when recording

    libraries = {}
    for name in LIBRARIES:
        try:
            libraries[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            libraries[name] = None
    return {"soaprules": __version__, "engine_name": ENGINE_NAME, "engine_version": ENGINE_VERSION,
            "python": platform.python_version(), "libraries": libraries}


# -- opening ---------------------------------------------------------------------------

def connect(path: str | Path, create: bool = True) -> sqlite3.Connection:
    """Open (creating or upgrading if allowed) and return a connection in autocommit
    mode, so transactions are explicit BEGIN/COMMIT and never implicit."""
    path = Path(path)
    if not create and not path.exists():
        raise AuditError(Diagnostic("no audit database here", file=str(path),
                                    hint="record one with `soaprules advise PROFILE --record`, or pass --db"))
    conn = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, isolation_level=None, timeout=10)
        conn.execute("PRAGMA busy_timeout = 10000")
        conn.execute("PRAGMA foreign_keys = ON")
        _check_intact(conn, path)
        if create:
            conn.execute("PRAGMA journal_mode = WAL")  # readers never wait for a recorder
        if not create and _version(conn) == 0 and not _has_tables(conn):  # a read never makes a database
            raise AuditError(Diagnostic("this file is empty: nothing has been recorded in it", file=str(path),
                                        hint="record one with `soaprules advise PROFILE --record --db FILE`"))
        if _version(conn) != SCHEMA_VERSION:
            with transaction(conn):  # checked again under the lock: another process may have just done it
                _migrate(conn, path)
        return conn
    except sqlite3.DatabaseError as exc:  # not a database, locked, read-only, disk full...
        error = AuditError(Diagnostic(f"cannot use the audit database: {exc}", file=str(path)))
    except OSError as exc:
        error = AuditError(Diagnostic(f"cannot create the audit database: {exc.strerror}", file=str(path)))
    except AuditError as exc:
        error = exc
    if conn is not None:
        conn.close()
    raise error


def _check_intact(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse a damaged database before anything is read from it or claimed recorded in it."""
    problems = [row[0] for row in conn.execute("PRAGMA quick_check").fetchall()]
    if problems != ["ok"]:
        raise AuditError(Diagnostic("the audit database is damaged: " + "; ".join(problems[:3]), file=str(path),
                                    hint="restore it from a backup, or pass another --db; nothing was recorded"))


def _has_tables(conn: sqlite3.Connection) -> bool:
    return bool(conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0])


def _version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    version = _version(conn)
    if version < 0:
        raise AuditError(Diagnostic(f"the audit database has schema version {version}, which no soaprules writes",
                                    file=str(path), hint="pass another --db"))
    if version > SCHEMA_VERSION:
        raise AuditError(Diagnostic(f"the audit database has schema version {version}; this soaprules "
                                    f"reads up to {SCHEMA_VERSION}", file=str(path),
                                    hint="upgrade soaprules, or pass another --db"))
    if version == 0 and _has_tables(conn):
        raise AuditError(Diagnostic("this SQLite file is not a soaprules audit database", file=str(path)))
    for target in range(version + 1, SCHEMA_VERSION + 1):
        for statement in MIGRATIONS[target]:
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {target}")


@contextmanager
def opened(db_path, create: bool = True):
    """A connection for one operation, closed after it; a database failure (disk full,
    locked too long, corrupted) becomes an AuditError naming the file, not a traceback."""
    path = resolve_path(db_path)
    with closing(connect(path, create)) as conn:
        try:
            yield conn
        except sqlite3.DatabaseError as exc:
            raise AuditError(Diagnostic(f"the audit database failed: {exc}", file=str(path))) from None


@contextmanager
def transaction(conn: sqlite3.Connection):
    """All or nothing. IMMEDIATE takes the write lock up front, so two recorders wait for
    each other instead of failing half way."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


# -- recording -------------------------------------------------------------------------

def _read(path: Path, role: str) -> StoredFile:
    shown = str(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise InputFileError(Diagnostic(f"file is larger than {MAX_BYTES} bytes", file=shown))
        raw = path.read_bytes()
    except OSError as exc:
        raise InputFileError(Diagnostic(f"cannot read for the audit record: {exc.strerror}", file=shown)) from None
    try:
        text = raw.decode("utf-8")  # not utf-8-sig: a BOM must survive the round trip
    except UnicodeDecodeError:
        raise InputFileError(Diagnostic("not valid UTF-8", file=shown)) from None
    return StoredFile(role, shown, hashlib.sha256(raw).hexdigest(), text)


def _as_loaded(role: str, label: str, text: str) -> StoredFile:
    """A file as the loader read it, once: the text it parsed (decoded, a leading BOM
    dropped) and the sha256 of that text, the hash the advice reports."""
    return StoredFile(role, name_as_text(label), _sha(text), text)  # a name not UTF-8 is still stored


def files_used(packs) -> list[StoredFile]:
    """The packs exactly as they were loaded and compiled for the evaluation (the text
    each PackInfo holds, in load order; never the files read again, which may have
    changed since), and the catalog their citations were checked against."""
    from soaprules.packs.load import CATALOG_FILE, DEFAULT_RULES_DIR

    book = getattr(packs, "book", packs)  # a compiled Program, or its RuleBook
    if not hasattr(book, "packs"):
        raise TypeError("record() needs the Program or RuleBook the evaluation ran, not pack paths")
    files = [_as_loaded("pack", info.file, info.text) for info in book.packs]
    # The loader keeps no text of the catalog (packs.load.load_catalog returns its entries
    # only), so it is the one file still read here; it is the shipped one, not the user's.
    catalog = DEFAULT_RULES_DIR / CATALOG_FILE
    return files + ([_read(catalog, "catalog")] if catalog.exists() else [])


def _profile_file(profile) -> StoredFile:
    """A loaded profile (a source.Document: the text that was evaluated) or a path."""
    if hasattr(profile, "text") and hasattr(profile, "file"):
        return _as_loaded("profile", profile.file, profile.text)
    return _read(Path(profile), "profile")


def record(db_path, profile, packs, advice_text: str, *, fmt: str = "json") -> int:
    """Store one evaluation; returns its id. `profile` is the loaded profile's Document
    (or a path to read), `packs` the compiled Program (or RuleBook) the evaluation ran:
    what is stored is what was compiled, not what the files hold by now; `fmt` the
    report format `advice_text` is in."""
    profile = _profile_file(profile)
    files = files_used(packs)
    _check_output_matches(advice_text, fmt, files)
    versions = current_versions()
    with opened(db_path) as conn, transaction(conn):
        for stored in [profile, *files]:
            _store_content(conn, stored)
        cursor = conn.execute(
            "INSERT INTO records (created_at, profile_file, profile_sha256, format, output, output_sha256,"
            " soaprules_version, engine_name, engine_version, python_version, libraries, file_count)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (datetime.now(timezone.utc).isoformat(timespec="seconds"), profile.label, profile.sha256, fmt,
             advice_text, hashlib.sha256(advice_text.encode()).hexdigest(), versions["soaprules"],
             versions["engine_name"], versions["engine_version"], versions["python"],
             json.dumps(versions["libraries"], sort_keys=True), len(files)))
        record_id = cursor.lastrowid
        for position, stored in enumerate(files):
            _link_file(conn, record_id, position, stored)
        row = conn.execute(f"SELECT {', '.join(FIELDS)} FROM records WHERE id = ?", (record_id,)).fetchone()
        links = conn.execute("SELECT position, role, label, sha256 FROM record_files WHERE record_id = ?"
                             " ORDER BY position", (record_id,)).fetchall()
        conn.execute("UPDATE records SET record_sha256 = ? WHERE id = ?", (record_digest(row, links), record_id))
    return record_id


# The columns a record's digest covers, in this order (all but the digest itself).
FIELDS = ("id", "created_at", "profile_file", "profile_sha256", "format", "output", "output_sha256",
          "soaprules_version", "engine_name", "engine_version", "python_version", "libraries", "file_count")
INTEGER_FIELDS = {"id", "file_count"}


def record_digest(row, links) -> str:
    """sha256 of a record's fields and its ordered file list, as canonical JSON."""
    body = json.dumps({"record": list(row), "files": [list(link) for link in links]}, ensure_ascii=False,
                      separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8", errors="surrogatepass")).hexdigest()


def _wrong_types(rid, row, links) -> list[str]:
    """Columns whose value is not of the type soaprules writes (SQLite stores what it is given)."""
    out = [f"record {rid}: records.{name} holds {type(value).__name__}, not "
           f"{'an integer' if name in INTEGER_FIELDS else 'text'}"
           for name, value in zip(FIELDS, row)
           if type(value) is not (int if name in INTEGER_FIELDS else str)]
    for position, role, label, sha, text in links:
        if type(position) is not int or not all(type(v) is str for v in (role, label, sha)) or \
                (text is not None and type(text) is not str):
            out.append(f"record {rid}: a record_files row at position {position!r} holds a value of the wrong type")
    return out


def _store_content(conn: sqlite3.Connection, stored: StoredFile) -> None:
    conn.execute("INSERT OR IGNORE INTO contents (sha256, text) VALUES (?, ?)", (stored.sha256, stored.text))


def _link_file(conn: sqlite3.Connection, record_id: int, position: int, stored: StoredFile) -> None:
    conn.execute("INSERT INTO record_files (record_id, position, role, label, sha256) VALUES (?, ?, ?, ?, ?)",
                 (record_id, position, stored.role, stored.label, stored.sha256))


def _check_output_matches(advice_text: str, fmt: str, files: list[StoredFile]) -> None:
    """A record whose output came from other packs than the ones stored would lie. The
    JSON output names each pack's hash (of the text loaded), so check it when we can."""
    if fmt != "json":
        return
    try:
        claimed = [p["sha256"] for p in json.loads(advice_text)["packs"]]
    except (ValueError, KeyError, TypeError):
        return
    stored = [hashlib.sha256(f.text.removeprefix("\ufeff").encode()).hexdigest() for f in files if f.role == "pack"]
    if claimed != stored:
        raise AuditError(Diagnostic("the output was not produced by the packs given to record; nothing was recorded",
                                    hint="record the Program the evaluation ran"))


# -- reading ---------------------------------------------------------------------------

def history(db_path, limit: int | None = None) -> list[dict]:
    """Newest first: one summary per record (id, when, profile, format, packs)."""
    with opened(db_path, create=False) as conn:
        rows = conn.execute("SELECT id, created_at, profile_file, format, soaprules_version, engine_version,"
                            " output_sha256 FROM records ORDER BY id DESC LIMIT ?",
                            (-1 if limit is None else min(limit, SQLITE_MAX_ID),))
        out = []
        for rid, created, profile, fmt, version, engine, digest in rows.fetchall():
            packs = conn.execute("SELECT label, sha256 FROM record_files WHERE record_id = ? AND role = 'pack'"
                                 " ORDER BY position", (rid,)).fetchall()
            out.append({"id": rid, "created_at": created, "profile": profile, "format": fmt,
                        "soaprules": version, "engine": engine, "output_sha256": digest,
                        "packs": [{"file": label, "sha256": sha} for label, sha in packs]})
    return out


SQLITE_MAX_ID = 2 ** 63 - 1


def load(db_path, record_id: int) -> Record:
    """The record, after checking every stored hash against what it hashes, every column's
    type, and the record's own digest over its plain fields."""
    with opened(db_path, create=False) as conn:
        if not 0 < record_id <= SQLITE_MAX_ID:
            raise AuditError(_not_found(conn, record_id))
        row = conn.execute(f"SELECT {', '.join('r.' + f for f in FIELDS)}, r.record_sha256, c.text FROM records r"
                           " LEFT JOIN contents c ON c.sha256 = r.profile_sha256 WHERE r.id = ?",
                           (record_id,)).fetchone()
        if row is None:
            raise AuditError(_not_found(conn, record_id))
        links = conn.execute("SELECT f.position, f.role, f.label, f.sha256, c.text FROM record_files f"
                             " LEFT JOIN contents c ON c.sha256 = f.sha256 WHERE f.record_id = ? ORDER BY f.position",
                             (record_id,)).fetchall()
    fields, digest, ptext = row[:len(FIELDS)], row[len(FIELDS)], row[-1]
    rid = record_id
    problems = _wrong_types(rid, fields, links) or _unreadable(rid, fields, ptext, links, digest)
    if problems:
        raise AuditError([Diagnostic(m, hint="the database was edited outside soaprules; nothing was replayed")
                          for m in problems])
    (rid, created, pfile, psha, fmt, output, osha, version, ename, eversion, python, libs, count) = fields
    files = [link[1:] for link in links]
    versions = {"soaprules": version, "engine_name": ename, "engine_version": eversion, "python": python,
                "libraries": json.loads(libs)}
    return Record(rid, created, StoredFile("profile", pfile, psha, ptext),
                  tuple(StoredFile(*f) for f in files), fmt, output, osha, versions, sealed=digest is not None)


def _unreadable(rid, fields, ptext, links, digest) -> list[str]:
    """What makes a well-typed record unusable or untrue: missing texts, a file count or a
    library list that is not what was written, a hash or the digest that does not match."""
    (_, _, pfile, psha, _, output, osha, *_, libs, count) = fields
    out = []
    if ptext is None:
        out.append(f"record {rid}: records.profile_sha256 {psha[:12]} names no stored profile text")
    out += [f"record {rid}: record_files.sha256 {sha[:12]} ({label}) names no stored text"
            for _, _, label, sha, text in links if text is None]
    if len(links) != count:
        out.append(f"record {rid} lists {count} files but {len(links)} are stored")
    try:
        parsed = json.loads(libs)
    except ValueError:
        parsed = None
    if not (isinstance(parsed, dict) and all(isinstance(v, str) for v in parsed.values())):
        out.append(f"record {rid}: records.libraries is not the JSON object of versions soaprules writes")
    if out:
        return out
    out += tampered(rid, pfile, psha, ptext, output, osha, [link[1:] for link in links])
    if digest is not None and digest != record_digest(fields, [link[:4] for link in links]):
        out.append(f"record {rid}: its fields (time, profile name, format, versions or file list) do not "
                   f"match records.record_sha256 {str(digest)[:12]}")
    return out


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()


def tampered(rid, profile_label, profile_sha, profile_text, output, output_sha, files) -> list[str]:
    """Every stored text whose hash is not the one recorded for it, named by column."""
    out = []
    if _sha(profile_text) != profile_sha:
        out.append(f"record {rid}: the stored profile text ({profile_label}) does not hash to "
                   f"records.profile_sha256 {profile_sha[:12]}")
    if _sha(output) != output_sha:
        out.append(f"record {rid}: records.output does not hash to records.output_sha256 {output_sha[:12]}")
    for role, label, sha, text in files:
        if _sha(text) != sha:
            out.append(f"record {rid}: the stored {role} text ({label}) does not hash to "
                       f"record_files.sha256 {sha[:12]}")
    return out


def _not_found(conn: sqlite3.Connection, record_id: int) -> Diagnostic:
    low, high = conn.execute("SELECT min(id), max(id) FROM records").fetchone()
    known = "the database is empty" if low is None else f"ids run from {low} to {high}"
    return Diagnostic(f"no audit record {record_id}", expected=known, hint="`soaprules history` lists them")
