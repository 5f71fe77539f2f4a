"""A board folder on disk (`cohort --reports DIR`): index.html and each student's report,
each written atomically into a real directory, with the reports an earlier run left
behind removed, so every report in the folder is one the board links to."""
from __future__ import annotations

import os
import re
from pathlib import Path

from soaprules.errors import Diagnostic, OutputFileError
from soaprules.files import check_output_target, write_atomically


def write_folder(folder: Path, files: dict) -> None:
    """Each file atomically, into a real directory of the user's (never through a link)."""
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise OutputFileError(Diagnostic("is not a directory soaprules may write a board folder into",
                                         file=str(folder), hint="give a new or existing directory"))
    try:
        folder.mkdir(mode=0o700, parents=False, exist_ok=True)
    except OSError as exc:
        raise OutputFileError(Diagnostic(f"cannot create the board folder: {exc.strerror}", file=str(folder))) from None
    for name in files:  # every target checked before any is replaced: never a half-updated folder
        check_output_target(folder / os.path.basename(name))
    for name, text in files.items():
        write_atomically(folder / os.path.basename(name), text)
    _forget_old_reports(folder, set(files))


MANIFEST = ".soaprules-board"  # the reports the last run wrote into the folder, one name a line


def _forget_old_reports(folder: Path, written: set) -> None:
    """Remove the reports an earlier run wrote that this one did not (a student who left the
    cohort, a row that moved): a stale report beside the board reads as current. Only files
    the manifest names, in the report-name form, and never through a link; the user's own
    files in the folder are not touched."""
    manifest = folder / MANIFEST
    try:
        before = manifest.read_text(encoding="utf-8").splitlines() if manifest.is_file() else []
    except (OSError, UnicodeDecodeError):
        before = []
    for name in before:
        old = folder / name
        if (name not in written and re.fullmatch(r"\d{4}-[A-Za-z0-9_-]+\.html", name)
                and old.is_file() and not old.is_symlink()):
            try:
                old.unlink()
            except OSError as exc:
                raise OutputFileError(Diagnostic(f"cannot remove a report of an earlier run: {exc.strerror}",
                                                 file=str(old))) from None
    write_atomically(manifest, "".join(f"{name}\n" for name in sorted(written - {"index.html"})))
