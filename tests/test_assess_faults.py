"""`soaprules assess` on hostile answers and odd profile files: each class a red-team run
found. Bad input is a clear error naming the answer (exit 2, as every bad answer), never
an internal error, silently changed data, or a saved file soaprules refuses to read back.
"""
from __future__ import annotations

import json
import re
import stat
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soaprules.assess import store
from soaprules.assess.answers import checked, match_week, parse, parse_assignment
from soaprules.assess.questions import NOW, question_for
from soaprules.cli.main import main
from soaprules.errors import AnswerError
from soaprules.profile.load import load_profile
from soaprules.profile.paths import put
from soaprules.source import _CONTROL

SOAP = "status.phase=soap"


def flat(text: str) -> str:
    return " ".join(text.split())


def answers(runner, target: Path | None, *lines: str, yes: bool = False, stdin: str = ""):
    flags = ["assess", "--non-interactive", "--format", "json"] + (["--profile", str(target)] if target else [])
    flags += ["--yes"] if yes else []
    for line in lines:
        flags += ["--answer", line]
    return runner.invoke(main, flags, input=stdin)


def refused(result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    for word in words:
        assert word in flat(result.stderr), result.stderr


def reloaded(path: Path) -> dict:
    """The saved file as the next run reads it (refusals raise)."""
    profile, _ = load_profile(path)
    return checked(profile.model_dump(by_alias=True, exclude_none=True, mode="json"))


# ---- 1. numbers are read in the digits 0-9 only --------------------------------------------

@pytest.mark.parametrize("answer", [
    "status.phase=²",  # str.isdigit() is true; int() fails
    "status.phase=١",  # Arabic-Indic one: int() reads it
    "conduct.professionalism_concerns=١٢",  # was silently 12
    "geography.regions=1, ³",
    "status.now=Monday ١٠:٣٠",  # the clock pattern's \d took them
    "status.now=2026-03-16 ١٠:30",
])
def test_other_scripts_digits_are_refused_naming_the_answer(runner, tmp_path, answer):
    target = tmp_path / "d.yaml"
    refused(answers(runner, target, answer), answer.partition("=")[0] + ":", "is not one of the digits 0 to 9")
    assert not target.exists()


@pytest.mark.parametrize("index, message", [("٠", "is not one of the digits 0 to 9"),  # was read as [0]
                                            ("9" * 5000, "(5000 digits) is not an entry of a list")])
def test_a_list_index_in_an_answers_path_is_ascii_and_bounded(runner, tmp_path, index, message):
    target = tmp_path / "i.yaml"
    refused(answers(runner, target, SOAP, f"red_flags[{index}].kind=exam_failure"), message)
    assert not target.exists()


def test_a_superscript_digit_at_the_choice_prompt_is_asked_again(runner, tmp_path):
    target = tmp_path / "p.yaml"
    result = runner.invoke(main, ["assess", "--profile", str(target)], input="²\nsoap\nstop\n")
    assert result.exit_code == 0, result.output
    assert "'²' (U+00B2) is not one of the digits 0 to 9" in flat(result.stderr)
    assert reloaded(target)["status"] == {"phase": "soap"}


def test_a_number_past_pythons_digit_limit_is_out_of_range_not_a_crash(runner):
    refused(answers(runner, None, "conduct.professionalism_concerns=" + "9" * 5000), "out of range")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("0123456789+- ²³١٢٣߀۵०೬๓༣𝟗Ⅻ½x"), min_size=1, max_size=8))
def test_a_number_answer_is_ascii_digits_or_refused(text):
    """Any text: refused clearly (AnswerError), or read as the ASCII number it spells."""
    for path in ("conduct.professionalism_concerns", "status.phase", "geography.regions"):
        spec = question_for(path).spec
        try:
            value = parse(spec, text)
        except AnswerError:
            continue
        if spec.kind == "int":
            assert re.fullmatch(r"[+-]?[0-9]+", text.strip()) and value == int(text.strip())
        else:
            assert all(c.isascii() for c in text if c.isdigit())


# ---- 2. impossible dates ----------------------------------------------------------------

