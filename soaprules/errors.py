"""Errors are data: a Diagnostic says where and what; exceptions carry lists of them.

One base exception, one subclass per phase of the data flow, the CLI exit code as a
class attribute (DESIGN.md: 1 invalid input, 2 usage error).
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Position:
    """A 1-indexed place in a source file."""

    line: int
    column: int = 1


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
        for key in ("file", "path", "rule_id", "expected", "suggestion", "hint"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.position:
            out["line"], out["column"] = self.position.line, self.position.column
        return out


class SoapError(Exception):
    """Base of every error soaprules reports to a user."""

    exit_code = 1
    kind = "error"

    def __init__(self, diagnostics: list[Diagnostic] | Diagnostic | str):
        if isinstance(diagnostics, str):
            diagnostics = Diagnostic(diagnostics)
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics = list(diagnostics)
        super().__init__("\n".join(d.headline() for d in self.diagnostics))


class InputFileError(SoapError):
    """A file could not be read or parsed as YAML/JSON."""

    kind = "input"


class ProfileError(SoapError):
    kind = "profile"


class PackError(SoapError):
    kind = "pack"


class EngineError(SoapError):
    """The engine failed while evaluating: an action raised, or the engine refused a fact."""

    kind = "engine"


class UsageError(SoapError):
    exit_code = 2
    kind = "usage"


class AnswerError(UsageError):
    """An answer (typed, `--answer`, `--set`) or a profile path that does not fit its
    field; the message is said to the student as it stands."""

    kind = "answer"

    def __str__(self) -> str:
        return "; ".join(d.message for d in self.diagnostics)
