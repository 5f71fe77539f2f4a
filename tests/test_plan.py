"""`soaprules plan`: the plan's promises over the synthetic list and every fixture, the
plan pack's tests, engine against reference, row-order independence, the command."""
from __future__ import annotations

import shutil

import json
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soaprules.cli.main import main
from soaprules.errors import PackError
from soaprules.packs.load import DEFAULT_RULES_DIR, pack_files
from soaprules.plan.packtest import DEFAULT_TESTS, run_file
from soaprules.plan.pack import load_plan_pack
from soaprules.plan.programs import ProgramList
from soaprules.plan.run import document, plan_profile
from synthetic_programs import generate, shipped_states, to_csv
from soaprules.profile.load import load_profile

from conftest import FIXTURES, PROFILES
from strategies import profiles

SYNTHETIC = FIXTURES / "programs" / "synthetic.csv"
SURGICAL = {"general_surgery", "orthopedic_surgery", "neurological_surgery", "plastic_surgery", "urology",
            "otolaryngology", "vascular_surgery", "thoracic_surgery"}


@pytest.fixture(scope="module")
def pack(program):
    return load_plan_pack(program.book)


def _plan(profile, path=SYNTHETIC, matcher="engine", programs=None):
    return plan_profile(profile, path, matcher=matcher, programs=programs)


def _partially_matched(profile, part):
    status = (profile.status.model_dump(by_alias=True, exclude_none=True) if profile.status else {})
    data = profile.model_dump(by_alias=True, exclude_none=True)
    data["status"] = {**status, "match_result": "partially_matched", "partial_match": {"part": part}}
    return type(profile).model_validate(data)


def _variants():
    for path in PROFILES:
        profile, _ = load_profile(path)
        yield path.stem, profile
    profile, _ = load_profile(FIXTURES / "profiles" / "rs20-quiet-star.yaml")
    for part in ("advanced", "preliminary"):
        yield f"quiet-star-partial-{part}", _partially_matched(profile, part)


@pytest.mark.parametrize("name,profile", list(_variants()), ids=lambda x: x if isinstance(x, str) else "")
def test_no_skip_worthy_program_in_any_plan(name, profile):
    """Checked from the profile and the list directly, not from the pack's own verdicts."""
    run = _plan(profile)
    data = run.context.data
    needs_visa = (data.get("applicant") or {}).get("visa_required") is True
    rigid = run.context.decisions.get("geographic_flexibility") == "rigid"
    regions = set((data.get("geography") or {}).get("regions") or ())
    partial = (data.get("status") or {}).get("match_result") == "partially_matched"
    part = ((data.get("status") or {}).get("partial_match") or {}).get("part")
    for service in run.services:
        assert len(service.proposed) <= 45
        for v in service.proposed:
            p = v.program
            assert v.verdict in ("apply", "consider") and v.reasons
            assert all(r.text and r.cites for r in v.reasons)
            assert p["service"] == service.service
            assert not (p["position_type"] == "categorical" and p["specialty"] in SURGICAL)
            assert not (needs_visa and p.get("visa") == "none")
            assert not (rigid and "any" not in regions and p["region"] not in regions)
            assert not (partial and p["position_type"] == "categorical")
            assert not (part == "advanced" and p["position_type"] != "preliminary")
            assert not (part == "preliminary" and p["position_type"] != "advanced")
            assert not p.get("faculty_advised_against") and p["position_type"] != "reserved"
    codes = [v.code for s in run.services for v in s.proposed]
    assert len(codes) == len(set(codes))


def test_the_plan_fills_to_the_cap_and_no_further():
    """A student whose list holds more good programs than the cap gets exactly the cap,
    the rest kept as reserve; considers stop at the targeted number."""
    profile, _ = load_profile(FIXTURES / "profiles" / "visa-img-weak-school.yaml")
    rows = generate(11, 2000, shipped_states())
    programs = _programs(rows)
    run = _plan(profile, programs=programs)
    (eras,) = [s for s in run.services if s.service == "ERAS"]
    applies = [v for v in run.verdicts if v.verdict == "apply" and v.program["service"] == "ERAS"]
    assert len(applies) > 45 and len(eras.proposed) == 45 and eras.reserve
    ranks = [v.sort_key() for v in eras.proposed]
    assert ranks == sorted(ranks) and max(ranks) <= min(v.sort_key() for v in eras.reserve)


def test_considers_only_up_to_the_targeted_number(pack):
    profile, _ = load_profile(FIXTURES / "profiles" / "general-surgery-categorical.yaml")
    run = _plan(profile)
    for s in run.services:
        extra = [v for v in s.proposed if v.verdict == "consider"]
        if extra:
            assert len(s.proposed) <= max(pack.targeted, sum(v.verdict == "apply" for v in s.proposed))


