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
    @click.option("--explain", "explain_rule", metavar="RULE",
                  help="Instead of checking, show RULE's effective gate: its condition, with every derived "
                       "fact or decision it reads opened into the rules that write it.")
    def lint(packs: tuple[Path, ...], strict: bool, fmt: str, explain_rule: str | None) -> None:
        """Check rule packs without running them (default: the shipped rules/).

        Overlays load with the packs they extend: soaprules lint rules/ my-school.yaml.
        Exit 0 when clean (warnings allowed unless --strict), 1 when a check fails."""
        from soaprules.authoring.lint import lint as run_lint
        from soaprules.render.errors import format_diagnostic
        from soaprules.cli.options import default_packs

        if explain_rule is not None:
            _explain(default_packs(packs), explain_rule, fmt)
            return
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


def _explain(packs, rule_id: str, fmt: str) -> None:
    from soaprules.authoring.gate import gate
    from soaprules.cli.output import emit, fail
    from soaprules.errors import SoapError
    from soaprules.packs.load import load_rulebook
    from soaprules.render.tree import render_node

    try:
        doc = gate(load_rulebook(packs), rule_id)
    except SoapError as exc:
        fail(exc)
    if fmt == "json":
        emit(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", None)
        return
    import io
    buffer = io.StringIO()
    render_node(doc["tree"], buffer)
    emit(buffer.getvalue(), None)
