"""The command line. It only wires: parse arguments, call the pipeline, pick a renderer,
map errors to exit codes (0 advice given, 1 invalid profile or pack, 2 usage)."""
from __future__ import annotations

import io
import sys
from pathlib import Path

import click

from soaprules import __version__
from soaprules.cli.commands import (assess, audit, batch, cohort, diff_packs, explain, lint, packtest, plan,
                                    schema, whatif)
from soaprules.cli.group import Group, add_examples
from soaprules.cli.output import check_target, emit, fail, load_profile_arg
from soaprules.errors import SoapError
from soaprules.render import RENDERERS


EXAMPLES = """\b
Examples:
  soaprules advise fixtures/profiles/rs20-quiet-star.yaml
  soaprules cohort fixtures/profiles --format html -o board.html"""


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]}, epilog=EXAMPLES)
@click.version_option(__version__, prog_name="soaprules")
def main() -> None:
    """An explained advisor for unmatched applicants facing SOAP or a gap year.

    Exit codes: 0 advice given, 1 invalid input, 2 usage, 3 differences found
    (diff-packs --exit-code), 4 internal error (details saved, path printed), 130 Ctrl-C."""
    for stream in (sys.stdout, sys.stderr):  # UTF-8 whatever the locale (LC_ALL=C, latin-1...)
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="backslashreplace")


@main.command(epilog="""\b
Examples:
  soaprules advise fixtures/profiles/rs20-quiet-star.yaml
  soaprules advise - --format json < me.yaml      # - reads the profile from stdin
  soaprules advise me.yaml --format html -o report.html""")
@click.argument("profile", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(sorted(RENDERERS)), default="text", show_default=True,
              help="Report format; json is the soaprules/advice@1 contract.")
@click.option("--pack", "packs", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Rule pack file or directory (repeatable). Default: the shipped rules/.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
              help="Write the report here (atomically; - is standard output).")
@click.option("--record", is_flag=True, help="Also store this evaluation in the audit database "
                                             "(see `soaprules history` and `soaprules replay`).")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path),
              help="Audit database for --record. Default: $SOAPRULES_DB, else "
                   "$XDG_DATA_HOME/soaprules/audit.sqlite3.")
def advise(profile: Path, fmt: str, packs: tuple[Path, ...], output: Path | None, record: bool,
           db: Path | None) -> None:
    """Evaluate PROFILE (YAML or JSON) and print prioritized, explained advice."""
    from soaprules.advice import build
    from soaprules.pipeline import program_for
    from soaprules.engine.session import evaluate_profile

    try:
        loaded, profile_doc = load_profile_arg(profile)
        run = evaluate_profile(program_for(list(packs) or None), loaded)
        advice = build(run)
    except SoapError as exc:
        fail(exc)
    buffer = io.StringIO()
    RENDERERS[fmt](advice, buffer, **({"run": run} if fmt == "html" else {}))  # html draws full why-trees
    if record:  # before any output: no report goes out unrecorded
        from soaprules.audit.store import record as record_evaluation
        check_target(output)  # nor is one recorded that a bad target would never deliver
        try:
            record_id = record_evaluation(db, profile_doc, run.program, buffer.getvalue(), fmt=fmt)  # as compiled
        except SoapError as exc:
            fail(exc)
        sys.stderr.write(f"recorded as {record_id}: soaprules replay {record_id}\n")
    emit(buffer.getvalue(), output)


# Listed, not discovered: what the CLI offers is read here, and no command imports this module.
for command in (assess, audit, batch, cohort, diff_packs, explain, lint, packtest, plan, schema, whatif):
    command.register(main)
add_examples(main)
