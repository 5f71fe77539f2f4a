"""`soaprules assess`: the interview, driven through click's runner and a real terminal.

Scripts are built from a persona (profile path -> what the student types): the
interview is run once in-process to learn the order it asks in, and the lines go to
the CLI as standard input. The CLI run is then checked on its own: the questions it
printed, the file it saved and the advice it gave.
"""
from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import time
from typing import Optional

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import Field, create_model

from soaprules.profile import model as profile_module
from soaprules.profile import load as profile_load
from soaprules.profile import fields as schema_paths
from soaprules.assess.answers import checked, parse
from soaprules.errors import AnswerError
from soaprules.profile.paths import get
from soaprules.assess.store import load, save
from soaprules.cli.main import main
from soaprules.assess.interview import Interview, evaluate
from soaprules.assess.questions import NOW, PHASE, phase_paths, question_for, ranked, rules_for_phase, timeline_phases
from soaprules.pipeline import program_for

from conftest import PROFILES
from strategies import profiles

ASKED = re.compile(r"^\[\d+[^\]]*\] .*  \((?P<path>[^()]+)\)$", re.MULTILINE)
RED_FLAG_DETAIL = re.compile(r"^red_flags\[")

# A student with an influential, active faculty ally, clean record, flexible geography.
BASE = {
    "red_flags": "no",
    "relationships.faculty": "yes",
    "relationships.faculty[0].knows_you": "well",
    "relationships.faculty[0].influence": "high",
    "relationships.faculty[0].signals": "asked for cv, named programs",
    "relationships.faculty[0]+": "no",
    "clinical.evaluations": "strong",
    "clinical.described_as": "reliable, coachable",
    "conduct.professionalism_concerns": "0",
    "conduct.staff_complaints": "no",
    "conduct.dishonesty": "no",
    # Tier 1 weighs the whole FA-08 record (issue 12): these must be known to be clean.
    "conduct.ghosted_emails": "no",
    "conduct.argued_evaluations": "no",
    "conduct.social_media_incident": "no",
    "target.specialty": "internal medicine",
    "target.specialty_history": "none",
    "applicant.visa_required": "no",
    "applicant.school_network": "average",
    "target.warned_to_broaden": "no",
    "geography.regions": "midwest, south, southeast",
    "status.soap_eligible": "yes",
}
COMMON = {"red_flag_risk": "none", "specialty_realism": "realistic", "geographic_flexibility": "flexible",
          "advocate_status": "active_advocate", "rescue_tier": 1}
PHASES = {
    "pre_match": ({}, {}),
    "match_week": ({"status.now": "2026-03-16T15:00-04:00"}, {"outreach_window": "still_useful"}),
    "soap": ({"status.now": "2026-03-18T09:00-04:00"}, {"outreach_window": "nudge_only"}),
    "post_soap": ({"post_match.plan": "same_specialty"}, {"post_match_track": "same_specialty"}),
    "gap_year": ({"post_match.plan": "same specialty"}, {"post_match_track": "same_specialty"}),
    "reapplying": ({"post_match.plan": "pivot"}, {"post_match_track": "pivot"}),
}


@pytest.fixture
def program():
    """The packs as the CLI sees them now (compiled once per content), so a script is
    planned against exactly the rules the command will run."""
    return program_for()


class Persona:
    """Answers by question path; skips (an empty line) what it was not given."""

    def __init__(self, answers: dict, stop_after: int | None = None):
        self.answers, self.stop_after = answers, stop_after
        self.asked: list[str] = []
        self.replies: list[str] = []
        self.errors: list[str] = []

    def say(self, text):
        pass

    def error(self, text):
        self.errors.append(text)

    def explain(self, question, candidate, why):
        pass

    def ask(self, question, number, left):
        if self.stop_after is not None and len(self.asked) >= self.stop_after:
            return None
        self.asked.append(question.path)
        self.replies.append(self.answers.get(question.path, ""))
        return self.replies[-1]


def shown(path: str) -> str:
    """How the terminal names a question: "add another entry?" by its list."""
    return re.sub(r"\[\d+\]\+$", "", path)


def script(program, answers: dict, data: dict | None = None) -> Persona:
    persona = Persona(answers)
    Interview(program, data or {}, persona, lambda d: None).run()
    return persona


def flat(text: str) -> str:
    """Output with the terminal's line wrapping undone, for looking up a sentence."""
    return " ".join(text.split())


def asked_in(output: str) -> list[str]:
    return [m["path"] for m in ASKED.finditer(output)]


def persona_for(phase: str) -> tuple[dict, dict]:
    extra, expected = PHASES[phase]
    return {PHASE: phase.replace("_", " "), **BASE, **extra}, {**COMMON, **expected}


