"""Deterministic synthetic cohorts for batch tests and the benchmark.

Profiles are drawn from the pydantic models themselves (as tests/strategies.py does for
hypothesis), so a field added to the schema is generated with no change here; a seeded
`random.Random` makes cohort N the same on every machine. Ids are pseudonymous (S-00042).
"""
from __future__ import annotations

import json
import random
import re
import typing
from datetime import datetime, timedelta, timezone
from pathlib import Path

import yaml
from pydantic import BaseModel

from soaprules.profile.model import SCHEMA_ID, Profile
from soaprules.diagnose import unwrap_optional
from soaprules.profile.fields import _bounds

MATCH_WEEK = datetime(2026, 3, 16, 10, 0, tzinfo=timezone(timedelta(hours=-4)))


def _text(rng: random.Random, info):
    """An id, or for a field with a pattern the first candidate shape that fits it (a date),
    else nothing: a synthetic profile must be one the loader accepts."""
    candidates = [f"A-{rng.randint(0, 9999):04d}", f"2027-03-{rng.randint(10, 28):02d}"]
    patterns = [m.pattern for m in (info.metadata if info else []) if getattr(m, "pattern", None)]
    for text in candidates:
        if all(re.fullmatch(p, text) for p in patterns):
            return text
    return None


def _value(rng: random.Random, annotation, info, presence: float):
    annotation = unwrap_optional(annotation)
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return rng.choice(typing.get_args(annotation))
    if origin is list:
        (item,) = typing.get_args(annotation)
        if typing.get_origin(item) is typing.Literal:
            return rng.sample(typing.get_args(item), rng.randint(0, min(3, len(typing.get_args(item)))))
        return [_value(rng, item, None, presence) for _ in range(rng.randint(0, 2))]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _model(rng, annotation, presence)
    if annotation is bool:
        return rng.random() < 0.5
    if annotation is int:
        low, high = _bounds(info.metadata if info else [])
        low = low if low is not None else 0
        return rng.randint(low, max(low, min(high if high is not None else 50, 300)))  # years start at 2000
    if annotation is str:
        return _text(rng, info)
    if annotation is datetime:  # around Match Week, where the timing rules live
        return (MATCH_WEEK + timedelta(hours=rng.randint(-240, 240))).isoformat()
    raise NotImplementedError(annotation)


def _model(rng: random.Random, model: type[BaseModel], presence: float) -> dict:
    out = {}
    for name, info in model.model_fields.items():
        key = info.alias or name
        if key != "schema" and rng.random() < presence:
            out[key] = _value(rng, info.annotation, info, presence)
    return out


def profile_dict(index: int, seed: int = 0, presence: float = 0.75) -> dict:
    """Profile number `index` of cohort `seed`: valid against soaprules/profile@1."""
    rng = random.Random(seed * 1_000_003 + index)
    data = {"schema": SCHEMA_ID, **_model(rng, Profile, presence)}
    data.setdefault("applicant", {})["id"] = f"S-{index:05d}"
    return data


def profiles(count: int, seed: int = 0) -> list[Profile]:
    return [Profile.model_validate(profile_dict(i, seed)) for i in range(count)]


def write_cohort(directory, count: int, seed: int = 0, broken: int = 0, presence: float = 0.75,
                 suffix: str = ".yaml") -> list[str]:
    """Write `count` profile files (YAML, or JSON for suffix ".json"); every
    (count // broken)-th one is made invalid (a misspelled field). Returns the names of
    the broken files."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    step = count // broken if broken else 0
    bad = []
    for i in range(count):
        data = profile_dict(i, seed, presence)
        name = f"p{i:05d}{suffix}"
        if step and i % step == step - 1 and len(bad) < broken:
            data.setdefault("clinical", {})["evaluatons"] = "strong"
            bad.append(name)
        text = json.dumps(data, indent=1) if suffix == ".json" else yaml.safe_dump(data, sort_keys=False)
        (directory / name).write_text(text + "\n", encoding="utf-8")
    return bad
