"""`soaprules whatif PROFILE --target decision=value | --set path=value ...`."""
from __future__ import annotations

import io
import sys
import time
from pathlib import Path

import click

FORMATS = ("text", "json")


def register(main) -> None:
    @main.command("whatif")
    @click.argument("profile", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
    @click.option("--target", "target", metavar="TARGET",
                  help="What to reach: decision=value (rescue_tier=1), a rule id or a recommendation id.")
    @click.option("--max-changes", type=click.IntRange(1, 4), default=3, show_default=True,
                  help="Largest change set the search tries.")
    @click.option("--set", "sets", multiple=True, metavar="PATH=VALUE",
                  help="Apply a change by hand and show what it moves (repeatable; PATH+=VALUE adds to a list).")
    @click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
                  help="text, or json (soaprules/whatif@1).")
    @click.option("--pack", "packs", multiple=True, type=click.Path(exists=True, path_type=Path),
                  help="Rule pack file or directory (repeatable). Default: the shipped rules/.")
    @click.option("--timing", is_flag=True, help="Print how long the search took, on standard error.")
    @click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
                  help="Write the result here (atomically) instead of standard output.")
    def whatif_command(profile: Path, target: str | None, max_changes: int, sets: tuple, fmt: str, packs: tuple,
                       timing: bool, output: Path | None) -> None:
        """What would change the outcome for PROFILE.

        With --target, search the smallest sets of changes to the levers a student can pull
        (declared in the packs) that reach the target, exhaustively up to --max-changes
        (within a budget of change sets; past it the output says where it stopped), and
        show what else each set moves; or say that nothing within reach works, and which
        fixed inputs hold the result. With --set, show how decisions and recommendations
        change under a change made by hand.
        """
        from soaprules.cli.output import fail, emit
        from soaprules.errors import SoapError
        from soaprules.render import json_out
        from soaprules.render import whatif_text

        started = time.perf_counter()
        try:
            doc, searched = _whatif(profile, target, max_changes, sets, packs)
        except SoapError as exc:
            fail(exc)
        if timing:
            search = f"search {searched:.3f} s, " if searched is not None else ""
            sys.stderr.write(f"{search}total {time.perf_counter() - started:.3f} s\n")
        buffer = io.StringIO()
        (whatif_text.render if fmt == "text" else json_out.render)(doc, buffer)
        emit(buffer.getvalue(), output)


def _whatif(profile: Path, target: str | None, max_changes: int, sets: tuple, packs: tuple):
    """The what-if document, and how long the search took (None for --set)."""
    from soaprules.explain import whatif
    from soaprules.errors import Diagnostic, UsageError
    from soaprules.explain.why import parse_target
    from soaprules.pipeline import program_for
    from soaprules.cli.output import load_profile_arg

    if bool(target) == bool(sets):
        raise UsageError(Diagnostic("give either --target or --set",
                                    hint="--target rescue_tier=1, or --set geography.open_to_any_region=true"))
    program = program_for(list(packs) or None)
    loaded, _ = load_profile_arg(profile)
    if sets:
        data = loaded.model_dump(by_alias=True, exclude_none=True, mode="python")
        return whatif.manual(program, loaded, [whatif.parse_set(s, data, program.book.levers) for s in sets]), None
    wanted = parse_target(target, program.book)
    started = time.perf_counter()
    found = whatif.search(program, loaded, wanted, max_changes)
    searched = time.perf_counter() - started
    return whatif.report(program, loaded, found), searched