# ---- a whole session per phase ---------------------------------------------------------

@pytest.mark.parametrize("phase", list(PHASES))
def test_session_from_nothing_to_advice(phase, program, runner, tmp_path):
    answers, expected = persona_for(phase)
    plan = script(program, answers)
    target = tmp_path / "me.yaml"
    result = runner.invoke(main, ["assess", "--profile", str(target), "--format", "json"],
                           input="\n".join(plan.replies) + "\n")
    assert result.exit_code == 0, result.output
    assert asked_in(result.stderr) == [shown(p) for p in plan.asked]
    assert plan.asked[0] == PHASE
    assert not plan.errors
    assert "Nothing leaves this computer" in flat(result.stderr) and "minutes" in flat(result.stderr)
    advice = json.loads(result.stdout)
    assert advice["phase"] == phase
    decisions = {name: d["value"] for name, d in advice["decisions"].items()}
    assert {k: decisions.get(k) for k in expected} == expected
    saved = yaml.safe_load(target.read_text())
    assert saved["status"]["phase"] == phase
    assert saved["red_flags"] == []
    assert saved["relationships"]["faculty"][0]["signals"] == ["asked_for_cv", "named_programs"]
    assert ("now" in saved["status"]) == (phase in ("match_week", "soap"))


def test_the_phase_decides_what_is_asked(program):
    """Only what the phase's rules read; the post-Match plan only after the Match."""
    book = program.book
    for phase in PHASES:
        plan = script(program, persona_for(phase)[0])
        allowed = set(phase_paths(book, phase)) | {PHASE}
        bases = {re.sub(r"\[\d+\].*", "", p) for p in plan.asked}
        assert bases <= allowed, phase
        assert ("post_match.plan" in plan.asked) == (phase in ("post_soap", "gap_year", "reapplying"))


# ---- never asked ---------------------------------------------------------------------

def test_no_red_flags_means_no_red_flag_details(program, runner, tmp_path):
    answers, _ = persona_for("soap")
    plan = script(program, answers)
    result = runner.invoke(main, ["assess", "--profile", str(tmp_path / "p.yaml")],
                           input="\n".join(plan.replies) + "\n")
    asked = asked_in(result.stderr)
    assert "red_flags" in asked
    assert not [p for p in asked if RED_FLAG_DETAIL.match(p)]
    # the same interview with a flag does ask the details (so the check above can fail)
    flagged = {**answers, "red_flags": "yes", "red_flags[0].kind": "exam failure", "red_flags[0]+": "no"}
    details = [p for p in script(program, flagged).asked if RED_FLAG_DETAIL.match(p)]
    assert "red_flags[0].kind" in details and "red_flags[0].explanation_ready" in details


def test_the_date_is_asked_where_the_packs_read_the_clock(program, runner, tmp_path):
    """Asked because rules read it, never by a list: the post-Match steps follow the month,
    and a gap year that reaches the next Match Week is bound by its SOAP, so a gap-year
    student is asked the date too; a phase no rule reads the clock for would not be."""
    book = program.book
    readers = timeline_phases(book)
    assert {"soap", "gap_year"} <= set(readers)
    for phase in ("soap", "gap_year"):
        assert NOW in phase_paths(book, phase)
    answers, _ = persona_for("gap_year")
    result = runner.invoke(main, ["assess", "--profile", str(tmp_path / "g.yaml")],
                           input="\n".join(script(program, answers).replies) + "\n")
    assert result.exit_code == 0
    assert "status.now" in asked_in(result.stderr)
    assert "status.now" in script(program, persona_for("match_week")[0]).asked


# ---- interrupt and resume ------------------------------------------------------------

class CtrlCAfter(io.BytesIO):
    """Standard input that raises KeyboardInterrupt once its lines are used up: Ctrl-C."""

    def read1(self, size=-1):
        data = super().read1(size)
        if not data:
            raise KeyboardInterrupt
        return data


