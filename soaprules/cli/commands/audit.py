"""`soaprules history` and `soaprules replay ID`: read the audit trail that
`advise --record` writes (soaprules/audit.py)."""
from __future__ import annotations

import json
import sys
from pathlib import PurePath

import click

from soaprules.errors import ExitCode

DB_HELP = "Audit database. Default: $SOAPRULES_DB, else $XDG_DATA_HOME/soaprules/audit.sqlite3."


def register(main) -> None:
    main.add_command(history)
    main.add_command(replay)


@click.command()
@click.option("--db", "db", type=click.Path(dir_okay=False), help=DB_HELP)
@click.option("--limit", type=click.IntRange(min=1), help="Show only the newest N records.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def history(db: str | None, limit: int | None, fmt: str) -> None:
    """List recorded evaluations, newest first."""
    from soaprules.audit.store import history as read_history
    from soaprules.cli.output import fail
    from soaprules.errors import SoapError
    from soaprules.files import name_on_one_line

    try:
        rows = read_history(db, limit)
    except SoapError as exc:
        fail(exc)
    if fmt == "json":
        sys.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
        return
    if not rows:
        sys.stdout.write("No evaluations recorded yet.\n")
    for row in rows:
        packs = ", ".join(f"{PurePath(p['file']).name}@{p['sha256'][:8]}" for p in row["packs"])  # full: --format json
        sys.stdout.write(f"{row['id']:>5}  {row['created_at']}  {row['format']:<8}  {name_on_one_line(row['profile'])}\n"
                         f"       soaprules {row['soaprules']}, engine {row['engine']}; packs: {packs}\n")


@click.command()
@click.argument("record_id", metavar="ID", type=int)
@click.option("--db", "db", type=click.Path(dir_okay=False), help=DB_HELP)
def replay(record_id: int, db: str | None) -> None:
    """Evaluate record ID again with its recorded profile and packs; exit 0 when every
    stored hash checks out and the output is byte-identical, 1 with what does not match
    (a tampered column, or a unified diff) when not."""
    from soaprules.cli.output import fail
    from soaprules.errors import SoapError
    from soaprules.audit.replay import replay as run_replay

    try:
        result = run_replay(db, record_id)
    except SoapError as exc:
        fail(exc)
    record = result.record
    where = f"record {record.id} ({record.created_at}, {record.profile.label}, {len(record.packs)} packs, " \
            f"{record.format})"
    if result.identical:  # what is proved: every stored hash checks out and a fresh run reproduces
        # the output byte for byte; not who wrote the record (a consistent forgery reproduces too)
        sys.stdout.write(f"reproduced: {where}; stored hashes verified, today's run gives the recorded "
                         f"output byte for byte (sha256 {record.output_sha256})\n")
        if not record.sealed:
            sys.stderr.write(f"note: record {record.id} was written before records carried a digest of their "
                             "own fields: its time, profile name and versions are shown as stored, unverified\n")
        return
    sys.stdout.write(result.diff())
    changed = "; ".join(result.version_changes) or "none"
    sys.stderr.write(f"differs: {where}\nversions changed since then: {changed}\n")
    raise SystemExit(ExitCode.INVALID)
