"""Subcommands beyond `advise`, one module each. A module defines `register(main)` and
keeps heavy imports inside its command function, so `soaprules --help` stays fast.
Modules are discovered, not listed, so adding a command edits no shared file."""
from __future__ import annotations

import importlib
import pkgutil


def register_all(main) -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}").register(main)
