"""`soaprules diff-packs OLD NEW --profiles DIR`: what a pack edit changes, profile by
profile, before it ships."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from soaprules.errors import ExitCode


def register(main) -> None:
    main.add_command(diff_packs)


@click.command("diff-packs")
@click.argument("old", type=click.Path(exists=True, path_type=Path))
@click.argument("new", type=click.Path(exists=True, path_type=Path))
@click.option("--profiles", "profiles", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder of profiles (*.yaml, *.yml, *.json) to evaluate under both.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--exit-code", is_flag=True, help="Exit 3 when any profile changes (for CI gates).")
def diff_packs(old: Path, new: Path, profiles: Path, fmt: str, exit_code: bool) -> None:
    """Compare decisions and recommendations under pack(s) OLD and NEW (a file or a folder
    each). Exit 1 if a pack or a profile is invalid."""
    from soaprules.cli.output import fail
    from soaprules.errors import SoapError
    from soaprules.authoring.packdiff import diff_packs as compare
    from soaprules.render.errors import render as render_errors

    try:
        diffs = compare([old], [new], profiles)
    except SoapError as exc:
        fail(exc)
    if fmt == "json":
        sys.stdout.write(json.dumps([d.to_dict() for d in diffs], indent=2, ensure_ascii=False) + "\n")
    else:
        for d in diffs:
            sys.stdout.write(_text(d))
        changed = sum(d.changed for d in diffs)
        sys.stdout.write(f"{changed} of {len(diffs)} profiles change.\n")
    for d in diffs:
        render_errors(d.errors, sys.stderr)
    if any(d.errors for d in diffs):
        raise SystemExit(ExitCode.INVALID)
    if exit_code and any(d.changed for d in diffs):
        raise SystemExit(ExitCode.DIFFERENCES)


def _text(d) -> str:
    head = f"{d.profile}" + (f" ({d.profile_id})" if d.profile_id else "")
    if d.errors:
        return f"{head}: not evaluated, the profile is invalid (see below)\n"
    if not d.changed:
        return f"{head}: no change\n"
    lines = [f"{head}:"]
    lines += [f"  decision {name}: {_shown(o)} -> {_shown(n)}" for name, (o, n) in d.decisions.items()]
    lines += [f"  + {i}" for i in d.added] + [f"  - {i}" for i in d.removed]
    lines += [f"  ~ {i} ({', '.join(aspects)} changed)" for i, aspects in d.reworded.items()]
    return "\n".join(lines) + "\n"


def _shown(value) -> str:
    return "undecided" if value is None else str(value)
