"""JSON Schema for editors: emitted from the models, committed, and true to what loads."""
from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings

from soaprules.cli.main import main
from soaprules.packs.load import CATALOG_FILE, DEFAULT_RULES_DIR
from soaprules.profile.model import Profile
from soaprules.authoring.schema import KINDS, render, schema
from soaprules.source import load_document

from strategies import model_dicts

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "schemas"
PACKS = sorted(p for p in DEFAULT_RULES_DIR.glob("*.yaml") if p.name != CATALOG_FILE) + \
    sorted((ROOT / "examples").glob("*/*.yaml"))
SHARED_EXAMPLE = ROOT.parent / "shared" / "contracts" / "profile.example.yaml"  # beside a checkout, not in it
PROFILES = sorted((ROOT / "fixtures" / "profiles").glob("*.yaml")) + \
    ([SHARED_EXAMPLE] if SHARED_EXAMPLE.exists() else [])
MODELINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$", re.M)


def plain(data):
    """What an editor sees: YAML as JSON (string keys, date-times as text)."""
    if isinstance(data, dict):
        return {str(k): plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [plain(v) for v in data]
    if isinstance(data, (datetime, date)):
        return data.isoformat()
    return data


def validator(kind: str):
    return jsonschema.Draft202012Validator(json.loads((SCHEMAS / f"{kind}.schema.json").read_text()))


def problems(kind: str, data) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message[:160]}" for e in validator(kind).iter_errors(plain(data))]


@pytest.mark.parametrize("kind", KINDS)
def test_committed_schema_is_not_stale(kind):
    committed = (SCHEMAS / f"{kind}.schema.json").read_text()
    assert committed == render(kind), (f"schemas/{kind}.schema.json is stale: regenerate it with "
                                       f"`soaprules schema {kind} -o schemas/{kind}.schema.json`")


@pytest.mark.parametrize("kind", KINDS)
def test_schema_is_valid_json_schema(kind):
    jsonschema.Draft202012Validator.check_schema(schema(kind))


@pytest.mark.parametrize("path", PACKS, ids=lambda p: p.name)
def test_every_shipped_pack_validates(path):
    assert problems("pack", load_document(path).data) == []


@pytest.mark.parametrize("path", PROFILES, ids=lambda p: p.name)
def test_every_shipped_profile_validates(path):
    assert problems("profile", load_document(path).data) == []


@pytest.mark.parametrize("path", PACKS + PROFILES, ids=lambda p: p.name)
def test_shipped_files_point_editors_at_the_schema(path):
    text = path.read_text()
    found = MODELINE.search(text)
    if found is None:
        pytest.skip(f"{path.name} has no yaml-language-server line (not ours to edit)")
    target = (path.resolve().parent / found.group(1)).resolve()  # fixtures/profiles links into rules/
    kind = "pack" if path in PACKS else "profile"
    assert target == (SCHEMAS / f"{kind}.schema.json").resolve()


def test_our_own_files_carry_the_schema_line():
    for path in (DEFAULT_RULES_DIR / "core.yaml", DEFAULT_RULES_DIR / "nrmp.yaml",
                 ROOT / "examples" / "school-overlay" / "northfield.yaml"):
        assert MODELINE.search(path.read_text()), path


@settings(max_examples=60, deadline=None)
@given(model_dicts(Profile))
def test_every_profile_the_model_accepts_the_schema_accepts(data):
    data = {"schema": "soaprules/profile@1", **data}
    Profile.model_validate(data)
    assert problems("profile", data) == []


# ---- the editor catches what loading would refuse --------------------------------------------

RULE = {"id": "a", "title": "t", "then": {"decide": {"tier": 1}}, "cites": ["RS-04"],
        "sources": [{"seed": "nrmp", "quote": "a quote"}]}
PACK = {"pack": "soaprules/pack@1", "name": "x", "version": "1", "description": "d"}


@pytest.mark.parametrize("when,ok", [
    ({"clinical.evaluations": "strong"}, True),
    ({"clinical.evaluations": "stong"}, False),
    ({"clinical.evaluations": {"gte": "strong"}}, False),
    ({"exams.step2.score": {"gte": 230, "lt": "$floor"}}, True),
    ({"exams.step2.score": {"gt": 301}}, False),
    ({"exams.step2.scor": {"gte": 230}}, False),
    ({"derived.influential_ally": True}, True),
    ({"some": "relationships.faculty", "as": "ally", "where": {"knows_you": "well"}}, True),
    ({"some": "relationships.facutly", "where": {"knows_you": "well"}}, False),
    ({"count": "red_flags", "sum": "count", "gte": 2}, True),
    ({"all": [{"applicant.visa_required": True}, {"not": {"status.phase": {"missing": True}}}]}, True),
    ({"all": []}, False),
])
def test_condition_schema(when, ok):
    found = problems("pack", {**PACK, "rules": [{**RULE, "when": when}]})
    assert (found == []) == ok, found


def test_overlay_keys_are_in_the_pack_schema():
    overlay = {**PACK, "extends": ["core"], "override_params": {"step2_needs_explaining_below": 225},
               "disable": [{"id": "geography-rigid", "reason": "the committee disagrees"}],
               "replace": [{**RULE, "when": {"applicant.type": "us_md"}}]}
    assert problems("pack", overlay) == []
    assert problems("pack", {**overlay, "disable": [{"id": "geography-rigid"}]}) != []


def test_bad_profile_values_are_caught():
    assert problems("profile", {"schema": "soaprules/profile@1", "clinical": {"evaluations": "stong"}})
    assert problems("profile", {"schema": "soaprules/profile@1", "exams": {"step2": {"score": 301}}})
    assert problems("profile", {"schema": "soaprules/profile@1", "aplicant": {}})


def test_cli_prints_the_schema(runner, tmp_path):
    result = runner.invoke(main, ["schema", "pack"])
    assert result.exit_code == 0 and result.output == render("pack")
    out = tmp_path / "profile.schema.json"
    assert runner.invoke(main, ["schema", "profile", "-o", str(out)]).exit_code == 0
    assert out.read_text() == render("profile")
    assert runner.invoke(main, ["schema", "rule"]).exit_code == 2
