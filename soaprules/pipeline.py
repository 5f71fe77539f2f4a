"""The data flow of DESIGN.md, end to end: packs -> program; profile -> advice.

Compiled programs are cached per process by the packs' files, so a batch or a
what-if loop loads and compiles once, and on disk by their content (program_cache), so
a cold run does not compile at all.
"""
from __future__ import annotations

from pathlib import Path

from .advice import build
from .compile import Program, compile_book
from . import program_cache
from .pack_load import CATALOG_FILE, DEFAULT_RULES_DIR, load_rulebook, pack_files
from .profile import Profile
from .profile_load import load_profile
from .session import Evaluation, Matcher, evaluate_profile

_programs: dict[tuple, Program] = {}


def program_for(packs: list[str | Path] | None = None) -> Program:
    paths = [Path(p) for p in (packs or [DEFAULT_RULES_DIR])]
    key = tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in pack_files(paths))
    if key not in _programs:
        _programs[key] = _load_or_compile(paths)
    return _programs[key]


def _load_or_compile(paths: list[Path]) -> Program:
    try:
        name = program_cache.key(pack_files(paths), DEFAULT_RULES_DIR / CATALOG_FILE)
    except OSError:
        name = None  # let the loader report the unreadable file, positioned
    program = program_cache.load(name) if name else None
    if program is None:
        program = compile_book(load_rulebook(paths))
        if name:
            program_cache.store(name, program)
    return program


def advise(profile: Profile, program: Program, matcher: Matcher | None = None) -> dict:
    return build(evaluate_profile(program, profile, matcher))


def evaluate_file(path: str | Path, packs: list[str | Path] | None = None) -> Evaluation:
    profile, _ = load_profile(path)
    return evaluate_profile(program_for(packs), profile)


def advise_file(path: str | Path, packs: list[str | Path] | None = None) -> dict:
    return build(evaluate_file(path, packs))