@pytest.mark.parametrize("when", ["2026-02-30 10:30", "0000-01-01 10:30", "2026-13-01 10:30",
                                  "2026-04-31 at 10:30", "2026-02-30T10:30", "0000-01-01T10:30-04:00"])
def test_an_impossible_date_is_refused_naming_the_answer(runner, when):
    refused(answers(runner, None, SOAP, f"status.now={when}"), "status.now:")


_DATEISH = st.one_of(
    st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}( |T| at )[0-9]{1,2}(:[0-9]{2})?( ?(am|pm|ET))?\Z"),
    st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?([+-][0-9]{2}:[0-9]{2}|Z)?\Z"),
    st.text(alphabet=st.sampled_from("0123456789-:T +Zamp٣monday"), min_size=1, max_size=20),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_DATEISH)
def test_any_date_answer_is_refused_clearly_or_a_real_moment(program, text):
    try:
        path, value = parse_assignment(f"{NOW}={text}", match_week(program.book))
        data = checked(put({}, path, value))
    except AnswerError:
        return
    assert data["status"]["now"]


# ---- 3. anchors, aliases and merge keys in the file saved into ------------------------------

ALIASED = """\
schema: soaprules/profile@1
status: {phase: soap, soap_eligible: true}
exams:
  step1: &e {result: pass, attempts: 1}
  step2: *e
"""
MERGED = """\
schema: soaprules/profile@1
status: {phase: soap, soap_eligible: true}
exams:
  step1: &e {result: pass, attempts: 1}
  step2:
    <<: *e
    score: 230
"""


@pytest.mark.parametrize("text", [ALIASED, MERGED], ids=["alias", "merge"])
@pytest.mark.parametrize("answer", ["exams.step2.attempts=2", "exams.step1.attempts=2", "exams.step2.result=fail"])
def test_an_answer_changes_only_its_own_path_of_a_shared_node(runner, tmp_path, text, answer):
    target = tmp_path / "shared.yaml"
    target.write_text(text)
    before = reloaded(target)
    path, value = parse_assignment(answer)
    result = answers(runner, target, answer, yes=True)
    assert result.exit_code == 0, result.output
    assert reloaded(target) == checked(put(before, path, value))  # reads back; nothing else changed


@pytest.mark.parametrize("change", [lambda d: put(d, "academics.honors", 4),
                                    lambda d: {k: v for k, v in d.items() if k != "academics"}],
                         ids=["changed", "removed"])
def test_a_merged_section_of_the_root_is_changed_or_removed_for_good(tmp_path, change):
    """A merged key deleted in place would come back with the merge on the next read."""
    target = tmp_path / "root.yaml"
    target.write_text("schema: soaprules/profile@1\nstatus: {phase: soap}\n<<: {academics: {honors: 3}}\n")
    data = change(reloaded(target))
    store.save(target, data)
    assert reloaded(target) == checked(data)


# ---- 4. text is written so it reads back as that text -----------------------------------------

@pytest.mark.parametrize("name", ["new.yaml", "new.json", "old.yaml"])
@pytest.mark.parametrize("text", ["1e3", "1E+5", "1.5e3", ".5e3", "-2e-3", "1e3_x"])
def test_number_shaped_text_is_saved_as_text(runner, tmp_path, name, text):
    target = tmp_path / name
    if name.startswith("old"):
        target.write_text("schema: soaprules/profile@1\nstatus:\n  phase: soap\n")
    result = answers(runner, target, f"applicant.id={text}", *([] if name.startswith("old") else [SOAP]), yes=True)
    assert result.exit_code == 0, result.output
    assert reloaded(target)["applicant"]["id"] == text


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=64))
def test_any_text_answer_is_refused_or_reads_back_exactly(text):
    """Into a new file, an existing one (round-trip) and a JSON one: the very value answered."""
    try:
        path, value = parse_assignment(f"applicant.id={text}")
        data = checked(put({"status": {"phase": "soap"}}, path, value))
    except AnswerError:
        return
    with tempfile.TemporaryDirectory() as folder:
        for name in ("new.yaml", "old.yaml", "p.json"):
            target = Path(folder) / name
            if name.startswith("old"):
                target.write_text("schema: soaprules/profile@1\napplicant:\n  id: x  # kept\n")
            store.save(target, data)
            assert reloaded(target)["applicant"]["id"] == value, target.read_text()


