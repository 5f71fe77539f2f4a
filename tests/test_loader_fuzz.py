"""Fuzz the loader: whatever bytes a profile holds, reading it ends in a profile or a
positioned SoapError, quickly; never another exception. A short run in every suite, a
long one under -m slow."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soaprules.errors import SoapError
from soaprules.profile.load import validate_profile
from soaprules.source import decode, parse_text
from conftest import FIXTURES

SEED = (FIXTURES / "profiles" / "rs20-quiet-star.yaml").read_bytes()
TOKENS = [b"!!int ", b"!!float ", b"!!bool ", b"!!timestamp ", b"!!seq ", b"!!map ", b"!!set ", b"!!binary ",
          b"!!python/object:os.system ", b"&a ", b"*a", b"<<: ", b"0244", b"0x1F", b"3:54", b"yes", b"off",
          b".nan", b"-.inf", b"1e999", b"9" * 40, b"2026-02-30", b"2026-13-01T25:00:00-04:00", b"~", b"''",
          b"\"\\u0000\"", b"{", b"}", b"[", b"]", b": ", b"- ", b"\n", b"\n  ", b"#", b"\t", b"\xff", b"\xef\xbb\xbf",
          b"%YAML 1.1\n---\n", b"---\n", b"...\n", b"? ", b"|\n  ", b">-\n  "]


def _load(raw: bytes) -> None:
    try:
        validate_profile(parse_text(decode(raw, "fuzz.yaml"), "fuzz.yaml"))
    except SoapError as exc:
        assert exc.diagnostics and all(d.message for d in exc.diagnostics)


@st.composite
def mutated(draw):
    """The shipped fixture with tokens spliced in, bytes dropped or repeated."""
    raw = bytearray(SEED)
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(raw)))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        if action == "insert":
            raw[at:at] = draw(st.sampled_from(TOKENS))
        elif action == "delete":
            del raw[at:at + draw(st.integers(1, 20))]
        else:
            raw[at:at + 1] = draw(st.binary(min_size=1, max_size=3))
    return bytes(raw)


yamlish = st.lists(st.sampled_from(TOKENS) | st.binary(max_size=4), max_size=40).map(b"".join)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LONG = settings(max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(mutated())
def test_mutated_profiles_load_or_fail_positioned(raw):
    _load(raw)


@FAST
@given(yamlish)
def test_yamlish_bytes_load_or_fail_positioned(raw):
    _load(raw)


@pytest.mark.slow
@LONG
@given(mutated() | yamlish)
def test_loader_fuzz_long(raw):
    _load(raw)
