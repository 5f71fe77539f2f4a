"""`soaprules schema profile|pack`: JSON Schema for editors (yaml-language-server and others)."""
from __future__ import annotations

from pathlib import Path

import click


def register(main) -> None:
    @main.command()
    @click.argument("kind", type=click.Choice(["profile", "pack"]))
    @click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
                  help="Write the schema here (atomically) instead of standard output.")
    def schema(kind: str, output: Path | None) -> None:
        """Print the JSON Schema of a profile or a rule pack.

        The repository keeps both in schemas/; files that start with
        `# yaml-language-server: $schema=...` are checked and completed as you type."""
        from soaprules.cli.output import emit
        from soaprules.authoring.schema import render

        text = render(kind)
        emit(text, output)
