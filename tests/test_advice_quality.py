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

from soaprules.pack_load import DEFAULT_RULES_DIR, load_catalog, load_rulebook
from soaprules.pipeline import advise_file
from soaprules.render import RENDERERS
from conftest import EXAMPLE, PROFILES, ROOT

SOAP_PHASES = {"match_week", "soap"}
# Imperative program contact: a verb of reaching out, then a program-side person or
# office within a few words. "wait for a program to contact you" does not match.
CONTACT = re.compile(
    r"\b(e-?mail|call|phone|message|write to|contact|reach out to|follow up with|ask (?:them|him|her) to call)\b"
    r"[^.!?\n]{0,60}?\b(programs?|program directors?|PDs?|coordinators?|residency offices?)\b", re.I)


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
    undeclared = []
    for rule in book().rules:
        rec = rule.then.recommend
        if rec and not rec.contacts_program and rule.pack != "nrmp":
            for text in (rec.text, rec.draft or ""):
                if CONTACT.search(text):
                    undeclared.append((rule.id, CONTACT.search(text).group(0)))
    assert undeclared == []


@pytest.mark.parametrize("profile", ALL_PROFILES, ids=lambda p: p.stem)
def test_program_contact_in_soap_always_carries_the_nrmp_bound(profile):
    advice = advice_of(profile)
    in_soap = advice["phase"] in SOAP_PHASES
    for rec in advice["recommendations"]:
        worded = CONTACT.search(rec["text"]) or CONTACT.search(rec.get("draft", ""))
        if rec["pack"] != "nrmp":
            assert rec.get("contacts_program") or not worded, (rec["id"], worded and worded.group(0))
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
    for profile in PROFILES:
        advice = advice_of(profile)
        buffer = io.StringIO()
        RENDERERS["text"](advice, buffer)
        shown = len(re.findall(r"^\s+\d+\. ", buffer.getvalue(), flags=re.M))
        hidden = len(advice["recommendations"]) - shown
        if hidden:
            assert f"and {hidden} more" in buffer.getvalue()
        else:
            assert "more lower-priority" not in buffer.getvalue()


def test_docs_examples_are_current():
    spec = importlib.util.spec_from_file_location("examples", ROOT / "tools" / "examples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.stale(module.reports()) == [], "run: python tools/examples.py"
