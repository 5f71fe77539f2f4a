"""What a pack edit changes: every profile of a folder evaluated under the old and the new
packs, and, per profile, the decisions whose value moved and the recommendations that
appeared, disappeared or now say something else."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from soaprules.errors import Diagnostic, InputFileError, SoapError

PROFILE_SUFFIXES = (".yaml", ".yml", ".json")
ASPECTS = ("priority", "text", "rule")  # what a reader sees of a recommendation, beyond its id


@dataclass
class ProfileDiff:
    profile: str
    profile_id: str | None = None
    decisions: dict = field(default_factory=dict)  # name -> (old value, new value); None: not decided
    added: list = field(default_factory=list)  # recommendation ids only under NEW
    removed: list = field(default_factory=list)  # ... only under OLD
    reworded: dict = field(default_factory=dict)  # id in both -> what differs: text, priority, rule
    errors: list = field(default_factory=list)  # Diagnostics: the profile could not be evaluated

    @property
    def changed(self) -> bool:
        return bool(self.decisions or self.added or self.removed or self.reworded)

    def to_dict(self) -> dict:
        return {"profile": self.profile, "profile_id": self.profile_id,
                "decisions": {k: {"old": o, "new": n} for k, (o, n) in self.decisions.items()},
                "recommendations": {"added": self.added, "removed": self.removed, "changed": self.reworded},
                "errors": [d.to_dict() for d in self.errors]}


def profile_files(folder: Path) -> list[Path]:
    folder = Path(folder)
    if not folder.is_dir():
        raise InputFileError(Diagnostic("not a folder of profiles", file=str(folder),
                                        expected="a directory of *.yaml, *.yml or *.json profiles"))
    # As batch and cohort read a folder: any case of suffix, and a FIFO or broken link gets
    # its own error entry rather than a silent gap.
    found = sorted(p for p in folder.iterdir() if p.suffix.lower() in PROFILE_SUFFIXES and not p.is_dir())
    if not found:
        raise InputFileError(Diagnostic("no profiles in this folder", file=str(folder),
                                        expected="*.yaml, *.yml or *.json files"))
    return found


def diff_packs(old: list[Path], new: list[Path], profiles: Path) -> list[ProfileDiff]:
    """Pack errors in OLD or NEW raise (nothing to compare); a bad profile is reported
    in its own entry and the others still compared."""
    from soaprules.pipeline import program_for

    files = profile_files(profiles)
    old_program, new_program = program_for(old), program_for(new)
    return [_compare(path, old_program, new_program) for path in files]


def _compare(path: Path, old_program, new_program) -> ProfileDiff:
    from soaprules.pipeline import advise
    from soaprules.profile.load import load_profile

    try:
        profile, _ = load_profile(path)
        before, after = advise(profile, old_program), advise(profile, new_program)
    except SoapError as exc:
        return ProfileDiff(str(path), errors=list(exc.diagnostics))
    return compare_advice(str(path), before, after)


def compare_advice(label: str, before: dict, after: dict) -> ProfileDiff:
    out = ProfileDiff(label, after.get("profile_id"))
    for name in sorted(set(before["decisions"]) | set(after["decisions"])):
        old, new = (_value(a["decisions"].get(name)) for a in (before, after))
        if old != new:
            out.decisions[name] = (old, new)
    old_recs, new_recs = _by_id(before), _by_id(after)
    out.added = [i for i in new_recs if i not in old_recs]
    out.removed = [i for i in old_recs if i not in new_recs]
    for rec_id in (i for i in new_recs if i in old_recs):
        aspects = [name for n, name in enumerate(ASPECTS)
                   if [r[n] for r in old_recs[rec_id]] != [r[n] for r in new_recs[rec_id]]]
        if aspects:
            out.reworded[rec_id] = aspects
    return out


def _value(decision: dict | None):
    return None if decision is None else decision["value"]


def _by_id(advice: dict) -> dict:
    """id -> what a reader sees of it. An id may come from several firings (one per
    matched item); their texts are kept together, in order."""
    out: dict = {}
    for rec in advice["recommendations"]:
        out.setdefault(rec["id"], []).append((rec["priority"], rec["text"], rec["rule"]))
    return out
