"""`soaprules assess`: interview a student, save their profile as they go, give advice.

Exit codes: 0 advice given; 1 an invalid profile file or pack; 2 a usage error (a bad
--answer, or an existing file that would be overwritten without leave); 130 Ctrl-C
(answers kept).
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from soaprules.errors import Diagnostic, ExitCode, UsageError

DEFAULT_FILE = Path("soap-profile.yaml")
SECONDS_PER_QUESTION = 12


def register(main) -> None:
    from soaprules.render import RENDERERS

    @main.command()
    @click.option("--profile", "profile_path", type=click.Path(dir_okay=False, path_type=Path),
                  help="Profile file to continue from and save to. Interactive default: soap-profile.yaml.")
    @click.option("--answer", "answers", multiple=True, metavar="PATH=VALUE",
                  help="Answer a question up front, e.g. status.phase=soap or red_flags=no (repeatable).")
    @click.option("--non-interactive", is_flag=True,
                  help="Ask nothing: answers come from --answer and PATH=VALUE lines on standard input.")
    @click.option("--format", "fmt", type=click.Choice(sorted(RENDERERS)), default="text",
                  show_default=True, help="Format of the advice; json is the soaprules/advice@1 contract.")
    @click.option("--pack", "packs", multiple=True, type=click.Path(exists=True, path_type=Path),
                  help="Rule pack file or directory (repeatable). Default: the shipped rules/.")
    @click.option("--yes", "assume_yes", is_flag=True, help="Save into an existing profile file without asking.")
    @click.option("--programs", type=click.Path(dir_okay=False, path_type=Path),
                  help="End with the SOAP application plan over this list (see `soaprules plan`; text and markdown).")
    def assess(profile_path, answers, non_interactive, fmt, packs, assume_yes, programs) -> None:
        """Answer a few questions and get advice; only what matters for your phase is asked."""
        from soaprules.cli.output import fail
        from soaprules.errors import SoapError
        from soaprules.pipeline import program_for

        try:
            program = program_for(list(packs) or None)
            _check_folder(profile_path)
            plan_list = _plan_list(program, programs, fmt)  # a bad list is refused before any question
            if non_interactive:
                data = _unattended(program, profile_path, answers, assume_yes)
            else:
                data = _interview(program, profile_path, answers, assume_yes)
            _advise(program, data, fmt)
            if plan_list is not None:
                _plan(data, plan_list, packs, fmt)
        except SoapError as exc:
            fail(exc)
        except KeyboardInterrupt:  # before the first question or during the advice: nothing half-written
            click.echo("\nStopped.", err=True)
            raise SystemExit(ExitCode.INTERRUPTED) from None


def _check_folder(path: Path | None) -> None:
    folder = (path or DEFAULT_FILE).parent
    if not folder.is_dir():
        raise UsageError(Diagnostic(f"cannot save the profile in {folder}: there is no such folder",
                                    file=str(path or DEFAULT_FILE)))


def _given(program, data: dict, lines: list[str], stdin_lines: bool) -> dict:
    """Apply PATH=VALUE answers from flags (and stdin); a bad one is a usage error (AnswerError)."""
    from soaprules.assess.answers import checked, match_week, parse_assignment
    from soaprules.errors import AnswerError
    from soaprules.profile.paths import put
    from soaprules.assess.store import assignments

    week = match_week(program.book)  # "Monday 10:30" is a day of the packs' Match Week
    given = [(*parse_assignment(line, week), f"--answer {line.partition('=')[0].strip()}") for line in lines]
    if stdin_lines:
        given += assignments(sys.stdin, "standard input", week)
    first: dict = {}
    for path, value, where in given:
        if path in first:  # the later one would silently win
            raise AnswerError(f"{path} is answered twice ({first[path]}, then {where}); give each answer once")
        first[path] = where
        data = checked(put(data, path, value))
    return data


def _unattended(program, path: Path | None, lines, assume_yes: bool) -> dict:
    from soaprules.assess import store

    existed = path is not None and path.exists()
    before = store.load(path) if existed else {}
    data = _given(program, before, list(lines), stdin_lines=not sys.stdin.isatty())
    if path is not None and (data != before or not existed):
        if existed and not assume_yes:
            raise UsageError(Diagnostic(f"{path} already exists", file=str(path),
                                        hint="add --yes to save the new answers into it (a profile is never "
                                             "overwritten without asking)"))
        store.save(path, data)
    return data


def _interview(program, path: Path | None, lines, assume_yes: bool) -> dict:
    from soaprules.assess import store
    from soaprules.assess.terminal import KEYS, TerminalTalk
    from soaprules.assess.interview import Interview

    talk = TerminalTalk(sys.stdin, sys.stderr)
    data, target = _start(talk, program, path or DEFAULT_FILE, explicit=path is not None, assume_yes=assume_yes)
    talk.say(f"Your answers are saved in {target} as you go.\n{KEYS}")
    data = _given(program, data, list(lines), stdin_lines=False)
    save = lambda answers: store.save(target, answers)  # noqa: E731
    if lines:
        save(data)
    interview = Interview(program, data, talk, save)
    try:
        outcome = interview.run()
    except KeyboardInterrupt:
        talk.say(f"\n\nStopped. Every answer you gave is saved in {target}; nothing was lost.\n"
                 f"Pick up where you left off with: soaprules assess --profile {target}")
        raise SystemExit(ExitCode.INTERRUPTED) from None
    talk.say("\n" + {"done": "That is everything that would change your advice. Thank you.",
                     "stopped": "Stopping here, as you asked.",
                     "ended": "No more answers came in, so I stopped here."}[outcome])
    if target.exists():
        talk.say(f"Your answers are saved in {target}. To add more later: soaprules assess --profile {target}")
    talk.say("Here is your advice, based on what you told me. Anything you skipped stays unknown, not guessed.\n")
    return interview.data


def _start(talk, program, path: Path, explicit: bool, assume_yes: bool) -> tuple[dict, Path]:
    """Continue from an existing file, but write into it only with the student's leave."""
    from soaprules.assess import store

    data = store.load(path) if path.exists() else {}
    _welcome(talk, program, data)
    if not path.exists():
        return data, path
    if assume_yes:
        return data, path
    other = store.free_name(path)
    if explicit:
        question = (f"{path} holds {_count(data)} answers; I will ask only what is missing. "
                    f"Save the new answers into {path}? (no: they go to {other}, and {path} stays as it is)")
    else:
        question = (f"{path} holds {_count(data)} answers from an earlier session. Continue with them? "
                    f"(no: start afresh in {other})")
    if talk.yes_no(question):
        return data, path
    return (data if explicit else {}), other


