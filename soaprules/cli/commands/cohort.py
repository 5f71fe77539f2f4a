"""`soaprules cohort DIR|FILE.jsonl`: the triage board of a whole cohort (soaprules/cohort.py).
INPUT may also be a results file written by `soaprules batch`: the board is then built
from its records, with no evaluation."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

FORMATS = ("text", "csv", "json", "html")


def register(main) -> None:
    @main.command()
    @click.argument("input_path", metavar="DIR|FILE.jsonl", type=click.Path(path_type=Path))
    @click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
    @click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
                  help="Write the board here (atomically) instead of standard output.")
    @click.option("--jobs", "-j", type=click.IntRange(1, 64), default=1, show_default=True,
                  help="Worker processes for the evaluation.")
    @click.option("--pack", "packs", multiple=True, type=click.Path(exists=True, path_type=Path),
                  help="Rule pack file or directory (repeatable). Default: the shipped rules/.")
    @click.option("--reports", "reports", type=click.Path(file_okay=False, path_type=Path),
                  help="Also write a board folder: index.html, each row linked to that student's own "
                       "HTML report beside it (created if missing; files are private, 0600).")
    def cohort(input_path: Path, fmt: str, output: Path | None, jobs: int, packs: tuple[Path, ...],
               reports: Path | None) -> None:
        """Evaluate every profile and print one triage table, by rescue tier then urgency,
        with the tier distribution beside the rescue article's roughly 20/60/20.

        The input is a directory of profiles, a .jsonl file of profiles, or the results
        file of `soaprules batch` (then nothing is evaluated again). With --reports DIR,
        DIR/index.html is the board with every row linked to the student's own report.
        A profile that could not be read is listed on the board, and the exit code is 1."""
        from soaprules.cohort import board as triage
        from soaprules.cohort.folder import write_folder
        from soaprules.cli.output import fail, emit
        from soaprules.pipeline import program_for
        from soaprules.errors import SoapError

        try:
            records = list(_records(input_path, [str(p) for p in packs] or None, jobs))
            piles = triage.piles_of(program_for([str(p) for p in packs] or None).book)  # the packs name the piles
        except SoapError as exc:
            fail(exc)
        b = triage.board(records, piles)
        if reports is not None:
            try:
                write_folder(reports, triage.folder(b, {r["source"]: r["advice"] for r in records
                                                         if r.get("status") == "ok"}))
            except SoapError as exc:
                fail(exc)
        emit(triage.render(b, fmt), output)
        if any(r.get("status") == "error" for r in records):  # the board lists them; a script learns it here
            from soaprules.errors import ExitCode
            raise SystemExit(ExitCode.INVALID)


def _records(input_path: Path, packs, jobs: int):
    from soaprules.cohort import batch
    from soaprules.cohort.progress import Bar

    if _is_results_file(input_path):
        from soaprules.cohort import results

        yield from results.read(input_path)  # each record checked: a board never shows a broken one
        return
    from soaprules.pipeline import program_for

    program_for(packs)  # a broken pack stops here, with its position
    todo = batch.tasks(input_path)
    bar = Bar(len(todo), sys.stderr)  # rate and ETA on a terminal, silent when piped
    try:
        for line, error in batch.lines(todo, packs, jobs):
            bar.step(error)
            yield json.loads(line)
    finally:
        bar.close()


def _is_results_file(path: Path) -> bool:
    """A batch results file: JSON lines whose records carry `source` and `status`."""
    if path.suffix.lower() != ".jsonl" or not path.is_file():
        return False
    with open(path, "rb") as handle:
        first = next((line for line in handle if line.strip()), b"")
    try:
        head = json.loads(first)
    except ValueError:
        return False
    return isinstance(head, dict) and {"source", "status"} <= head.keys()
