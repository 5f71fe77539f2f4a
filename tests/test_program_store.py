"""The on-disk store of compiled programs (engine.stored): a stored program is the compiled
one, object for object and advice for advice; any change to its inputs misses; nothing
in an entry can name a class outside the registry or run code; what cannot be trusted
(a planted, edited or foreign entry, packs with errors, inputs that changed while they
loaded) is never used or never kept."""
from __future__ import annotations

import json
import pickle
import shutil

import pytest

from soaprules import pipeline
from soaprules.advice import build
from soaprules.engine import stored
from soaprules.engine.compile import compile_book
from soaprules.engine.session import evaluate_profile
from soaprules.errors import PackError
from soaprules.packs import cache
from soaprules.packs.load import DEFAULT_RULES_DIR, load_rulebook
from soaprules.profile.load import load_profile
from conftest import PROFILES, ROOT

OVERLAY = ROOT / "examples" / "school-overlay" / "northfield.yaml"


@pytest.fixture
def packs(tmp_path, monkeypatch):
    monkeypatch.setenv("SOAPRULES_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(pipeline, "_programs", {})
    copy = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, copy, ignore=shutil.ignore_patterns("tests"))
    return copy


def _entries(tmp_path) -> list:
    return sorted((tmp_path / "cache").glob("program-*.json"))


def _compiles(monkeypatch) -> list:
    """Counts loads-and-compiles made through the pipeline from now on."""
    calls = []
    real = pipeline.compile_book
    monkeypatch.setattr(pipeline, "compile_book", lambda book: calls.append(book) or real(book))
    return calls


def _fresh(monkeypatch):
    monkeypatch.setattr(pipeline, "_programs", {})  # as a new process would start


@pytest.mark.parametrize("extra", [[], [OVERLAY]], ids=["shipped", "with-overlay"])
def test_a_stored_program_is_the_compiled_one(packs, monkeypatch, extra):
    paths = [packs, *extra]
    compiled = pipeline.program_for(paths)
    _fresh(monkeypatch)
    calls = _compiles(monkeypatch)
    read = pipeline.program_for(paths)
    assert not calls and read is not compiled  # from the store, not compiled again
    assert stored.REGISTRY.encode(read) == stored.REGISTRY.encode(compiled)
    assert read.book.rules == compiled.book.rules and read.book.decisions == compiled.book.decisions
    assert read.digest == compiled.digest and read.definitions() == compiled.definitions()
    for path in PROFILES:
        profile, _ = load_profile(path)
        assert build(evaluate_profile(read, profile)) == build(evaluate_profile(compiled, profile)), path.name


def test_a_stored_program_shares_what_the_compiled_one_shares(packs, monkeypatch):
    pipeline.program_for([packs])
    _fresh(monkeypatch)
    read = pipeline.program_for([packs])
    rules = read.book.rules
    for stratum in read.strata:
        assert all(any(r is s for s in rules) for r in stratum.rules)
        for chunk in stratum.chunks:
            assert all(e.rule is rules[e.rule.index] for e in chunk)


def test_any_input_change_misses(packs, monkeypatch, tmp_path):
    pipeline.program_for([packs])
    nrmp = packs / "nrmp.yaml"
    nrmp.write_text(nrmp.read_text().replace("soap_application_cap: 45", "soap_application_cap: 40"))
    _fresh(monkeypatch)
    assert pipeline.program_for([packs]).book.params["soap_application_cap"] == 40
    moved = tmp_path / "moved"
    shutil.copytree(packs, moved)  # the same bytes elsewhere: rules name their file
    _fresh(monkeypatch)
    assert {r.file for r in pipeline.program_for([moved]).book.rules} <= {str(p) for p in moved.glob("*.yaml")}
    assert len(_entries(tmp_path)) == 3


def test_the_key_covers_the_catalog_and_the_load_order(packs, monkeypatch, tmp_path):
    base = stored._key([packs])
    assert stored._key([packs, OVERLAY]) != stored._key([OVERLAY, packs]) != base
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    (catalog / "heuristics.yaml").write_text("heuristics: {}\n")
    monkeypatch.setattr(stored, "DEFAULT_RULES_DIR", catalog)
    assert stored._key([packs]) != base


