"""Hostile input, end to end through `soaprules advise`: each file is refused with a
positioned error and exit 1, fast, never a traceback, never a partial report. A pack
whose rules would assert facts forever is refused at load, naming the rules in the loop."""
from __future__ import annotations

import textwrap
import time

import pytest

from soaprules import source
from soaprules.cli.main import main

from diagnostics_seen import names_place

HEAD = "schema: soaprules/profile@1\n"


def _alias_bomb() -> str:
    lines = [HEAD.strip(), "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]  # 10**10 values
    return "\n".join(lines) + "\n"


CASES = {
    # name: (bytes, line, column or None, words the message must hold)
    "alias bomb": (_alias_bomb().encode(), None, None, "expands to more than"),
    "duplicate key": ((HEAD + "applicant:\n  type: us_md\n  type: us_do\n").encode(), 4, 3, "duplicate key 'type'"),
    "deep nesting (block)": ((HEAD + "".join("  " * i + f"k{i}:\n" for i in range(80)) + "  " * 80 + "v: 1\n")
                             .encode(), 67, None, "nesting deeper than 64"),
    "NaN": ((HEAD + "academics: {honors: .nan}\n").encode(), 2, 21, "not a usable number"),
    "infinity": ((HEAD + "exams:\n  step2: {score: .inf}\n").encode(), 3, 18, "not a usable number"),
    "negative infinity": ((HEAD + "academics:\n  honors: -.Inf\n").encode(), 3, 11, "not a usable number"),
    "non-UTF-8 bytes": (HEAD.encode() + b"applicant: {id: A-\xe91}\n", 2, 19, "not valid UTF-8"),
    "UTF-16 with its byte-order mark": (HEAD.encode("utf-16"), 1, 1, "is UTF-16"),  # named for what it is (source.decode)
    "empty file": (b"", 1, 1, "the file is empty"),
    "only a comment": (b"# nothing here\n", 1, 1, "the file is empty"),
    "list at the top": (b"- applicant\n- status\n", 1, 1, "must be a mapping, not a list"),
    "list where a section belongs": ((HEAD + "applicant: [us_md]\n").encode(), 2, 12, "must be a mapping"),
    "mapping where a list belongs": ((HEAD + "red_flags: {kind: remediation}\n").encode(), 2, None, "list"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_profile_refused_positioned_fast(tmp_path, runner, name):
    content, line, column, words = CASES[name]
    path = tmp_path / "hostile.yaml"
    path.write_bytes(content)
    out = tmp_path / "report.json"
    started = time.monotonic()
    result = runner.invoke(main, ["advise", str(path), "--format", "json", "-o", str(out)])
    assert time.monotonic() - started < 10  # refused, not ground through (the bomb is 10**10 values)
    assert result.exit_code == 1, result.output
    assert words in result.output and "Traceback" not in result.output
    where = f"{path}:{line}:{column}" if column else f"{path}:{line}" if line else f"{path}"
    assert names_place(result.output, where), result.output
    assert not out.exists() and not list(tmp_path.glob(".report.json*"))


def test_deep_flow_nesting_refused_before_the_stack_overflows(tmp_path, runner):
    """Whoever refuses first (our depth check, or a libyaml that has a limit of its own),
    the refusal is ours: positioned on the line, exit 1, no traceback, no report."""
    path = tmp_path / "deep.yaml"
    path.write_text(HEAD + "applicant: " + "[" * 100_000 + "]" * 100_000 + "\n")
    with pytest.raises(source.InputFileError) as info:
        source.load_document(path)
    diagnostic = info.value.diagnostics[0]
    assert diagnostic.file == str(path) and diagnostic.position.line == 2 and diagnostic.message
    out = tmp_path / "report.json"
    result = runner.invoke(main, ["advise", str(path), "--format", "json", "-o", str(out)])
    assert result.exit_code == 1 and names_place(result.output, f"{path}:2") and "Traceback" not in result.output
    assert not out.exists()


def test_deep_flow_nesting_refused_by_our_own_check_whatever_the_parser(tmp_path, monkeypatch):
    """The depth pre-scan is ours, so it holds even with a parser that has no limit."""
    path = tmp_path / "deep.yaml"
    path.write_text(HEAD + "applicant: " + "[" * 1_000 + "]" * 1_000 + "\n")

    def compose(*args, **kw):
        raise AssertionError("a too-deep document reached the composer")

    monkeypatch.setattr(source._Loader, "get_single_node", compose)
    with pytest.raises(source.InputFileError) as info:
        source.load_document(path)
    assert info.value.diagnostics[0].position.line == 2


def test_control_character_refused_positioned(tmp_path, runner):
    path = tmp_path / "ctl.yaml"
    path.write_bytes((HEAD + 'applicant: {id: "A-\x01"}\n').encode())
    result = runner.invoke(main, ["advise", str(path)], catch_exceptions=False)
    assert result.exit_code == 1 and names_place(result.output, f"{path}:2")


def test_file_over_the_size_limit_is_refused_before_parsing(tmp_path, runner, monkeypatch):
    path = tmp_path / "huge.yaml"
    path.write_bytes(HEAD.encode() + b"#" * source.MAX_BYTES)

    def parse_text(*args, **kw):
        raise AssertionError("a file over the limit was parsed")

    monkeypatch.setattr(source, "parse_text", parse_text)
    result = runner.invoke(main, ["advise", str(path)])
    assert result.exit_code == 1 and f"the limit is {source.MAX_BYTES}" in result.output
    assert "Traceback" not in result.output


def test_utf8_byte_order_mark_is_harmless_and_positions_stay_right(tmp_path, runner):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + (HEAD + "clinical:\n  evaluations: stong\n").encode())
    result = runner.invoke(main, ["advise", str(path)])
    assert result.exit_code == 1 and names_place(result.output, f"{path}:3:16") and "did you mean 'strong'" in result.output


# ---- a pack that would assert facts forever ----------------------------------------------

PACK = """\
pack: soaprules/pack@1
name: loop
version: "1"
description: rules that feed each other
rules:
"""


def _rule(rule_id: str, reads: str, writes: str) -> str:
    return textwrap.indent(textwrap.dedent(f"""\
        - id: {rule_id}
          title: t
          when: {{derived.{reads}: true}}
          then: {{derive: {{{writes}: true}}}}
          cites: [RS-04]
          sources: [{{seed: nrmp, quote: "q q q"}}]
        """), "  ")


@pytest.mark.parametrize("rules,loop", [
    ([("a", "x", "y"), ("b", "y", "z"), ("c", "z", "x")], "a -> c -> b -> a"),  # a reads what c writes...
    ([("a", "x", "x")], "a -> a"),
])
def test_rules_that_feed_each_other_forever_are_refused_naming_the_loop(tmp_path, runner, rules, loop):
    pack = tmp_path / "loop.yaml"
    pack.write_text(PACK + "".join(_rule(*r) for r in rules))
    profile = tmp_path / "p.yaml"
    profile.write_text(HEAD)
    result = runner.invoke(main, ["advise", str(profile), "--pack", str(pack)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"rules feed each other in a loop: {loop}" in result.output
    assert f"--> {pack}:6" in result.output  # the first rule of the loop


def test_a_rule_too_wide_for_the_engine_is_refused_at_load(tmp_path, runner):
    """One fact may pass at most 64 alpha nodes; 3 x 5 x 5 alternatives on one fact is 75."""
    pack = tmp_path / "wide.yaml"
    pack.write_text(PACK + textwrap.indent(textwrap.dedent("""\
        - id: wide
          title: t
          when:
            all:
              - {exams.step2.score: [200, 210, 220]}
              - {exams.step2.attempts: [1, 2, 3, 4, 5]}
              - {exams.step1.attempts: [1, 2, 3, 4, 5]}
          then: {derive: {x: true}}
          cites: [RS-04]
          sources: [{seed: nrmp, quote: "q q q"}]
        """), "  "))
    profile = tmp_path / "p.yaml"
    profile.write_text(HEAD)
    result = runner.invoke(main, ["advise", str(profile), "--pack", str(pack)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "needs 75 alternative tests on the exams fact" in result.output and f"--> {pack}:6" in result.output
