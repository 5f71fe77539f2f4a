"""A batch results file read back (cohort FILE.jsonl, a batch rerun): every record checked
against the shape batch writes, so a torn, edited, concatenated or foreign file is refused
where it is wrong, and never becomes an internal error or a board no evaluation made."""
from __future__ import annotations

import json
import shutil

import pytest

from hypothesis import HealthCheck, given, settings, strategies as st

from soaprules.cli.main import main
from soaprules.cohort import batch, results
from soaprules.packs.load import DEFAULT_RULES_DIR
from soaprules.pipeline import advise
from conftest import FIXTURES
from strategies import profiles

PROFILES = sorted((FIXTURES / "profiles").glob("*.yaml"))


def _results(tmp_path, runner, count=len(PROFILES)):
    folder = tmp_path / "in"
    folder.mkdir()
    for p in PROFILES[:count]:
        shutil.copy(p, folder / p.name)
    out = tmp_path / "r.jsonl"
    assert runner.invoke(main, ["batch", str(folder), "--out", str(out)]).exit_code == 0
    return out


def _line_of(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=batch._plain) + "\n"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profiles())
def test_every_record_batch_writes_for_a_valid_profile_has_the_checked_shape(program, profile):
    record = {"source": "p.yaml", "status": "ok", "advice": advise(profile, program), "input_sha256": "0" * 64}
    assert results.problems(results.parse(_line_of(record).encode())) == []


@pytest.mark.parametrize("status", [[], {}, ["ok"], 1, None, "OK"])
def test_a_status_that_is_not_ok_or_error_is_named_whatever_its_type(status):
    """A list or object where the status belongs is refused as a status, not a crash (it
    cannot be looked up as a key)."""
    ((where, message),) = results.problems({"source": "p.yaml", "status": status})
    assert where == ("status",) and message.startswith("status must be 'ok' or 'error', not ")


def test_the_shipped_fixtures_records_read_back_whole(tmp_path, runner):
    out = _results(tmp_path, runner)
    read = results.read(out)
    assert [r["source"] for r in read] == [json.loads(line)["source"] for line in out.read_text().splitlines()]


# ---- mutations: whatever is done to one record, the answer is a positioned refusal or a board

def _locations(node, at=()):
    """Every (path, container) a mutation can touch, parents before children."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield at + (key,)
            yield from _locations(value, at + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield at + (i,)
            yield from _locations(value, at + (i,))


def _parent(record, loc):
    node = record
    for part in loc[:-1]:
        node = node[part]
    return node


REPLACEMENTS = st.sampled_from([None, 7, -1, "x", "", True, [], {}, ["x"], {"x": 1}, 1.5])


@st.composite
def mutations(draw, lines: list[str]):
    index = draw(st.integers(0, len(lines) - 1))
    record = json.loads(lines[index])
    spots = list(_locations(record))
    loc = draw(st.sampled_from(spots))
    parent = _parent(record, loc)
    how = draw(st.sampled_from(["delete", "replace", "add"]))
    if how == "delete":
        del parent[loc[-1]]
    elif how == "replace":
        parent[loc[-1]] = draw(REPLACEMENTS)
    elif isinstance(parent, dict):
        parent["unheard_of"] = draw(REPLACEMENTS)
    else:
        parent.append(draw(REPLACEMENTS))
    return index, json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def test_a_mutated_record_is_refused_on_its_line_or_boarded_never_a_crash(tmp_path_factory, runner):
    tmp = tmp_path_factory.mktemp("mut")
    lines = _results(tmp, runner, count=6).read_text(encoding="utf-8").splitlines(keepends=True)

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                      HealthCheck.function_scoped_fixture])
    @given(mutations(lines))
    def check(mutation):
        index, changed = mutation
        path = tmp / "m.jsonl"
        path.write_text("".join(lines[:index] + [changed] + lines[index + 1:]), encoding="utf-8")
        for extra in ([], ["--reports", str(tmp / "board")]):
            result = runner.invoke(main, ["cohort", str(path), *extra])
            assert result.exit_code in (0, 1), result.output
            if result.exit_code == 1:  # the line that is wrong, by number (or as the one another differs from)
                assert f"{path}:{index + 1}:" in result.output or f"line {index + 1}'s" in result.output

    check()


# ---- what one file may hold

def test_a_record_without_its_advice_is_refused_by_line_and_field(tmp_path, runner):
    out = _results(tmp_path, runner, count=3)
    lines = out.read_text().splitlines(keepends=True)
    record = json.loads(lines[1])
    del record["advice"]
    out.write_text(lines[0] + _line_of(record) + lines[2])
    result = runner.invoke(main, ["cohort", str(out)])
    assert result.exit_code == 1
    assert f"{out}:2:1" in result.output and "advice is missing" in result.output


def test_a_record_given_twice_is_refused_naming_both_lines(tmp_path, runner):
    out = _results(tmp_path, runner, count=2)
    lines = out.read_text().splitlines(keepends=True)
    out.write_text("".join(lines + [lines[0]]))
    result = runner.invoke(main, ["cohort", str(out)])
    assert result.exit_code == 1 and f"{out}:3:1" in result.output and "line 1" in result.output


def test_records_of_two_pack_versions_are_not_one_board(tmp_path, runner):
    out = _results(tmp_path, runner, count=2)
    lines = out.read_text().splitlines(keepends=True)
    record = json.loads(lines[1])
    record["advice"]["packs"][0]["sha256"] = "f" * 64
    out.write_text(lines[0] + _line_of(record))
    result = runner.invoke(main, ["cohort", str(out)])
    assert result.exit_code == 1 and f"{out}:2:1" in result.output and "line 1" in result.output


def test_repeated_keys_and_non_numbers_are_not_json_records(tmp_path, runner):
    out = _results(tmp_path, runner, count=1)
    line = out.read_text()
    for bad in (line.replace('"status":"ok"', '"status":"ok","status":"ok"', 1),
                line.replace('"stratum":0', '"stratum":NaN', 1)):
        assert bad != line
        out.write_text(bad)
        result = runner.invoke(main, ["cohort", str(out)])
        assert result.exit_code == 1 and f"{out}:1:" in result.output


def test_a_resumed_batch_refuses_a_broken_record_and_leaves_the_file_alone(tmp_path, runner):
    out, folder = _results(tmp_path, runner, count=3), tmp_path / "in"
    lines = out.read_text().splitlines(keepends=True)
    broken = json.loads(lines[1])
    broken["advice"]["recommendations"] = "none"
    out.write_text(lines[0] + _line_of(broken) + lines[2])
    before = out.read_bytes()
    result = runner.invoke(main, ["batch", str(folder), "--out", str(out)])
    assert result.exit_code == 2 and f"{out}:2:1" in result.output and "recommendations" in result.output
    assert out.read_bytes() == before


def test_a_resumed_batch_refuses_a_file_that_already_mixes_pack_versions(tmp_path, runner):
    out, folder = _results(tmp_path, runner, count=3), tmp_path / "in"
    lines = out.read_text().splitlines(keepends=True)
    other = json.loads(lines[2])
    other["advice"]["packs"][0]["version"] = "0.0.1"
    out.write_text(lines[0] + lines[1] + _line_of(other))
    before = out.read_bytes()
    result = runner.invoke(main, ["batch", str(folder), "--out", str(out), "--pack", str(DEFAULT_RULES_DIR)])
    assert result.exit_code == 2 and f"{out}:3:1" in result.output and "line 1" in result.output
    assert out.read_bytes() == before
