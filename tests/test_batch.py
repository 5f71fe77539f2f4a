"""`soaprules batch`: one whole record per profile, bad profiles become error records,
a crash or Ctrl-C loses nothing, and --jobs N writes the bytes --jobs 1 writes."""
from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from soaprules.cohort import batch
from soaprules.cli.main import main
from soaprules.cohort.board import board
from soaprules.packs.load import DEFAULT_RULES_DIR
from conftest import shipped_piles
from synthetic import profile_dict, write_cohort

HEAD = "schema: soaprules/profile@1\n"


def _records(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def small(tmp_path):
    """Six profiles in two folders, the fourth (in sorted order) misspelling a field."""
    d = tmp_path / "cohort"
    write_cohort(d / "a", 3, seed=1, presence=0.6)
    write_cohort(d / "b", 3, seed=2, presence=0.6)
    (d / "b" / "p00000.yaml").write_text(HEAD + "clinical:\n  evaluatons: strong\n")
    (d / "notes.txt").write_text("not a profile")
    return d


def test_bad_profile_is_an_error_record_naming_file_and_field_and_the_batch_goes_on(small, tmp_path, runner):
    out = tmp_path / "results.jsonl"
    result = runner.invoke(main, ["batch", str(small), "--out", str(out)])
    assert result.exit_code == 1, result.output  # every record written, and a script told some input was bad
    records = _records(out)
    assert [r["source"] for r in records] == ["a/p00000.yaml", "a/p00001.yaml", "a/p00002.yaml",
                                              "b/p00000.yaml", "b/p00001.yaml", "b/p00002.yaml"]
    assert [r["status"] for r in records] == ["ok", "ok", "ok", "error", "ok", "ok"]
    error = records[3]["errors"][0]
    assert error["file"] == str(small / "b" / "p00000.yaml") and error["line"] == 3
    assert error["path"] == "clinical.evaluatons" and error["suggestion"] == "evaluations"
    assert records[0]["advice"]["schema"] == "soaprules/advice@1"
    assert "5 results, 1 error records" in result.output  # the summary goes to stderr


def test_jsonl_input_errors_point_at_the_line_of_the_file(tmp_path):
    good = json.dumps(profile_dict(0, seed=3))
    src = tmp_path / "cohort.jsonl"
    src.write_bytes((good + "\n\n" + '{"schema": "soaprules/profile@1", "clinical": {"evaluations": "stong"}}\n'
                     + good.replace("S-00000", "S-00009") + "\n").encode()
                    + b'{"schema": "soaprules/profile@1", "applicant": {"id": "A-\xff"}}\n')
    out = tmp_path / "r.jsonl"
    batch.run(src, out)
    records = _records(out)
    assert [r["source"] for r in records] == ["cohort.jsonl:1", "cohort.jsonl:3", "cohort.jsonl:4", "cohort.jsonl:5"]
    bad = records[1]["errors"][0]
    assert (bad["file"], bad["line"], bad["path"], bad["suggestion"]) == (str(src), 3, "clinical.evaluations",
                                                                          "strong")
    assert records[2]["advice"]["profile_id"] == "S-00009"
    assert records[3]["status"] == "error" and "UTF-8" in records[3]["errors"][0]["message"]
    assert records[3]["errors"][0]["line"] == 5


def test_torn_last_line_is_dropped_and_the_rerun_finishes_identically(small, tmp_path):
    full, cut = tmp_path / "full.jsonl", tmp_path / "cut.jsonl"
    batch.run(small, full)
    lines = full.read_bytes().splitlines(keepends=True)
    cut.write_bytes(b"".join(lines[:2]) + lines[2][: len(lines[2]) // 2])  # a crash in mid-write
    summary = batch.run(small, cut)
    assert summary.dropped_torn_line and summary.skipped == 2 and summary.ok + summary.errors == 4
    assert cut.read_bytes() == full.read_bytes()
    again = batch.run(small, cut)
    assert again.skipped == 6 and again.ok == again.errors == 0
    assert cut.read_bytes() == full.read_bytes()


def test_ctrl_c_keeps_whole_lines_and_the_rerun_finishes(small, tmp_path, runner, monkeypatch):
    full, out = tmp_path / "full.jsonl", tmp_path / "r.jsonl"
    batch.run(small, full)
    real, seen = batch.record, []

    def interrupted(task, packs):
        if len(seen) == 3:
            raise KeyboardInterrupt
        seen.append(task)
        return real(task, packs)

    monkeypatch.setattr(batch, "record", interrupted)
    result = runner.invoke(main, ["batch", str(small), "--out", str(out)])
    assert result.exit_code == 130 and "Run the same command again" in result.output
    assert len(_records(out)) == 3
    monkeypatch.setattr(batch, "record", real)
    assert runner.invoke(main, ["batch", str(small), "--out", str(out)]).exit_code == 1
    assert out.read_bytes() == full.read_bytes()


def test_sigterm_keeps_whole_lines_says_so_and_the_rerun_finishes(small, tmp_path, runner, monkeypatch):
    """A `kill` (a scheduler's time limit, a closing session) unwinds as Ctrl-C does: whole
    records, a line saying to run again, the shell's 143; it used to end with no word."""
    import signal
    full, out = tmp_path / "full.jsonl", tmp_path / "r.jsonl"
    batch.run(small, full)
    real, seen = batch.record, []

    def killed(task, packs):
        if len(seen) == 3:
            os.kill(os.getpid(), signal.SIGTERM)
        seen.append(task)
        return real(task, packs)

    before = signal.getsignal(signal.SIGTERM)
    monkeypatch.setattr(batch, "record", killed)
    result = runner.invoke(main, ["batch", str(small), "--out", str(out)])
    assert result.exit_code == 143 and "terminated" in result.output and "Run the same command again" in result.output
    assert signal.getsignal(signal.SIGTERM) is before  # put back for whatever runs next
    assert 3 <= len(_records(out)) < 6
    monkeypatch.setattr(batch, "record", real)
    assert runner.invoke(main, ["batch", str(small), "--out", str(out)]).exit_code == 1
    assert out.read_bytes() == full.read_bytes()


def test_jobs_write_the_same_bytes_as_one_job(small, tmp_path):
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    batch.run(small, one, jobs=1)
    batch.run(small, two, jobs=2)
    assert two.read_bytes() == one.read_bytes()


# Workers are forked only from a process of one thread (batch.can_fork): a pytest worker
# has more (xdist's), so the fork path runs in a fresh interpreter, changed from inside.
_IN_A_FRESH_PROCESS = """
import os, sys
from soaprules import pipeline
from soaprules.cohort import batch
from soaprules.errors import SoapError
assert batch.can_fork(), "this process should be able to fork"
mode, cohort, out = sys.argv[1:4]
pipeline.program_for()  # compiled here, before the batch
parent, real = os.getpid(), batch.record

def compile_again(paths):
    raise AssertionError("compiled in a worker")

def changed(task, packs):
    rec = real(task, packs)
    forked = os.getpid() != parent
    if mode == "die" and forked and rec["source"].endswith("p00002.yaml"):
        os._exit(3)  # as a crash in the engine would
    return {**rec, "forked": forked} if mode == "mark" else rec

pipeline._load_or_compile = compile_again
batch.record = changed  # a forked worker runs this; a spawned one imports its own
try:
    batch.run(cohort, out, jobs=2)
except SoapError as exc:
    print(exc.diagnostics[0].message)
    sys.exit(9)
"""


def _fresh(mode: str, cohort, out) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _IN_A_FRESH_PROCESS, mode, str(cohort), str(out)],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux only")
def test_workers_are_forks_of_the_warm_parent_and_never_compile(small, tmp_path):
    out = tmp_path / "r.jsonl"
    done = _fresh("mark", small, out)
    assert done.returncode == 0, done.stderr[-1500:]
    records = _records(out)
    assert len(records) == 6 and all(r["forked"] for r in records)  # every record was made by a fork
    assert [r.get("kind") for r in records if r["status"] == "error"] == ["profile"]  # and none compiled


def test_another_thread_means_spawned_workers_and_the_same_bytes(small, tmp_path, monkeypatch):
    import threading
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    batch.run(small, one, jobs=1)
    parent, real = os.getpid(), batch.record
    monkeypatch.setattr(batch, "record", lambda task, packs: {**real(task, packs), "forked": os.getpid() != parent})
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not batch.can_fork()  # a fork now could copy that thread's locks mid-use
        batch.run(small, two, jobs=2)
    finally:
        stop.set()
        other.join()
    assert two.read_bytes() == one.read_bytes()  # spawned workers: the unchanged record, no "forked" field


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux only")
def test_a_worker_that_dies_stops_the_batch_keeping_whole_lines(small, tmp_path):
    full, out = tmp_path / "full.jsonl", tmp_path / "r.jsonl"
    batch.run(small, full, jobs=1)
    done = _fresh("die", small, out)
    assert done.returncode == 9 and "worker process died" in done.stdout, (done.stdout, done.stderr[-1500:])
    assert full.read_bytes().startswith(out.read_bytes())  # whole lines, the first ones, nothing else
    assert _fresh("keep", small, out).returncode == 0  # the rerun finishes it
    assert out.read_bytes() == full.read_bytes()


def test_resuming_with_changed_packs_is_refused(small, tmp_path, runner):
    out = tmp_path / "r.jsonl"
    rules = tmp_path / "rules"
    rules.mkdir()
    for f in ("core.yaml", "heuristics.yaml"):
        (rules / f).write_text((DEFAULT_RULES_DIR / f).read_text())
    assert runner.invoke(main, ["batch", str(small), "--out", str(out), "--pack", str(rules)]).exit_code == 1
    before = out.read_bytes()
    (rules / "core.yaml").write_text((rules / "core.yaml").read_text() + "\n# edited\n")
    result = runner.invoke(main, ["batch", str(small), "--out", str(out), "--pack", str(rules)])
    assert result.exit_code == 2 and "other rule packs" in result.output
    assert out.read_bytes() == before


def test_broken_pack_fails_before_any_record(small, tmp_path, runner):
    pack = tmp_path / "bad.yaml"
    pack.write_text("pack: soaprules/pack@1\nname: bad\nversion: '1'\ndescription: d\nrules: [{id: x}]\n")
    out = tmp_path / "r.jsonl"
    result = runner.invoke(main, ["batch", str(small), "--out", str(out), "--pack", str(pack)])
    assert result.exit_code == 1 and f"{pack}:5" in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_missing_input_is_exit_1(tmp_path, runner):
    result = runner.invoke(main, ["batch", str(tmp_path / "nope"), "--out", str(tmp_path / "r.jsonl")])
    assert result.exit_code == 1 and "no such file or directory" in result.output


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal_only(small, tmp_path):
    tty, pipe = _Terminal(), io.StringIO()
    batch.run(small, tmp_path / "a.jsonl", progress_to=tty)
    batch.run(small, tmp_path / "b.jsonl", progress_to=pipe)
    assert "6/6  1 errors" in tty.getvalue() and "\r[" in tty.getvalue()
    assert pipe.getvalue() == ""


# ---- the Must-show: 5,000 profiles, 50 broken, killed mid-run ----------------------------

COHORT, BROKEN = 5000, 50


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    d = tmp_path_factory.mktemp("cohort5000")
    bad = write_cohort(d / "profiles", COHORT, seed=7, broken=BROKEN, presence=0.35, suffix=".json")
    shutil.copytree(DEFAULT_RULES_DIR, d / "rules")  # a snapshot: rules/ may change while the test runs
    return d, bad


def _batch_cmd(d, out, jobs):
    return [sys.executable, "-m", "soaprules", "batch", str(d / "profiles"), "--out", str(out),
            "--jobs", str(jobs), "--pack", str(d / "rules")]


@pytest.mark.slow
def test_cohort_of_5000_with_50_broken_files_killed_and_rerun(cohort):
    d, bad = cohort
    whole, killed = d / "whole.jsonl", d / "killed.jsonl"
    done = subprocess.run(_batch_cmd(d, whole, 2), capture_output=True, text=True, timeout=900)
    # every record is written, and exit 1 tells a script that 50 inputs were bad
    assert done.returncode == 1 and f"{BROKEN} error records" in done.stderr, done.stderr[-2000:]
    records = _records(whole)
    ok = [r for r in records if r["status"] == "ok"]
    errors = [r for r in records if r["status"] == "error"]
    assert (len(records), len(ok), len(errors)) == (COHORT, COHORT - BROKEN, BROKEN)
    assert sorted(r["source"] for r in errors) == sorted(bad)
    assert all(r["errors"][0]["path"] == "clinical.evaluatons" for r in errors)

    # killed like a crash: SIGKILL to the batch and its workers at once, a third of the way in
    proc = subprocess.Popen(_batch_cmd(d, killed, 2), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        while proc.poll() is None and (not killed.exists() or killed.stat().st_size < whole.stat().st_size // 3):
            time.sleep(0.05)
        assert proc.poll() is None, "the batch finished before it could be killed"
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert 0 < len(killed.read_bytes().splitlines()) < COHORT
    rerun = subprocess.run(_batch_cmd(d, killed, 2), capture_output=True, text=True, timeout=900)
    assert rerun.returncode == 1 and "error records" in rerun.stderr, rerun.stderr[-2000:]
    assert killed.read_bytes() == whole.read_bytes()

    b = board(records, shipped_piles())
    assert len(b.rows) == COHORT - BROKEN and len(b.errors) == BROKEN
    assert [r.key() for r in b.rows] == sorted(r.key() for r in b.rows)


def test_an_out_file_that_is_not_a_results_file_is_never_truncated(small, tmp_path, runner):
    out = tmp_path / "notes.jsonl"
    out.write_text("my notes\nmore notes")
    result = runner.invoke(main, ["batch", str(small), "--out", str(out)])
    assert result.exit_code == 2 and "not a soaprules batch results file" in result.output
    assert out.read_text() == "my notes\nmore notes"


def test_a_record_torn_after_a_few_bytes_is_dropped(small, tmp_path):
    full, cut = tmp_path / "full.jsonl", tmp_path / "cut.jsonl"
    batch.run(small, full)
    first = full.read_bytes().splitlines(keepends=True)[0]
    cut.write_bytes(first + b'{"so')
    assert batch.run(small, cut).dropped_torn_line
    assert cut.read_bytes() == full.read_bytes()


# ---- issue 16: resume rebuilds in input order, one writer, workers die with the parent ----

@pytest.mark.parametrize("damage", ["deleted_middle", "duplicated_block", "reordered", "torn_last",
                                    "complete_last_without_newline", "stranger_source"])
def test_a_damaged_results_file_resumes_to_the_uninterrupted_bytes(small, tmp_path, damage):
    full, out = tmp_path / "full.jsonl", tmp_path / "r.jsonl"
    batch.run(small, full)
    lines = full.read_bytes().splitlines(keepends=True)
    body = {"deleted_middle": lines[:2] + lines[3:],
            "duplicated_block": lines[:4] + lines[1:3] + lines[4:],
            "reordered": [lines[1], lines[0]] + lines[2:4],
            "torn_last": lines[:3] + [lines[3][:40]],
            "complete_last_without_newline": lines[:3] + [lines[3].rstrip(b"\n")],
            "stranger_source": lines[:2] + [lines[2].replace(b'"source":"a/p00002.yaml"', b'"source":"gone.yaml"')],
            }[damage]
    out.write_bytes(b"".join(body))
    summary = batch.run(small, out)
    assert out.read_bytes() == full.read_bytes()
    if damage == "complete_last_without_newline":
        assert not summary.dropped_torn_line and summary.skipped == 4  # the complete record was kept
    if damage == "torn_last":
        assert summary.dropped_torn_line and summary.skipped == 3


def test_a_second_batch_on_the_same_out_is_refused_naming_the_first(small, tmp_path, runner):
    out = tmp_path / "r.jsonl"
    held = batch.Lock(out)  # a first run holds the file
    try:
        result = runner.invoke(main, ["batch", str(small), "--out", str(out)])
    finally:
        held.release()
    assert result.exit_code == 2 and f"pid {os.getpid()} on " in result.output
    assert not out.exists() or out.read_bytes() == b""
    assert runner.invoke(main, ["batch", str(small), "--out", str(out)]).exit_code == 1  # released: runs


def _cohort(tmp_path, n: int):
    d = tmp_path / "cohort"
    write_cohort(d, n, seed=11, presence=0.5)
    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, rules)
    return d, rules


def _cmd(d, rules, out, jobs=1):
    return [sys.executable, "-m", "soaprules", "batch", str(d), "--out", str(out), "--jobs", str(jobs),
            "--pack", str(rules)]


def test_two_concurrent_writers_the_second_is_refused(tmp_path):
    d, rules = _cohort(tmp_path, 120)
    out = tmp_path / "r.jsonl"
    first = subprocess.Popen(_cmd(d, rules, out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while first.poll() is None and not (out.exists() and out.stat().st_size):
            time.sleep(0.02)
        assert first.poll() is None, "the first batch finished before the second started"
        # Paused while it holds the lock, so the second meets a live holder however fast the
        # first would have finished (a race CI lost once the batch got faster).
        first.send_signal(signal.SIGSTOP)
        second = subprocess.run(_cmd(d, rules, out), capture_output=True, text=True, timeout=120)
    finally:
        first.send_signal(signal.SIGCONT)
        first.wait(timeout=300)
    assert second.returncode == 2 and f"pid {first.pid} on " in second.stderr
    assert first.returncode == 0
    assert [r["source"] for r in _records(out)] == sorted(p.name for p in d.glob("*.yaml"))  # once each


def test_killed_at_20_random_points_then_resumed_is_byte_identical(tmp_path):
    import random
    d, rules = _cohort(tmp_path, 40)
    whole, out = tmp_path / "whole.jsonl", tmp_path / "killed.jsonl"
    assert subprocess.run(_cmd(d, rules, whole), capture_output=True, timeout=300).returncode == 0
    rng, total = random.Random(16), len(whole.read_bytes().splitlines())
    kills = 0
    while kills < 20:
        target = rng.randint(0, total - 1)  # lines written when killed (0: in start-up)
        proc = subprocess.Popen(_cmd(d, rules, out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while proc.poll() is None and (out.read_bytes().count(b"\n") if out.exists() else 0) < target:
            time.sleep(0.002)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kills += proc.returncode == -signal.SIGKILL
        if out.exists():
            assert len(out.read_bytes()) <= len(whole.read_bytes())
            assert whole.read_bytes().startswith(out.read_bytes().rsplit(b"\n", 1)[0])  # a prefix, in order
    assert subprocess.run(_cmd(d, rules, out), capture_output=True, timeout=300).returncode == 0
    assert out.read_bytes() == whole.read_bytes()


def test_killing_only_the_parent_leaves_no_worker_holding_the_pipes(tmp_path):
    d, rules = _cohort(tmp_path, 300)
    out = tmp_path / "r.jsonl"
    proc = subprocess.Popen(_cmd(d, rules, out, jobs=2), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        while proc.poll() is None and not (out.exists() and out.stat().st_size):
            time.sleep(0.02)
        assert proc.poll() is None
        os.kill(proc.pid, signal.SIGKILL)  # the parent alone, not its process group
        proc.communicate(timeout=30)  # returns only once every holder of the pipes is gone
    finally:
        if proc.poll() is None:
            os.killpg(os.getpgid(proc.pid), signal.SIGKILL)


def test_a_pack_saved_mid_run_stops_the_run_without_mixing(small, tmp_path, runner, monkeypatch):
    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, rules)
    out = tmp_path / "r.jsonl"
    real, seen = batch.record, []

    def edit_after_two(task, packs):
        seen.append(task)
        if len(seen) == 2:
            core = rules / "core.yaml"
            core.write_text(core.read_text() + "\n# edited mid-run\n")
        return real(task, packs)

    monkeypatch.setattr(batch, "record", edit_after_two)
    result = runner.invoke(main, ["batch", str(small), "--out", str(out), "--pack", str(rules)])
    assert result.exit_code == 1 and "changed during the run" in result.output
    shas = {json.dumps(r["advice"]["packs"]) for r in _records(out) if r["status"] == "ok"}
    assert len(_records(out)) == 1 and len(shas) == 1  # the record made after the edit was not written


def test_out_inside_the_input_directory_is_never_read_as_a_profile(small, tmp_path):
    out = small / "results.json"  # a profile suffix, inside the input
    batch.run(small, out)
    again = batch.run(small, out)
    sources = [r["source"] for r in _records(out)]
    assert "results.json" not in sources and not any(s.endswith(".lock") for s in sources)
    assert again.skipped == 6 and len(sources) == 6


def test_a_file_name_that_is_not_utf8_gets_a_record(small, tmp_path):
    name = os.fsdecode(b"caf\xe9.yaml")
    (small / "a" / name).write_text(HEAD + "applicant: {id: A-1}\n")
    out = tmp_path / "r.jsonl"
    assert batch.run(small, out).ok == 6
    records = _records(out)
    assert "a/caf\\xe9.yaml" in [r["source"] for r in records]
    assert batch.run(small, out).skipped == 7  # and the resume recognises it


# ---- where the results cannot go ---------------------------------------------------------

def test_a_device_as_out_is_refused_as_input_not_crashed_on(small, tmp_path, runner):
    out = tmp_path / "fifo.jsonl"
    os.mkfifo(out)  # neither resumable nor syncable, like /dev/full
    fd = os.open(out, os.O_RDONLY | os.O_NONBLOCK)  # a reader, so opening it to write does not block
    try:
        result = runner.invoke(main, ["batch", str(small), "--out", str(out)])
    finally:
        os.close(fd)
    assert result.exit_code == 1 and "must be a regular file" in result.output, result.output


def _uninterrupted(runner, folder, tmp_path) -> bytes:
    """The bytes one uninterrupted run writes: what a resumed file must equal."""
    whole = tmp_path / "uninterrupted.jsonl"
    assert runner.invoke(main, ["batch", str(folder), "--out", str(whole)]).exit_code == 1  # small holds one bad profile
    return whole.read_bytes()


def test_a_full_disk_mid_run_is_a_clear_error_and_the_rerun_completes_the_file(small, tmp_path, runner, monkeypatch):
    import errno
    from soaprules.cohort import batch as batch_module

    out = tmp_path / "results.jsonl"
    written = [0]
    real_write = os.write

    def write(fd, data):
        if fd > 2 and written[0] == 2:  # the third record: a torn half, then no space
            real_write(fd, bytes(data[:10]))
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        written[0] += fd > 2
        return real_write(fd, data)

    monkeypatch.setattr(batch_module.os, "write", write)
    result = runner.invoke(main, ["batch", str(small), "--out", str(out)])
    assert result.exit_code == 1 and "No space left on device" in result.output, result.output
    monkeypatch.setattr(batch_module.os, "write", real_write)
    assert runner.invoke(main, ["batch", str(small), "--out", str(out)]).exit_code == 1
    assert out.read_bytes() == _uninterrupted(runner, small, tmp_path)


# ---- a rerun never keeps a record of a profile that has changed -------------------------

def test_a_profile_edited_between_runs_is_evaluated_again_not_kept_stale(small, tmp_path, runner):
    out = tmp_path / "results.jsonl"
    assert runner.invoke(main, ["batch", str(small), "--out", str(out)]).exit_code == 1
    (small / "a" / "p00001.yaml").write_text(HEAD + "status:\n  phase: gap_year\n")  # same name, new profile
    result = runner.invoke(main, ["batch", str(small), "--out", str(out)])
    assert result.exit_code == 1, result.output
    again = {r["source"]: r for r in _records(out)}
    assert again["a/p00001.yaml"]["advice"]["phase"] == "gap_year"
    assert out.read_bytes() == _uninterrupted(runner, small, tmp_path)


def test_records_that_do_not_name_their_input_are_evaluated_again(small, tmp_path, runner):
    out = tmp_path / "results.jsonl"
    whole = _uninterrupted(runner, small, tmp_path)
    old = [json.loads(line) for line in whole.decode().splitlines()]  # as an earlier soaprules wrote them
    for rec in old:
        rec.pop("input_sha256")
    out.write_text("".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in old))
    result = runner.invoke(main, ["batch", str(small), "--out", str(out)])
    assert result.exit_code == 1 and out.read_bytes() == whole


def test_a_fifo_or_a_broken_link_named_like_a_profile_is_an_error_record_not_a_gap(small, tmp_path, runner):
    os.mkfifo(small / "a" / "pipe.yaml")
    (small / "a" / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
    out = tmp_path / "results.jsonl"
    result = runner.invoke(main, ["batch", str(small), "--out", str(out)])
    assert result.exit_code == 1, result.output
    records = {r["source"]: r for r in _records(out)}
    assert records["a/pipe.yaml"]["status"] == "error" and "not a regular file" in \
        records["a/pipe.yaml"]["errors"][0]["message"]
    assert records["a/gone.yaml"]["status"] == "error"


def test_a_cohort_with_an_unreadable_profile_shows_the_board_and_exits_1(small, runner):
    """The board lists the profile to fix, as every record is listed; the exit code tells a
    script that some input was bad, as batch's does."""
    result = runner.invoke(main, ["cohort", str(small), "--format", "json"])
    assert result.exit_code == 1, result.output
    board = json.loads(result.stdout)
    assert "b/p00000.yaml" in json.dumps(board) and "Traceback" not in result.output