def test_ctrl_c_keeps_answers_and_resume_asks_only_the_rest(program, runner, tmp_path):
    answers, expected = persona_for("soap")
    plan = script(program, answers)
    first = 9  # after a whole list entry: "add another?" is not in the file, the rest is
    target = tmp_path / "me.yaml"
    result = runner.invoke(main, ["assess", "--profile", str(target)],
                           input=CtrlCAfter(("\n".join(plan.replies[:first]) + "\n").encode()))
    assert result.exit_code == 130
    assert "nothing was lost" in flat(result.stderr)
    kept = yaml.safe_load(target.read_text())
    assert kept["status"]["phase"] == "soap" and kept["red_flags"] == []
    asked_before = plan.asked[:first]
    assert asked_in(result.stderr)[:first] == [shown(p) for p in asked_before]
    # resume: leave to write into the file, then only what is missing
    rest = script(program, answers, data=load(target))
    again = runner.invoke(main, ["assess", "--profile", str(target), "--format", "json"],
                          input="yes\n" + "\n".join(rest.replies) + "\n")
    assert again.exit_code == 0, again.output
    asked_after = asked_in(again.stderr)
    assert asked_after == [shown(p) for p in rest.asked]
    answered_before = {p for p in asked_before if p in answers and not p.endswith("+")}
    assert not answered_before & set(rest.asked)
    # nothing new is asked, and a question skipped before the interruption is asked again
    fields = lambda asked: {p for p in asked if not p.endswith("+")}  # "add another?" is no field
    assert fields(asked_before) | fields(rest.asked) == fields(plan.asked)
    skipped = {p for p in asked_before if p not in answers and not p.endswith("+")}
    assert skipped <= set(rest.asked)
    decisions = {n: d["value"] for n, d in json.loads(again.stdout)["decisions"].items()}
    assert {k: decisions.get(k) for k in expected} == expected


def test_interrupted_file_is_whole_yaml_after_every_answer(program, tmp_path):
    """Saved after each answer: the file on disk always loads and holds every answer so far."""
    target = tmp_path / "p.yaml"
    seen = []

    def saving(data):
        save(target, data)
        seen.append(load(target))

    Interview(program, {}, Persona(persona_for("post_soap")[0]), saving).run()
    assert len(seen) > 10
    assert all(set(a) <= set(b) for a, b in zip(seen, seen[1:]))  # answers only add up
    assert load(target) == seen[-1]


# ---- saving ------------------------------------------------------------------------

def test_existing_file_is_never_overwritten_without_asking(runner, tmp_path):
    target = tmp_path / "me.yaml"
    target.write_text("schema: soaprules/profile@1\nstatus: {phase: soap}\n")
    before = target.read_text()
    refused = runner.invoke(main, ["assess", "--profile", str(target), "--non-interactive",
                                   "--answer", "red_flags=no"])
    assert refused.exit_code == 2 and "--yes" in flat(refused.stderr)
    assert target.read_text() == before
    # interactive: "no" keeps the file as it is and saves to a new one
    kept = runner.invoke(main, ["assess", "--profile", str(target), "--answer", "red_flags=no"],
                         input="no\nstop\n")
    assert kept.exit_code == 0
    assert target.read_text() == before
    assert yaml.safe_load((tmp_path / "me-2.yaml").read_text())["red_flags"] == []
    # --yes: the new answer goes into the file
    agreed = runner.invoke(main, ["assess", "--profile", str(target), "--non-interactive", "--yes",
                                  "--answer", "red_flags=no"])
    assert agreed.exit_code == 0
    assert yaml.safe_load(target.read_text())["red_flags"] == []


