"""`soaprules batch INPUT --out results.jsonl [--jobs N]`: a cohort into JSON lines that
survive a crash (see soaprules/batch.py for the record format and the guarantees)."""
from __future__ import annotations

import signal
import sys
from pathlib import Path

import click

from soaprules.errors import ExitCode


TERMINATED = 128 + signal.SIGTERM  # the shell's code for a process ended by SIGTERM


class Terminated(KeyboardInterrupt):
    """SIGTERM, unwound as a Ctrl-C is: the records written stay whole, and the run says so."""


def _terminated(signum, frame) -> None:
    raise Terminated


def register(main) -> None:
    @main.command()
    @click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
    @click.option("-o", "--output", "--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
                  help="Results file (JSON lines; --out is the old name). An existing one is resumed: "
                       "done profiles are skipped and the file is rebuilt in input order. OUT.lock beside "
                       "it keeps a second run on the same file out.")
    @click.option("--jobs", "-j", type=click.IntRange(1, 64), default=1, show_default=True,
                  help="Worker processes. The output is the same bytes whatever the number.")
    @click.option("--pack", "packs", multiple=True, type=click.Path(exists=True, path_type=Path),
                  help="Rule pack file or directory (repeatable). Default: the shipped rules/.")
    def batch(input_path: Path, out: Path, jobs: int, packs: tuple[Path, ...]) -> None:
        """Evaluate every profile of INPUT (a directory or a .jsonl file), one record per line.

        A bad profile becomes an error record naming its file and field, and the batch
        goes on; it then exits 1 once every record is written. After a crash or Ctrl-C,
        run the same command again to finish."""
        from soaprules.cohort import batch as batching
        from soaprules.cli.output import fail
        from soaprules.errors import SoapError

        previous = signal.signal(signal.SIGTERM, _terminated)  # `kill`, a job scheduler, a closing session
        try:
            summary = batching.run(input_path, out, list(packs) or None, jobs, progress_to=sys.stderr)
        except SoapError as exc:
            fail(exc)
        except KeyboardInterrupt as stop:
            how = "terminated" if isinstance(stop, Terminated) else "interrupted"
            sys.stderr.write(f"\nbatch: {how}; every record written to {out} is whole. "
                             "Run the same command again to finish.\n")
            raise SystemExit(TERMINATED if isinstance(stop, Terminated) else ExitCode.INTERRUPTED) from None
        finally:
            signal.signal(signal.SIGTERM, previous)
        batching.report(summary, out)
        if summary.errors or summary.skipped_errors:  # every record is written; the exit code tells a script that some input was bad
            raise SystemExit(ExitCode.INVALID)