def test_a_text_that_would_not_read_back_is_never_written(tmp_path, monkeypatch):
    """The last guard: whatever the writer got wrong, the file is checked before it is written."""
    target = tmp_path / "g.yaml"
    monkeypatch.setattr(store, "_needs_quotes", lambda value: False)  # a writer that forgets to quote
    with pytest.raises(AnswerError, match="g.yaml: the answers cannot be saved .*applicant.id must be text"):
        store.save(target, {"applicant": {"id": "1e3"}})
    assert not target.exists()


# ---- 5. control and bidi characters --------------------------------------------------------

@pytest.mark.parametrize("char", ["\x1b", "\u202e", "\u2028", "\x85", "\u200b", "\x1f"])
def test_control_characters_in_an_answer_are_refused_and_never_echoed(runner, tmp_path, char):
    target = tmp_path / "c.yaml"
    for answer in (f"applicant.id=a{char}[2Jb", f"applicant.id=ab{char}", f"applicant.id{char}=ab"):
        result = answers(runner, target, SOAP, answer)
        refused(result, f"U+{ord(char):04X}")
        assert char not in result.output
        assert not target.exists()


def test_a_control_character_on_standard_input_names_its_line(runner):
    result = answers(runner, None, stdin="status.phase=soap\napplicant.id=a\u2028b\n")
    refused(result, "standard input line 2", "U+2028")


def test_a_control_character_at_the_prompt_is_asked_again(runner, tmp_path):
    target = tmp_path / "i.yaml"
    result = runner.invoke(main, ["assess", "--profile", str(target)], input="so\x1bap\nsoap\nstop\n")
    assert result.exit_code == 0 and "U+001B" in flat(result.stderr) and "\x1b" not in result.stderr
    assert reloaded(target)["status"] == {"phase": "soap"}


@settings(max_examples=300, deadline=None)
@given(st.characters(exclude_categories=["Cs"]))
def test_answers_refuse_exactly_what_profiles_refuse(char):
    """A text answer holding one character is refused for it iff a profile would be."""
    if char.isspace() and not _CONTROL.match(char):
        return  # ordinary white space, such as a tab: kept inside text, as in a profile
    try:
        parse_assignment(f"applicant.id=a{char}b")
    except AnswerError as exc:
        assert _CONTROL.match(char) and f"U+{ord(char):04X}" in str(exc)
    else:
        assert not _CONTROL.match(char)


# ---- 6. a JSON profile stays JSON ----------------------------------------------------------

JSON_PROFILE = '{"schema": "soaprules/profile@1", "status": {"phase": "soap"}, "academics": {"honors": 3}}'


def test_a_new_json_profile_is_json(runner, tmp_path):
    target = tmp_path / "new.JSON"
    result = answers(runner, target, SOAP, "applicant.id=Ana ü")
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    assert text.endswith("}\n") and "Ana ü" in text  # UTF-8, not \u escapes
    assert list(json.loads(text)) == ["schema", "applicant", "status"]  # schema first, then schema order
    assert stat.S_IMODE(target.stat().st_mode) == 0o600  # written as the YAML is: atomically, private
    assert reloaded(target) == {"applicant": {"id": "Ana ü"}, "status": {"phase": "soap"}}


def test_saving_into_a_json_profile_keeps_it_json_and_every_other_answer(runner, tmp_path):
    target = tmp_path / "me.json"
    target.write_text(JSON_PROFILE)
    result = answers(runner, target, "status.soap_eligible=yes", yes=True)
    assert result.exit_code == 0, result.output
    saved = json.loads(target.read_text())
    assert saved == {"schema": "soaprules/profile@1", "status": {"phase": "soap", "soap_eligible": True},
                     "academics": {"honors": 3}}
    assert reloaded(target) == {k: v for k, v in saved.items() if k != "schema"}
    assert not [p for p in tmp_path.iterdir() if p.name != "me.json"]  # no temporary file left
