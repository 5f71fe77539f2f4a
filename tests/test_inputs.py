"""Bad profile files: each a positioned error (file, line, field, did-you-mean), exit 1,
never a traceback, never a partial output file."""
from __future__ import annotations

import pytest

from soaprules.cli.main import main

from diagnostics_seen import names_place
from soaprules.errors import InputFileError, ProfileError
from soaprules.profile.load import load_profile

HEAD = "schema: soaprules/profile@1\n"


def _write(tmp_path, text: str | bytes, name="p.yaml"):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


CASES = [
    # (file content, line, substring of the message, suggestion)
    (HEAD + "clinical:\n  evaluatons: strong\n", 3, "unknown field 'evaluatons'", "evaluations"),
    (HEAD + "clinical:\n  evaluations: stong\n", 3, "'stong' is not an allowed value", "strong"),
    (HEAD + "target:\n  specialty: orthopedics\n", 3, "'orthopedics' is not an allowed value", "orthopedic_surgery"),
    (HEAD + "exams:\n  step2: {score: high}\n", 3, "must be a whole number", None),
    (HEAD + "exams:\n  step2: {score: 400}\n", 3, "at most 300", None),
    (HEAD + "status:\n  now: 2026-03-16T10:30:00\n", 3, "UTC offset", None),
    (HEAD + "applicant: [us_md]\n", 2, "must be a mapping", None),
    (HEAD + "applicant:\n  type: us_md\n  type: us_do\n", 4, "duplicate key 'type'", None),
    (HEAD + "applicant: {type: us_md\n", 3, "malformed YAML", None),
    (HEAD + "academics: {honors: .nan}\n", 2, "not a usable number", None),
    # Escapes that put a terminal sequence, an overwritten line or reversed text in a value
    (HEAD + 'applicant:\n  id: "\\e[2J\\e[31mPWN"\n', 3, "control character U+001B", None),
    (HEAD + 'applicant:\n  id: "A-1\\rA-2"\n', 3, "control character U+000D", None),
    (HEAD + 'applicant: {"id": "A\\u202eB"}\n', 2, "control character U+202E", None),
    ("", 1, "the file is empty", None),
    ("- a\n- b\n", 1, "must be a mapping, not a list", None),
    ("applicant: {type: us_md}\n", 1, "required field 'schema' is missing", None),
]


@pytest.mark.parametrize("text,line,message,suggestion", CASES)
def test_bad_profile_is_positioned(tmp_path, text, line, message, suggestion):
    path = _write(tmp_path, text)
    with pytest.raises((ProfileError, InputFileError)) as info:
        load_profile(path)
    diag = next(d for d in info.value.diagnostics if message in d.message)
    assert diag.file == str(path) and diag.position.line == line
    assert diag.suggestion == suggestion


@pytest.mark.parametrize("at", ["status:\n  now: 9999-12-31T23:59:59-04:00\n",
                                "status:\n  now: 0001-01-01T00:00:00+14:00\n",
                                "status:\n  now: 1999-12-31T23:59:00-05:00\n",
                                "soap_week:\n  program_contacts:\n    - {at: 2101-01-01T00:00:00-05:00}\n"])
def test_a_clock_outside_any_match_cycle_is_refused_where_it_stands_not_crashed_on(tmp_path, runner, at):
    # At the ends of Python's range the Eastern clock overflowed: exit 4 from every command.
    path = _write(tmp_path, HEAD + at)
    result = runner.invoke(main, ["advise", str(path)])
    assert result.exit_code == 1, result.output
    assert "is not a Match cycle's" in result.output and f"{path}:{at.count(chr(10)) + 1}:" in result.output


@pytest.mark.parametrize("now", ["2000-01-01T00:00:00-05:00", "2100-12-31T23:59:59-12:00"])
def test_the_first_and_last_years_of_the_range_are_advised_on(tmp_path, runner, now):
    path = _write(tmp_path, HEAD + f"status:\n  phase: soap\n  now: {now}\n")
    assert runner.invoke(main, ["advise", str(path)]).exit_code == 0


def test_all_profile_errors_reported_at_once(tmp_path):
    path = _write(tmp_path, HEAD + "clinical:\n  evaluations: stong\napplicant:\n  typ: us_md\n")
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    assert [d.position.line for d in info.value.diagnostics] == [3, 5]


def test_non_utf8_bytes(tmp_path):
    path = _write(tmp_path, HEAD.encode() + b"applicant: {id: A-\xff1}\n")
    with pytest.raises(InputFileError) as info:
        load_profile(path)
    diag = info.value.diagnostics[0]
    assert "not valid UTF-8" in diag.message and diag.position.line == 2


