"""The error corpus: every bad pack in tests/packs/ and bad profile in tests/profiles/,
with the diagnostics a user sees snapshotted beside it (`bad_x.yaml` -> `bad_x.expected`),
as semgrep's rule-parser tests do. A change in what a user reads shows up as a diff here.

Beyond the snapshot, each case is held to the error contract: a non-zero exit, no
traceback, and in JSON every diagnostic with a file, a line, a span, a stable code and a
message. The parser's own words (PyYAML's "while parsing ...") are not snapshotted: they
are the library's, and change with it.

Refresh after an intended change: SOAPRULES_SNAPSHOTS=update python -m pytest tests/test_error_corpus.py
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from soaprules.cli.main import main

HERE = Path(__file__).parent
PACKS = sorted((HERE / "packs").glob("bad_*.yaml"))
PROFILES = sorted((HERE / "profiles").glob("bad_*.yaml"))
CASES = [pytest.param("lint", p, id=f"pack-{p.stem}") for p in PACKS] + \
        [pytest.param("advise", p, id=f"profile-{p.stem}") for p in PROFILES]
PARSER_WORDS = re.compile(r"(malformed YAML/JSON:).*")


def _run(command: str, path: Path, *extra: str):
    rel = path.relative_to(HERE.parent)  # paths in the output as a user in the checkout types them
    cwd = os.getcwd()
    os.chdir(HERE.parent)
    try:
        return CliRunner().invoke(main, [command, str(rel), *extra])
    finally:
        os.chdir(cwd)


def _shown(result) -> str:
    text = f"exit {result.exit_code}\n{result.stderr}{result.stdout}"
    return PARSER_WORDS.sub(r"\1 <the parser's words>", text)


def test_the_corpus_covers_both_kinds():
    assert len(PACKS) >= 8 and len(PROFILES) >= 8


@pytest.mark.parametrize("command,path", CASES)
def test_what_the_user_reads_is_the_snapshot(command, path):
    result = _run(command, path)
    shown = _shown(result)
    snapshot = path.with_suffix(".expected")
    if os.environ.get("SOAPRULES_SNAPSHOTS") == "update":
        snapshot.write_text(shown, encoding="utf-8")
    assert snapshot.exists(), f"no snapshot {snapshot.name}: run with SOAPRULES_SNAPSHOTS=update"
    assert shown == snapshot.read_text(encoding="utf-8")


@pytest.mark.parametrize("command,path", CASES)
def test_every_diagnostic_is_positioned_coded_and_spanned(command, path):
    result = _run(command, path, "--format", "json")
    assert result.exit_code not in (0, 4) and result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    doc = json.loads(result.stderr if command == "advise" else result.stdout)
    found = doc["diagnostics"] if command == "advise" else [f for f in doc["findings"] if f["severity"] == "error"]
    assert found, "a bad file yields at least one error"
    for d in found:
        assert d["file"] == str(path.relative_to(HERE.parent)) and d["line"] >= 1 and d["column"] >= 1
        assert d["message"] and re.fullmatch(r"[a-z-]+(\.[a-z_-]+)?", d["code"]), d
        if "end_line" in d:  # a span ends at or after its start
            assert (d["end_line"], d["end_column"]) >= (d["line"], d["column"])


RULE = {"id": "c-1", "title": "Low score", "when": {"exams.step2.score": {"lt": 200}},
        "then": {"derive": {"low_score": True}}, "cites": ["RS-04"],
        "sources": [{"seed": "nrmp", "quote": "a short quote"}]}


@pytest.mark.parametrize("field", [k for k in RULE if k != "id"])  # a rule without id has none to name
def test_a_misspelt_required_field_is_one_error_that_names_it(field, tmp_path):
    rule = {(k + "x" if k == field else k): v for k, v in RULE.items()}
    pack = tmp_path / "p.yaml"
    pack.write_text(json.dumps({"pack": "soaprules/pack@1", "name": "m", "version": "1", "description": "d",
                                "rules": [rule]}))
    result = CliRunner().invoke(main, ["lint", str(pack), "--format", "json"])
    errors = [f for f in json.loads(result.stdout)["findings"] if f["severity"] == "error"]
    assert len(errors) == 1 and errors[0]["suggestion"] == field, errors


def test_the_line_shown_is_the_line_loaded_not_the_file_read_again(tmp_path):
    """A profile saved again between the load and the report: the snippet is what was read."""
    import io

    from soaprules.errors import SoapError
    from soaprules.profile.load import load_profile
    from soaprules.render.errors import render as render_errors

    path = tmp_path / "p.yaml"
    path.write_text("schema: soaprules/profile@1\ntarget:\n  specialty: neurologyy\n")
    with pytest.raises(SoapError) as err:
        load_profile(path)
    path.write_text("schema: soaprules/profile@1\ntarget:\n  specialty: rewritten_since\n")
    shown = io.StringIO()
    render_errors(err.value.diagnostics, shown)
    assert "specialty: neurologyy" in shown.getvalue() and "rewritten_since" not in shown.getvalue()
