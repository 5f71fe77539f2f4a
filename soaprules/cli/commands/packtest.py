"""`soaprules test [PACK]... [--coverage] [--threshold N]`: run the packs' own tests."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from soaprules.errors import ExitCode


def register(main) -> None:
    @main.command("test")
    @click.argument("packs", nargs=-1, type=click.Path(exists=True, path_type=Path))
    @click.option("--coverage", "show_coverage", is_flag=True,
                  help="List the rules no case fires and the conditions not seen both true and false.")
    @click.option("--threshold", type=click.FloatRange(0, 100), default=None,
                  help="Fail when fewer than N% of the covered packs' rules fire in some case.")
    @click.option("--condition-threshold", type=click.FloatRange(0, 100), default=None,
                  help="Fail when fewer than N% of their conditions are seen both true and false.")
    @click.option("--tests", "extra", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
                  help="A test file to run against all the packs given (repeatable).")
    def test(packs, show_coverage: bool, threshold, condition_threshold, extra) -> None:
        """Run the pack tests in the tests/ folder beside each PACK (default: rules/).

        Tests beside a pack run against it and the packs given before it, so
        `soaprules test rules/ my-overlay/` runs the shipped tests on the shipped packs
        and the overlay's tests on the shipped packs plus the overlay.
        Exit 0 when every case passes and coverage meets the thresholds, else 1."""
        from soaprules.cli.output import fail
        from soaprules.errors import SoapError
        from soaprules.authoring.packtest import run, suites
        from soaprules.cli.options import default_packs

        paths = default_packs(packs)
        plans = {p: pack for p in paths if (pack := _plan_pack(p)) is not None}
        if plans:  # the plan pack has tests of its own kind (soaprules/plan-tests@1)
            ok = _run_plan_tests(list(plans.values()), sys.stdout, fail)
            paths = [p for p in paths if p not in plans]
            if not paths:
                raise SystemExit(ExitCode.OK if ok else ExitCode.INVALID)
        if not any(s.files for s in suites(paths, list(extra))):
            where = ", ".join(str((p if p.is_dir() else p.parent) / "tests") for p in paths)
            sys.stderr.write(f"error: no pack tests found (looked in {where})\n")
            raise SystemExit(ExitCode.INVALID)
        try:
            outcome = run(paths, list(extra))
        except SoapError as exc:
            fail(exc)
        out = sys.stdout
        _print_results(outcome, out)
        ok = not outcome.failed
        cov = outcome.coverage
        if show_coverage or threshold is not None or condition_threshold is not None:
            _print_coverage(outcome, out, detail=show_coverage)
        for limit, value, what in ((threshold, cov.rule_percent, "rule"),
                                   (condition_threshold, cov.condition_percent, "condition")):
            if limit is not None and value < limit:
                out.write(f"FAIL {what} coverage {value:.1f}% is below the threshold {limit:g}%\n")
                ok = False
        raise SystemExit(ExitCode.OK if ok else ExitCode.INVALID)


def _plan_pack(path: Path) -> Path | None:
    """The plan pack file at `path` (a file, or a folder holding one), or None."""
    from soaprules.source import load_document

    for candidate in ([path] if path.is_file() else sorted(path.glob("*.yaml"))):
        try:
            data = load_document(candidate).data
        except Exception:  # not ours to judge here: the rule-pack loader reports it
            continue
        if isinstance(data, dict) and data.get("pack") == "soaprules/plan@1":
            return candidate
    return None


def _run_plan_tests(packs, out, fail) -> bool:
    """`packs`: the plan pack files; each one's tests/ folder is run against it."""
    from soaprules.errors import SoapError
    from soaprules.plan.packtest import run_file

    ok, total, failed = True, 0, 0
    for pack in packs:
        files = sorted((pack.parent / "tests").glob("*.yaml"))
        if not files:
            sys.stderr.write(f"error: no plan tests found (looked in {pack.parent / 'tests'})\n")
            raise SystemExit(ExitCode.INVALID)
        for test_file in files:
            try:
                failures, _ = run_file(test_file, plan_pack=pack)
            except SoapError as exc:
                fail(exc)
            out.write(f"{test_file}\n")
            names = [c.get("name") for c in _cases(test_file)]
            bad = {f.case for f in failures}
            for name in names:
                out.write(f"  {'FAIL' if name in bad else 'ok'}    {name}\n")
                for f in failures:
                    if f.case == name:
                        out.write(f"          {f.message}\n")
            total += len(names)
            failed += len(bad)
            ok = ok and not failures
    out.write(f"{total} plan case{'s' * (total != 1)}: {total - failed} passed, {failed} failed\n")
    return ok


def _cases(test_file: Path) -> list:
    from soaprules.source import load_document
    return load_document(test_file).data.get("cases", [])


def _print_results(outcome, out) -> None:
    current = None
    for result in outcome.results:
        case = result.case
        if case.file != current:
            current = case.file
            out.write(f"{current}\n")
        if result.passed:
            out.write(f"  ok    {case.case.name}\n")
            continue
        out.write(f"  FAIL  {case.case.name}  ({case.file}:{case.line})\n")
        for failure in result.failures:
            out.write(f"          {failure.what}\n")
            out.write(f"            expected: {failure.expected}\n")
            out.write(f"            actual:   {failure.actual}\n")
            for line in failure.detail:
                out.write(f"              {line}\n")
    failed = len(outcome.failed)
    total = len(outcome.results)
    out.write(f"{total} case{'s' * (total != 1)}: {total - failed} passed, {failed} failed\n")


def _print_coverage(outcome, out, detail: bool) -> None:
    from soaprules.lang.analysis import describe
    from soaprules.source import load_document

    cov = outcome.coverage
    packs = sorted({pack for pack, _ in cov.rules})
    fired = len(cov.fired & set(cov.rules))
    both = sum(1 for v in cov.verdicts.values() if v >= {True, False})
    out.write(f"\ncoverage of {', '.join(packs) or '(no pack)'}:\n")
    out.write(f"  rules fired by some case:          {fired}/{len(cov.rules)} ({cov.rule_percent:.1f}%)\n")
    out.write(f"  conditions seen true and false:    {both}/{len(cov.verdicts)} ({cov.condition_percent:.1f}%)\n")
    if detail:
        unfired = cov.unfired()
        if unfired:
            out.write("  rules no case fires:\n")
            for rule in unfired:
                out.write(f"    {rule.file}:{rule.line}  {rule.id}\n")
        docs: dict = {}
        one_sided = cov.one_sided()
        if one_sided:
            out.write("  conditions not seen both true and false:\n")
            for rule, node, missing in one_sided:
                doc = docs.setdefault(rule.file, load_document(rule.file))
                pos = doc.position_of(node.at)
                out.write(f"    {rule.file}:{pos.line if pos else rule.line}  {rule.id}: {describe(node)} "
                          f"({missing})\n")
    if outcome.untested:
        listed = ", ".join(f"{name} ({n} rule{'s' * (n != 1)})" for name, n in outcome.untested)
        out.write(f"  packs no test file covers: {listed}\n")
