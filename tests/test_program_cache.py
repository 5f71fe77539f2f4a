"""The on-disk program cache: a hit skips compiling, any edit misses, junk is ignored."""
from __future__ import annotations

import shutil

import pytest

from soaprules import pipeline, program_cache
from soaprules.pack_load import DEFAULT_RULES_DIR
from conftest import FIXTURES


@pytest.fixture
def packs(tmp_path, monkeypatch):
    monkeypatch.setenv("SOAPRULES_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(pipeline, "_programs", {})
    copy = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, copy, ignore=shutil.ignore_patterns("tests"))
    return copy


def _compiles(monkeypatch) -> list:
    calls = []
    real = pipeline.compile_book
    monkeypatch.setattr(pipeline, "compile_book", lambda book: calls.append(1) or real(book))
    return calls


def test_second_cold_run_reads_the_compiled_program(packs, monkeypatch, tmp_path):
    calls = _compiles(monkeypatch)
    first = pipeline.program_for([packs])
    monkeypatch.setattr(pipeline, "_programs", {})  # a new process
    second = pipeline.program_for([packs])
    assert len(calls) == 1 and second.digest == first.digest
    profile = FIXTURES / "profiles" / "rs20-quiet-star.yaml"
    assert pipeline.advise_file(profile, [packs])["decisions"]["rescue_tier"]["value"] == 1


def test_an_edited_pack_misses_the_cache(packs, monkeypatch):
    calls = _compiles(monkeypatch)
    pipeline.program_for([packs])
    nrmp = packs / "nrmp.yaml"
    nrmp.write_text(nrmp.read_text().replace("soap_application_cap: 45", "soap_application_cap: 40"))
    monkeypatch.setattr(pipeline, "_programs", {})
    assert pipeline.program_for([packs]).book.params["soap_application_cap"] == 40
    assert len(calls) == 2


def test_a_corrupt_cache_entry_is_ignored_and_replaced(packs, monkeypatch, tmp_path):
    calls = _compiles(monkeypatch)
    pipeline.program_for([packs])
    (entry,) = (tmp_path / "cache").glob("program-*.pickle")
    entry.write_bytes(b"not a pickle")
    monkeypatch.setattr(pipeline, "_programs", {})
    assert pipeline.program_for([packs]).book.rules and len(calls) == 2


def test_cache_off_writes_nothing(packs, monkeypatch, tmp_path):
    monkeypatch.setenv("SOAPRULES_CACHE", "off")
    pipeline.program_for([packs])
    assert program_cache.directory() is None and not (tmp_path / "cache").exists()
