"""Errors are data: a Diagnostic says where and what; exceptions carry lists of them.

One base exception, one subclass per phase of the data flow, the CLI exit code as a
class attribute (DESIGN.md: 1 invalid input, 2 usage error). Every error class a user
can meet is here. A diagnostic may carry a stable `code` (`schema.missing`,
`pack.duplicate-rule-id`): tools key on it, never on the wording of the message.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import IntEnum


SOURCE_LINE = "source_line"  # a Diagnostic's extra may carry (SOURCE_LINE, line): the line as loaded


class ExitCode(IntEnum):
    """What the process exit status says (README: exit codes)."""

    OK = 0
    INVALID = 1  # invalid input (profile, pack, list), a failed check or a failed pack test
    USAGE = 2
    DIFFERENCES = 3  # diff-packs --exit-code found some
    INTERNAL = 4  # a bug: the traceback is saved (cli/group.py)
    INTERRUPTED = 130  # Ctrl-C; work so far is kept


@dataclass(frozen=True)
class Position:
    """A 1-indexed place in a source file; with an end, the span of what it names
    (the end is exclusive: the column just after the last character)."""

    line: int
    column: int = 1
    end_line: int | None = None
    end_column: int | None = None


@dataclass(frozen=True)
class Diagnostic:
    message: str
    file: str | None = None
    position: Position | None = None
    path: str | None = None  # field path, e.g. clinical.evaluations or rules[3].when
    rule_id: str | None = None
    expected: str | None = None
    suggestion: str | None = None
    severity: str = "error"
    hint: str | None = None
    extra: tuple = field(default=())
    code: str | None = None  # stable: what kind of problem, for tools (lint's hints key on it)

    @property
    def where(self) -> str:
        """`file:line:col`, as much of it as is known."""
        if not self.file:
            return ""
        if not self.position:
            return self.file
        return f"{self.file}:{self.position.line}:{self.position.column}"

    def headline(self) -> str:
        """One line: location, rule, message and suggestion, for logs and batch records."""
        parts = [p for p in (self.where, f"rule {self.rule_id}" if self.rule_id else "") if p]
        head = ": ".join(parts + [f"{self.severity}: {self.message}"])
        if self.suggestion:
            head += f" (did you mean '{self.suggestion}'?)"
        return head

    def to_dict(self) -> dict:
        out = {"severity": self.severity, "message": self.message}
        for key in ("code", "file", "path", "rule_id", "expected", "suggestion", "hint"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.position:
            out["line"], out["column"] = self.position.line, self.position.column
            if self.position.end_line is not None:
                out["end_line"], out["end_column"] = self.position.end_line, self.position.end_column
        return out


class SoapError(Exception):
    """Base of every error soaprules reports to a user."""

    exit_code = ExitCode.INVALID
    kind = "error"

    def __init__(self, diagnostics: list[Diagnostic] | Diagnostic | str):
        if isinstance(diagnostics, str):
            diagnostics = Diagnostic(diagnostics)
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        # every diagnostic carries a code: its own, else the phase that raised it
        self.diagnostics = [d if d.code else replace(d, code=self.kind) for d in diagnostics]
        super().__init__("\n".join(d.headline() for d in self.diagnostics))


class InputFileError(SoapError):
    """A file could not be read or parsed as YAML/JSON."""

    kind = "input"


class ProfileError(SoapError):
    kind = "profile"


class PackError(SoapError):
    kind = "pack"


class PackTestError(SoapError):
    """A pack-test file is malformed or refers to something the packs do not have."""

    kind = "pack-test"


class PacksChanged(SoapError):
    """The packs changed on disk while a batch ran: its records would mix two versions."""

    kind = "pack"

    def __reduce__(self):  # raised in a worker: keep the diagnostics across the pipe
        return type(self), (self.diagnostics,)


class AuditError(SoapError):
    """The audit database cannot be used, or a record does not verify."""

    kind = "audit"


class OutputFileError(SoapError):
    """The report could not be written where asked; nothing was written anywhere."""

    kind = "output"


class EngineError(SoapError):
    """The engine failed while evaluating: an action raised, or the engine refused a fact."""

    kind = "engine"


class UsageError(SoapError):
    exit_code = ExitCode.USAGE
    kind = "usage"


class AnswerError(UsageError):
    """An answer (typed, `--answer`, `--set`) or a profile path that does not fit its
    field; the message is said to the student as it stands."""

    kind = "answer"

    def __str__(self) -> str:
        return "; ".join(d.message for d in self.diagnostics)
