"""Packs the engine cannot run are refused by load (advise) and by `lint --strict` alike,
naming the rule (or decision) and the limit, with a position; nothing is expanded first."""
from __future__ import annotations

import json
import time

import pytest

from soaprules.cli.main import main
from soaprules.engine.compile import MAX_JOIN, MAX_TERMS, MAX_FACT_FIELDS
from soaprules.packs.load import MAX_DECISIONS

HEAD = "pack: soaprules/pack@1\nname: lim\nversion: '1'\ndescription: limits\n"
TAIL = "    cites: [RS-04]\n    sources: [{seed: nrmp, quote: \"q q q\"}]\n"


def rule(rule_id: str, when: str, then: str = "{derive: {done: true}}") -> str:
    return f"  - id: {rule_id}\n    title: t\n    when: {when}\n    then: {then}\n" + TAIL


def pack(tmp_path, rules: list[str], decisions: str = "") -> str:
    path = tmp_path / "lim.yaml"
    path.write_text(HEAD + decisions + "rules:\n" + "".join(rules))
    return str(path)


def refused(runner, tmp_path, path: str) -> list[str]:
    """Both doors refuse: advise exits 1 with no report, lint --strict exits non-zero; their outputs."""
    profile = tmp_path / "p.yaml"
    profile.write_text("schema: soaprules/profile@1\n")
    started = time.monotonic()
    advised = runner.invoke(main, ["advise", str(profile), "--pack", path])
    linted = runner.invoke(main, ["lint", "--strict", path])
    assert time.monotonic() - started < 60  # bounded: nothing blew up before the check
    assert advised.exit_code == 1 and "Traceback" not in advised.output and advised.output.startswith("error")
    assert linted.exit_code != 0 and "Traceback" not in linted.output
    return [advised.output, linted.output]


def _any_blocks(n: int) -> str:
    blocks = ", ".join(f"{{any: [{{applicant.visa_required: true}}, {{academics.honors: {{gte: {i}}}}}]}}"
                       for i in range(n))
    return f"{{all: [{blocks}]}}"


def test_an_all_of_22_two_way_any_blocks_is_refused_before_expansion(runner, tmp_path):
    path = pack(tmp_path, [rule("wide", _any_blocks(22))])
    for out in refused(runner, tmp_path, path):
        assert "wide" in out and f"{MAX_TERMS} engine rules" in out and "lim.yaml:" in out


def test_a_rule_at_the_term_limit_loads(runner, tmp_path):
    path = pack(tmp_path, [rule("six", _any_blocks(6))])  # 2^6 = 64 engine rules
    assert runner.invoke(main, ["lint", path]).output.count("engine-limit") == 0
    from soaprules.engine.compile import compile_book
    from soaprules.packs.load import load_rulebook
    program = compile_book(load_rulebook([path]))
    assert sum(len(c) for s in program.strata for c in s.chunks) == MAX_TERMS


def _join(n: int) -> list[str]:
    writers = [rule(f"w{i}", "{applicant.visa_required: true}", f"{{derive: {{x{i}: true}}}}") for i in range(n)]
    reads = ", ".join(f"{{derived.x{i}: true}}" for i in range(n))
    return writers + [rule("joiner", f"{{all: [{reads}]}}")]


def test_a_join_of_17_facts_is_refused_16_runs(runner, tmp_path):
    path = pack(tmp_path, _join(MAX_JOIN + 1))
    for out in refused(runner, tmp_path, path):
        assert "joiner" in out and f"joins {MAX_JOIN + 1} facts" in out and f"at most {MAX_JOIN}" in out
    ok = tmp_path / "ok"
    ok.mkdir()
    path = pack(ok, _join(MAX_JOIN))
    profile = tmp_path / "p.yaml"
    profile.write_text("schema: soaprules/profile@1\napplicant: {visa_required: true}\n")
    result = runner.invoke(main, ["advise", str(profile), "--pack", path, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "joiner" in {t["rule"] for t in json.loads(result.output)["trace"]}


def test_too_many_decisions_are_refused_at_the_first_one_over(runner, tmp_path):
    names = [f"d{i}" for i in range(MAX_DECISIONS + 10)]
    decisions = "decisions:\n" + "".join(f"  {n}: {{values: [a, b], resolve: worst}}\n" for n in names)
    path = pack(tmp_path, [rule("r", "{applicant.visa_required: true}", "{decide: {d0: a}}")], decisions)
    line = 6 + MAX_DECISIONS  # the header, "decisions:", then one line each
    for out in refused(runner, tmp_path, path):
        assert f"d{MAX_DECISIONS}" in out and f"at most {MAX_DECISIONS}" in out and f"lim.yaml:{line}" in out


def test_too_many_distinct_counts_are_refused_naming_a_rule(runner, tmp_path):
    n = MAX_FACT_FIELDS // 2 + 1
    rules = [rule(f"c{i}", f"{{count: relationships.faculty, where: {{last_contact_days: {{gte: {i}}}}}, gte: 1}}")
             for i in range(n)]
    path = pack(tmp_path, rules)
    for out in refused(runner, tmp_path, path):
        assert f"at most {MAX_FACT_FIELDS // 2}" in out and "[rule c" in out


def test_a_dotted_decision_name_is_refused_where_it_is_declared(runner, tmp_path):
    decisions = "decisions:\n  tier.final: {values: [a, b], resolve: worst}\n"
    path = pack(tmp_path, [rule("r", "{applicant.visa_required: true}", "{decide: {tier.final: a}}")], decisions)
    for out in refused(runner, tmp_path, path):
        assert "'tier.final' cannot name a decision" in out and "lim.yaml:6" in out


@pytest.mark.parametrize("field,entry", [("red_flags", "{kind: exam_failure}"),
                                         ("relationships.faculty", "{knows_you: well}")])
def test_a_list_past_its_limit_is_refused_naming_the_field_and_the_limit(runner, tmp_path, field, entry):
    from soaprules.profile.model import MAX_ENTRIES
    head, _, last = field.rpartition(".")
    indent = "  " if head else ""
    lines = ([f"{head}:"] if head else []) + [f"{indent}{last}:"] + [f"{indent}  - {entry}"] * (MAX_ENTRIES * 400)
    profile = tmp_path / "p.yaml"
    profile.write_text("schema: soaprules/profile@1\n" + "\n".join(lines) + "\n")
    started = time.monotonic()
    result = runner.invoke(main, ["advise", str(profile)])
    assert time.monotonic() - started < 60
    assert result.exit_code == 1 and result.output.startswith("error")
    assert f"{field} holds {MAX_ENTRIES * 400} items; the limit is {MAX_ENTRIES}" in result.output
    assert f"p.yaml:{4 if head else 3}:" in result.output  # where the list starts


def test_a_list_at_its_limit_is_advised(runner, tmp_path):
    from soaprules.profile.model import MAX_ENTRIES
    profile = tmp_path / "p.yaml"
    profile.write_text("schema: soaprules/profile@1\nrelationships:\n  faculty:\n"
                       + "  - {knows_you: well}\n" * MAX_ENTRIES)
    result = runner.invoke(main, ["advise", str(profile), "--format", "json"])
    assert result.exit_code == 0 and json.loads(result.output)["schema"] == "soaprules/advice@1"
