"""`lint --explain RULE`: a rule's effective gate, with every derived fact or decision it
reads opened into the rules that can write it with a value that passes the test."""
from __future__ import annotations

import json
import re

import pytest

from soaprules.authoring.gate import gate
from soaprules.cli.main import main
from soaprules.packs.load import DEFAULT_RULES_DIR, load_rulebook

BOOK = load_rulebook([DEFAULT_RULES_DIR])
FACT = re.compile(r"^(derived|decision)\.([a-z0-9_]+) (\w+)")


def _nodes(node, parent=None):
    yield node, parent
    for child in node.get("children", []):
        yield from _nodes(child, node)


@pytest.mark.parametrize("rule", [r.id for r in BOOK.rules])
def test_every_writer_shown_writes_that_fact_with_a_passing_value(rule):
    tree = gate(BOOK, rule)["tree"]
    for node, parent in _nodes(tree):
        if node["kind"] != "rule" or parent is None or "shown above" in node["label"]:
            continue
        found = FACT.match(parent["label"])
        assert found, parent["label"]  # a rule sits only under the fact it writes
        scope, name, op = found.groups()
        writer = BOOK.rule(node["rule"])
        written = (writer.then.derive if scope == "derived" else writer.then.decide)
        assert name in written, (rule, writer.id, name)
        if op in ("eq", "ne"):  # the value it writes passes the test shown
            expected = parent["label"].split(f" {op} ", 1)[1]
            assert (str(written[name]).lower() == expected.lower()) == (op == "eq"), (writer.id, parent["label"])


def test_a_fact_is_opened_into_all_its_writers_that_can_pass():
    pairs = [(r, t) for r in BOOK.rules for t in _tests(r.when) if t.ref.scope == "derived" and t.op == "eq"]
    assert pairs
    for rule, test in pairs[:20]:
        writers = {r.id for r in BOOK.rules if r.then.derive.get(test.ref.name, object()) == test.value}
        tree = gate(BOOK, rule.id)["tree"]
        shown = {n["rule"] for n, p in _nodes(tree)
                 if n["kind"] == "rule" and p and p["label"].startswith(f"derived.{test.ref.name} eq")}
        assert shown == writers, (rule.id, test.ref.name)


def _tests(node):
    from soaprules.lang import analysis
    return [n for n in analysis.walk(node) if analysis.kind(n) == "test"]


def test_the_command_prints_the_tree_and_json(runner):
    rule = BOOK.rules[0].id
    text = runner.invoke(main, ["lint", "--explain", rule])
    assert text.exit_code == 0 and text.stdout.startswith(f"rule {rule}: ")
    doc = json.loads(runner.invoke(main, ["lint", "--explain", rule, "--format", "json"]).stdout)
    assert doc["schema"] == "soaprules/gate@1" and doc["tree"]["rule"] == rule


def test_an_unknown_rule_is_a_usage_error_with_a_did_you_mean(runner):
    rule = BOOK.rules[0].id
    result = runner.invoke(main, ["lint", "--explain", rule[:-1] + "x"])
    assert result.exit_code == 2 and f"did you mean '{rule}'" in result.stderr