def _programs(rows, name="generated.csv"):
    from soaprules.plan.programs import _checked
    from soaprules.plan.packtest import _regions
    cells = [(i + 2, {k: (str(v), 1) for k, v in row.items()}) for i, row in enumerate(rows)]
    return ProgramList(name, _checked(cells, name, _regions()))


def test_pack_tests_pass_on_both_evaluators_and_cover_every_rule(pack):
    for matcher in ("engine", "reference"):
        failures, fired = run_file(DEFAULT_TESTS / "plan.yaml", matcher)
        assert failures == []
        assert {r.id for r in pack.rules} <= fired


def test_a_wrong_pack_expectation_is_reported(tmp_path):
    text = (DEFAULT_TESTS / "plan.yaml").read_text(encoding="utf-8")
    text = text.replace("V1: {verdict: skip, rule: skip-no-visa-sponsorship}", "V1: {verdict: apply}")
    tree = tmp_path / "rules"  # a copy of the rule-pack tree, so the case profiles stay inside it
    shutil.copytree(DEFAULT_RULES_DIR / "tests" / "profiles", tree / "tests" / "profiles")
    path = tree / "plan" / "tests" / "plan.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    failures, _ = run_file(path)
    assert [f.case for f in failures] == ["visa sponsorship against a student who needs a visa"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profile=profiles(), seed=st.integers(0, 10_000), count=st.integers(1, 60))
def test_engine_agrees_with_reference(profile, seed, count):
    programs = _programs(generate(seed, count, shipped_states()))
    engine = _plan(profile, programs=programs).matched
    reference = _plan(profile, programs=programs, matcher="reference").matched
    assert engine == reference


def test_engine_agrees_with_reference_at_2000_programs():
    """Clear of the engine's limits with a full-size list: one session per ruleset holds
    every program, and every join answers as the oracle does."""
    profile, _ = load_profile(FIXTURES / "profiles" / "general-surgery-categorical.yaml")
    programs = _programs(generate(5, 2000, shipped_states()))
    assert _plan(profile, programs=programs).matched == _plan(profile, programs=programs, matcher="reference").matched


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1))
def test_the_plan_does_not_depend_on_row_order(tmp_path_factory, seed):
    profile, _ = load_profile(FIXTURES / "profiles" / "rs20-quiet-star.yaml")
    rows = generate(7, 300, shipped_states())
    shuffled = list(rows)
    random.Random(seed).shuffle(shuffled)
    path = tmp_path_factory.mktemp("order") / "synthetic.csv"
    path.write_text(to_csv(shuffled), encoding="utf-8")
    doc = document(_plan(profile, path))
    assert doc == document(_plan(profile, SYNTHETIC))


def test_advise_does_not_load_the_plan_pack(program, pack):
    assert not any("plan" in f.parts for f in pack_files([DEFAULT_RULES_DIR]))
    assert not {r.id for r in pack.rules} & {r.id for r in program.book.rules}


