"""The data flow of DESIGN.md, end to end: packs -> program; profile -> advice.

Compiled programs are cached per process by the packs' files, so a batch or a
what-if loop loads and compiles once, and on disk by the exact inputs (engine.stored),
so a cold run neither checks nor compiles them again; the packs' parsed text is kept
too (packs.cache), for the runs that do load them.
"""
from __future__ import annotations

import os
from pathlib import Path

from soaprules.advice import build
from soaprules.engine import stored
from soaprules.engine.compile import Program, compile_book
from soaprules.packs.load import DEFAULT_RULES_DIR, load_rulebook, pack_files
from soaprules.profile.model import Profile
from soaprules.profile.load import load_profile
from soaprules.engine.session import Evaluation, Matcher, evaluate_profile

_programs: dict[tuple, Program] = {}


def program_for(packs: list[str | Path] | None = None) -> Program:
    paths = [Path(p) for p in (packs or [DEFAULT_RULES_DIR])]
    try:
        key = tuple((name, (info := os.stat(name)).st_mtime_ns, info.st_size) for name in map(str, pack_files(paths)))
    except OSError:  # a pack went between listing and stat: load afresh, whose errors are positioned
        return _load_or_compile(paths)
    if key not in _programs:
        _programs[key] = _load_or_compile(paths)
    return _programs[key]


def _load_or_compile(paths: list[Path]) -> Program:
    return stored.program(paths, lambda: compile_book(load_rulebook(paths)))


def advise(profile: Profile, program: Program, matcher: Matcher | None = None) -> dict:
    return build(evaluate_profile(program, profile, matcher))


def evaluate_file(path: str | Path, packs: list[str | Path] | None = None) -> Evaluation:
    profile, _ = load_profile(path)
    return evaluate_profile(program_for(packs), profile)


def advise_file(path: str | Path, packs: list[str | Path] | None = None) -> dict:
    return build(evaluate_file(path, packs))
