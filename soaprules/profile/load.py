"""Load a profile file and validate it against `soaprules/profile@1`.

Pydantic reports failures as `loc` tuples; each is mapped back to the line of the
YAML node it names, and classified by pydantic's error `type` (never by message text).
"""
from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from soaprules.errors import ProfileError
from soaprules.profile.model import Profile
from soaprules.source import Document, load_lazily
from soaprules.diagnose import by_position, kind_of, to_diagnostics


def load_profile(path: str | Path) -> tuple[Profile, Document]:
    return validate_profile(load_lazily(path))  # positions built only if an error needs them


def validate_profile(doc: Document) -> tuple[Profile, Document]:
    if not isinstance(doc.data, dict):
        raise ProfileError(doc.diagnostic((), f"the profile must be a mapping, not {kind_of(doc.data)}",
                                          expected="keys such as schema, applicant, status"))
    try:
        errors = _strict_errors(doc.data)
        if not errors:
            return Profile.model_validate(doc.data), doc
    except ValidationError as exc:
        errors = exc.errors()
    found = to_diagnostics(doc, errors, Profile)
    raise ProfileError(sorted(found, key=by_position))


def _strict_errors(data: dict) -> list:
    """Ints and bools never stand in for each other (`score: true` is not 1, `visa_required: 1`
    is not true), nor text for either: pydantic's strict mode says so. The one thing it
    refuses that is fine is a date-time written as text (JSON has no date type); the lax
    validation that follows parses those."""
    try:
        Profile.model_validate(data, strict=True)
    except ValidationError as exc:
        return [e for e in exc.errors() if not (e["type"] == "datetime_type" and isinstance(e.get("input"), str))]
    return []
