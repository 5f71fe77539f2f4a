"""JSON Schema of the profile and of a rule pack, from the pydantic models, for editors.

The models are the source of truth; this module only adds what pydantic cannot know:
the condition language under `when:` (typed as Any in the model, parsed by
conditions.py) becomes a schema that lists every profile path with the values and
operators that fit it, so an editor completes `exams.step2.score: {gte: ...}` and
flags `clinical.evaluations: stong` as you type. The loader still has the last word.
"""
from __future__ import annotations

import json

from soaprules.lang.conditions import COUNT_OPS, OPS_BY_KIND, SCOPES
from soaprules.packs.model import Pack
from soaprules.profile.model import Profile
from soaprules.profile.fields import FieldSpec, profile_fields

KINDS = ("profile", "pack")
DIALECT = "https://json-schema.org/draft/2020-12/schema"
PARAM = {"type": "string", "pattern": r"^\$[A-Za-z0-9_]+$", "description": "A parameter: $name."}
ID_RE = r"^[A-Za-z_][A-Za-z0-9_]*$"


def schema(kind: str) -> dict:
    if kind == "profile":
        out = Profile.model_json_schema()
        out["title"] = "soaprules profile (soaprules/profile@1)"
    elif kind == "pack":
        out = _pack_schema()
    else:
        raise ValueError(f"no schema for {kind!r}; one of {', '.join(KINDS)}")
    return {"$schema": DIALECT, "$id": f"https://soaprules.invalid/schemas/{kind}.schema.json", **out}


def render(kind: str) -> str:
    """The schema as committed in schemas/<kind>.schema.json: stable key order, final newline."""
    return json.dumps(schema(kind), indent=2, ensure_ascii=False) + "\n"


def _pack_schema() -> dict:
    out = Pack.model_json_schema()
    out["title"] = "soaprules rule pack (soaprules/pack@1)"
    defs = out["$defs"]
    defs["Rule"]["properties"]["when"] = {"$ref": "#/$defs/Condition",
                                          "description": defs["Rule"]["properties"]["when"].get("description", "")}
    defs["Condition"] = _condition(defs)
    defs["ItemCondition"] = _item_condition()
    defs["Test"] = _ops(tuple(OPS_BY_KIND["any"]), _value(None))
    defs["AnyTest"] = {"anyOf": [_value(None), {"type": "array", "minItems": 1, "items": _value(None)}, PARAM,
                                 {"$ref": "#/$defs/Test"}]}
    calendar = out["properties"]["calendar"]
    calendar["propertyNames"] = {"pattern": "^[0-9]{4}$"}
    defs["Milestone"]["properties"]["at"] = {"type": "string", "format": "date-time",
                                             "description": "Date-time with UTC offset."}
    return out


def _condition(defs: dict) -> dict:
    fields = profile_fields()
    lists = [p for p, s in fields.items() if s.kind in ("items", "enum_list")]
    entries = [p for p, s in fields.items() if s.kind == "items"]
    count_value = {"anyOf": [{"type": "integer", "minimum": 0}, PARAM]}
    props: dict = {
        "all": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/Condition"},
                "description": "Every condition holds."},
        "any": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/Condition"},
                "description": "At least one condition holds."},
        "not": {"$ref": "#/$defs/Condition", "description": "The condition is known to be false."},
        "some": {"enum": entries, "description": "Some entry of this list matches where:."},
        "none": {"enum": entries, "description": "No entry of this list matches where:."},
        "count": {"enum": lists, "description": "How many entries match where: (or the total of sum:)."},
        "where": {"$ref": "#/$defs/ItemCondition", "description": "A condition on one entry of the list."},
        "as": {"type": "string", "pattern": ID_RE, "description": "Name the matching entry for texts."},
        "sum": {"type": "string", "description": "Add up this number field of the matching entries."},
        **{op: count_value for op in COUNT_OPS},
    }
    for path, spec in fields.items():
        defs[f"value.{path}"] = _value(spec)  # referenced, not repeated: one copy of each choice list
        props[path] = _path_test(spec, {"$ref": f"#/$defs/value.{path}"})
    scoped = "^(" + "|".join(SCOPES) + r")\.[A-Za-z0-9_.]+$"
    return {"type": "object", "minProperties": 1, "properties": props,
            "patternProperties": {scoped: {"$ref": "#/$defs/AnyTest"}}, "additionalProperties": False,
            "description": "all / any / not / some / none / count, or tests of profile paths."}


def _item_condition() -> dict:
    # The fields of an entry depend on the list named beside where:; the loader checks them.
    return {"type": "object", "minProperties": 1,
            "properties": {"all": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/ItemCondition"}},
                           "any": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/ItemCondition"}},
                           "not": {"$ref": "#/$defs/ItemCondition"}},
            "additionalProperties": {"$ref": "#/$defs/AnyTest"}}


def _value(spec: FieldSpec | None) -> dict:
    if spec is None:
        return {"type": ["boolean", "integer", "string"]}
    if spec.kind in ("enum", "enum_list"):
        return {"enum": list(spec.values)}
    if spec.kind == "int":
        bounds = {k: v for k, v in (("minimum", spec.minimum), ("maximum", spec.maximum)) if v is not None}
        return {"type": "integer", **bounds}
    return {"type": {"bool": "boolean", "str": "string"}.get(spec.kind, "string")}


def _ops(allowed: tuple, value: dict) -> dict:
    one = {"anyOf": [value, PARAM]}
    many = {"anyOf": [{"type": "array", "minItems": 1, "items": value}, PARAM]}
    shapes = {"eq": one, "ne": one, "lt": one, "lte": one, "gt": one, "gte": one, "in": many, "not_in": many,
              "contains": one, "contains_any": many, "exists": {"const": True}, "missing": {"const": True}}
    return {"type": "object", "minProperties": 1,
            "properties": {**{op: shapes[op] for op in allowed},
                           "or_unknown": {"type": "boolean", "description": "Also holds when the value is unknown."}},
            "additionalProperties": False}


def _path_test(spec: FieldSpec, value: dict) -> dict:
    allowed = OPS_BY_KIND[spec.kind]
    shorthand = []
    if "eq" in allowed:  # `path: value` means eq, `path: [a, b]` means in
        shorthand = [value, {"type": "array", "minItems": 1, "items": value}, PARAM]
    return {"anyOf": shorthand + [_ops(allowed, value)], "description": spec.description or spec.short_type()}
