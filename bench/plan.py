"""Plan bench (issue 14): `soaprules plan` over a 2,000-program list beside `advise` on
the same profile, in the same run, as CPU seconds and a ratio; target: plan under 1 s.

    .venv/bin/python bench/plan.py            # about 20 s

Both are timed warm (packs loaded and compiled once, as in a batch), each the median
of the repeats; the list is written by the seeded synthetic generator (2,000 programs)
and read from its file on every repeat, as a user's run reads it.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]  # tests/ holds the synthetic program lists

from run import pin_one_core  # noqa: E402  (bench/run.py: one core, as every bench figure)


def cpu(fn) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--programs", type=int, default=2000)
    parser.add_argument("--profile", default=str(ROOT / "fixtures" / "profiles" / "rs20-quiet-star.yaml"))
    args = parser.parse_args()
    core = pin_one_core()

    from soaprules.pipeline import advise_file
    from soaprules.plan.run import document, plan_files
    from synthetic_programs import generate, shipped_states, to_csv

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "programs.csv"
        path.write_text(to_csv(generate(13, args.programs, shipped_states())), encoding="utf-8")
        document(plan_files(args.profile, path))  # warm: packs loaded, rulesets registered
        advise_file(args.profile)
        plans = [cpu(lambda: document(plan_files(args.profile, path))) for _ in range(args.repeats)]
        advises = [cpu(lambda: advise_file(args.profile)) for _ in range(args.repeats)]
    plan, advise = statistics.median(plans), statistics.median(advises)
    verdict = "met" if plan < 1.0 else "NOT MET"
    print(f"soaprules plan bench: core {core}, {args.programs} programs, {args.repeats} repeats")
    print(f"  plan {plan:.3f} s vs advise {advise * 1000:.1f} ms on the same profile: {plan / advise:.0f}x advise"
          f"  [plan < 1 s: {verdict}]")
    print(f"  plan repeats: {', '.join(f'{t:.3f}' for t in plans)}; advise: {', '.join(f'{t * 1000:.1f}' for t in advises)} ms")


if __name__ == "__main__":
    main()
