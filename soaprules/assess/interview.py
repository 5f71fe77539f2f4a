"""The interview loop: ask, check, save, choose the next question; skip, back, stop.

I/O is a small protocol (`say`, `ask`, `error`, `explain`) so the same loop runs at a
terminal, from a pipe, and under tests. After every change the profile is handed to
`save`, so an interrupted interview has lost nothing.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Callable, Protocol

from soaprules.profile import model as profile_module
from soaprules.advice import build
from soaprules.assess.answers import checked, match_week, parse, said
from soaprules.errors import AnswerError
from soaprules.profile.paths import get, put
from soaprules.assess.questions import NOW, PHASE, Candidate, Question, entry_fields, impacts, more_question, question_for, ranked, reads
from soaprules.engine.session import evaluate_profile

SKIP, BACK, STOP, HELP = "", "back", "stop", ("help", "?")


class Talk(Protocol):
    def say(self, text: str) -> None: ...
    def ask(self, question: Question, number: int, left: int) -> str | None: ...  # None: input ended
    def error(self, text: str) -> None: ...
    def explain(self, question: Question, candidate: Candidate | None, why: list[str]) -> None: ...


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
                self.talk.explain(question, candidate, why_asked(self.program.book, question, candidate))
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
        if question.kind == "field" and question.spec.kind == "datetime" and reply.strip():
            self.talk.say(f"  Taken as {said(get(data, question.path))}.")

    def _apply(self, question: Question, reply: str) -> tuple[dict, list]:
        """The profile after this reply, and the questions the reply opens (a new entry's)."""
        if reply.strip() == SKIP:
            return self.data, []
        value = parse(question.spec, reply, match_week(self.program.book))
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


# ---- why a question is asked ---------------------------------------------------------------

WHY_SHOWN = 3


def why_asked(book, question: Question, candidate: Candidate | None) -> list[str]:
    """The reasons, in the packs' own words (each rule's `rationale`), of the rules that read
    this answer: those it could still decide first, the most consequential first."""
    path = question.entry[0] if question.entry else question.path
    field = question.path.rsplit(".", 1)[-1] if question.entry and question.kind == "field" else None
    deciding = set(candidate.rules) if candidate else set()
    effect = impacts(book)

    clock = path == NOW  # the time is read through the Match Week timeline

    def reading(rule) -> bool:
        found = reads(rule)
        if field is not None:
            return field in found.items.get(path, frozenset())
        return path in found.paths or clock and found.timeline

    rules = [r for r in book.rules if r.id in deciding or reading(r)]
    rules.sort(key=lambda r: (r.id not in deciding, clock and not reads(r).timeline,
                              -len(effect.get(r.id, ())), book.rules.index(r)))
    out: list[str] = []
    for rule in rules:
        text = _for_student(rule.rationale or "")
        if text and text not in out:
            out.append(text)
        if len(out) == WHY_SHOWN:
            break
    return out


def _for_student(text: str) -> str:
    """A rationale said to the student: one paragraph, 'you' for the applicant, no raw field paths."""
    from soaprules.assess.questions import _student

    text = _student(" ".join(text.split()))
    for old, new in (("the student's", "your"), ("The student's", "Your"), ("a student", "you"),
                     ("the student", "you"), ("The student", "You")):
        text = text.replace(old, new)
    text = text.replace("status.now", "the time").replace("you is", "you are").replace("you has", "you have")
    return text[:1].upper() + text[1:]
