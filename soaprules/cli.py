"""The command line. It only wires: parse arguments, call the pipeline, pick a renderer,
map errors to exit codes (0 advice given, 1 invalid profile or pack, 2 usage)."""
from __future__ import annotations

import io
import os
import sys
import tempfile
from pathlib import Path

import click

from . import __version__
from .errors import SoapError
from .render import RENDERERS
from .render.errors import render as render_errors


def _fail(exc: SoapError) -> None:
    render_errors(exc.diagnostics, sys.stderr)
    raise SystemExit(exc.exit_code)


def write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside `path`, then rename: never a partial file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a report should read like any new file
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def emit(text: str, output: Path | None) -> None:
    """The one way a command delivers its report: whole to `output`, or to standard output."""
    if output:
        write_atomically(output, text)
    else:
        sys.stdout.write(text)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="soaprules")
def main() -> None:
    """An explained advisor for unmatched applicants facing SOAP or a gap year."""


@main.command()
@click.argument("profile", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(sorted(RENDERERS)), default="text", show_default=True,
              help="Report format; json is the soaprules/advice@1 contract.")
@click.option("--pack", "packs", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Rule pack file or directory (repeatable). Default: the shipped rules/.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write the report here (atomically) instead of standard output.")
@click.option("--record", is_flag=True, help="Also store this evaluation in the audit database "
                                             "(see `soaprules history` and `soaprules replay`).")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path),
              help="Audit database for --record. Default: $SOAPRULES_DB, else "
                   "$XDG_DATA_HOME/soaprules/audit.sqlite3.")
def advise(profile: Path, fmt: str, packs: tuple[Path, ...], output: Path | None, record: bool,
           db: Path | None) -> None:
    """Evaluate PROFILE (YAML or JSON) and print prioritized, explained advice."""
    from .advice import build
    from .pipeline import evaluate_file

    try:
        run = evaluate_file(profile, list(packs) or None)
        advice = build(run)
    except SoapError as exc:
        _fail(exc)
    buffer = io.StringIO()
    RENDERERS[fmt](advice, buffer, **({"run": run} if fmt == "html" else {}))  # html draws full why-trees
    if record:  # before any output: no report goes out unrecorded
        from .audit import record as record_evaluation
        try:
            record_id = record_evaluation(db, profile, list(packs) or None, buffer.getvalue(), fmt=fmt)
        except SoapError as exc:
            _fail(exc)
        sys.stderr.write(f"recorded as {record_id}: soaprules replay {record_id}\n")
    emit(buffer.getvalue(), output)


from .commands import register_all  # noqa: E402  (commands attach to `main`)

register_all(main)
