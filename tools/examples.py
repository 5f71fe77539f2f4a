#!/usr/bin/env python3
"""Regenerate docs/examples/: the text report of every fixture, for readers.

    python tools/examples.py           # rewrite docs/examples/
    python tools/examples.py --check   # exit 1 and name the stale files (used by tests)
"""
from __future__ import annotations

import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from soaprules.pipeline import advise_file  # noqa: E402
from soaprules.render import RENDERERS  # noqa: E402

PROFILES = ROOT / "fixtures" / "profiles"
EXAMPLES = ROOT / "docs" / "examples"


def reports() -> dict[str, str]:
    """File name -> text report, for every fixture, plus an index."""
    out, index = {}, ["# Example reports", "",
                      "The text report of every fixture in `fixtures/profiles/`, as `soaprules advise` prints it.",
                      "Regenerate with `python tools/examples.py`; a test fails when these are stale.", ""]
    for profile in sorted(PROFILES.glob("*.yaml")):
        buffer = io.StringIO()
        RENDERERS["text"](advise_file(profile), buffer)
        out[f"{profile.stem}.txt"] = buffer.getvalue()
        index.append(f"- [{profile.stem}]({profile.stem}.txt): `fixtures/profiles/{profile.name}`")
    out["README.md"] = "\n".join(index) + "\n"
    return out


def stale(wanted: dict[str, str]) -> list[str]:
    present = {p.name for p in EXAMPLES.glob("*")} if EXAMPLES.exists() else set()
    changed = [n for n, text in wanted.items() if not (EXAMPLES / n).exists()
               or (EXAMPLES / n).read_text(encoding="utf-8") != text]
    return sorted(changed + sorted(present - set(wanted)))


def main(argv: list[str]) -> int:
    wanted = reports()
    if "--check" in argv:
        old = stale(wanted)
        for name in old:
            print(f"stale: docs/examples/{name}")
        return 1 if old else 0
    EXAMPLES.mkdir(parents=True, exist_ok=True)
    for extra in {p.name for p in EXAMPLES.glob("*")} - set(wanted):
        (EXAMPLES / extra).unlink()
    for name, text in wanted.items():
        (EXAMPLES / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(wanted)} files to docs/examples/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
