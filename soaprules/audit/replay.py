"""Run a recorded evaluation again, under the packs it was recorded with, and compare.

The recorded profile, packs and catalog are written to a temporary directory, loaded
and evaluated by today's code, rendered in the recorded format and compared with the
recorded output byte for byte. The only thing rewritten is where each pack was read
from (`packs[].file` in the advice): it names the temporary copy, so it is set back to
the recorded path; the pack's sha256 beside it still proves the content is the same.
"""
from __future__ import annotations

import difflib
import io
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from soaprules.errors import AuditError
from soaprules.audit.store import Record, StoredFile, current_versions, load
from soaprules.errors import Diagnostic, SoapError


@dataclass(frozen=True)
class Replay:
    record: Record
    output: str
    version_changes: list[str]  # "engine_version 2.0.28 -> 2.0.29": why a difference may be expected

    @property
    def identical(self) -> bool:
        return self.output == self.record.output

    def diff(self) -> str:
        return "".join(difflib.unified_diff(
            self.record.output.splitlines(keepends=True), self.output.splitlines(keepends=True),
            fromfile=f"record {self.record.id} ({self.record.created_at})", tofile="replay now"))


def replay(db_path, record_id: int) -> Replay:
    record = load(db_path, record_id)
    with tempfile.TemporaryDirectory(prefix="soaprules-replay-") as tmp:
        output = evaluate_record(record, Path(tmp))
    return Replay(record, output, version_changes(record.versions, current_versions()))


def evaluate_record(record: Record, workdir: Path) -> str:
    from soaprules.advice import build
    from soaprules.engine.compile import compile_book
    from soaprules.packs.load import load_catalog, load_rulebook
    from soaprules.profile.load import load_profile
    from soaprules.render import RENDERERS
    from soaprules.engine.session import evaluate_profile

    if record.format not in RENDERERS:
        raise AuditError(Diagnostic(f"record {record.id} is in format '{record.format}', which this soaprules "
                                    "cannot render", expected=", ".join(sorted(RENDERERS))))
    profile_path = _write(workdir / "profile", 0, record.profile)
    pack_paths = [_write(workdir / "packs", i, f) for i, f in enumerate(record.packs)]
    labels = {str(path): stored.label for path, stored in zip(pack_paths, record.packs)}
    labels[str(profile_path)] = record.profile.label
    catalog_path = _write(workdir / "catalog", 0, record.catalog) if record.catalog else None
    if catalog_path:
        labels[str(catalog_path)] = record.catalog.label
    try:
        catalog = load_catalog(catalog_path) if catalog_path else {}  # none recorded: none was used
        profile, _ = load_profile(profile_path)
        run = evaluate_profile(compile_book(load_rulebook(pack_paths, catalog=catalog)), profile)
        advice = build(run)
    except SoapError as exc:  # today's code refuses what it once accepted: say so in recorded names
        raise type(exc)([_relabel(d, labels) for d in exc.diagnostics]) from None
    for pack in advice["packs"]:
        pack["file"] = labels.get(pack["file"], pack["file"])
    buffer = io.StringIO()
    RENDERERS[record.format](advice, buffer, **_render_options(record, run, catalog))
    return buffer.getvalue()


def _render_options(record: Record, run, catalog: dict) -> dict:
    """An HTML report says where its trees came from: explain.py (given the Evaluation) or
    the advice alone. Replay renders it the same way, with the recorded catalog."""
    if record.format == "html" and '<body data-trees="explain">' in record.output:
        return {"run": run, "catalog": catalog}
    return {}


def _relabel(diag: Diagnostic, labels: dict) -> Diagnostic:
    return replace(diag, file=labels.get(diag.file, diag.file),
                   hint=diag.hint or "as recorded; today's soaprules no longer accepts it")


def _write(folder: Path, index: int, stored: StoredFile) -> Path:
    """One subfolder per file: two packs may share a base name, and the suffix (.yaml,
    .json) is kept because it is part of what the loader saw."""
    path = folder / str(index) / (Path(stored.label).name or "file")
    path.parent.mkdir(parents=True)
    path.write_bytes(stored.data)
    return path


def version_changes(then: dict, now: dict) -> list[str]:
    flat_then = {**{k: v for k, v in then.items() if k != "libraries"}, **then.get("libraries", {})}
    flat_now = {**{k: v for k, v in now.items() if k != "libraries"}, **now.get("libraries", {})}
    return [f"{name} {flat_then.get(name)} -> {flat_now.get(name)}"
            for name in sorted(set(flat_then) | set(flat_now)) if flat_then.get(name) != flat_now.get(name)]