def _welcome(talk, program, data: dict) -> None:
    from soaprules.profile.paths import get
    from soaprules.assess.questions import PHASE, phase_paths, phases

    book = program.book
    phase = get(data, PHASE)
    counts = [len([p for p in phase_paths(book, ph) if get(data, p) is None]) for ph in
              ([phase] if phase else phases())]
    most = max(counts) + (0 if phase else 1)
    minutes = max(1, round(most * SECONDS_PER_QUESTION / 60))
    talk.say("Hello. This short interview builds your plan for the Match, SOAP or the year after it. "
             f"It takes about {minutes} minutes: at most {most} questions, fewer when some do not apply to you, "
             "and the most useful ones come first, so you can stop whenever you like. "
             "Nothing leaves this computer.")


def _count(data: dict) -> int:
    def leaves(node) -> int:
        if isinstance(node, dict):
            return sum(leaves(v) for v in node.values())
        if isinstance(node, list) and node and isinstance(node[0], dict):
            return sum(leaves(v) for v in node)
        return 1
    return leaves(data)


def _plan_list(program, programs: Path | None, fmt: str):
    if programs is None:
        return None
    from soaprules.errors import Diagnostic, UsageError
    from soaprules.plan.pack import load_plan_pack
    from soaprules.plan.programs import load_programs

    if fmt not in ("text", "markdown"):
        raise UsageError(Diagnostic(f"assess ends with the plan in text or markdown, not {fmt}",
                                    hint="for the JSON plan, run soaprules plan PROFILE --programs LIST --format json"))
    return load_programs(programs, load_plan_pack(program.book).regions)


def _plan(data: dict, programs, packs, fmt: str) -> None:
    from soaprules.plan.render import RENDER
    from soaprules.plan.run import document, plan_profile
    from soaprules.profile.model import SCHEMA_ID, Profile

    profile = Profile.model_validate({"schema": SCHEMA_ID, **data})  # as the advice read it
    sys.stdout.write("\n" + RENDER[fmt](document(plan_profile(profile, None, packs or None, programs=programs))))


def _advise(program, data: dict, fmt: str) -> None:
    import io

    from soaprules.assess.interview import evaluate
    from soaprules.render import RENDERERS

    _, advice = evaluate(program, data)
    buffer = io.StringIO()
    RENDERERS[fmt](advice, buffer)
    sys.stdout.write(buffer.getvalue())
