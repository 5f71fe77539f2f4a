"""The interview loop: ask, check, save, choose the next question; skip, back, stop.

I/O is a small protocol (`say`, `ask`, `error`, `explain`) so the same loop runs at a
terminal, from a pipe, and under tests. After every change the profile is handed to
`save`, so an interrupted interview has lost nothing.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Callable, Protocol

from . import profile as profile_module
from .advice import build
from .answers import AnswerError, checked, get, parse, put
from .interview import PHASE, Candidate, Question, entry_fields, more_question, question_for, ranked
from .session import evaluate_profile

SKIP, BACK, STOP, HELP = "", "back", "stop", ("help", "?")


class Talk(Protocol):
    def say(self, text: str) -> None: ...
    def ask(self, question: Question, number: int, left: int) -> str | None: ...  # None: input ended
    def error(self, text: str) -> None: ...
    def explain(self, question: Question, candidate: Candidate | None) -> None: ...


def evaluate(program, data: dict):
    """(Evaluation, advice@1) for plain profile data."""
    profile = profile_module.Profile.model_validate({"schema": profile_module.SCHEMA_ID, **data})
    run = evaluate_profile(program, profile)
    return run, build(run)


@dataclass
class _Step:
    data: dict
    asked: set
    pending: list


@dataclass
class Interview:
    program: object
    data: dict
    talk: Talk
    save: Callable[[dict], None]
    asked: set = field(default_factory=set)  # question paths asked this session, answered or skipped
    pending: list = field(default_factory=list)  # questions about a list entry being given
    history: list = field(default_factory=list)

    def run(self) -> str:
        """Ask until nothing useful is left ("done"), the student says stop ("stopped"),
        or the input ends ("ended"). Ctrl-C propagates: every answer is already saved."""
        while True:
            question, candidate, left = self._next()
            if question is None:
                return "done"
            reply = self.talk.ask(question, len(self.history) + 1, left)
            if reply is None:
                return "ended"
            word = reply.strip().lower()
            if word == STOP:
                return "stopped"
            if word in HELP:
                self.talk.explain(question, candidate)
            elif word == BACK:
                self._back()
            else:
                self._answer(question, reply)

    def _next(self) -> tuple[Question | None, Candidate | None, int]:
        if get(self.data, PHASE) is None and PHASE not in self.asked and not self.pending:
            return question_for(PHASE), None, 1
        run, advice = evaluate(self.program, self.data)
        found = ranked(run, advice, self.asked)
        if self.pending:  # an entry being given is finished first
            left = {q.path for q in self.pending} | {c.question.path for c in found}
            same = next((c for c in found if c.question.path == self.pending[0].path), None)
            return self.pending[0], same, len(left)
        return (found[0].question, found[0], len(found)) if found else (None, None, 0)

    def _back(self) -> None:
        if not self.history:
            self.talk.error("this is the first question, there is nothing to go back to")
            return
        step = self.history.pop()
        changed = step.data != self.data
        self.data, self.asked, self.pending = step.data, step.asked, step.pending
        if changed:
            self.save(self.data)

    def _answer(self, question: Question, reply: str) -> None:
        try:
            data, pending = self._apply(question, reply)
        except AnswerError as exc:
            self.talk.error(str(exc))
            return
        self.history.append(_Step(self.data, set(self.asked), list(self.pending)))
        self.asked.add(question.path)
        self.pending = pending + self.pending[1:] if self.pending else pending
        if data != self.data:
            self.data = data
            self.save(data)

    def _apply(self, question: Question, reply: str) -> tuple[dict, list]:
        """The profile after this reply, and the questions the reply opens (a new entry's)."""
        if reply.strip() == SKIP:
            return self.data, []
        value = parse(question.spec, reply)
        if question.kind == "field":
            return checked(put(self.data, question.path, value)), []
        list_path = question.path if question.kind == "any" else question.entry[0]
        if not value:
            return (checked(put(self.data, list_path, [])) if question.kind == "any" else self.data), []
        entries = copy.deepcopy(get(self.data, list_path) or []) if question.kind == "more" else []
        index = len(entries)
        data = checked(put(self.data, list_path, entries + [{}]))
        return data, self._entry_questions(list_path, index)

    def _entry_questions(self, list_path: str, index: int) -> list[Question]:
        phase = get(self.data, PHASE)
        fields = entry_fields(self.program.book, list_path, phase)
        return [question_for(f"{list_path}[{index}].{name}") for name in fields] + [more_question(list_path, index)]
