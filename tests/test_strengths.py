"""Named saliences: `salience: demotes` resolves through a pack's `strengths:`, exactly as the
number would; an unknown name is refused where it is written, with a did-you-mean."""
from __future__ import annotations

import pytest

from soaprules.engine.compile import compile_book
from soaprules.engine.session import evaluate_profile
from soaprules.errors import PackError
from soaprules.packs.load import load_rulebook
from soaprules.profile.model import Profile

PACK = """\
pack: soaprules/pack@1
name: st
version: "1"
description: strengths
strengths: {{weak: 10, strong: {strong}}}
decisions:
  d: {{values: [a, b], resolve: salience}}
rules:
  - id: says-a
    title: t
    salience: {first}
    when: {{conduct.staff_complaints: true}}
    then: {{decide: {{d: a}}}}
    cites: [RS-04]
    sources: [{{seed: nrmp, quote: "q q q"}}]
  - id: says-b
    title: t
    salience: {second}
    when: {{conduct.staff_complaints: true}}
    then: {{decide: {{d: b}}}}
    cites: [RS-04]
    sources: [{{seed: nrmp, quote: "q q q"}}]
"""
PROFILE = Profile.model_validate({"schema": "soaprules/profile@1", "conduct": {"staff_complaints": True}})


def _winner(tmp_path, **kw):
    path = tmp_path / "p.yaml"
    path.write_text(PACK.format(**{"strong": 30, **kw}))
    return evaluate_profile(compile_book(load_rulebook([path])), PROFILE).decisions["d"].value


@pytest.mark.parametrize("first,second,strong,winner", [
    ("strong", "weak", 30, "a"), ("weak", "strong", 30, "b"),
    ("strong", 20, 30, "a"), ("strong", 40, 30, "b"),  # a name and a number compare as numbers
    ("strong", 20, 5, "b"),  # changing the strength in one place changes every rule that names it
])
def test_a_named_strength_resolves_as_its_number(tmp_path, first, second, strong, winner):
    assert _winner(tmp_path, first=first, second=second, strong=strong) == winner


def test_an_unknown_strength_is_refused_with_a_did_you_mean(tmp_path):
    with pytest.raises(PackError) as err:
        _winner(tmp_path, first="strnog", second="weak")
    (d,) = [d for d in err.value.diagnostics if "strength" in d.message]
    assert d.suggestion == "strong" and d.rule_id == "says-a" and d.position.line == 11  # its salience line


def test_the_shipped_packs_name_every_salience():
    import re
    from soaprules.packs.load import DEFAULT_RULES_DIR
    for pack in DEFAULT_RULES_DIR.glob("*.yaml"):
        assert not re.search(r"^\s+salience: \d", pack.read_text(), re.M), pack.name