def test_a_misspelt_program_path_in_the_plan_pack_is_positioned(tmp_path, program):
    text = (DEFAULT_RULES_DIR / "plan" / "plan.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "plan.yaml"
    bad.write_text(text.replace("{program.faculty_advised_against: true}", "{program.faculty_advised_agains: true}"),
                   encoding="utf-8")
    with pytest.raises(PackError) as caught:
        load_plan_pack(program.book, bad)
    (d,) = caught.value.diagnostics
    assert d.rule_id == "skip-faculty-advised-against" and d.suggestion == "program.faculty_advised_against"
    assert d.position.line == text[: text.index("{program.faculty_advised_against")].count("\n") + 1


@pytest.mark.parametrize("fmt", ["text", "markdown", "json", "csv", "html"])
def test_plan_command_writes_each_format(tmp_path, runner, fmt):
    out = tmp_path / f"plan.{fmt}"
    profile = FIXTURES / "profiles" / "rs20-quiet-star.yaml"
    result = runner.invoke(main, ["plan", str(profile), "--programs", str(SYNTHETIC), "--format", fmt, "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    first = document(_plan(load_profile(profile)[0]))["services"][0]["proposed"][0]
    assert first["code"] in text
    if fmt == "json":
        doc = json.loads(text)
        assert doc["schema"] == "soaprules/plan@1" and doc["counts"]["programs"] == 300


def test_explain_one_program(runner):
    profile = FIXTURES / "profiles" / "visa-img-weak-school.yaml"
    doc = document(_plan(load_profile(profile)[0]))
    group = next(g for g in doc["skipped"] if g["rule"] == "skip-no-visa-sponsorship")
    code = group["programs"][0]["code"]
    result = runner.invoke(main, ["explain", str(profile), "--programs", str(SYNTHETIC), f"program={code}",
                                  "--format", "json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["verdict"] == "skip" and "skip-no-visa-sponsorship" in {r["rule"] for r in out["reasons"]}
    held = {r["rule"] for r in out["rules"] if r["holds"]}
    assert "skip-no-visa-sponsorship" in held
    # every rule that did not hold shows the tests that decided it, with actual values
    assert all(r["tests"] for r in out["rules"] if not r["holds"])


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.stem)
def test_a_programs_explanation_is_json_for_every_profile(profile):
    """Whatever a profile holds (a clock, `status.now`, lists), one program's explanation is
    a JSON document whose tests show values as the advice does (a moment as ISO text)."""
    from datetime import datetime
    from soaprules.plan.explain import explain_program
    from soaprules.plan.run import plan_files

    run = plan_files(profile, SYNTHETIC)
    doc = explain_program(run, run.verdicts[0].code)
    again = json.loads(json.dumps(doc))  # raises on a value JSON has no type for
    now = load_profile(profile)[0].status.now if load_profile(profile)[0].status else None
    shown = [t["actual"] for r in again["rules"] for t in r["tests"] if t["path"] == "status.now"]
    assert all(datetime.fromisoformat(v) == now for v in shown if v is not None)


def test_applications_already_sent_count_against_the_cap():
    profile, _ = load_profile(FIXTURES / "profiles" / "visa-img-weak-school.yaml")
    data = profile.model_dump(by_alias=True, exclude_none=True)
    data["soap_week"] = {"eras_applications": 40}
    sent = type(profile).model_validate(data)
    programs = _programs(generate(11, 2000, shipped_states()))
    (eras,) = [s for s in _plan(sent, programs=programs).services if s.service == "ERAS"]
    assert eras.used == 40 and len(eras.proposed) == 5
    (fresh,) = [s for s in _plan(profile, programs=programs).services if s.service == "ERAS"]
    assert [v.code for v in eras.proposed] == [v.code for v in fresh.proposed[:5]]


def test_whatif_opening_a_region_is_the_plan_of_the_changed_profile(runner):
    """`--whatif geography.regions+=south` reports exactly the difference between the plan
    and the plan of the profile with the South added by hand."""
    from soaprules.plan.whatif import compare, plan_whatif
    profile, _ = load_profile(FIXTURES / "profiles" / "rs20-late-bloomer.yaml")
    before = _plan(profile)
    what = plan_whatif(before, ["geography.regions+=south"])
    data = profile.model_dump(by_alias=True, exclude_none=True)
    data["geography"]["regions"] = [*data["geography"]["regions"], "south"]
    by_hand = _plan(type(profile).model_validate(data))
    assert what == compare(before, by_hand, ["geography.regions+=south"])
    assert what["worth_sending"]["more"] > 0
    result = runner.invoke(main, ["plan", str(FIXTURES / "profiles" / "rs20-late-bloomer.yaml"), "--programs",
                                  str(SYNTHETIC), "--whatif", "geography.regions+=sooth"])
    assert result.exit_code == 2 and "south" in result.output


def test_the_plan_lists_the_unknowns_that_could_change_it():
    sparse, _ = load_profile(FIXTURES / "profiles" / "sparse-minimal.yaml")
    assert {"applicant.visa_required", "geography.regions"} <= set(document(_plan(sparse))["unknowns"])
    quiet, _ = load_profile(FIXTURES / "profiles" / "rs20-quiet-star.yaml")
    known = document(_plan(quiet))["unknowns"]
    assert "status.partial_match.part" not in known  # unmatched: the partial-match rules cannot hold
    data = sparse.model_dump(by_alias=True, exclude_none=True)
    data["applicant"] = {**data.get("applicant", {}), "visa_required": True}
    changed = _plan(type(sparse).model_validate(data))
    assert "applicant.visa_required" not in document(changed)["unknowns"]
    assert {v.code: v.verdict for v in changed.verdicts} != {v.code: v.verdict for v in _plan(sparse).verdicts}


def test_assess_can_end_with_the_plan(tmp_path, runner):
    profile = tmp_path / "p.yaml"
    args = ["assess", "--non-interactive", "--profile", str(profile), "--answer", "target.specialty=internal_medicine",
            "--answer", "status.phase=soap"]
    result = runner.invoke(main, args + ["--programs", str(SYNTHETIC)], input="")
    assert result.exit_code == 0, result.output
    assert "SOAP application plan" in result.output and "proposed against the targeted" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name\n", encoding="utf-8")
    again = runner.invoke(main, ["assess", "--non-interactive", "--profile", str(tmp_path / "q.yaml"), "--answer",
                                 "target.specialty=internal_medicine", "--programs", str(bad)], input="")
    assert again.exit_code == 1 and "bad.csv" in again.output and not (tmp_path / "q.yaml").exists()