def test_default_file_from_an_earlier_session_is_continued_only_if_wanted(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    first = runner.invoke(main, ["assess"], input="gap year\nstop\n")
    assert first.exit_code == 0
    assert yaml.safe_load(open("soap-profile.yaml"))["status"] == {"phase": "gap_year"}
    fresh = runner.invoke(main, ["assess"], input="no\nsoap\nstop\n")
    assert "(status.phase)" in flat(fresh.stderr)
    assert yaml.safe_load(open("soap-profile.yaml"))["status"] == {"phase": "gap_year"}
    assert yaml.safe_load(open("soap-profile-2.yaml"))["status"] == {"phase": "soap"}
    resumed = runner.invoke(main, ["assess"], input="yes\nstop\n")
    assert "(status.phase)" not in flat(resumed.stderr)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(profiles())
def test_saved_yaml_round_trips_and_adds_nothing(tmp_path, profile):
    data = profile.model_dump(by_alias=True, exclude_none=True, mode="json")
    data.pop("schema")
    target = tmp_path / "round.yaml"
    save(target, data)
    text = target.read_text()
    assert text.startswith("#") and "schema: soaprules/profile@1" in text
    assert load(target) == checked(data)
    assert "null" not in text


COMMENTED = """\
# Ana's profile, kept by her advisor. Do not share.
schema: soaprules/profile@1
applicant:
  id: '08'        # the school's number, quoted
status:
  phase: soap     # she is in SOAP
# geography: she said midwest first
geography:
  regions: [midwest]   # only midwest for now
  max_cities: 3
"""


def test_saving_into_an_existing_profile_keeps_its_comments_and_order(tmp_path):
    target = tmp_path / "ana.yaml"
    target.write_text(COMMENTED)
    data = load(target)
    data["geography"]["regions"] = ["midwest", "south"]
    data["status"]["soap_eligible"] = True
    data["red_flags"] = []
    data["applicant"]["school_network"] = "average"
    data["clinical"] = {"evaluations": "strong"}
    del data["geography"]["max_cities"]
    save(target, data)
    text = target.read_text()
    for comment in ("# Ana's profile, kept by her advisor. Do not share.", "# the school's number, quoted",
                    "# she is in SOAP", "# geography: she said midwest first", "# only midwest for now"):
        assert comment in text, comment
    assert "id: '08'" in text and "regions: [midwest, south]" in text and "max_cities" not in text
    keys = [line.split(":")[0] for line in text.splitlines() if line and not line.startswith((" ", "#"))]
    assert keys == ["schema", "applicant", "status", "clinical", "red_flags", "geography"]  # new ones in schema order
    # the added status answer sits in its section, above the comment that heads the next one
    assert text.index("soap_eligible: true") < text.index("# geography: she said midwest first")
    assert load(target) == checked(data)
    assert "%YAML" not in text and "null" not in text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(profiles(), profiles())
def test_saving_over_an_existing_profile_round_trips(tmp_path, first, second):
    """Round-trip saving of any profile into any other: it reads back as the new answers."""
    target = tmp_path / "over.yaml"
    plain = lambda p: {k: v for k, v in p.model_dump(by_alias=True, exclude_none=True, mode="json").items()
                       if k != "schema"}  # noqa: E731
    save(target, plain(first))
    target.write_text("# a comment of the student's\n" + target.read_text())
    save(target, plain(second))
    text = target.read_text()
    assert text.startswith("# a comment of the student's\n")
    assert load(target) == checked(plain(second))


def test_unanswered_means_absent(program, runner, tmp_path):
    """Skipping everything but the phase saves the phase and nothing else."""
    target = tmp_path / "s.yaml"
    skips = "soap\n" + "\n" * 60
    result = runner.invoke(main, ["assess", "--profile", str(target)], input=skips)
    assert result.exit_code == 0
    assert yaml.safe_load(target.read_text()) == {"schema": "soaprules/profile@1", "status": {"phase": "soap"}}


# ---- at the prompt: validation, skip, back, stop, help ------------------------------------

def test_bad_answers_are_explained_and_asked_again(runner, tmp_path):
    target = tmp_path / "v.yaml"
    lines = ["sopa", "soap", "next tuesday", "Monday", "2026-03-16T10:30-04:00", "maybe", "no"]
    result = runner.invoke(main, ["assess", "--profile", str(target)], input="\n".join(lines) + "\nstop\n")
    assert result.exit_code == 0
    err = flat(result.stderr)
    assert "did you mean 'soap'?" in err
    assert "'next tuesday' is not a day and time" in err and "Monday 10:30 (Eastern time)" in err
    assert "'Monday' needs a time too" in err
    assert "UTC offset" not in err  # asked plainly: Eastern time is assumed, and said
    assert "Taken as Monday 16 March 2026, 10:30 ET." in err
    assert "'maybe' is not yes or no" in err
    saved = yaml.safe_load(target.read_text())
    assert saved["status"] == {"phase": "soap", "now": "2026-03-16T10:30:00-04:00"}
    assert asked_in(result.stderr)[:4] == ["status.phase", "status.phase", "status.now", "status.now"]


@pytest.mark.parametrize("text, value", [
    ("Monday 10:30", "2026-03-16T10:30:00-04:00"),  # a weekday is a day of the packs' Match Week
    ("mon 2pm", "2026-03-16T14:00:00-04:00"),
    ("Tuesday at 8:00 ET", "2026-03-17T08:00:00-04:00"),
    ("10:30 on Thursday", "2026-03-19T10:30:00-04:00"),
    ("Thursday 9 pm", "2026-03-19T21:00:00-04:00"),
    ("2026-03-16 10:30", "2026-03-16T10:30:00-04:00"),  # no offset: Eastern, daylight time in March
    ("2026-03-16T10:30", "2026-03-16T10:30:00-04:00"),
    ("2026-01-16 10:30", "2026-01-16T10:30:00-05:00"),  # standard time in January
    ("2026-03-16T14:30Z", "2026-03-16T14:30:00+00:00"),  # the full ISO form keeps its own offset
    ("2026-03-16T10:30-07:00", "2026-03-16T10:30:00-07:00"),
])
def test_dates_are_asked_plainly_in_eastern_time(program, monkeypatch, text, value):
    from soaprules.assess import answers

    class During(answers.datetime):  # the clock reads Match Week 2026, Sunday evening
        @classmethod
        def now(cls, tz=None):
            return answers.datetime.fromisoformat("2026-03-15T20:00:00-04:00")

    monkeypatch.setattr(answers, "datetime", During)
    assert parse(question_for(NOW).spec, text, answers.match_week(program.book)) == value


@pytest.mark.parametrize("text, message", [
    ("Monday 25:00", "not a time of day"),
    ("Moonday 10:30", "start with a weekday"),
    ("13 pm Monday", "the hour is 1 to 12"),
    ("friday", "needs a time too"),
])
def test_plain_dates_refused_with_a_reason(program, text, message):
    from soaprules.assess.answers import match_week

    with pytest.raises(AnswerError, match=re.escape(message)):
        parse(question_for(NOW).spec, text, match_week(program.book))


def test_a_weekday_after_this_years_match_week_is_next_years(program):
    from datetime import datetime

    from soaprules.assess.answers import match_week

    week = match_week(program.book)
    assert str(week(datetime.fromisoformat("2026-03-20T13:00-04:00"))) == "2026-03-16"
    assert str(week(datetime.fromisoformat("2026-12-01T12:00-05:00"))) == "2027-03-15"


@pytest.mark.parametrize("kind, path, text, value", [
    ("int", "conduct.professionalism_concerns", "2", 2),
    ("enum", "status.phase", "2", "match_week"),
    ("enum", "status.phase", "Gap Year", "gap_year"),
    ("enum_list", "geography.regions", "1, 3, south", ["northeast", "midwest", "south"]),
    ("enum_list", "geography.regions", "none", []),
    ("bool", "applicant.visa_required", "Y", True),
])
def test_answers_parse(kind, path, text, value):
    spec = question_for(path).spec
    assert spec.kind == kind
    assert parse(spec, text) == value


@pytest.mark.parametrize("path, text, message", [
    ("conduct.professionalism_concerns", "51", "from 0 to 50"),
    ("conduct.professionalism_concerns", "two", "not a whole number"),
    ("status.phase", "9", "pick a number from 1 to 6"),
    ("geography.regions", "midwest, mars", "'mars' is not one of the choices"),
])
def test_answers_refused_with_a_reason(path, text, message):
    with pytest.raises(AnswerError, match=re.escape(message)):
        parse(question_for(path).spec, text)


def test_back_changes_the_previous_answer(program, runner, tmp_path):
    target = tmp_path / "b.yaml"
    first = script(program, {PHASE: "soap"}).asked  # the second question
    after = script(program, {PHASE: "soap", first[1]: "2026-03-18T09:00-04:00"}).asked  # what its answer leads to
    lines = ["soap", "2026-03-18T09:00-04:00", "back", "back", "gap year"]
    result = runner.invoke(main, ["assess", "--profile", str(target)], input="\n".join(lines) + "\nstop\n")
    assert result.exit_code == 0
    assert asked_in(result.stderr)[:5] == ["status.phase", first[1], after[2], first[1], "status.phase"]
    saved = yaml.safe_load(target.read_text())
    assert saved["status"] == {"phase": "gap_year"}


def test_back_on_the_first_question_says_so(runner, tmp_path):
    result = runner.invoke(main, ["assess", "--profile", str(tmp_path / "f.yaml")], input="back\nstop\n")
    assert "nothing to go back to" in flat(result.stderr)


def test_stop_gives_the_advice_so_far(runner, tmp_path):
    result = runner.invoke(main, ["assess", "--profile", str(tmp_path / "s.yaml"), "--format", "json"],
                           input="soap\n\nno\nstop\n")
    assert result.exit_code == 0
    advice = json.loads(result.stdout)
    assert advice["phase"] == "soap" and advice["decisions"]["red_flag_risk"]["value"] == "none"
    assert "Stopping here" in flat(result.stderr)


def test_help_says_why_a_question_is_asked(program, runner, tmp_path):
    """`?` answers from the rationale of the rules that read the field, not the question again."""
    from soaprules.assess.interview import why_asked

    result = runner.invoke(main, ["assess", "--profile", str(tmp_path / "h.yaml")], input="soap\n?\nstop\n")
    err = flat(result.stderr)
    second = asked_in(result.stderr)[1]
    run, advice = evaluate(program, {"status": {"phase": "soap"}})
    candidate = next(c for c in ranked(run, advice, {PHASE}) if c.question.path == second)
    reasons = why_asked(program.book, candidate.question, candidate)
    assert reasons and "Why we ask:" in err
    assert flat(reasons[0]) in err
    rationales = {" ".join((r.rationale or "").split()) for r in program.book.rules}
    assert any(reason.split(".")[0][:40] in " ".join(rationales) for reason in reasons)
    why = err.split("Why we ask:")[1].split("Your answer can change")[0]
    assert flat(candidate.question.text) not in why  # the why is not the question again
    assert "Your answer can change" in err
    assert "--answer " in err


def test_why_text_is_said_to_the_student(program):
    from soaprules.assess.interview import why_asked

    for path in ("red_flags", "conduct.staff_complaints", "geography.regions", NOW, PHASE):
        reasons = why_asked(program.book, question_for(path), None)
        assert reasons, path
        for reason in reasons:
            assert "the applicant" not in reason.lower() and "status.now" not in reason, reason


def test_questions_are_in_the_second_person():
    assert question_for("applicant.visa_required").text == "Do you need a visa to train in the US?"
    assert question_for("conduct.ghosted_emails").text == "Have you left faculty emails unanswered?"
    assert question_for("post_match.mentors[0].responsive").text == "Do they answer promptly?"
    assert "UTC" not in question_for(NOW).text and question_for(NOW).text.startswith("What day and time")
    assert question_for("status.partial_match.part").heading.endswith("What matched, so the hunt is for "
                                                                        "the complementary position")
    assert "_" not in question_for("post_match.plan").heading


# ---- most useful question next ----------------------------------------------------------

def test_next_question_changes_the_most(program):
    """Each question asked has at least the impact of every other question open at that moment."""
    data = {"status": {"phase": "soap"}}
    asked: set = set()
    for _ in range(8):
        run, advice = evaluate(program, data)
        found = ranked(run, advice, asked)
        if not found:
            break
        best = found[0]
        assert all(len(best.changes) >= len(other.changes) for other in found)
        asked.add(best.question.path)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(profiles())
def test_only_open_questions_of_the_phase_are_offered(program, profile):
    """A candidate is never a field already answered, and always one the phase's rules read."""
    plain = checked(profile.model_dump(by_alias=True, exclude_none=True, mode="json"))
    run, advice = evaluate(program, plain)
    phase = advice["phase"]  # the phase the advice was read for: the calendar may overrule the stated one
    readable = set(phase_paths(program.book, phase))
    for candidate in ranked(run, advice, set()):
        path = candidate.question.path
        assert get(plain, path) is None, path
        assert re.sub(r"\[\d+\].*", "", path) in readable, (phase, path)


def test_now_means_this_moment_with_its_offset():
    value = parse(question_for(NOW).spec, "now")
    assert "T" in value and (value.endswith("Z") or re.search(r"[+-]\d\d:\d\d$", value))


@pytest.mark.parametrize("fixture", PROFILES, ids=lambda p: p.stem)
def test_resuming_a_complete_profile_changes_nothing(runner, tmp_path, fixture):
    """Read through the interview's loader, a profile gives the advice `advise` gives, and
    the file is left alone when no answer is added."""
    copy = tmp_path / fixture.name
    copy.write_text(fixture.read_text())
    ours = runner.invoke(main, ["assess", "--non-interactive", "--profile", str(copy), "--format", "json"])
    theirs = runner.invoke(main, ["advise", str(fixture), "--format", "json"])
    assert ours.exit_code == theirs.exit_code == 0, ours.output
    assert json.loads(ours.stdout) == json.loads(theirs.stdout)
    assert copy.read_text() == fixture.read_text()


# ---- scripts: flags and standard input --------------------------------------------------

def test_non_interactive_from_flags_and_stdin(runner, tmp_path):
    target = tmp_path / "n.yaml"
    stdin = "# answers\nstatus.soap_eligible=yes\nrelationships.faculty[0].knows_you=well\n"
    result = runner.invoke(main, ["assess", "--non-interactive", "--profile", str(target), "--format", "json",
                                  "--answer", "status.phase=soap", "--answer", "red_flags=no",
                                  "--answer", "geography.regions=midwest,south,west"], input=stdin)
    assert result.exit_code == 0, result.output
    advice = json.loads(result.stdout)
    assert advice["decisions"]["geographic_flexibility"]["value"] == "flexible"
    saved = yaml.safe_load(target.read_text())
    assert saved["relationships"] == {"faculty": [{"knows_you": "well"}]}
    assert saved["status"] == {"phase": "soap", "soap_eligible": True}
    assert "?" not in flat(result.stderr)  # nothing was asked


@pytest.mark.parametrize("answer, message", [
    ("status.phse=soap", "did you mean 'status.phase'?"),
    ("status.phase=sop", "did you mean 'soap'?"),
    ("exams.step2.score=999", "from 1 to 300"),
    ("red_flags[2].kind=exam_failure", "give entries in order"),
    ("red_flags=yes", "give the entries field by field"),
    ("status.phase", "is not PATH=VALUE"),
])
def test_bad_flags_are_usage_errors_and_write_nothing(runner, tmp_path, answer, message):
    target = tmp_path / "x.yaml"
    result = runner.invoke(main, ["assess", "--non-interactive", "--profile", str(target), "--answer", answer])
    assert result.exit_code == 2
    assert message in flat(result.stderr)
    assert "Traceback" not in result.output
    assert not target.exists()


def test_bad_stdin_line_names_its_line(runner):
    result = runner.invoke(main, ["assess", "--non-interactive"], input="status.phase=soap\n\nred_flags=maybe\n")
    assert result.exit_code == 2 and "standard input line 3" in flat(result.stderr)


class _Endless(io.RawIOBase):
    """A pipe that never ends (`yes status.phase=soap`, /dev/zero): counts what was read."""

    def __init__(self, chunk: bytes):
        self.chunk, self.given = chunk, 0

    def readable(self):
        return True

    def readinto(self, buffer):
        n = len(buffer)
        buffer[:n] = (self.chunk * (n // len(self.chunk) + 1))[:n]
        self.given += n
        return n


@pytest.mark.parametrize("chunk", [b"status.phase=soap\n", b"\0"])
def test_an_endless_standard_input_is_refused_after_a_bounded_read(runner, chunk):
    endless = _Endless(chunk)
    result = runner.invoke(main, ["assess", "--non-interactive"], input=io.BufferedReader(endless))
    assert result.exit_code == 2 and "standard input is over" in flat(result.stderr)
    assert endless.given < 8 * 1024 * 1024


@pytest.mark.parametrize("flags, stdin", [(["--answer", "status.phase=soap", "--answer", "status.phase=gap_year"], ""),
                                          (["--answer", "status.phase=soap"], "status.phase=gap_year\n"),
                                          ([], "status.phase=soap\n# again\nstatus.phase=gap_year\n")])
def test_one_question_answered_twice_is_refused_naming_both_not_the_last_silently_kept(runner, flags, stdin):
    result = runner.invoke(main, ["assess", "--non-interactive", *flags], input=stdin)
    assert result.exit_code == 2 and "status.phase is answered twice" in flat(result.stderr)
    if not flags:
        assert "(standard input line 1, then standard input line 3)" in flat(result.stderr)


def test_a_byte_order_mark_on_standard_input_is_harmless_as_in_a_file(runner):
    result = runner.invoke(main, ["assess", "--non-interactive", "--format", "json"],
                           input="\ufeffstatus.phase=soap\n".encode())
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["phase"] == "soap"


def test_invalid_profile_file_is_a_positioned_error(runner, tmp_path):
    target = tmp_path / "bad.yaml"
    target.write_text("schema: soaprules/profile@1\nstatus:\n  phase: sopa\n")
    result = runner.invoke(main, ["assess", "--profile", str(target)], input="stop\n")
    assert result.exit_code == 1
    assert "bad.yaml:3" in flat(result.stderr) and "soap" in flat(result.stderr)
    assert target.read_text().endswith("sopa\n")


# ---- a field added to the schema becomes a question -------------------------------------

@pytest.fixture
def extended_schema(monkeypatch):
    """The profile with one more field, readiness.mock_interviews, in place of the shipped one."""
    readiness = create_model("Readiness", __base__=profile_module.Readiness, mock_interviews=(
        Optional[int], Field(default=None, ge=0, le=30, description="Mock interviews done with an advisor.")))
    profile = create_model("Profile", __base__=profile_module.Profile, readiness=(
        Optional[readiness], Field(default=None, description="How ready they are to be helped.")))
    for module in (profile_module, schema_paths, profile_load):
        monkeypatch.setattr(module, "Profile", profile)
    schema_paths.profile_fields.cache_clear()
    schema_paths.item_fields.cache_clear()
    yield
    schema_paths.profile_fields.cache_clear()
    schema_paths.item_fields.cache_clear()


MOCK_PACK = """\
pack: soaprules/pack@1
name: mock-interviews
version: 0.1.0
description: A school's own rule on a field its overlay added to the profile.
rules:
  - id: practise-interviews
    title: Few mock interviews
    when: {readiness.mock_interviews: {lt: 2}}
    then:
      recommend: {topic: communication, priority: high, text: Book two mock interviews this week.}
    cites: [FA-13]
    sources: [{seed: 000_fe36d88cfa4fe4be.txt, quote: "first reaction"}]
"""


def test_a_field_added_to_the_schema_becomes_a_question(extended_schema, runner, tmp_path):
    pack = tmp_path / "mock.yaml"
    pack.write_text(MOCK_PACK)
    target = tmp_path / "m.yaml"
    result = runner.invoke(main, ["assess", "--pack", str(pack), "--profile", str(target), "--format", "json"],
                           input="soap\n1\n")
    assert result.exit_code == 0, result.output
    assert asked_in(result.stderr) == ["status.phase", "readiness.mock_interviews"]
    assert "Mock interviews done with an advisor." in flat(result.stderr)
    assert "a whole number from 0 to 30" in flat(result.stderr)
    assert yaml.safe_load(target.read_text())["readiness"] == {"mock_interviews": 1}
    advice = json.loads(result.stdout)
    assert [r["rule"] for r in advice["recommendations"]] == ["practise-interviews"]


# ---- a real terminal --------------------------------------------------------------------

TMUX = shutil.which("tmux")


class Pane:
    def __init__(self, socket, cwd, command: list[str]):
        self.socket = str(socket)  # a socket of our own, inside the test's folder
        shell = " ".join(command) + "; echo EXIT=$?; sleep 60"
        self._tmux("new-session", "-d", "-s", "t", "-x", "200", "-y", "60", "-c", str(cwd), shell)

    def _tmux(self, *args) -> str:
        return subprocess.run([TMUX, "-S", self.socket, *args], check=True, capture_output=True,
                              text=True).stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-J", "-t", "t", "-S", "-2000")

    def wait_for(self, text: str, timeout: float = 30) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            shown = flat(self.screen())
            if text in shown:
                return shown
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; the screen shows:\n{self.screen()}")

    def type(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", "t", *keys)

    def close(self) -> None:
        subprocess.run([TMUX, "-S", self.socket, "kill-server"], capture_output=True)


@pytest.mark.terminal
@pytest.mark.skipif(TMUX is None, reason="tmux is not installed: the real-terminal run needs it "
                                          "(apt-get install tmux)")
def test_real_terminal_session_with_ctrl_c_and_resume(tmp_path):
    command = [sys.executable, "-m", "soaprules", "assess", "--profile", "me.yaml"]
    first = Pane(tmp_path / "tmux-1", tmp_path, command)
    try:
        first.wait_for("(status.phase)")
        first.wait_for("Nothing leaves this computer")
        first.type("soap", "Enter")
        first.wait_for("(status.now)")
        first.type("2026-03-17T09:00-04:00", "Enter")
        first.wait_for("[3")
        first.type("C-c")
        shown = first.wait_for("EXIT=")
        assert "EXIT=130" in shown and "nothing was lost" in shown
    finally:
        first.close()
    assert yaml.safe_load((tmp_path / "me.yaml").read_text())["status"] == {
        "phase": "soap", "now": "2026-03-17T09:00:00-04:00"}
    second = Pane(tmp_path / "tmux-2", tmp_path, command)
    try:
        second.wait_for("Save the new answers into me.yaml?")
        second.type("yes", "Enter")
        shown = second.wait_for("[1")
        assert "(status.phase)" not in shown and "(status.now)" not in shown
        second.type("stop", "Enter")
        shown = second.wait_for("EXIT=")
        assert "EXIT=0" in shown and "soaprules advice for" in shown
    finally:
        second.close()


@pytest.mark.terminal
@pytest.mark.skipif(TMUX is None, reason="tmux is not installed: the real-terminal run needs it "
                                          "(apt-get install tmux)")
def test_real_terminal_edits_an_answer_with_the_arrow_keys_and_asks_why(program, tmp_path):
    """Line editing at a real terminal: "sop", Left, "a" is "soap" (not "sop^[[Da"); `?` shows
    the rules' reasons for the question on the screen; Up recalls an earlier answer."""
    from soaprules.assess.interview import why_asked

    run, advice = evaluate(program, {"status": {"phase": "soap"}})
    second = ranked(run, advice, {PHASE})[0]
    why = flat(why_asked(program.book, second.question, second)[0])
    command = [sys.executable, "-m", "soaprules", "assess", "--profile", "me.yaml", "--format", "json",
               ">", "advice.json"]  # stdout redirected: the prompt and its editing live on stderr
    pane = Pane(tmp_path / "tmux", tmp_path, command)
    try:
        pane.wait_for(f"({PHASE})")
        pane.type("sop")
        pane.type("Left")
        pane.type("a")
        pane.type("Enter")
        pane.wait_for(f"({second.question.shown_path})")
        pane.type("?", "Enter")
        shown = pane.wait_for("Why we ask:")
        shown = pane.wait_for(why[:70])
        assert "^[[D" not in shown and "\x1b[D" not in shown and "sopa" not in shown
        pane.type("stop", "Enter")
        shown = pane.wait_for("EXIT=")
        assert "EXIT=0" in shown
    finally:
        pane.close()
    saved = yaml.safe_load((tmp_path / "me.yaml").read_text())
    assert saved["status"] == {"phase": "soap"}
    assert json.loads((tmp_path / "advice.json").read_text())["phase"] == "soap"
