"""Is the newest resolution the lock? Compares pip's ``--report`` of a dry-run install
against ``requirements/test.lock`` and names every package whose newest version the lock
does not pin (for any Python). Exit 0: the lock already is the newest resolution, so the
pinned runs test it and a separate drift run would repeat them; 1: it drifted.

Usage: python3 tools/drift.py REPORT.json requirements/test.lock
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def _norm(name: str) -> str:  # PEP 503: the lock and pip spell names differently
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned(lock_text: str) -> dict[str, set[str]]:
    """Every version the (universal) lock pins, per package."""
    pins: dict[str, set[str]] = {}
    for line in lock_text.splitlines():
        m = _PIN.match(line)
        if m:
            pins.setdefault(_norm(m.group(1)), set()).add(m.group(2))
    return pins


def drifted(report: dict, lock_text: str, own: str = "soaprules") -> list[str]:
    """One line per package the newest resolution installs at a version the lock lacks."""
    pins = pinned(lock_text)
    out = []
    for item in report.get("install", []):
        name, version = _norm(item["metadata"]["name"]), item["metadata"]["version"]
        if name == own:
            continue
        if version not in pins.get(name, set()):
            locked = ", ".join(sorted(pins.get(name, set()))) or "not locked"
            out.append(f"{name}: newest {version}, lock {locked}")
    return sorted(out)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    report = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    lines = drifted(report, Path(argv[1]).read_text(encoding="utf-8"))
    for line in lines:
        print(f"drift: {line}")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
