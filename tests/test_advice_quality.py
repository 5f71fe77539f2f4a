"""What the shipped knowledge must show over every fixture: the catalog is covered,
program contact in SOAP always carries the NRMP bound, no report repeats or
contradicts itself, and the reader-facing examples are current."""
from __future__ import annotations

import difflib
import importlib.util
import io
import re
from functools import lru_cache

import pytest

from soaprules.authoring.lint import contact_wording, undeclared_contact  # the one contact detector
from soaprules.packs.load import DEFAULT_RULES_DIR, load_catalog, load_rulebook
from soaprules.pipeline import advise_file
from soaprules.render import RENDERERS
from conftest import EXAMPLE, PROFILES, ROOT

SOAP_PHASES = {"match_week", "soap"}


@lru_cache(maxsize=None)
def book():
    return load_rulebook([DEFAULT_RULES_DIR])


@lru_cache(maxsize=None)
def advice_of(path) -> dict:
    return advise_file(path)


ALL_PROFILES = [*PROFILES, EXAMPLE] if EXAMPLE.exists() else PROFILES


def test_every_catalog_id_is_encoded_or_excused_and_90_percent_are_encoded():
    catalog = set(load_catalog())
    cited = {c for r in book().rules for c in r.cites}
    excused = set(book().not_encoded)
    assert cited <= catalog
    assert catalog - cited - excused == set(), "neither cited nor in not_encoded"
    assert cited & excused == set(), "cited by a rule yet listed as not encoded"
    assert len(cited) / len(catalog) >= 0.90, f"only {len(cited)} of {len(catalog)} IDs encoded"


def test_every_shipped_rule_that_words_program_contact_declares_it():
    undeclared = [(rule.id, words) for rule, _, words in undeclared_contact(book().rules)]
    assert undeclared == []


@pytest.mark.parametrize("profile", ALL_PROFILES, ids=lambda p: p.stem)
def test_program_contact_in_soap_always_carries_the_nrmp_bound(profile):
    advice = advice_of(profile)
    in_soap = advice["phase"] in SOAP_PHASES
    for rec in advice["recommendations"]:
        worded = contact_wording(rec["text"]) or contact_wording(rec.get("draft", ""))
        if rec["pack"] != "nrmp":
            assert rec.get("contacts_program") or not worded, (rec["id"], worded)
        if rec.get("contacts_program") and in_soap:
            cited = {c for b in rec["bounds"] for c in b["cites"]}
            assert cited & {"NR-03", "NR-04"}, f"{rec['id']} tells someone to contact a program mid-SOAP unbounded"


@pytest.mark.parametrize("profile", ALL_PROFILES, ids=lambda p: p.stem)
def test_no_report_repeats_itself(profile):
    recs = advice_of(profile)["recommendations"]
    ids = [r["id"] for r in recs]
    assert len(ids) == len(set(ids))
    for i, a in enumerate(recs):
        for b in recs[i + 1:]:
            ratio = difflib.SequenceMatcher(None, a["text"].lower(), b["text"].lower()).ratio()
            assert ratio < 0.8, f"{a['id']} and {b['id']} say nearly the same thing ({ratio:.2f})"


@pytest.mark.parametrize("profile", ALL_PROFILES, ids=lambda p: p.stem)
def test_no_report_holds_advice_that_pulls_both_ways(profile):
    ids = {r["id"] for r in advice_of(profile)["recommendations"]}
    clashes = [(r.recommendation_id, other) for r in book().rules if r.then.recommend
               for other in r.then.recommend.contradicts if r.recommendation_id in ids and other in ids]
    assert clashes == []


def test_text_report_says_how_many_items_it_left_out():
    from soaprules.render.plan import compose
    for profile in PROFILES:
        advice = advice_of(profile)
        buffer = io.StringIO()
        RENDERERS["text"](advice, buffer)
        shown = len(re.findall(r"^\s+\d+\. ", buffer.getvalue(), flags=re.M))
        hidden = len(compose(advice)) - shown  # items about one person count as one (plan.compose)
        if hidden:
            assert f"and {hidden} more" in buffer.getvalue()
        else:
            assert "more lower-priority" not in buffer.getvalue()