@pytest.mark.parametrize("planted", [
    pickle.dumps(print),
    b"not even json",
    b"0" * 64 + b'\n["o", "soaprules.engine.compile.Program", []]',  # forged seal
], ids=["pickle", "garbage", "forged-seal"])
def test_a_planted_or_edited_entry_is_ignored_and_replaced(packs, monkeypatch, tmp_path, planted):
    pipeline.program_for([packs])
    [entry] = _entries(tmp_path)
    entry.write_bytes(planted)
    _fresh(monkeypatch)
    calls = _compiles(monkeypatch)
    assert {p.name for p in pipeline.program_for([packs]).book.packs} >= {"core"}
    assert calls and entry.read_bytes() != planted  # compiled, and sealed again


@pytest.mark.parametrize("payload", [
    ["o", "posix.system", ["echo owned"]],
    ["o", "builtins.eval", ["print(1)"]],
    ["p", "subprocess.Popen", ["args"], [["l", ["true"]]], []],
    ["o", "soaprules.engine.compile.Program", ["too", "few"]],
    ["p", "soaprules.packs.model.Then", ["nope"], [1], []],
    ["o", "soaprules.packs.model.Then", []],  # a pydantic model written as a dataclass
    ["r", 0],
    ["d", [["l", []], 1]],  # an unhashable key
    ["x", 1],
    [],
    ["j", {"a": 1}],  # plain data, not a program
], ids=lambda p: str(p[:2]) if p else "empty")
def test_a_sealed_entry_naming_anything_else_is_compiled_instead(packs, monkeypatch, tmp_path, payload):
    """Even under a valid seal (someone who holds the secret, or a bug of ours), the store
    makes only registered classes, and only in the shape it writes them."""
    pipeline.program_for([packs])
    [entry] = _entries(tmp_path)
    cache.write_sealed("program", entry.name[len("program-"):-len(".json")], json.dumps(payload).encode())
    _fresh(monkeypatch)
    calls = _compiles(monkeypatch)
    assert pipeline.program_for([packs]).book.rules and calls


def test_packs_with_errors_are_never_stored(packs, monkeypatch, tmp_path):
    (packs / "broken.yaml").write_text("pack: soaprules/pack@1\nname: broken\nversion: 1\nrules: nope\n")
    for _ in range(2):
        _fresh(monkeypatch)
        with pytest.raises(PackError):
            pipeline.program_for([packs])
    assert _entries(tmp_path) == []


def test_inputs_that_change_while_loading_are_not_stored(packs, monkeypatch, tmp_path):
    core = packs / "core.yaml"

    def load_then_edit():
        program = compile_book(load_rulebook([packs]))
        core.write_text(core.read_text() + "\n# edited while the run loaded\n")
        return program

    stored.program([packs], load_then_edit)
    assert _entries(tmp_path) == []


def test_a_program_holding_what_the_store_cannot_name_is_used_but_not_stored(packs, tmp_path):
    program = compile_book(load_rulebook([packs]))
    program.book.memo["made"] = object()
    assert stored.program([packs], lambda: program) is program
    assert _entries(tmp_path) == []


def test_store_off_writes_nothing(packs, monkeypatch, tmp_path):
    monkeypatch.setenv("SOAPRULES_CACHE", "off")
    pipeline.program_for([packs])
    assert not (tmp_path / "cache").exists()


def test_a_failed_write_leaves_no_temporary_and_the_advice_stands(packs, monkeypatch, tmp_path):
    def full(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache.os, "replace", full)
    program = pipeline.program_for([packs])
    advice = build(evaluate_profile(program, load_profile(PROFILES[0])[0]))
    assert advice["recommendations"]
    assert _entries(tmp_path) == []
    assert [p.name for p in (tmp_path / "cache").iterdir() if p.name.endswith(".tmp")] == []


def test_programs_kept_are_capped_by_their_own_limit(packs, tmp_path):
    limit = cache.KEEP_OF["program"]
    assert limit < cache.KEEP
    for n in range(limit + 3):
        cache.write_sealed("program", f"{n:064x}", b"{}")
    cache.write_sealed("doc", "0" * 64, b"{}")
    assert len(_entries(tmp_path)) == limit
    assert len(list((tmp_path / "cache").glob("doc-*.json"))) == 1


def test_a_pack_gone_between_listing_and_stat_is_loaded_afresh(packs, monkeypatch):
    listed = pipeline.pack_files([packs])
    monkeypatch.setattr(pipeline, "pack_files", lambda paths: [*listed, packs / "gone-meanwhile.yaml"])
    program = pipeline.program_for([packs])
    assert len(program.book.rules) == len(load_rulebook([packs]).rules)
    assert pipeline._programs == {}  # nothing kept under a key made of a file that is not there
