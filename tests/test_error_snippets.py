"""Error snippets hold under hostile files: a huge one-line file prints a bounded window
with the caret under the right character, and nothing from the user's file reaches the
terminal raw (an ANSI escape, a carriage return or a bidi override is shown escaped)."""
from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from soaprules.cli.main import main
from soaprules.errors import Diagnostic, Position
from soaprules.packs.load import DEFAULT_RULES_DIR
from soaprules.render.errors import WINDOW, format_diagnostic, window

from conftest import FIXTURES

PAD = 200_000
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def snippet(stderr: str, marker: str) -> tuple[str, str]:
    """The source line and caret line of the first snippet whose source shows `marker`."""
    lines = stderr.splitlines()
    k = next(i for i, line in enumerate(lines) if re.match(r"\s*\d+ \| ", line) and marker in line)
    return lines[k], lines[k + 1]


def caret_under(source: str, caret: str, text: str) -> bool:
    """The caret starts under the first character of `text` in the shown source line."""
    return caret.index("^") == source.index(text)


def check_bounded(result, marker: str, token: str, where: str) -> None:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert len(result.stderr) < 4_000, len(result.stderr)  # the line is 300 KB
    assert where in result.stderr  # positioned: file:line:column
    source, caret = snippet(result.stderr, marker)
    assert len(source) <= WINDOW + 16 and source.count("\u2026") == 2  # cut on both sides, marked
    assert caret_under(source, caret, token)


def test_a_huge_one_line_profile_prints_a_window_at_the_column(runner, tmp_path):
    profile = tmp_path / "huge.json"
    head = '{"schema": "soaprules/profile@1",' + " " * PAD + '"clinical": {"evaluations": '
    profile.write_text(head + '"stong"}}' + " " * 100_000 + "\n")
    assert profile.stat().st_size > 300_000
    result = runner.invoke(main, ["advise", str(profile)])
    check_bounded(result, '"stong"', '"stong"', f"{profile}:1:{len(head) + 1}")


def test_a_pack_with_a_bad_value_at_column_200000(runner, tmp_path):
    pack = tmp_path / "big.yaml"
    head = "{pack: soaprules/pack@1, name: big, version: '1', description: d," + " " * PAD + \
           "rules: [{id: r1, title: t, cites: [FA-01], sources: [{seed: fa, quote: q q q}], salience: "
    pack.write_text(head + "lots, when: {clinical.evaluations: strong}, then: {derive: {x: true}}}]}" + " " * 100_000)
    result = runner.invoke(main, ["advise", str(FIXTURES / "profiles" / "rs20-quiet-star.yaml"),
                                  "--pack", str(DEFAULT_RULES_DIR), "--pack", str(pack)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert len(result.stderr) < 1_500 * result.stderr.count("error:"), len(result.stderr)  # each error bounded
    where = f"{pack}:1:{len(head) + 1}"
    assert where in result.stderr, result.stderr[:2000]
    block = result.stderr[result.stderr.index(where):]
    source, caret = snippet(block, "salience: lots")
    assert len(source) <= WINDOW + 16 and caret_under(source, caret, "lots")


def test_an_ansi_escape_in_a_bad_value_is_shown_escaped(runner, tmp_path):
    profile = tmp_path / "esc.json"  # JSON: the escape sequence is in the value, so in the message
    profile.write_text('{"schema": "soaprules/profile@1", "clinical": {"evaluations": "\\u001b[2Jstong\\r\\u202e"}}\n')
    result = runner.invoke(main, ["advise", str(profile)])
    # Refused for the control character itself, before any field reads it (source.py)
    assert result.exit_code == 1 and "control character U+001B" in result.stderr
    assert not RAW_CONTROL.search(result.stderr), repr(result.stderr)
    assert "\\u001b[2Jstong" in result.stderr  # the source line, as written, not dropped


def test_a_raw_escape_byte_in_the_file_is_not_echoed(runner, tmp_path):
    profile = tmp_path / "esc.yaml"  # YAML refuses the byte itself, and its snippet shows the line
    profile.write_bytes(b'schema: soaprules/profile@1\nclinical:\n  evaluations: "\x1b[2J\x07stong"\n')
    result = runner.invoke(main, ["advise", str(profile)])
    assert result.exit_code == 1 and f"{profile}:3:" in result.stderr
    assert not RAW_CONTROL.search(result.stderr), repr(result.stderr)
    source, caret = snippet(result.stderr, "stong")
    assert "\\x1b[2J\\x07stong" in source and caret_under(source, caret, "\\x1b")


def test_a_hostile_file_name_is_shown_escaped(runner, tmp_path):
    profile = tmp_path / "evil\x1b[31m.yaml"
    profile.write_text("schema: soaprules/profile@1\nclinical: {evaluations: stong}\n")
    result = runner.invoke(main, ["advise", str(profile)])
    assert result.exit_code == 1 and "evil\\x1b[31m.yaml" in result.stderr
    assert not RAW_CONTROL.search(result.stderr)


def test_a_long_message_is_cut():
    diag = Diagnostic("'" + "x" * 300_000 + "' is not an allowed value", expected="y" * 50_000, hint="z" * 9_999)
    text = format_diagnostic(diag)
    assert len(text) < 3_000 and "is not an allowed value" in text and "\u2026" in text


# -- the window itself, over any line and column -----------------------------------------------

def _columns(text: str) -> int:
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


LINE_CHARS = st.one_of(st.characters(codec="utf-8", exclude_categories=("Cs",)),
                       st.sampled_from(["\x1b", "\t", "\u202e", "\u0301", "\u4e2d", "\x9b", " ", "é"]))


@settings(max_examples=300, deadline=None)
@given(st.lists(LINE_CHARS, max_size=600).map("".join), st.integers(min_value=-3, max_value=700))
def test_the_window_is_bounded_escaped_and_the_caret_is_on_the_column(line, column):
    shown, offset, width = window(line, column)
    assert not RAW_CONTROL.search(shown) and "\n" not in shown and "\r" not in shown
    assert _columns(shown) <= WINDOW + 2  # and an ellipsis on each cut side
    col = min(max(column - 1, 0), len(line))
    if len(line) and _columns(line) <= WINDOW and all(c.isprintable() for c in line):
        assert shown == line and offset == _columns(line[:col])  # short lines are shown whole
    if col < len(line):  # the caret's offset is where the named character starts
        from soaprules.render.errors import shown as shown_char
        k = next(i for i in range(len(shown) + 1) if _columns(shown[:i]) == offset and
                 shown[i:].startswith(shown_char(line[col])))
        assert k is not None and width >= 1


def test_a_snippet_from_loaded_text_does_not_read_the_file(tmp_path):
    from soaprules.render.errors import with_source

    secret = tmp_path / "secret.env"
    secret.write_text("API_KEY=hunter2\n")
    diag = Diagnostic("bad", file=str(secret), position=Position(1, 1))
    assert "hunter2" in format_diagnostic(diag)  # a plain diagnostic shows its file's line...
    assert "hunter2" not in format_diagnostic(with_source(diag, "schema: x\n"))  # ...one with its text, that text
    assert " | " not in format_diagnostic(with_source(diag, None))  # and none: no snippet
