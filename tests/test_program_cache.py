"""The on-disk cache of parsed packs: a hit skips parsing, any edit misses, nothing in it
can run code, a planted or edited entry is ignored, and the hash reported is always the
hash of the bytes that were compiled."""
from __future__ import annotations

import hashlib
import os
import pickle
import shutil

import pytest

from soaprules import pipeline
from soaprules.packs import cache as program_cache
from soaprules import source
from soaprules.advice import build
from soaprules.packs.load import DEFAULT_RULES_DIR, load_rulebook
from conftest import FIXTURES

PROFILE = FIXTURES / "profiles" / "rs20-quiet-star.yaml"


@pytest.fixture
def packs(tmp_path, monkeypatch):
    monkeypatch.setenv("SOAPRULES_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(pipeline, "_programs", {})
    copy = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, copy, ignore=shutil.ignore_patterns("tests"))
    return copy


def _parses(monkeypatch) -> list:
    calls = []
    real = program_cache.parse_text
    monkeypatch.setattr(program_cache, "parse_text", lambda text, file: calls.append(file) or real(text, file))
    return calls


def _fresh(monkeypatch):
    monkeypatch.setattr(pipeline, "_programs", {})  # as a new process would start


def test_second_cold_run_reads_parsed_packs_and_gives_the_same_advice(packs, monkeypatch):
    calls = _parses(monkeypatch)
    first = pipeline.advise_file(PROFILE, [packs])
    parsed = len(calls)
    _fresh(monkeypatch)
    second = pipeline.advise_file(PROFILE, [packs])
    assert parsed and len(calls) == parsed  # nothing parsed again
    assert second == first


def test_an_edited_pack_misses_the_cache(packs, monkeypatch):
    pipeline.program_for([packs])
    nrmp = packs / "nrmp.yaml"
    nrmp.write_text(nrmp.read_text().replace("soap_application_cap: 45", "soap_application_cap: 40"))
    _fresh(monkeypatch)
    assert pipeline.program_for([packs]).book.params["soap_application_cap"] == 40


def test_cache_is_private(packs, tmp_path):
    pipeline.program_for([packs])
    where = tmp_path / "cache"
    assert where.stat().st_mode & 0o777 == 0o700
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in where.iterdir())


def _entries(tmp_path):
    return sorted((tmp_path / "cache").glob("doc-*.json"))


@pytest.mark.parametrize("planted", [
    pickle.dumps(print),  # a pickle: never unpickled
    b"not even json",
    b"0" * 64 + b'\n{"data": ["d", [["pack", "evil"]]], "positions": [], "key_positions": []}',  # forged seal
])
def test_a_planted_or_edited_entry_is_ignored_and_replaced(packs, monkeypatch, tmp_path, planted):
    pipeline.program_for([packs])
    for entry in _entries(tmp_path):
        entry.write_bytes(planted)
    calls = _parses(monkeypatch)
    book = load_rulebook([packs])  # what reads parsed packs (the compiled program has its own store)
    assert calls and {p.name for p in book.packs} >= {"core"}
    assert all(e.read_bytes() != planted for e in _entries(tmp_path))  # rewritten, sealed again


def test_an_entry_sealed_with_another_secret_is_ignored(packs, monkeypatch, tmp_path):
    pipeline.program_for([packs])
    (tmp_path / "cache" / "secret").write_bytes(os.urandom(32))  # entries made under the old one
    calls = _parses(monkeypatch)
    _fresh(monkeypatch)
    pipeline.program_for([packs])
    assert calls


def test_a_directory_others_can_write_is_not_used(packs, monkeypatch, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    monkeypatch.setenv("SOAPRULES_CACHE", str(shared))
    pipeline.program_for([packs])
    assert list(shared.iterdir()) == []


def test_the_hash_reported_is_of_the_bytes_compiled_when_a_pack_is_saved_mid_run(packs, monkeypatch):
    """A pack replaced (atomic rename) after its bytes were read but before the parsed
    entry is stored: this run must report the version it compiled, and the next run the
    new one, never a mix."""
    core = packs / "core.yaml"
    old = core.read_bytes()
    new = old.replace(b"\nversion:", b"\n# edited while a run started\nversion:", 1)
    assert new != old
    real = program_cache.parse_text

    def parse_then_swap(text, file):
        doc = real(text, file)
        if file == str(core) and core.read_bytes() == old:
            swapped = core.with_suffix(".tmp")
            swapped.write_bytes(new)
            os.replace(swapped, core)
        return doc

    monkeypatch.setattr(program_cache, "parse_text", parse_then_swap)
    first = pipeline.advise_file(PROFILE, [packs])
    monkeypatch.setattr(program_cache, "parse_text", real)
    _fresh(monkeypatch)
    second = pipeline.advise_file(PROFILE, [packs])
    sha = {a["file"]: a["sha256"] for a in first["packs"]}[str(core)]
    assert sha == hashlib.sha256(old).hexdigest()
    assert {a["file"]: a["sha256"] for a in second["packs"]}[str(core)] == hashlib.sha256(new).hexdigest()


def test_cache_off_writes_nothing(packs, monkeypatch, tmp_path):
    monkeypatch.setenv("SOAPRULES_CACHE", "off")
    pipeline.program_for([packs])
    assert program_cache.directory() is None and not (tmp_path / "cache").exists()


def _every_file(root) -> list:
    return sorted(p for p in root.rglob("*.yaml") if p.is_file())


def test_a_cached_document_is_the_parsed_one_position_by_position(packs, monkeypatch):
    """A pack read back from the cache has the data, the tables and the answer of
    `position_of` the parse gives: at every recorded path (value and key), below one (its
    nearest ancestor's), and where none is (None)."""
    files = _every_file(packs)  # the packs and the heuristics catalog
    assert len(files) >= 9
    for path in files:
        program_cache.load_document(path)  # stores
        cached = program_cache.load_document(path)
        parsed = source.parse_text(path.read_text(encoding="utf-8"), str(path))
        assert isinstance(cached, program_cache.CachedDocument), path
        asked = list(parsed.positions) + [p + ("no_such_key", 7) for p in list(parsed.positions)[:50]]
        for at in asked:
            assert cached.position_of(at) == parsed.position_of(at), (path, at)
        for at in parsed.key_positions:
            assert cached.position_of(at, key=True) == parsed.position_of(at, key=True), (path, at)
        assert cached.position_of(("no_such_section", 0)) == parsed.position_of(("no_such_section", 0))
        assert (cached.data, cached.positions, cached.key_positions) == \
            (parsed.data, parsed.positions, parsed.key_positions)
        assert list(cached.positions) == list(parsed.positions)  # the same order too


def test_a_cached_document_keeps_integer_and_text_keys_apart(tmp_path, monkeypatch):
    monkeypatch.setenv("SOAPRULES_CACHE", str(tmp_path / "cache"))
    pack = tmp_path / "p.yaml"
    pack.write_text("a:\n  1: one\n  '1': text\n  b: [x, {c: 2}]\n")
    program_cache.load_document(pack)
    cached = program_cache.load_document(pack)
    parsed = source.parse_text(pack.read_text(), str(pack))
    assert isinstance(cached, program_cache.CachedDocument)
    for at in (("a", 1), ("a", "1"), ("a", "b", 1, "c"), ("a", "b", 1), ("a", "b", 5)):
        assert cached.position_of(at) == parsed.position_of(at), at
    assert cached.position_of(("a", 1)) != cached.position_of(("a", "1"))