def test_alias_bomb_refused_fast(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    path = _write(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(InputFileError) as info:
        load_profile(path)
    assert "expands to more than" in info.value.diagnostics[0].message


def test_json_profile_with_positions(tmp_path):
    path = _write(tmp_path, '{"schema": "soaprules/profile@1",\n "clinical": {"evaluations": "stong"}}\n', "p.json")
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    assert info.value.diagnostics[0].position.line == 2


def test_cli_bad_profile_exit_1_positioned_no_traceback_no_partial_file(tmp_path, runner):
    path = _write(tmp_path, HEAD + "clinical:\n  evaluations: stong\n")
    out = tmp_path / "report.json"
    result = runner.invoke(main, ["advise", str(path), "--format", "json", "-o", str(out)])
    assert result.exit_code == 1
    assert names_place(result.output, f"{path}:3:16") and '"suggestion": "strong"' in result.output
    assert "Traceback" not in result.output
    assert not out.exists() and not list(tmp_path.glob(".report.json*"))


def test_cli_usage_error_exit_2(runner):
    assert runner.invoke(main, ["advise"]).exit_code == 2
    assert runner.invoke(main, ["advise", "x.yaml", "--format", "pdf"]).exit_code == 2


def test_cli_missing_file_exit_1(runner, tmp_path):
    result = runner.invoke(main, ["advise", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1 and "no such file" in result.output


# YAML 1.1 readings, type-changing tags, conversions that fail, impossible dates, huge
# numbers: each a positioned error at the value, never a silent reading, never a traceback.
SCALARS = [
    ("exams:\n  step2: {score: 0244}\n", "0244"),          # octal 164 in YAML 1.1
    ("status:\n  now: 2026-03-16T10:30:00-000\n", "-000"),  # an offset PyYAML's own pattern rejects (fuzz)
    ("exams:\n  step2: {score: 0o244}\n", "0o244"),
    ("exams:\n  step2: {score: 2_44}\n", "2_44"),
    ("exams:\n  step2: {score: 3:54}\n", "3:54"),          # base 60: 234 in YAML 1.1
    ("exams:\n  step2: {score: true}\n", "true"),          # a bool is not a number
    ("applicant:\n  visa_required: 1\n", "required: 1"),   # nor a number a bool
    ("applicant:\n  visa_required: yes\n", "yes"),
    ("applicant:\n  visa_required: Off\n", "Off"),
    ("applicant:\n  visa_required: 'true'\n", "'true'"),   # text is neither
    ("exams:\n  step2: {score: !!int abc}\n", "!!int"),
    ("exams:\n  step2: {score: !!float x}\n", "!!float"),
    ("applicant:\n  visa_required: !!bool x\n", "!!bool"),
    ("status:\n  now: !!timestamp garbage\n", "!!timestamp"),
    ("red_flags: !!seq x\n", "!!seq"),
    ("red_flags: !!set {a: null}\n", "!!set"),
    ("applicant: !!binary aGVsbG8=\n", "!!binary"),
    ("applicant:\n  id: !!python/object/apply:os.system [echo]\n", "!!python"),
    ("applicant:\n  id: !custom x\n", "!custom"),
    ("status:\n  now: 2026-02-30T09:00:00-05:00\n", "2026-02-30"),
    ("status:\n  now: 2026-13-16T09:00:00-04:00\n", "2026-13-16"),
    ("status:\n  now: 2026-03-16T25:00:00-04:00\n", "25:00"),
    ("exams:\n  step2: {score: " + "9" * 4400 + "}\n", "9999"),
    ("exams:\n  step2: {score: -" + "9" * 40 + "}\n", "-999"),
]


@pytest.mark.parametrize("body,token", SCALARS, ids=[t[:20] for _, t in SCALARS])
def test_scalar_readings_are_refused_positioned(tmp_path, runner, body, token):
    path = _write(tmp_path, HEAD + body)
    line = next(i for i, text in enumerate((HEAD + body).splitlines(), 1) if token in text)
    with pytest.raises((InputFileError, ProfileError)) as err:
        load_profile(path)
    diag = err.value.diagnostics[0]
    assert diag.file == str(path) and diag.position and diag.position.line == line
    result = runner.invoke(main, ["advise", str(path), "--format", "json"])
    assert result.exit_code != 0 and result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("body,value", [
    ("exams:\n  step2: {score: 244}\n", 244),
    ("exams:\n  step2: {score: !!int 244}\n", 244),        # a tag naming the value's own type
    ("applicant:\n  id: !!str 0244\n", "0244"),            # !!str makes anything text
    ("applicant:\n  id: '0244'\n", "0244"),
    ("applicant:\n  id: 'yes'\n", "yes"),
])
def test_plain_values_and_harmless_tags_read_as_written(tmp_path, body, value):
    profile, _ = load_profile(_write(tmp_path, HEAD + body))
    got = profile.exams.step2.score if "score" in body else profile.applicant.id
    assert got == value and type(got) is type(value)
