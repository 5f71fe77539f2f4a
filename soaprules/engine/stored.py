"""Compiled programs kept on disk between runs, so a cold `soaprules advise` neither checks
nor compiles the packs again: it reads the program as plain data (engine.plaindata,
never pickle) in a tenth of the time the two take.

An entry is keyed by the sha256 of everything that decides what loading and compiling
make: this store's format, the versions of soaprules, Python, pydantic and PyYAML, the
source of every module of the package, and each input file (the packs as named, in
load order, and the heuristics catalog) by the path it was given as (rules name their
file) and its bytes. It is sealed like the parsed packs (packs.cache: an HMAC under the
per-user secret, private directory and files; SOAPRULES_CACHE=off bypasses both), and a
program is stored only if its inputs read the same after loading as before, so an entry
never pairs one version of a pack with a program made from another. Packs with errors
are never stored: their load raises before anything is kept, on every run.
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pydantic
import yaml

from soaprules import __version__
from soaprules.engine.compile import EngineRule, Program, Stratum
from soaprules.engine.plaindata import Registry
from soaprules.errors import SoapError
from soaprules.files import read_bytes
from soaprules.lang import conditions as cond
from soaprules.packs import model
from soaprules.packs.cache import directory, read_sealed, write_sealed
from soaprules.packs.calendar import Cycle
from soaprules.packs.levers import LoadedLever
from soaprules.packs.load import (CATALOG_FILE, DEFAULT_RULES_DIR, LoadedRule, LoadedSilence, PackInfo, RuleBook,
                                  pack_files)
from soaprules.packs.overlay import Change, Plan
from soaprules.source import MAX_BYTES

FORMAT = 1
_PACKAGE = Path(__file__).resolve().parents[1]
_KIND = "program"

# What a compiled program is made of; anything else makes a program that is not stored.
REGISTRY = Registry([
    Program, Stratum, EngineRule, RuleBook, PackInfo, LoadedRule, LoadedSilence, LoadedLever, Cycle, Plan, Change,
    cond.Ref, cond.Test, cond.All, cond.Any_, cond.Not, cond.Some, cond.Count,
    *(c for c in vars(model).values() if isinstance(c, type) and issubclass(c, model.Strict) and c is not model.Strict),
])


def program(paths: list[Path], make) -> Program:
    """The program for `paths`: from the store when an entry for exactly these inputs
    verifies, else `make()` (load and compile), stored for the next run."""
    key = _key(paths) if directory() is not None else None
    if key is not None:
        payload = read_sealed(_KIND, key)
        if payload is not None:
            found = _decode(payload)
            if found is not None:
                return found
    made = make()
    if key is not None and _key(paths) == key:
        try:
            payload = json.dumps(REGISTRY.encode(made), separators=(",", ":")).encode()
        except (TypeError, ValueError):
            return made  # holds something the store cannot name: compiled each run, as before
        write_sealed(_KIND, key, payload)
    return made


def _decode(payload: bytes) -> Program | None:
    try:
        found = REGISTRY.decode(json.loads(payload))
    except (ValueError, RecursionError):  # RecursionError: json's own, on nesting past the stack
        return None  # verified, but not what this build writes: compile instead
    return found if type(found) is Program else None


def _key(paths: list[Path]) -> str | None:
    """The entry's name for these inputs as they read now; None if one cannot be read
    (the load that follows reports it, positioned)."""
    digest = hashlib.sha256(_code_tag())
    try:
        catalog = DEFAULT_RULES_DIR / CATALOG_FILE  # as load_catalog reads it: none if it does not exist
        for path in [*pack_files(paths), catalog]:
            raw = None if path is catalog and not path.exists() else read_bytes(path, MAX_BYTES, what="rule pack")
            shown = str(path).encode("utf-8", "surrogateescape")
            digest.update(b"%d:%s%s" % (len(shown), shown, b"-" if raw is None else b"%d:" % len(raw) + raw))
    except (SoapError, OSError):
        return None
    return digest.hexdigest()


_TAG: list = []


def _code_tag() -> bytes:
    """The format, the versions, and every module's source: made once per process."""
    if not _TAG:
        digest = hashlib.sha256(f"{FORMAT}|{__version__}|{sys.version}|{pydantic.VERSION}|{yaml.__version__}".encode())
        for module in sorted(_PACKAGE.rglob("*.py")):
            digest.update(str(module.relative_to(_PACKAGE)).encode() + b"\0" + module.read_bytes() + b"\0")
        _TAG.append(digest.digest())
    return _TAG[0]
