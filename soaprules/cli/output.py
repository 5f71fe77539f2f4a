"""How a command reads its input and delivers its result: `-` for standard input, the
report whole to a file or standard output, and errors positioned on standard error (as
one JSON object under `--format json`), exiting with the error's own code.

Exit codes: 0 advice given; 1 invalid input (profile, pack, list); 2 usage; 3 a check
found differences (`diff-packs --exit-code`); 4 an internal error (cli/group.py);
130 interrupted (Ctrl-C; work so far is kept).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import NoReturn

import click

from soaprules import files
from soaprules.errors import SoapError

STDIN = "-"


def load_profile_arg(path: str | Path):
    """(Profile, Document) from a file, or from standard input when `path` is '-'."""
    from soaprules.profile.load import load_profile, validate_profile
    from soaprules.source import MAX_BYTES, decode, parse_text

    if str(path) != STDIN:
        return load_profile(path)
    if sys.stdin is None or getattr(sys.stdin, "closed_at_start", False):
        from soaprules.errors import Diagnostic, InputFileError
        raise InputFileError(Diagnostic("standard input is closed, so there is no profile to read", file="<stdin>",
                                        hint="give the profile's file, or pipe it in: soaprules advise - < me.yaml"))
    raw = sys.stdin.buffer.read(MAX_BYTES + 1) if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
    if len(raw) > MAX_BYTES:
        from soaprules.errors import Diagnostic, InputFileError
        raise InputFileError(Diagnostic(f"is larger than the limit of {MAX_BYTES} bytes", file="<stdin>"))
    return validate_profile(parse_text(decode(raw, "<stdin>"), "<stdin>"))


def fail(exc: SoapError, as_json: bool | None = None) -> NoReturn:
    """Report `exc` on standard error (as a compiler would, or as one JSON object when the
    command line asks for JSON) and exit with its code."""
    if as_json is None:
        as_json = wants_json()
    if as_json:
        sys.stderr.write(json.dumps({"error": exc.kind if hasattr(exc, "kind") else "error",
                                     "exit_code": exc.exit_code,
                                     "diagnostics": [d.to_dict() for d in exc.diagnostics]},
                                    ensure_ascii=False) + "\n")
    else:
        from soaprules.render.errors import render as render_errors
        render_errors(exc.diagnostics, sys.stderr)
    raise SystemExit(exc.exit_code)


def wants_json(args: list[str] | None = None) -> bool:
    """Whether the command line asks for `--format json` (errors then go out as JSON too)."""
    if args is None:
        ctx = click.get_current_context(silent=True)
        if ctx is not None and "fmt" in (ctx.params or {}):  # parsed: the last --format given wins, as for the report
            return ctx.params["fmt"] == "json"
        args = sys.argv[1:]
    return "--format=json" in args or any(a == "--format" and b == "json" for a, b in zip(args, args[1:]))


def emit(text: str, output: Path | None) -> None:
    """The one way a command delivers its report: whole to `output` (atomically, a
    regular file only: files.py), or to standard output, UTF-8 whatever the locale."""
    check_target(output)
    try:
        files.emit(text, output)
    except SoapError as exc:
        fail(exc)


def check_target(output: Path | None) -> None:
    """Refuse `output` before anything is kept (an audit record, say): a target the report
    may not replace, or a file this same command reads (its profile, list, packs or audit
    database), which the report would overwrite."""
    if output is None or str(output) == files.STDOUT:
        return
    try:
        files.check_output_target(Path(output))
        _not_an_input(Path(output))
    except SoapError as exc:
        fail(exc)


def _not_an_input(output: Path) -> None:
    from soaprules.errors import Diagnostic, OutputFileError

    ctx = click.get_current_context(silent=True)
    if ctx is None or not output.exists():
        return
    for param in ctx.command.params:
        if param.name in ("output", "out") or not isinstance(param.type, click.Path):
            continue
        given = ctx.params.get(param.name)
        for value in given if isinstance(given, (list, tuple)) else [given]:
            if value is None or str(value) == STDIN:
                continue
            try:
                same = Path(value).exists() and _same_file(Path(value), output)
            except OSError:
                same = False
            if same:
                raise OutputFileError(Diagnostic(
                    f"is also this command's input ({param.human_readable_name}); writing the report there "
                    "would replace it", file=str(output), hint="write the report to another file"))


READ_FROM_FOLDERS = (".yaml", ".yml", ".json", ".jsonl")  # what a pack or profile folder is read as


def _same_file(given: Path, output: Path) -> bool:
    """`output` is `given`, or one of the files a folder `given` is read as (a pack or a
    profile in it); a board written beside the profiles is not one."""
    import os

    if given.is_dir():
        return output.suffix.lower() in READ_FROM_FOLDERS and \
            any(parent.samefile(given) for parent in output.resolve().parents)
    return os.path.samefile(given, output)
