"""The interview at a terminal: questions and messages to stderr, answers from stdin.

Questions go to stderr so that `soaprules assess --format json > advice.json` keeps
standard output for the advice alone. At a real terminal answers are read with
prompt_toolkit: the arrow keys move in the line (and up/down recall earlier answers),
Ctrl-A/Ctrl-E and the other Emacs keys edit it, and the prompt goes to stderr even when
stdout is redirected (readline, the standard library's, prompts on stdout and is not
used at all when stdout is not a terminal, and is missing on Windows). From a pipe or a
test, lines are read plainly.
"""
from __future__ import annotations

import shutil
import textwrap
from typing import TextIO

from soaprules.assess.answers import NO, YES, label
from soaprules.assess.store import read_line
from soaprules.assess.questions import Candidate, Question, _student

HINTS = {
    "enum": "type a number or a choice",
    "enum_list": "type the numbers or choices that apply, separated by commas, or none",
    "bool": "yes or no",
    "int": "a whole number from {minimum} to {maximum}",
    "datetime": "type now, or a day and time such as Monday 10:30 (Eastern time, as NRMP's schedule), "
                "or a date such as 2026-03-16 10:30",
    "str": "a short text",
}
KEYS = ("Press Enter on an empty line to skip a question (it stays unknown), type back to change "
        "the previous answer, stop to get your advice now, or ? to see why a question is asked.")


class LineEditor:
    """Reads one answer with line editing and a history of this session's answers."""

    def __init__(self, stdin: TextIO, out: TextIO):
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import InMemoryHistory
        from prompt_toolkit.input import create_input
        from prompt_toolkit.output import create_output

        self.session = PromptSession(history=InMemoryHistory(), input=create_input(stdin),
                                     output=create_output(stdout=out), enable_suspend=False)

    def read(self, prompt: str) -> str | None:
        try:
            return self.session.prompt(prompt)
        except EOFError:  # Ctrl-D on an empty line: the input has ended
            return None


def _interactive(stdin: TextIO, out: TextIO) -> bool:
    try:
        return stdin.isatty() and out.isatty()
    except (AttributeError, ValueError):
        return False


class TerminalTalk:
    def __init__(self, stdin: TextIO, stderr: TextIO, editor: LineEditor | None = None):
        self.stdin, self.out = stdin, stderr
        self.width = min(88, shutil.get_terminal_size((80, 24)).columns)
        self.editor = editor or (LineEditor(stdin, stderr) if _interactive(stdin, stderr) else None)

    def _read(self) -> str | None:
        """The prompt, then one line: edited at a terminal, plain from a pipe."""
        if self.editor is not None:
            self.out.flush()
            return self.editor.read("> ")
        self.out.write("> ")
        self.out.flush()
        return read_line(self.stdin)

    def say(self, text: str) -> None:
        """Write text, wrapping long lines at word breaks to the terminal's width."""
        self.out.write("\n".join(self._wrap(line) for line in text.split("\n")) + "\n")
        self.out.flush()

    def _wrap(self, line: str) -> str:
        indent = " " * (len(line) - len(line.lstrip()))
        return textwrap.fill(line, self.width, subsequent_indent=indent + "  ",
                                                   break_on_hyphens=False) if len(line) > self.width else line

    def ask(self, question: Question, number: int, left: int) -> str | None:
        more = f", about {left - 1} more after this" if left > 1 else ""
        self.out.write(f"\n[{number}{more}] {question.heading}  ({question.shown_path})\n")  # kept whole
        self.say(_as_question(question) + f"  [{_hint(question)}]")
        if question.examples:
            self.say("  For example: " + ", ".join(label(v) for v in question.examples) + ".")
        if question.kind == "field" and question.spec.kind in ("enum", "enum_list"):
            self.say(self._menu(question.spec.values))
        return self._read()

    def yes_no(self, text: str) -> bool:
        """Ask until yes or no; the end of input counts as no (nothing is overwritten)."""
        while True:
            self.say(text + "  [yes or no]")
            reply = self._read()
            word = "no" if reply is None else reply.strip().lower()
            if word in YES + NO:
                return word in YES
            self.error("please type yes or no")

    def error(self, text: str) -> None:
        self.say(f"  Sorry, that did not fit: {text}" + ("" if text.endswith(("?", ".")) else "."))

    def explain(self, question: Question, candidate: Candidate | None, why: list[str] = ()) -> None:
        """Why we ask: the reasons of the rules that read the answer, then what it can change."""
        if why:
            self.say("  Why we ask:")
            for reason in why:
                self.say(f"  - {reason}")
        else:
            self.say(f"  Why we ask: {_student(question.spec.description)}")
        if candidate and candidate.changes:
            self.say(f"  Your answer can change {_changes(candidate.changes)}.")
        elif question.entry:
            self.say("  The rules read this about each entry of the list.")
        if question.kind != "more":
            self.say(f"  Scripts can answer it with --answer {question.path}=VALUE.")

    def _menu(self, values: tuple) -> str:
        """Numbered choices in as many columns as fit, read down each column."""
        cells = [f"{i}) {label(v)}" for i, v in enumerate(values, 1)]
        for columns in range(min(6, len(cells)), 0, -1):
            rows = -(-len(cells) // columns)
            cols = [cells[c * rows:(c + 1) * rows] for c in range(columns)]
            widths = [max(map(len, col)) + 3 for col in cols if col]
            if 4 + sum(widths) <= self.width or columns == 1:
                break
        lines = ["    " + "".join(col[r].ljust(w) for col, w in zip(cols, widths) if r < len(col)).rstrip()
                 for r in range(rows)]
        return "\n".join(lines)


def _as_question(question: Question) -> str:
    text = question.text
    yes_no = question.kind != "field" or question.spec.kind == "bool"
    return text[:-1] + "?" if yes_no and text.endswith(".") else text


def _hint(question: Question) -> str:
    if question.kind != "field":
        return HINTS["bool"]
    spec = question.spec
    if spec.kind == "int" and (spec.minimum is None or spec.maximum is None):
        return "a whole number"
    return HINTS[spec.kind].format(minimum=spec.minimum, maximum=spec.maximum)


def _changes(changes: frozenset) -> str:
    """'your rescue tier and sellability, and up to 3 high-priority steps'."""
    decisions = sorted(label(c.split(":", 1)[1]) for c in changes if c.startswith("decision:"))
    steps = sum(c.startswith("recommendation:") for c in changes)
    parts = [("your " + _join(decisions))] if decisions else []
    parts += [f"up to {steps} high-priority step{'s' if steps > 1 else ''} of your plan"] if steps else []
    parts += ["which NRMP contact rules apply to you"] if any(c.startswith("bound:") for c in changes) else []
    return ", and ".join(parts)


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
