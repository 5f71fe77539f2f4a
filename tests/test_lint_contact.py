"""Lint: advice that words program contact must declare `contacts_program: true`, in any
pack (overlays and school packs too), or the NRMP bound does not travel with it."""
from __future__ import annotations

import pytest

from soaprules.authoring.lint import lint
from soaprules.cli.main import main
from soaprules.packs.load import DEFAULT_RULES_DIR
from test_overlay import line_of, overlay

COLD = """\
rules:
  - id: school-cold-email
    title: Be seen by the programs on your list
    when: {{status.phase: soap}}
    then:
      recommend:
        topic: program_outreach
        priority: high
        text: >
          Today is the day to be seen. Open your SOAP list and
          email every program coordinator on it with your CV.
{declared}    cites: [AL-12]
    sources: [{{seed: 001_395fc7c3899fe5c2.txt, quote: "Will the school be reaching out to any programs on my behalf?"}}]
"""


def school(tmp_path, declared: str = "", text: str | None = None):
    body = COLD.format(declared=declared)
    if text is not None:
        body = body.replace("email every program coordinator on it with your CV.", text)
    return overlay(tmp_path, "school", "extends: [core]\n" + body)


def test_undeclared_contact_in_an_overlay_is_an_error_at_its_line(tmp_path, runner):
    path = school(tmp_path)
    report = lint([DEFAULT_RULES_DIR, path])
    (finding,) = report.errors
    d = finding.diagnostic
    assert finding.check == "contact-undeclared" and d.rule_id == "school-cold-email"
    assert (d.file, d.position.line) == (str(path), line_of(path, "email every program"))
    assert "'email every program'" in d.message
    assert d.hint == "declare contacts_program: true so the NRMP bound travels with it during SOAP"
    result = runner.invoke(main, ["lint", "rules", str(path)])
    assert result.exit_code == 1 and f"{path}:{line_of(path, 'email every program')}:" in result.output


def test_declared_contact_is_clean(tmp_path):
    path = school(tmp_path, declared="        contacts_program: true\n")
    assert [f.diagnostic.headline() for f in lint([DEFAULT_RULES_DIR, path]).errors] == []


@pytest.mark.parametrize("text", [
    "Wait for a program to contact you, then answer within the hour.",
    "Wait for a program to contact you; then reply to the program coordinator who wrote.",
    "Do not apply to or contact any program until SOAP ends.",
    "Don't email the program director this week.",
    "No one may call a program for you before it reaches out.",
    "Thank them, and ask them not to speak to any other program for you.",
])
def test_no_false_positive_on_waiting_or_prohibition(tmp_path, text):
    from soaprules.authoring.lint import contact_wording
    assert contact_wording(text) is None
    assert lint([DEFAULT_RULES_DIR, school(tmp_path, text=text)]).errors == []


@pytest.mark.parametrize("text,words", [
    ("Email every program coordinator today.", "Email every program"),
    ("If you have not heard back, call the program director.", "call the program"),
    ("Do not wait: reach out to the residency office.", "reach out to the residency office"),
    ("Ask them to call the PD on Tuesday.", "Ask them to call the PD"),
    # an advocate's word carried to a program is contact on the student's behalf (NR-03)
    ("Ask your chair to speak for you to the programs you listed.", "speak for you to the programs"),
    ("Your alum can put in a word with the program director.", "put in a word with the program"),
    ("Have your dean vouch for you with the coordinators.", "vouch for you with the coordinators"),
])
def test_imperative_contact_is_found(text, words):
    from soaprules.authoring.lint import contact_wording
    assert contact_wording(text) == words


def test_shipped_packs_word_no_undeclared_contact():
    report = lint([DEFAULT_RULES_DIR])
    assert [f.diagnostic.headline() for f in report.findings if f.check == "contact-undeclared"] == []
