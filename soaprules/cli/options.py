"""The packs a command reads when none are named: the shipped rules/, shown relative when it can be."""
from __future__ import annotations

from pathlib import Path


def default_packs(given) -> list[Path]:
    if given:
        return list(given)
    from soaprules.packs.load import DEFAULT_RULES_DIR

    try:
        return [DEFAULT_RULES_DIR.relative_to(Path.cwd())]
    except ValueError:
        return [DEFAULT_RULES_DIR]
