""""Where you stand", as the packs word it: each decision's sentence from `says:`, only in
the situations its `shown_when:` allows, in declared order; and the load errors a dean sees."""
from __future__ import annotations

import io
import re

from hypothesis import HealthCheck, assume, given, settings
from pydantic import ValidationError

from soaprules.cli.main import main
from soaprules.packs.load import DEFAULT_RULES_DIR
from soaprules.pipeline import advise
from soaprules.profile.model import Profile
from soaprules.render import RENDERERS
from diagnostics_seen import names_place
from school_pack import school_pack
from strategies import model_dicts

REST = model_dicts(Profile)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rest=REST)
def test_standing_says_each_decision_shown_when_allowed_once_in_declared_order(program, rest):
    try:
        advice = advise(Profile.model_validate({"schema": "soaprules/profile@1", **rest}), program)
    except ValidationError:
        assume(False)
    decisions = program.book.decisions
    phase, eligible = advice["phase"], (rest.get("status") or {}).get("soap_eligible")
    soap_readings = {"rescue_tier", "advocacy_bucket", "specialty_realism", "outreach_window"}
    barred = eligible is False or phase in ("gap_year", "reapplying")
    expected = [n for n in decisions if n in advice["decisions"] and not (barred and n in soap_readings)
                and not (phase == "post_soap" and n in {"specialty_realism", "outreach_window"})]
    assert [s["decision"] for s in advice["standing"]] == expected
    for item in advice["standing"]:
        said = decisions[item["decision"]].says.get(item["value"])
        assert item["text"] == " ".join(said.split()) if said else item["label"] in item["text"]
        assert "_" not in item["text"]  # never an internal value name


def test_a_gap_year_report_does_not_rank_the_student_for_soap(program):
    advice = advise(Profile.model_validate({
        "schema": "soaprules/profile@1", "applicant": {"visa_required": True, "school_network": "weak"},
        "status": {"phase": "gap_year", "match_result": "unmatched"}}), program)
    assert "rescue_tier" in advice["decisions"]  # still decided, and in the JSON
    assert "rescue_tier" not in {s["decision"] for s in advice["standing"]}
    for name, start, end in (("text", "WHERE YOU STAND", "\n\n"), ("markdown", "## Where you stand", "\n## "),
                             ("html", '<section id="standing">', "</section>")):
        out = io.StringIO()
        RENDERERS[name](advice, out)
        section = out.getvalue().split(start)[1].split(end)[0]
        assert not re.search(r"Tier [123]\b|Rescue tier", section), name


def test_every_html_why_link_points_at_the_decision_its_sentence_is_about(program):
    advice = advise(Profile.model_validate({"schema": "soaprules/profile@1",
                                            "status": {"phase": "soap", "soap_eligible": True},
                                            "geography": {"regions": ["west"], "max_cities": 1}}), program)
    out = io.StringIO()
    RENDERERS["html"](advice, out)
    section = out.getvalue().split('<section id="standing">')[1].split("</section>")[0]
    items = re.findall(r"<li>(.*?)</li>", section)
    assert len(items) == len(advice["standing"])
    for item, said in zip(items, advice["standing"]):
        assert said["decision"] in re.search(r'href="#([^"]+)"', item).group(1)


def test_a_sentence_for_a_value_the_decision_lacks_is_refused_where_written(runner, tmp_path):
    path = school_pack(tmp_path, """\
        decisions:
          school_readiness:
            values: [ready, not_ready]
            resolve: worst
            says: {ready: You are ready., not_redy: Not yet.}
        """)
    result = runner.invoke(main, ["lint", str(DEFAULT_RULES_DIR), str(path)])
    assert result.exit_code == 1 and "not_ready" in result.output and names_place(result.output, f"{path}:9")


def test_a_shown_when_naming_a_phase_that_does_not_exist_is_refused_with_a_suggestion(runner, tmp_path):
    path = school_pack(tmp_path, """\
        decisions:
          school_readiness:
            values: [ready, not_ready]
            resolve: worst
            shown_when: {status.phase: [soap, gapyear]}
        """)
    result = runner.invoke(main, ["lint", str(DEFAULT_RULES_DIR), str(path)])
    assert result.exit_code == 1 and "gap_year" in result.output and names_place(result.output, f"{path}:9")


def test_a_student_barred_from_soap_is_not_given_soap_readings(program):
    advice = advise(Profile.model_validate({"schema": "soaprules/profile@1",
                                            "applicant": {"visa_required": True, "school_network": "weak"},
                                            "status": {"phase": "soap", "soap_eligible": False},
                                            "target": {"specialty": "internal_medicine"}}), program)
    assert {"rescue_tier", "specialty_realism"} <= set(advice["decisions"])  # decided, and in the JSON
    assert not {"rescue_tier", "specialty_realism", "outreach_window"} & {s["decision"] for s in advice["standing"]}
