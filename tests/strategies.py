"""Hypothesis strategies for valid profiles, derived from the pydantic models: a field
added to the schema is generated with no change here."""
from __future__ import annotations

import typing
from datetime import date, datetime, timedelta, timezone

from hypothesis import strategies as st
from pydantic import BaseModel

from soaprules.profile.model import DAY, Profile
from soaprules.diagnose import unwrap_optional
from soaprules.profile.fields import _bounds

MATCH_WEEK = datetime(2026, 3, 16, 10, 0, tzinfo=timezone(timedelta(hours=-4)))


def _value(annotation, info) -> st.SearchStrategy:
    annotation = unwrap_optional(annotation)
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return st.sampled_from(typing.get_args(annotation))
    if origin is list:
        (item,) = typing.get_args(annotation)
        inner = _value(item, None)
        if typing.get_origin(item) is typing.Literal:
            return st.lists(inner, max_size=4, unique=True)
        return st.lists(inner, max_size=3)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return model_dicts(annotation)
    if annotation is bool:
        return st.booleans()
    if annotation is int:
        low, high = _bounds(info.metadata if info else [])
        low = low if low is not None else 0
        return st.integers(low, max(low, min(high if high is not None else 50, 300)))  # years start at 2000
    if annotation is str:
        pattern = next((m.pattern for m in (info.metadata if info else []) if getattr(m, "pattern", None)), None)
        if pattern == DAY:  # a day field names a real day, not any digits of its shape
            return st.dates(date(2025, 1, 1), date(2028, 12, 31)).map(date.isoformat)
        return st.from_regex(pattern or r"A-[0-9]{4}", fullmatch=True)
    if annotation is datetime:  # around Match Week, where the timing rules live
        return st.integers(-10 * 24, 10 * 24).map(lambda h: MATCH_WEEK + timedelta(hours=h))
    raise NotImplementedError(annotation)


@st.composite
def model_dicts(draw, model: type[BaseModel]) -> dict:
    out = {}
    for name, info in model.model_fields.items():
        key = info.alias or name
        if key == "schema":
            continue
        if draw(st.booleans()) or draw(st.booleans()):  # fields present three times in four
            out[key] = draw(_value(info.annotation, info))
    return out


def profiles() -> st.SearchStrategy[Profile]:
    return model_dicts(Profile).map(lambda d: Profile.model_validate({"schema": "soaprules/profile@1", **d}))