def test_docs_examples_are_current():
    spec = importlib.util.spec_from_file_location("examples", ROOT / "tools" / "examples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.stale(module.reports()) == [], "run: python tools/examples.py"


# ---- issue 12, part B: wording a dean would sign --------------------------------------

import yaml  # noqa: E402

from soaprules.pipeline import advise, program_for  # noqa: E402
from soaprules.profile.model import Profile  # noqa: E402

WEIGHING = ROOT / "rules" / "tests" / "weighing.yaml"
# RS-17 is an unlabelled chart of one insider's experience: never a rate, never the student's odds.
AS_ODDS = re.compile(r"\b\d+ in 100\b|\byour (?:odds|chances?) (?:are|is|of)\b|\bprobability\b|\bper cent\b|\d ?%",
                     re.I)
# SOAP in the present tense, wrong once SOAP is over.
SOAP_NOW = re.compile(r"\b(?:you are|you're|I am|I'm) (?:in|applying through) SOAP\b|\bstill open in\s+SOAP\b"
                      r"|\bin SOAP this week\b|\bthis week's SOAP\b", re.I)
POST_SOAP = ("post_soap", "gap_year", "reapplying")


def situation(name_start: str) -> Profile:
    case = next(c for c in yaml.safe_load(WEIGHING.read_text())["cases"] if c["name"].startswith(name_start))
    return Profile.model_validate({"schema": "soaprules/profile@1", **case["profile"]})


def texts(advice: dict) -> list[tuple[str, str]]:
    return [(r["id"], t) for r in advice["recommendations"] for t in (r["text"], r.get("draft") or "")]


def test_no_rule_text_quotes_the_rs17_chart_as_odds():
    for rule in book().rules:
        rec = rule.then.recommend
        if rec:
            assert not AS_ODDS.search(rec.text + (rec.draft or "")), rule.id


@pytest.mark.parametrize("profile", ALL_PROFILES, ids=lambda p: p.stem)
def test_no_report_quotes_the_rs17_chart_as_odds(profile):
    assert [(i, AS_ODDS.search(t).group(0)) for i, t in texts(advice_of(profile)) if AS_ODDS.search(t)] == []


@pytest.mark.parametrize("phase", POST_SOAP)
@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.stem)
def test_nothing_says_in_soap_after_soap(profile, phase):
    data = yaml.safe_load(profile.read_text())
    data["status"] = {k: v for k, v in (data.get("status") or {}).items() if k != "now"} | {"phase": phase}
    advice = advise(Profile.model_validate(data), program_for())
    assert [(i, SOAP_NOW.search(t).group(0)) for i, t in texts(advice) if SOAP_NOW.search(t)] == []


def test_an_imminent_listserv_email_is_high_first_among_high_items_and_names_the_nrmp_risk():
    advice = advise(situation("a 250-person listserv"), program_for())
    recs = advice["recommendations"]
    item = next(r for r in recs if r["id"] == "al-11-mass-email-imminent")
    assert item["priority"] == "high" and "NR-03" in item["cites"]
    assert [r["priority"] for r in recs].index("high") == recs.index(item)
    assert "NRMP" in item["text"] and "250" in item["text"] and "put" in item["text"].lower()


def test_al09_do_and_img_rows_are_high_when_they_apply():
    for rule_id in ("al-09-us-do-row", "al-09-img-row"):
        assert book().rule(rule_id).then.recommend.priority == "high"


def test_a_partial_match_report_has_none_of_the_whole_search_items():
    advice = advise(situation("holding an advanced radiology"), program_for())
    story = next(r for r in advice["recommendations"] if r["id"] == "rs-partial-match-story")
    assert "matched to advanced radiology" in story["text"] and "1 July" in story["text"]
    joined = " ".join(t for _, t in texts(advice)).lower()
    for wrong in ("squeezed", "long shot", "categorical internal medicine", "let your backups lead",
                  "radiology, then [backup"):
        assert wrong not in joined, wrong


@pytest.mark.parametrize("held, wanted", [("preliminary_medicine", "radiology"), ("transitional_year", "dermatology"),
                                          ("preliminary_surgery", "anesthesiology")])
def test_a_preliminary_year_report_sends_the_student_after_the_advanced_specialty_they_want(held, wanted):
    """The held year's specialty is not the one missing: the advanced position to hunt is
    in the target specialty (a report that named the held one sent the student after a
    position that does not exist)."""
    data = {"schema": "soaprules/profile@1",
            "status": {"phase": "soap", "match_result": "partially_matched", "soap_eligible": True,
                       "now": "2026-03-17T10:00:00-04:00",
                       "partial_match": {"part": "preliminary", "specialty": held, "program": "Harbor Medicine",
                                         "start_year": 2026}},
            "target": {"specialty": wanted}}
    advice = advise(Profile.model_validate(data), program_for())
    item = next(r for r in advice["recommendations"] if r["id"] == "rs-partial-match-preliminary")
    spoken = wanted.replace("_", " ")
    assert f"advanced {spoken} position" in item["text"] and held.replace("_", " ") not in item["text"]


def test_an_away_advocate_report_names_the_backup_and_the_date():
    advice = advise(situation("a PD abroad"), program_for())
    item = next(r for r in advice["recommendations"] if r["id"] == "fa-22-advocate-away")
    assert "clerkship director" in item["text"] and "2027-03-26" in item["text"]
    assert "let them lead" not in " ".join(t for _, t in texts(advice)).lower()


def test_a_finished_packet_is_never_told_to_put_everything_in_one_email():
    advice = advise(situation("a finished packet"), program_for())
    joined = " ".join(t for _, t in texts(advice)).lower()
    assert "put everything" not in joined and "send it today" in joined


# A placeholder's fallback is shown when the value is unknown; a fallback that reads as a
# value ("no interviews", "backups: none") tells the student something the profile never said.
CLAIMING_FALLBACKS = {"no", "none", "0", "zero", "yes", "true", "false", "nothing", "never"}


def test_no_placeholder_fallback_claims_a_value():
    from soaprules.lang.templates import placeholders
    for rule in book().rules:
        rec = rule.then.recommend
        for text in (rec.text, rec.draft or "") if rec else ():
            for name in placeholders(text):
                _, bar, fallback = name.partition("|")
                assert not bar or fallback.strip().lower() not in CLAIMING_FALLBACKS, (rule.id, name)
