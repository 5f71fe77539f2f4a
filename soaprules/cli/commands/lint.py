"""`soaprules lint [PACK]...`: static checks of rule packs, each finding positioned."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from soaprules.errors import ExitCode


def register(main) -> None:
    @main.command()
    @click.argument("packs", nargs=-1, type=click.Path(exists=True, path_type=Path))
    @click.option("--strict", is_flag=True, help="Fail on warnings too, not only on errors.")
    @click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
                  help="text for people, json for editors and CI annotations.")
    def lint(packs: tuple[Path, ...], strict: bool, fmt: str) -> None:
        """Check rule packs without running them (default: the shipped rules/).

        Overlays load with the packs they extend: soaprules lint rules/ my-school.yaml.
        Exit 0 when clean (warnings allowed unless --strict), 1 when a check fails."""
        from soaprules.authoring.lint import lint as run_lint
        from soaprules.render.errors import format_diagnostic
        from soaprules.cli.options import default_packs

        report = run_lint(default_packs(packs))
        if fmt == "json":
            body = {"findings": [{"check": f.check, **f.diagnostic.to_dict()} for f in report.findings],
                    "errors": len(report.errors), "warnings": len(report.warnings),
                    "packs": report.packs, "rules": report.rules}
            sys.stdout.write(json.dumps(body, indent=2, sort_keys=True) + "\n")
        else:
            for finding in report.findings:
                sys.stdout.write(format_diagnostic(finding.diagnostic) + f"\n  = check: {finding.check}\n\n")
            sys.stdout.write(_summary(report) + "\n")
        raise SystemExit(ExitCode.INVALID if report.failed(strict) else ExitCode.OK)


def _summary(report) -> str:
    where = f"{report.packs} pack{'s' * (report.packs != 1)}, {report.rules} rules"
    if not report.findings:
        return f"lint: clean ({where})"
    errors, warnings = len(report.errors), len(report.warnings)
    return (f"lint: {errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)} "
            f"({where})")
