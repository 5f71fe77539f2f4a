"""The issue-7 benchmark, on one core, in one run: medians of several repeats, as ratios
against each target. Rerun with

    .venv/bin/pip install --target bench/.deps experta==1.9.4   # once; bench-only
    .venv/bin/python bench/run.py                                # about 10-15 minutes
    .venv/bin/python bench/run.py --quick                        # about 2 minutes, smaller samples

Times are CPU seconds of this process (`time.process_time`), so other load on the
machine does not count against soaprules; cold starts are wall time of a subprocess
pinned to the same core. Profiles are `soaprules.synthetic` cohorts: the same on every
machine.
"""
from __future__ import annotations

import argparse
import importlib.util
import io
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE / ".deps"), str(HERE), str(HERE.parent / "tests")]  # tests/ holds the synthetic cohorts


def pin_one_core() -> int:
    core = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})  # children (cold starts, below) inherit it
    return core


def median_of(repeats: int, fn) -> tuple[float, list[float]]:
    runs = [fn() for _ in range(repeats)]
    return statistics.median(runs), runs


def cpu_time(fn) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


def per_profile(profiles, evaluate) -> float:
    """CPU seconds per profile for `evaluate` over all of `profiles`."""
    return cpu_time(lambda: [evaluate(p) for p in profiles]) / len(profiles)


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS:"))


