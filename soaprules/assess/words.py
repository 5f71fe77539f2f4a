"""The interview's wording: a schema description turned into a question to the student.

The schema describes fields for advisors ("Needs a visa to train in the US.", "Has argued
evaluations."); the interview asks the student ("Do you need a visa to train in the US?",
"Have you argued about an evaluation?"). The rewriting is by sentence shape, not a list
of fields, so a field added to the schema is asked in the second person too; a
description that fits no shape is asked as it is ("Applicant type?" reads well enough).
"""
from __future__ import annotations

import re

# Descriptions' leading verbs (third person or past), as the student is asked about them.
_LEADS = [
    (r"^Current date and time", "What day and time is it for you now"),
    (r"^When the program contacted you", "When did the program contact you"),
    (r"^Where you are (.*)", r"Where are you \1"),
    (r"^How well they (\w+) (.*)", r"How well do they \1 \2"),
    (r"^How well the school (\w+)s (.*)", r"How well does your school \1 \2"),
    (r"^How it went$", "How did it go"),
    (r"^Who they are (.*)", r"Who are they \1"),
    (r"^What they have (.*)", r"What have they \1"),
    (r"^What you did (.*)", r"What did you do \1"),
    (r"^Words faculty used about you$", "What words have faculty used about you"),
    (r"^Position types you would accept$", "Which position types would you accept"),
    (r"^Acceptable regions$", "Which regions would you accept"),
    (r"^Main Match result$", "What was your main Match result"),
    (r"^Needs (.*)", r"Do you need \1"),
    (r"^Must (.*)", r"Do you have to \1"),
    (r"^Would (.*)", r"Would you \1"),
    (r"^Did (a|an|the) (.*)", r"Did you do \1 \2"),
    (r"^Has argued (.*)", r"Have you argued about \1"),
    (r"^Resolved (.*)", r"Has it been resolved \1"),
    (r"^Has (been|had|left|asked|argued|done|sent|spoken|told) (.*)", r"Have you \1 \2"),
    (r"^Has (.*)", r"Do you have \1"),
    (r"^Have (spoken|met|worked) (.*)", r"Have you \1 \2"),
    (r"^(Told|Trashed|Kept|Asked|Sent|Argued|Left) (.*)", lambda m: f"Have you {m[1].lower()} {m[2]}"),
    (r"^You (had|have|are|were|did) (.*)", lambda m: f"{m[1].capitalize()} you {m[2]}"),
    (r"^NRMP says (.*)", r"Does NRMP say \1"),
    (r"^Staff or residents have (.*)", r"Have staff or residents \1 about you"),
    (r"^Advisors warned to (.*?) and the warning was ignored", r"Did advisors warn you to \1, and you did not"),
    (r"^Dishonesty (.*)", r"Has there been dishonesty \1"),
    (r"^Tailored messages rather than (.*)", r"Did you send tailored messages rather than \1"),
    (r"^(All .*) are (submitted|done|ready|sent)$", lambda m: f"Are {_lower(m[1])} {m[2]}"),
    (r"^(An? .*) is (done|ready|submitted|sent)$", lambda m: f"Is {_lower(m[1])} {m[2]}"),
    (r"^(.*) ready$", lambda m: f"Is your {_lower(m[1])} ready"),
    (r"^Already sent(.*)", r"Has it already been sent\1"),
    (r"^Number of (.*)", r"How many \1"),
]
# An entry's own verbs: "Answers promptly." of a mentor is "Do they answer promptly?".
_THEIRS = [
    (r"^(Answers|Gives|Knows|Writes|Replies|Speaks) (.*)", lambda m: f"Do they {m[1][:-1].lower()} {m[2]}"),
]


def question(description: str, yes_no: bool, entry: bool) -> str:
    """The description as a question (yes/no fields end in '?'); other fields keep a plain
    prompt ending in '.', or '?' when it was turned into a question."""
    text = _plain(description)
    core, sep, tail = _split(text)
    for pattern, repl in (_THEIRS if entry else []) + _LEADS:
        new, n = re.subn(pattern, repl, core)
        if n and sep.strip() == ";":  # the question, then the rest as its own sentence
            tail = tail.strip()
            return f"{new}? {tail[:1].upper()}{tail[1:].rstrip('.')}."
        if n:
            return new + sep + tail.rstrip(".") + "?"
    if yes_no:
        return text.rstrip(".") + "?"
    return text


def heading(part: str) -> str:
    """A section's caption said to the student: 'Where they are in the cycle' -> 'Where you are...'."""
    text = re.sub(r"^For [a-z]+_[a-z_]+ [a-z_]+: (.)", lambda m: m[1].upper(), part)  # a raw condition
    for old, new in ((r"\bthey are\b", "you are"), (r"\bthey would\b", "you would"),
                     (r"\bthey aim\b", "you aim"), (r"\bthey\b", "you")):
        text = re.sub(old, new, text)
    text = re.sub(r"\bFor post_soap, gap_year and reapplying phases\b", "After the Match", text)
    return text.replace("_", " ")


def _plain(description: str) -> str:
    """No advisor's shorthand: the UTC offset is asked for by the prompt's hint, not the question."""
    text = re.sub(r",?\s*with (?:a |its )?UTC offset", "", description)
    return re.sub(r"\s+", " ", text).strip()


def _split(text: str) -> tuple[str, str, str]:
    """The main clause, and what follows it (';' or a parenthesis), kept as said."""
    body = text.rstrip(".")
    found = re.search(r"\s*(;|\(|: )", body)
    if not found:
        return body, "", ""
    return body[:found.start()], body[found.start():found.end()], body[found.end():]


def _lower(words: str) -> str:
    """'A realistic list' -> 'a realistic list'; an acronym ('CV', 'ERAS') keeps its capitals."""
    return words if words[1:2].isupper() else words[:1].lower() + words[1:]
