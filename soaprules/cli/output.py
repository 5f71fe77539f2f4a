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
        if ctx is not None and (ctx.params or {}).get("fmt") == "json":
            return True
        args = sys.argv[1:]
    return "--format=json" in args or any(a == "--format" and b == "json" for a, b in zip(args, args[1:]))


def emit(text: str, output: Path | None) -> None:
    """The one way a command delivers its report: whole to `output` (atomically, a
    regular file only: files.py), or to standard output, UTF-8 whatever the locale."""
    try:
        files.emit(text, output)
    except SoapError as exc:
        fail(exc)
