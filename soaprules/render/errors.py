"""Print diagnostics like a compiler.

    error: 'stong' is not an allowed value of clinical.evaluations
      --> profile.yaml:5:16
       |
     5 |   evaluations: stong
       |                ^^^^^
       = expected: one of strong, solid, mixed, concerning
       = help: did you mean 'strong'?
"""
from __future__ import annotations

import re
from typing import TextIO

from ..errors import Diagnostic, SoapError

TOKEN = re.compile(r"[^\s,:\]}]+")


def _source_line(diag: Diagnostic) -> str | None:
    from ..files import read_bytes
    from ..source import MAX_BYTES

    try:  # capped, regular files only: a diagnostic about /dev/zero or a FIFO must not hang
        lines = read_bytes(diag.file, MAX_BYTES).decode("utf-8-sig", errors="replace").splitlines()
    except (SoapError, TypeError):
        return None
    n = diag.position.line
    return lines[n - 1] if 0 < n <= len(lines) else None


def format_diagnostic(diag: Diagnostic) -> str:
    head = f"{diag.severity}: {diag.message}"
    if diag.rule_id:
        head += f" [rule {diag.rule_id}]"
    out = [head]
    if diag.file:
        out.append(f"  --> {diag.where}")
    line = _source_line(diag) if diag.file and diag.position else None
    if line is not None:
        n = str(diag.position.line)
        pad = " " * len(n)
        col = diag.position.column - 1
        token = TOKEN.match(line, col)
        width = max(1, len(token.group(0)) if token else 1)
        out += [f" {pad} |", f" {n} | {line}", f" {pad} | {' ' * col}{'^' * width}"]
    pad = " " * (len(str(diag.position.line)) if line is not None else 1)
    if diag.path and not (diag.path in diag.message):
        out.append(f" {pad} = field: {diag.path}")
    if diag.expected:
        out.append(f" {pad} = expected: {diag.expected}")
    if diag.suggestion is not None:
        out.append(f" {pad} = help: did you mean '{diag.suggestion}'?")
    if diag.hint:
        out.append(f" {pad} = note: {diag.hint}")
    return "\n".join(out)


def render(diagnostics: list[Diagnostic], out: TextIO) -> None:
    for diag in diagnostics:
        out.write(format_diagnostic(diag) + "\n\n")
    errors = sum(d.severity == "error" for d in diagnostics)
    if errors > 1:
        out.write(f"{errors} errors\n")
