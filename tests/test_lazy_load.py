"""The fast profile reading (source.parse_lazily: no depth pre-scan for a shallow text, no
positions until asked for) reads every text exactly as parse_text does: the same data, the
same positions when asked for, the same error when refused. Fixtures, a synthetic cohort,
and the loader fuzz's mutated and YAML-ish bytes."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from soaprules.errors import SoapError
from soaprules.profile.load import load_profile, validate_profile
from soaprules import source
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


# ---- memoised scalar resolution ----------------------------------------------------------
#
# source.py remembers, by text, each plain scalar's resolved tag and that it reads alike in
# YAML 1.1 and 1.2, and the fast path each plain scalar's checked value by tag and text. A text read with both memos warm (by the very scalars it holds, and by
# another text's) must read exactly as with nothing remembered.

def _text(raw: bytes) -> str | None:
    try:
        return decode(raw, "p.yaml")
    except SoapError:
        return None


def _forget() -> None:
    source._PLAIN_TAGS.clear()
    source._READS_THE_SAME.clear()
    source._PLAIN_VALUES.clear()


def _forgetting(read, text: str):
    _forget()
    return _reading(read, text)


@FUZZ
@given(mutated() | yamlish, mutated() | yamlish)
def test_a_warm_memo_reads_as_a_cold_one(before, raw):
    text, other = _text(raw), _text(before)
    if text is None:
        return
    for read in (parse_text, parse_lazily):
        cold = _forgetting(read, text)
        if other is not None:
            _reading(read, other)
        _reading(read, text)
        assert _reading(read, text) == cold


SHAPES = ["123", "0244", "yes", "3:54", "~", "null", "true", "1.5", "1e3", ".nan", "2026-03-16", "<<", "x"]


@pytest.mark.parametrize("plain", SHAPES)
def test_a_plain_text_remembered_does_not_leak_into_a_quoted_or_tagged_one(plain):
    """The memo is for plain scalars only: the same text quoted is a string, and under a tag
    is checked against that tag, however often the plain form was read before."""
    for read in (parse_text, parse_lazily):
        plain_reading = _forgetting(read, f"a: {plain}\n")
        for _ in range(2):  # the memo warm from here on
            assert _reading(read, f"a: {plain}\n") == plain_reading
            quoted = read(f"a: '{plain}'\nb: \"{plain}\"\n", "p.yaml").data
            assert quoted == {"a": plain, "b": plain}
            assert _reading(read, f"a: !!str {plain}\n") == _forgetting(read, f"a: !!str {plain}\n")


def test_the_memo_is_bounded():
    _forget()
    many = "".join(f"k{i}: v{i}\n" for i in range(source._MEMO_SIZE // 2 + 10))
    for read in (parse_text, parse_lazily):
        read(many, "p.yaml")
        read(many.replace("v", "w"), "p.yaml")
    assert len(source._PLAIN_TAGS) <= source._MEMO_SIZE
    assert len(source._READS_THE_SAME) <= source._MEMO_SIZE
    assert len(source._PLAIN_VALUES) <= source._MEMO_SIZE
    assert parse_lazily("k1: w1\nk2: 12\n", "p.yaml").data == {"k1": "w1", "k2": 12}  # past the bound
    assert parse_text("k1: 0244x\n", "p.yaml").data == {"k1": "0244x"}  # past the bound: still resolved


KEYS_AND_VALUES = ["a: 1\n'1': b\n1: c\n", "x: !!str 12\ny: 12\n", "<<: {a: 1}\nb: 2\n", "a: 3:54\n",
                   "a: !!merge <<\n", "!!merge <<: {a: 1}\nb: <<\n", "a: !!int 12\nb: !!int x\n",
                   "a: 2026-02-30\n", "a: 2026-03-16\nb: !!timestamp 2026-03-16\n", "1e400: x\n",
                   "a: 1234567890123456789\n", "[1, 2]: x\n", "a: .inf\n", "a: ~\nb: null\nc: !!null ~\n"]


@pytest.mark.parametrize("text", KEYS_AND_VALUES)
def test_remembered_values_are_the_checked_ones_for_keys_tags_and_refusals(text):
    """A key or value remembered from one reading gives what a cold reading gives in every
    other place: as a key or a value, under a tag, refused or not. Every text is read cold,
    then again after all the others have warmed the memos."""
    cold = {t: _forgetting(parse_lazily, t) for t in KEYS_AND_VALUES}
    for other in KEYS_AND_VALUES:
        _reading(parse_lazily, other)
    assert _reading(parse_lazily, text) == cold[text] == _forgetting(parse_text, text)
