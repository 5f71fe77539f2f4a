"""`soaprules plan PROFILE --programs LIST`: an explained SOAP application plan."""
from __future__ import annotations

from pathlib import Path

import click

FORMATS = ("text", "markdown", "json", "csv", "html")


def register(main) -> None:
    @main.command("plan")
    @click.argument("profile", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
    @click.option("--programs", "programs", required=True, type=click.Path(dir_okay=False, path_type=Path),
                  help="Your copy of the List of Unfilled Programs (soaprules/programs@1 CSV or YAML).")
    @click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
                  help="Report format; json is the soaprules/plan@1 contract.")
    @click.option("--pack", "packs", multiple=True, type=click.Path(exists=True, path_type=Path),
                  help="Advice pack file or directory (repeatable). Default: the shipped rules/.")
    @click.option("--plan-pack", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                  help="Plan pack. Default: the shipped rules/plan/plan.yaml.")
    @click.option("--whatif", "sets", multiple=True, metavar="PATH=VALUE",
                  help="Also plan with this change to the profile and say what it moves, e.g. "
                       "geography.regions+=south (repeatable; as `soaprules whatif --set`).")
    @click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
                  help="Write the plan here (atomically) instead of standard output.")
    def plan_command(profile: Path, programs: Path, fmt: str, packs: tuple, plan_pack: Path | None,
                     sets: tuple, output: Path | None) -> None:
        """Which programs of LIST to apply to in SOAP, ranked per application service, each
        with its reasons and citations; the skipped ones grouped by reason."""
        from soaprules.cli.output import emit, fail, load_profile_arg
        from soaprules.errors import SoapError
        from soaprules.plan.render import RENDER
        from soaprules.plan.run import document, plan_profile

        try:
            run = plan_profile(load_profile_arg(profile)[0], programs, packs or None, plan_pack)
            doc = document(run)
            if sets:
                from soaprules.plan.whatif import plan_whatif
                doc["whatif"] = plan_whatif(run, list(sets), packs or None, plan_pack)
        except SoapError as exc:
            fail(exc)
        emit(RENDER[fmt](doc), output)
