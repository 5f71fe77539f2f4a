"""`soaprules explain PROFILE TARGET`: why a conclusion holds, or why it does not."""
from __future__ import annotations

import io
from pathlib import Path

import click

FORMATS = ("text", "json")


def register(main) -> None:
    @main.command("explain")
    @click.argument("profile", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
    @click.argument("target")
    @click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
                  help="text: an indented tree; json: soaprules/explanation@1.")
    @click.option("--pack", "packs", multiple=True, type=click.Path(exists=True, path_type=Path),
                  help="Rule pack file or directory (repeatable). Default: the shipped rules/.")
    @click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
                  help="Write the explanation here (atomically) instead of standard output.")
    @click.option("--programs", type=click.Path(dir_okay=False, path_type=Path),
                  help="With TARGET program=CODE: the program list the plan was made from (see `plan`).")
    def explain_command(profile: Path, target: str, fmt: str, packs: tuple, output: Path | None,
                        programs: Path | None) -> None:
        """Explain TARGET for PROFILE, back to the input values.

        TARGET is a recommendation id, a decision name (rescue_tier), a rule id, or
        decision=value (rescue_tier=1). When it holds, the tree runs from the conclusion
        through the rules and derived facts to the profile values, with citations and the
        proposals it overrode; when it does not, every condition of the candidate rules is
        listed with its threshold, the actual value and its verdict.
        """
        from soaprules.cli.output import fail, emit
        from soaprules.errors import SoapError
        from soaprules.explain.why import explain, parse_target
        from soaprules.pipeline import program_for
        from soaprules.cli.output import load_profile_arg
        from soaprules.render import json_out
        from soaprules.render import tree
        from soaprules.engine.session import evaluate_profile

        if programs is not None or target.startswith("program="):
            _explain_program(profile, programs, target, fmt, packs, output)
            return
        try:
            program = program_for(list(packs) or None)
            wanted = parse_target(target, program.book)
            loaded, _ = load_profile_arg(profile)
            doc = explain(evaluate_profile(program, loaded), wanted)
        except SoapError as exc:
            fail(exc)
        buffer = io.StringIO()
        (tree.render if fmt == "text" else json_out.render)(doc, buffer)
        emit(buffer.getvalue(), output)


def _explain_program(profile, programs, target: str, fmt: str, packs: tuple, output) -> None:
    """`explain --programs LIST program=CODE`: one program's verdict, from the plan."""
    import json

    from soaprules.cli.output import emit, fail, load_profile_arg
    from soaprules.errors import Diagnostic, SoapError, UsageError
    from soaprules.plan.explain import explain_program, text
    from soaprules.plan.run import plan_profile

    try:
        if programs is None or not target.startswith("program="):
            raise UsageError(Diagnostic("a program's verdict is explained with --programs LIST program=CODE",
                                        hint="e.g. soaprules explain profile.yaml --programs list.csv program=1234567C0"))
        doc = explain_program(plan_profile(load_profile_arg(profile)[0], programs, packs or None),
                              target.removeprefix("program="))
    except SoapError as exc:
        fail(exc)
    emit(text(doc) if fmt == "text" else json.dumps(doc, indent=2, ensure_ascii=False) + "\n", output)
