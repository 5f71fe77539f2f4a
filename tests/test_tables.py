"""Decision tables: each row loads as a rule (`<table>-<row>`). `hit: unique` rows may not
overlap (refused where written); under `hit: first` a row holds only when no earlier row
does, and never on a guess. A derived text may quote a parameter, filled in at load."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soaprules.engine.compile import compile_book
from soaprules.engine.session import ReferenceMatcher, evaluate_profile
from soaprules.errors import PackError
from soaprules.packs.load import load_rulebook
from soaprules.profile.model import Profile

HEAD = """\
pack: soaprules/pack@1
name: tb
version: "1"
description: tables
params:
  primary: [family_medicine, pediatrics]
  primary_rate: 80
"""
TABLE = HEAD + """\
tables:
  - id: odds
    title: t
    input: target.specialty
    hit: {hit}
    cites: [RS-17]
    sources: [{{seed: nrmp, quote: "q q q"}}]
    rows:
      - id: primary
        when: {{in: $primary}}
        then: {{derive: {{odds: "scores {{$primary_rate}}"}}}}
      - id: im
        when: {second}
        then: {{derive: {{odds: middling}}}}
"""
RULES = HEAD + """\
rules:
  - id: odds-primary
    title: t
    when: {target.specialty: {in: $primary}}
    then: {derive: {odds: "scores 80"}}
    cites: [RS-17]
    sources: [{seed: nrmp, quote: "q q q"}]
  - id: odds-im
    title: t
    when: {target.specialty: internal_medicine}
    then: {derive: {odds: middling}}
    cites: [RS-17]
    sources: [{seed: nrmp, quote: "q q q"}]
"""
SPECIALTIES = st.one_of(st.none(), st.sampled_from(["family_medicine", "pediatrics", "internal_medicine",
                                                     "dermatology"]))


def _load(tmp_path, text: str, name: str = "p.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return compile_book(load_rulebook([path]))


def _odds(program, specialty) -> set:
    data = {"schema": "soaprules/profile@1", "target": {} if specialty is None else {"specialty": specialty}}
    runs = [evaluate_profile(program, Profile.model_validate(data), m) for m in (None, ReferenceMatcher())]
    found = [frozenset(r.world.derived.get("odds", ())) for r in runs]
    assert found[0] == found[1]  # engine and reference agree
    return set(found[0])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specialty=SPECIALTIES)
def test_a_unique_table_means_its_rules_written_out(tmp_path, specialty):
    table = _load(tmp_path, TABLE.format(hit="unique", second="internal_medicine"), "t.yaml")
    rules = _load(tmp_path, RULES, "r.yaml")
    assert _odds(table, specialty) == _odds(rules, specialty)
    assert [r.id for r in table.book.rules] == ["odds-primary", "odds-im"]


def test_overlapping_unique_rows_are_refused_where_written(tmp_path):
    text = TABLE.format(hit="unique", second="{in: [internal_medicine, pediatrics]}")
    with pytest.raises(PackError) as err:
        _load(tmp_path, text)
    (d,) = [d for d in err.value.diagnostics if d.code == "pack.table-overlap"]
    second_when = next(i for i, line in enumerate(text.splitlines(), 1) if "internal_medicine, pediatrics" in line)
    assert "rows primary and im" in d.message and "pediatrics" in d.message and d.position.line == second_when


@pytest.mark.parametrize("specialty,odds", [("pediatrics", {"scores 80"}), ("internal_medicine", {"middling"}),
                                            ("dermatology", set()), (None, set())])
def test_first_hit_lets_the_earlier_row_win_and_never_guesses(tmp_path, specialty, odds):
    program = _load(tmp_path, TABLE.format(hit="first", second="{in: [internal_medicine, pediatrics]}"))
    assert _odds(program, specialty) == odds


def test_a_derived_text_quoting_an_unknown_parameter_is_refused(tmp_path):
    with pytest.raises(PackError) as err:
        _load(tmp_path, TABLE.format(hit="unique", second="internal_medicine").replace("$primary_rate", "$primry_rate"))
    assert any(d.suggestion == "primary_rate" for d in err.value.diagnostics)
