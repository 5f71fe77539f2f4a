"""Every readable path of the profile, with its type, derived from the pydantic models.

This registry is the one place the rest of the code learns what a profile holds: the
pack loader checks condition paths and value types against it, the fact builder
splits the profile by it, and the interview asks questions from it.
"""
from __future__ import annotations

import typing
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Literal

import annotated_types
from pydantic import BaseModel

from soaprules.diagnose import unwrap_optional
from soaprules.profile.model import Profile


@dataclass(frozen=True)
class FieldSpec:
    path: str
    kind: str  # enum | int | bool | str | datetime | enum_list | items | section
    values: tuple = ()  # allowed values of an enum or enum_list
    minimum: int | None = None
    maximum: int | None = None
    description: str = ""
    model: type[BaseModel] | None = None  # for items and section: the model of one element

    @property
    def comparable(self) -> bool:
        return self.kind == "int"

    def short_type(self) -> str:
        return {"enum": "a choice", "enum_list": "a list of choices", "int": "a whole number",
                "bool": "true or false", "str": "text", "datetime": "a date-time", "items": "a list of entries",
                "section": "a section", "any": "a value"}[self.kind]

    def describe_type(self) -> str:
        if self.kind in ("enum", "enum_list"):
            shown = ", ".join(str(v) for v in self.values)
            return f"one of {shown}" if self.kind == "enum" else f"a list of {shown}"
        if self.kind == "int":
            bounds = f" {self.minimum}..{self.maximum}" if self.minimum is not None else ""
            return f"a whole number{bounds}"
        return {"bool": "true or false", "str": "text", "datetime": "a date-time with UTC offset",
                "items": "a list of entries", "section": "a section"}.get(self.kind, self.kind)


def _bounds(metadata) -> tuple[int | None, int | None]:
    low = high = None
    for item in metadata:
        if isinstance(item, annotated_types.Ge):
            low = item.ge
        elif isinstance(item, annotated_types.Le):
            high = item.le
    return low, high


def _spec(path: str, annotation, info) -> FieldSpec:
    annotation = unwrap_optional(annotation)
    origin = typing.get_origin(annotation)
    description = info.description or ""
    if origin is Literal:
        return FieldSpec(path, "enum", typing.get_args(annotation), description=description)
    if origin is list:
        (item,) = typing.get_args(annotation)
        if typing.get_origin(item) is Literal:
            return FieldSpec(path, "enum_list", typing.get_args(item), description=description)
        return FieldSpec(path, "items", description=description, model=item)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return FieldSpec(path, "section", description=description, model=annotation)
    kind = {bool: "bool", int: "int", str: "str", datetime: "datetime"}[annotation]
    low, high = _bounds(info.metadata)
    return FieldSpec(path, kind, minimum=low, maximum=high, description=description)


def model_fields(model: type[BaseModel], prefix: str = "") -> dict[str, FieldSpec]:
    """All paths below `model`, nested sections flattened with dots; list items not entered."""
    out: dict[str, FieldSpec] = {}
    for name, info in model.model_fields.items():
        key = info.alias or name
        if key == "schema":
            continue
        path = f"{prefix}{key}"
        spec = _spec(path, info.annotation, info)
        out[path] = spec
        if spec.kind == "section":
            out.update(model_fields(spec.model, path + "."))
    return out


@lru_cache(maxsize=None)
def profile_fields() -> dict[str, FieldSpec]:
    return model_fields(Profile)


@lru_cache(maxsize=None)
def item_fields(list_path: str) -> dict[str, FieldSpec]:
    """Paths inside one element of the list at `list_path` (relative to the element)."""
    spec = profile_fields()[list_path]
    return model_fields(spec.model)


def list_paths() -> list[str]:
    return [p for p, s in profile_fields().items() if s.kind == "items"]


def section_of(path: str) -> str:
    """The engine fact a path lives in: its top-level section."""
    return path.split(".", 1)[0]
