"""The command group: every command's --help ends with an example, and no bug ends in a
bare traceback (it is saved where a user can send it, and exits 4)."""
from __future__ import annotations

import errno
import json
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

import click

from soaprules.cli.output import fail, wants_json
from soaprules.errors import Diagnostic, ExitCode, InputFileError, SoapError

INTERNAL_ERROR = ExitCode.INTERNAL

def crash_report(exc: BaseException) -> Path | None:
    """Save the traceback where a user can send it; None if even that fails."""
    folder = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "soaprules"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=folder, prefix=time.strftime("crash-%Y%m%d-%H%M%S-"), suffix=".txt")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
        return Path(name)
    except OSError:
        return None


_OUTPUT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def _stdout_fails() -> bool:
    """Whether standard output itself cannot take more (a full disk, a closed device)."""
    try:
        sys.stdout.write("")
        sys.stdout.flush()
    except (OSError, ValueError):
        return True
    return False


def _closed_streams_read_as_empty() -> None:
    """Started with standard input or standard error closed (`<&-`, `2>&-`): Python leaves
    the stream None, and the first read or message would be an internal error. Input reads
    as empty (advise - says it is closed), messages go nowhere; the exit code still tells."""
    if sys.stdin is None:
        sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 (for the whole run)
        sys.stdin.closed_at_start = True
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115


class Group(click.Group):
    """A click group that never lets a bug end in a bare traceback."""

    def make_context(self, *args, **kwargs):
        _closed_streams_read_as_empty()
        try:
            return super().make_context(*args, **kwargs)
        except KeyboardInterrupt:  # while reading arguments: click would say "Aborted!" and exit 1
            sys.stderr.write("\nInterrupted.\n")
            raise SystemExit(ExitCode.INTERRUPTED) from None

    def invoke(self, ctx):
        args = [*(getattr(ctx, "_protected_args", None) or []), *ctx.args]
        if sys.stdout is None:  # started with standard output closed (`>&-`)
            fail(InputFileError(Diagnostic("standard output is closed, so there is nowhere to write to",
                                           hint="give -o FILE where the command has it, or leave stdout open")),
                 wants_json(args))
        try:
            result = super().invoke(ctx)
            sys.stdout.flush()  # a full disk behind stdout shows here, not after exit
            return result
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:  # a command that keeps work says so itself; the rest kept nothing
            sys.stderr.write("\nInterrupted.\n")
            raise SystemExit(ExitCode.INTERRUPTED) from None
        except SoapError as exc:  # a command that forgot to catch it: still a positioned error
            fail(exc, wants_json(args))
        except BrokenPipeError:  # the reader stopped early (`| head`): nothing more to say to it
            _drop_stdout()
            raise SystemExit(ExitCode.INVALID) from None
        except OSError as exc:
            # Files and the audit database report their own failures; one that reaches here
            # with "no space" is standard output's (its buffer may already be dropped).
            if exc.errno not in _OUTPUT_ERRNOS and not _stdout_fails():
                _crash(exc, args)
            _drop_stdout()
            fail(InputFileError(Diagnostic(f"cannot write to standard output: {exc.strerror or exc}",
                                           hint="free some space, or give -o FILE elsewhere")), wants_json(args))
        except Exception as exc:  # noqa: BLE001 (the last line of defence)
            _crash(exc, args)


def _crash(exc: BaseException, args: list) -> None:
    where = crash_report(exc)
    saved = f"details saved in {where}" if where else "details could not be saved"
    message = f"internal error ({type(exc).__name__}): {exc}; {saved}; please report it"
    if wants_json(args):
        sys.stderr.write(json.dumps({"error": "internal", "exit_code": INTERNAL_ERROR,
                                     "message": message}) + "\n")
    else:
        sys.stderr.write(f"soaprules: {message}\n")
    raise SystemExit(INTERNAL_ERROR) from None


def _drop_stdout() -> None:
    """Point a real stdout that cannot be written at /dev/null, so the exit's own flush of
    what is still buffered does not fail again (and change the exit code)."""
    try:
        if sys.stdout.fileno() == 1:
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)
            os.close(null)
    except (OSError, ValueError, AttributeError):  # not a file descriptor (a test's capture)
        pass


P = "fixtures/profiles/warned-derm-three-cities.yaml"
# One example per command, each runnable as written from a checkout.
EXAMPLES = {
    "assess": ["soaprules assess --profile me.yaml", "soaprules assess --non-interactive --answer status.phase=soap"
               " --answer red_flags=no --format json"],
    "history": ["soaprules history"],
    "replay": ["soaprules replay 3"],
    "batch": ["soaprules batch fixtures/profiles -o results.jsonl --jobs 2"],
    "cohort": ["soaprules cohort fixtures/profiles", "soaprules cohort fixtures/profiles --format html -o board.html",
               "soaprules cohort fixtures/profiles --reports board/   # board/index.html links each report"],
    "diff-packs": ["soaprules diff-packs rules/ rules/ --profiles fixtures/profiles"],
    "explain": [f"soaprules explain {P} rescue_tier", f"soaprules explain {P} rescue_tier=1"],
    "lint": ["soaprules lint --strict rules/"],
    "test": ["soaprules test rules/ --coverage --threshold 100"],
    "plan": [f"soaprules plan {P} --programs fixtures/programs/synthetic.csv"],
    "schema": ["soaprules schema pack", "soaprules schema profile -o profile.schema.json"],
    "whatif": [f"soaprules whatif {P} --target rescue_tier=1",
               f"soaprules whatif {P} --set geography.open_to_any_region=true"],
}


def add_examples(group: click.Group) -> None:
    """Every command's --help ends with examples (kept here, in one place)."""
    for name, lines in EXAMPLES.items():
        cmd = group.commands.get(name)
        if cmd is not None and not cmd.epilog:
            cmd.epilog = "\b\nExamples:\n" + "\n".join("  " + line for line in lines)
