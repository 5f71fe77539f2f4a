"""Mapping keys that are not text or numbers (`null:`, `true:`, a date) are read as YAML
spells them: distinct from keys that only print alike, and usable where a decision's
values are true and false (its `says:` and board)."""
from __future__ import annotations

import pytest

from soaprules.advice import build
from soaprules.engine.session import evaluate_profile
from soaprules.errors import InputFileError
from soaprules.pipeline import program_for
from soaprules.profile.load import load_profile
from soaprules.source import parse_text

from conftest import PROFILES

PACK = """\
pack: soaprules/pack@1
name: flags
version: '1'
description: a boolean decision worded per value
decisions:
  has_flag:
    values: [true, false]
    resolve: worst
    label: Red flag on file
    says:
      true: "A flag is on file, so frame it before anyone asks."
      false: "Nothing on file needs framing."
rules:
  - id: flag-yes
    title: a flag
    when: {some: red_flags}
    then: {decide: {has_flag: true}}
    cites: [RS-04]
    sources: [{seed: nrmp, quote: "q q q"}]
  - id: flag-no
    title: no flag
    when: {none: red_flags}
    then: {decide: {has_flag: false}}
    cites: [RS-04]
    sources: [{seed: nrmp, quote: "q q q"}]
"""


@pytest.mark.parametrize("first, second", [("null", "None"), ("true", "'true'"), ("2027-03-16", "'2027-03-16'")])
def test_keys_that_only_print_alike_are_distinct_or_duplicates_as_yaml_reads_them(first, second):
    doc = parse_text(f"a:\n  {first}: 1\n  None: 2\n", "k.yaml")
    assert len(doc.data["a"]) == 2  # null and the text None are two keys
    if second == "None":
        return
    with pytest.raises(InputFileError, match="duplicate key"):  # true and 'true' are one key once read
        parse_text(f"a:\n  {first}: 1\n  {second}: 2\n", "k.yaml")


def test_a_boolean_decision_says_its_sentence_for_each_value(tmp_path):
    pack = tmp_path / "flags.yaml"
    pack.write_text(PACK)
    program = program_for([str(pack)])
    assert program.book.decisions["has_flag"].says == {
        True: "A flag is on file, so frame it before anyone asks.", False: "Nothing on file needs framing."}
    seen = set()
    for path in PROFILES:
        run = evaluate_profile(program, load_profile(path)[0])
        stand = {s["decision"]: s for s in build(run)["standing"]}
        if "has_flag" not in run.decisions:  # red_flags not given: neither rule can say
            assert "has_flag" not in stand
            continue
        value = run.decisions["has_flag"].value
        assert stand["has_flag"]["text"] == program.book.decisions["has_flag"].says[value]
        seen.add(value)
    assert seen == {True, False}


def test_a_boolean_decision_without_says_reads_yes_or_no(tmp_path):
    pack = tmp_path / "flags.yaml"
    pack.write_text(PACK.replace('    says:\n      true: "A flag is on file, so frame it before anyone asks."\n'
                                 '      false: "Nothing on file needs framing."\n', ""))
    program = program_for([str(pack)])
    texts = set()
    for path in PROFILES:
        run = evaluate_profile(program, load_profile(path)[0])
        texts |= {s["text"] for s in build(run)["standing"] if s["decision"] == "has_flag"}
    assert texts == {"Red flag on file: yes.", "Red flag on file: no."}
