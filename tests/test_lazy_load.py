"""The fast profile reading (source.parse_lazily: no depth pre-scan for a shallow text, no
positions until asked for) reads every text exactly as parse_text does: the same data, the
same positions when asked for, the same error when refused. Fixtures, a synthetic cohort,
and the loader fuzz's mutated and YAML-ish bytes."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from soaprules.errors import SoapError
from soaprules.profile.load import load_profile, validate_profile
from soaprules.source import LazyDocument, decode, parse_lazily, parse_text
from conftest import PROFILES
from test_loader_fuzz import mutated, yamlish

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _reading(read, text: str):
    try:
        doc = read(text, "p.yaml")
    except SoapError as exc:
        return ("error", type(exc), [d.to_dict() for d in exc.diagnostics])
    try:
        profile = validate_profile(doc)[0].model_dump()
    except SoapError as exc:
        profile = ("invalid", [d.to_dict() for d in exc.diagnostics])
    return ("ok", doc.file, doc.text, doc.data, doc.positions, doc.key_positions, profile)


def _same(text: str) -> None:
    assert _reading(parse_lazily, text) == _reading(parse_text, text)


@pytest.mark.parametrize("path", PROFILES, ids=lambda p: p.stem)
def test_fixtures_read_alike(path):
    text = path.read_text()
    _same(text)
    assert isinstance(parse_lazily(text, str(path)), LazyDocument)  # the fast path was taken


def test_a_synthetic_cohort_reads_alike(tmp_path):
    from synthetic import write_cohort
    write_cohort(tmp_path, 120, seed=5, broken=10)
    for path in sorted(tmp_path.glob("*.yaml")):
        _same(path.read_text())
        try:  # through load_profile too: a broken file's error names its line
            load_profile(path)
        except SoapError as exc:
            assert exc.diagnostics[0].position is not None


def test_deep_nesting_is_refused_as_before():
    for text in ("a: " + "[" * 70 + "]" * 70, "[" * 5000 + "]" * 5000, "- " * 80 + "x"):
        _same(text)


@FUZZ
@given(mutated() | yamlish)
def test_fuzzed_bytes_read_alike(raw):
    try:
        text = decode(raw, "p.yaml")
    except SoapError:
        return
    _same(text)


def test_an_alias_bomb_is_refused_alike_and_read_once():
    from test_hostile import _alias_bomb
    text = _alias_bomb()
    _same(text)
    _same("deep: " + "[" * 70 + "]" * 70 + "\n" + text.split("\n", 1)[-1])  # deep and a bomb: the depth speaks first