class Report:
    def __init__(self):
        self.rows: list[tuple] = []

    def add(self, what: str, figure: str, target: str, met: bool | None, runs: list | None = None):
        self.rows.append((what, figure, target, {True: "met", False: "NOT MET", None: "-"}[met],
                          " ".join(f"{r:.4g}" for r in runs) if runs else ""))
        print(f"  {what}: {figure}  [{target}: {self.rows[-1][3]}]", flush=True)

    def table(self) -> str:
        head = ("measurement", "median", "target", "verdict", "repeats")
        widths = [max(len(str(r[i])) for r in self.rows + [head]) for i in range(5)]
        fmt = lambda r: "| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |"  # noqa: E731
        return "\n".join([fmt(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [fmt(r) for r in self.rows])


def _outcome(run) -> tuple:
    return ([(f.rule.id, f.stratum, f.bindings) for f in run.firings],
            {k: (v.value, v.rule.id) for k, v in sorted(run.decisions.items())})


class _Nothing:
    def match(self, program, stratum, facts, world) -> dict:
        return {}


def bench_matchers(report: Report, program, profiles, experta_profiles, repeats: int) -> float:
    from soaprules.engine.session import ReferenceMatcher, evaluate_profile

    from before import BeforeMatcher
    from experta_rules import ExpertaMatcher
    from proxy import CFloor, ProxyMatcher

    proxy, before = ProxyMatcher(program), BeforeMatcher()
    for p in profiles[:200]:  # warm: registration, caches
        evaluate_profile(program, p)
    disagree = sum(_outcome(evaluate_profile(program, p)) != _outcome(evaluate_profile(program, p, m))
                   for p in profiles[:1000] for m in (proxy, before))
    engine, runs = median_of(repeats, lambda: per_profile(profiles, lambda p: evaluate_profile(program, p)))
    report.add(f"engine path, {len(profiles)} profiles", f"{1 / engine:,.0f} profiles/s ({engine * 1e6:,.0f} us)",
               ">= 3,000 profiles/s per core", 1 / engine >= 3000, [1 / r for r in runs])
    old, runs = median_of(repeats, lambda: per_profile(profiles, lambda p: evaluate_profile(program, p, before)))
    report.add("engine glue before issue 15 (bench/before.py), same loop",
               f"{1 / old:,.0f} profiles/s ({old * 1e6:,.0f} us); engine path {old / engine:.2f}x faster",
               ">= 2x before", old / engine >= 2, [1 / r for r in runs])
    before_floor = CFloor()
    before_sessions = before_floor.record(program, profiles, before)
    bbare, runs = median_of(repeats, lambda: cpu_time(before_floor.replay) / len(profiles))
    report.add(f"the old glue's C calls replayed bare ({before_sessions / len(profiles):.1f} sessions a profile)",
               f"{bbare * 1e6:,.0f} us", "measured", None, [r * 1e6 for r in runs])
    floor = CFloor()
    sessions = floor.record(program, profiles)
    bare, runs = median_of(repeats, lambda: cpu_time(floor.replay) / len(profiles))
    report.add(f"durable's C floor: this run's C calls replayed bare ({sessions / len(profiles):.1f} sessions "
               "a profile)", f"{bare * 1e6:,.0f} us; engine path {engine / bare:.2f}x the floor", "<= 1.5x floor",
               engine / bare <= 1.5, [r * 1e6 for r in runs])
    px, runs = median_of(repeats, lambda: per_profile(profiles, lambda p: evaluate_profile(program, p, proxy)))
    report.add("compiled pure-Python proxy of the same compiled program (bench/proxy.py), same loop",
               f"{1 / px:,.0f} profiles/s ({px * 1e6:,.0f} us); engine path {engine / px:.2f}x the proxy",
               "distance", None, [1 / r for r in runs])
    print(f"  (proxy and before-glue disagreements with the engine on {min(1000, len(profiles))} profiles: "
          f"{disagree})", flush=True)
    null, runs = median_of(repeats, lambda: per_profile(profiles, lambda p: evaluate_profile(program, p, _Nothing())))
    report.add("the shared loop alone (a matcher that matches nothing): facts, calendar, counts",
               f"{null * 1e6:,.0f} us; {null / engine:.0%} of the engine path", "measured", None,
               [r * 1e6 for r in runs])
    reference = ReferenceMatcher()
    ref, runs = median_of(repeats, lambda: per_profile(profiles, lambda p: evaluate_profile(program, p, reference)))
    report.add("reference evaluator (pure Python)", f"{1 / ref:,.0f} profiles/s; engine/reference {ref / engine:.2f}x",
               "comparison", None, [1 / r for r in runs])
    experta = ExpertaMatcher(program)
    ex, runs = median_of(repeats, lambda: per_profile(experta_profiles,
                                                      lambda p: evaluate_profile(program, p, experta)))
    report.add(f"experta, same rules, {len(experta_profiles)} profiles",
               f"{1 / ex:,.0f} profiles/s; engine/experta {ex / engine:.1f}x",
               ">= 3x experta", ex / engine >= 3, [1 / r for r in runs])
    return engine


def forget() -> None:
    """Empty the memos a run fills (plain-scalar tags, wrapped paragraphs), so each repeat
    starts as a user's first pass over a cohort does, not from the previous repeat's."""
    from soaprules import source
    from soaprules.render.term import filled

    source._PLAIN_TAGS.clear()
    source._READS_THE_SAME.clear()
    source._PLAIN_VALUES.clear()
    filled.cache_clear()


def bench_pipeline(report: Report, program, engine: float, count: int, repeats: int) -> None:
    from soaprules.pipeline import advise
    from soaprules.profile.load import load_profile
    from soaprules.render import RENDERERS
    from soaprules.engine.session import evaluate_profile
    from synthetic import write_cohort

    with tempfile.TemporaryDirectory() as tmp:
        write_cohort(tmp, count, seed=11)
        files = sorted(Path(tmp).glob("*.yaml"))

        def whole(path):
            RENDERERS["text"](advise(load_profile(path)[0], program), io.StringIO())

        loaded = [load_profile(f)[0] for f in files]
        bare, _ = median_of(repeats, lambda: per_profile(loaded, lambda p: evaluate_profile(program, p)))
        full, runs = median_of(repeats, lambda: forget() or per_profile(files, whole))
        load, _ = median_of(repeats, lambda: forget() or per_profile(files, load_profile))
        build, _ = median_of(repeats, lambda: per_profile(loaded, lambda p: advise(p, program)))
    report.add(f"advise pipeline / bare engine, {count} files", f"{full / bare:.2f}x ({full * 1e3:.2f} ms vs "
               f"{bare * 1e3:.2f} ms; load {load * 1e3:.2f} ms, evaluate+explain {build * 1e3:.2f} ms)",
               "<= 1.5x", full / bare <= 1.5, [r * 1e3 for r in runs])


def _wall(cmd: list[str], env: dict | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, cwd=ROOT, env=env)
    return time.perf_counter() - start


def bench_cold(report: Report, repeats: int) -> None:
    """Wall time of a subprocess, program cache warm, byte code cached (in a temporary
    prefix: a shell with PYTHONDONTWRITEBYTECODE would otherwise compile every module on
    every start, which no installed copy does)."""
    profile = ROOT / "fixtures" / "profiles" / "rs20-quiet-star.yaml"
    cli = [sys.executable, "-m", "soaprules", "advise", str(profile)]
    imp = [sys.executable, "-c", "import soaprules"]
    bare = [sys.executable, "-c", "pass"]
    with tempfile.TemporaryDirectory() as pyc:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = pyc
        _wall(cli, env)  # warm the OS file cache, the byte code and the program cache
        advise_s, runs = median_of(repeats + 2, lambda: _wall(cli, env))
        import_s, _ = median_of(repeats + 2, lambda: _wall(imp, env))
        pass_s, pruns = median_of(repeats + 2, lambda: _wall(bare, env))
    report.add("cold `soaprules advise` minus `python -c pass` (warm program cache)",
               f"{advise_s - pass_s:.3f} s ({advise_s:.3f} s vs {pass_s:.3f} s; `import soaprules` {import_s:.3f} s)",
               "<= 0.3 s", advise_s - pass_s <= 0.3, runs)


def bench_batch(report: Report, engine: float | None, count: int, repeats: int) -> None:
    """`soaprules batch` as a user runs it (wall time, a fresh --out each time), --jobs 1
    and --jobs 2; for --jobs 2 the run is allowed both cores (the rest of the bench keeps one)."""
    from soaprules.cohort import batch
    from synthetic import write_cohort

    with tempfile.TemporaryDirectory() as tmp:
        cohort = Path(tmp) / "cohort"
        write_cohort(cohort, count, seed=13)
        n = [0]

        def one(jobs: int) -> float:
            n[0] += 1
            out = Path(tmp) / f"out{n[0]}.jsonl"
            forget()
            start = time.perf_counter()
            batch.run(cohort, out, jobs=jobs)
            return (time.perf_counter() - start) / count

        pinned = os.sched_getaffinity(0)
        one(1)  # warm: compile, register, generated code
        j1, runs1 = median_of(repeats, lambda: one(1))
        os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
        try:
            j2, runs2 = median_of(repeats, lambda: one(2))
        finally:
            os.sched_setaffinity(0, pinned)
    against = f"; {engine / j1:.0%} of the engine path's rate" if engine else ""
    report.add(f"batch --jobs 1, {count} files (wall)", f"{1 / j1:,.0f} records/s ({j1 * 1e3:.2f} ms){against}",
               ">= half the engine path", engine / j1 >= 0.5 if engine else None, [1 / r for r in runs1])
    report.add(f"batch --jobs 2, {count} files (wall, both cores)", f"{1 / j2:,.0f} records/s; {j1 / j2:.2f}x --jobs 1",
               ">= 1.7x --jobs 1", j1 / j2 >= 1.7, [1 / r for r in runs2])


def _loop_seconds(program, profiles, go: int, out: int) -> None:
    """In a forked child: wait for `go`, run the engine loop, write its wall time to `out`."""
    from soaprules.engine.session import evaluate_profile

    os.read(go, 1)
    start = time.perf_counter()
    for p in profiles:
        evaluate_profile(program, p)
    os.write(out, f"{time.perf_counter() - start}\n".encode())


def _concurrent_loops(program, profiles, copies: int) -> float:
    """The slowest of `copies` forked engine loops started together (each its own process)."""
    go_r, go_w = os.pipe()
    out_r, out_w = os.pipe()
    children = []
    for _ in range(copies):
        pid = os.fork()
        if pid == 0:
            try:
                _loop_seconds(program, profiles, go_r, out_w)
            finally:
                os._exit(0)
        children.append(pid)
    os.write(go_w, b"x" * copies)
    for pid in children:
        os.waitpid(pid, 0)
    os.close(out_w)
    with os.fdopen(out_r) as results:
        times = [float(line) for line in results]
    for fd in (go_r, go_w):
        os.close(fd)
    if len(times) != copies:
        raise RuntimeError("an engine loop died")
    return max(times)


def bench_scaling(report: Report, program, profiles, repeats: int) -> None:
    """What two cores give this machine at all: two copies of the engine loop at once
    against one alone, each in a forked process, both cores allowed. This is the ceiling
    `batch --jobs 2` is measured under (its parent also reads and writes every record)."""
    for p in profiles[:100]:  # warm here, so every child inherits a warm program
        from soaprules.engine.session import evaluate_profile
        evaluate_profile(program, p)
    pinned = os.sched_getaffinity(0)
    os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
    try:
        one, _ = median_of(repeats, lambda: _concurrent_loops(program, profiles, 1))
        two, runs = median_of(repeats, lambda: _concurrent_loops(program, profiles, 2))
    finally:
        os.sched_setaffinity(0, pinned)
    report.add(f"two engine loops at once vs one ({len(profiles)} profiles each, forked, both cores)",
               f"{2 * one / two:.2f}x the throughput of one", "the machine's ceiling for --jobs 2", None,
               [2 * one / r for r in runs])


def bench_packs(report: Report, repeats: int) -> None:
    from soaprules.engine.compile import compile_book
    from soaprules.packs.load import DEFAULT_RULES_DIR, load_rulebook

    load, runs = median_of(repeats, lambda: cpu_time(lambda: load_rulebook([DEFAULT_RULES_DIR])))
    book = load_rulebook([DEFAULT_RULES_DIR])
    comp, cruns = median_of(repeats, lambda: cpu_time(lambda: compile_book(book)))
    program = compile_book(book)
    report.add(f"pack load ({len(book.packs)} packs, {len(book.rules)} rules)", f"{load * 1e3:.0f} ms",
               "measured", None, [r * 1e3 for r in runs])
    report.add(f"pack compile ({sum(len(s.chunks) for s in program.strata)} rulesets)", f"{comp * 1e3:.0f} ms",
               "measured", None, [r * 1e3 for r in cruns])
    # What a cold advise pays instead of both: the program read back from its sealed entry.
    from soaprules.engine import stored

    with tempfile.TemporaryDirectory() as cache:
        before = os.environ.get("SOAPRULES_CACHE")
        os.environ["SOAPRULES_CACHE"] = cache
        try:
            made = lambda: compile_book(load_rulebook([DEFAULT_RULES_DIR]))  # noqa: E731
            stored.program([DEFAULT_RULES_DIR], made)  # the first run stores it
            read, sruns = median_of(repeats, lambda: cpu_time(lambda: stored.program([DEFAULT_RULES_DIR], made)))
        finally:
            os.environ.pop("SOAPRULES_CACHE") if before is None else os.environ.__setitem__("SOAPRULES_CACHE", before)
    report.add("program from the store (instead of load + compile)",
               f"{read * 1e3:.0f} ms; {(load + comp) / read:.1f}x faster", "measured", None, [r * 1e3 for r in sruns])


def bench_whatif(report: Report, program, repeats: int) -> None:
    """Every fixture profile against every decision=value target: the slowest search."""
    from soaprules.explain import whatif
    from soaprules.explain.why import parse_target
    from soaprules.profile.load import load_profile

    cases = [(load_profile(f)[0], parse_target(f"{name}={value}", program.book))
             for f in sorted((ROOT / "fixtures" / "profiles").glob("*.yaml"))
             for name, decision in program.book.decisions.items() for value in decision.values]

    def slowest():
        return max(cpu_time(lambda: whatif.report(program, p, whatif.search(program, p, t, 3))) for p, t in cases)

    worst, runs = median_of(repeats, slowest)
    tried = max(whatif.search(program, p, t, 3).tried for p, t in cases)
    report.add(f"whatif to 3 changes, slowest of {len(cases)} profile x target searches "
               f"(largest tried {tried} change sets)", f"{worst:.3f} s", "< 2 s", worst < 2, runs)


def bench_memory(report: Report, program, profiles, total: int) -> None:
    from soaprules.engine.session import evaluate_profile

    for i in range(1000):
        evaluate_profile(program, profiles[i % len(profiles)])
    after_1k = rss_mb()
    for i in range(1000, total):
        evaluate_profile(program, profiles[i % len(profiles)])
    after = rss_mb()
    report.add(f"memory after {total:,} evaluations minus after 1,000", f"{after - after_1k:+.1f} MB "
               f"({after_1k:.1f} -> {after:.1f} MB)", "<= 10 MB", after - after_1k <= 10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller samples, for a quick look")
    parser.add_argument("--only", default="", help="comma-separated parts: matchers,pipeline,batch,cold,packs,whatif,memory")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    n, n_experta, n_files, n_memory = (1000, 200, 200, 10_000) if args.quick else (10_000, 1000, 1000, 100_000)

    only = set(filter(None, args.only.split(",")))
    want = lambda part: not only or part in only  # noqa: E731
    if want("matchers") and importlib.util.find_spec("experta") is None:
        # Say so before ten minutes of other rows, not as a traceback in the middle of them.
        parser.exit(2, "bench: experta is not installed; once: .venv/bin/pip install --target bench/.deps "
                       "experta==1.9.4 (or leave the matchers out: --only pipeline,batch,cold,packs,whatif,memory)\n")

    core = pin_one_core()
    from soaprules.pipeline import program_for
    from synthetic import profiles

    program = program_for()
    print(f"soaprules bench: core {core} of {os.cpu_count()}, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}, {len(program.book.rules)} rules in "
          f"{len(program.book.packs)} packs, {args.repeats} repeats", flush=True)
    cohort = profiles(n, seed=3)
    report = Report()
    engine = bench_matchers(report, program, cohort, cohort[:n_experta], args.repeats) if want("matchers") else None
    if want("pipeline"):
        bench_pipeline(report, program, engine, n_files, args.repeats)
    if want("batch"):
        if (os.cpu_count() or 1) > 1 and hasattr(os, "fork"):
            bench_scaling(report, program, cohort[:n_files], args.repeats)
        bench_batch(report, engine, n_files, args.repeats)
    if want("cold"):
        bench_cold(report, args.repeats)
    if want("packs"):
        bench_packs(report, args.repeats)
    if want("whatif"):
        bench_whatif(report, program, args.repeats)
    if want("memory"):
        bench_memory(report, program, cohort, n_memory)
    print("\n" + report.table())


if __name__ == "__main__":
    main()
