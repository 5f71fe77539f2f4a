"""The report people read: the plan first, nothing important hidden, sources by title.
Checked on the text and Markdown output itself, over every fixture and generated profiles."""
from __future__ import annotations

import io
import re

import pytest
from hypothesis import HealthCheck, given, settings

from conftest import PROFILES
from soaprules.pipeline import advise
from soaprules.profile.load import load_profile
from soaprules.render import RENDERERS
from strategies import profiles

PRIORITIES = ("critical", "high", "medium", "low")
SEED_NAME = re.compile(r"\b\d{3}_[0-9a-f]{16}\.txt\b")


def importance(rec: dict) -> tuple:
    """Smaller is more important: priority first, then the rank the pack declares."""
    return PRIORITIES.index(rec["priority"]), -rec["rank"]


def flat(text: str) -> str:
    return " ".join(text.split())


def text_of(advice: dict, fmt: str = "text") -> str:
    out = io.StringIO()
    RENDERERS[fmt](advice, out)
    return out.getvalue()


def written_out(advice: dict, text: str) -> list[dict]:
    body = flat(text)
    return [r for r in advice["recommendations"] if flat(r["text"]) in body]


def check_nothing_important_hidden(advice: dict) -> None:
    """At most 7 things written out, an item about one person together with the others about
    them counting as one (it stands where the most important of them stood); nothing hidden
    while a less important thing is written out; the rest listed by title."""
    from soaprules.render.plan import compose
    text = text_of(advice)
    slots = compose(advice)
    written = [s for s in slots if all(flat(m["text"]) in flat(text) for m in s.get("members", [s]))]
    assert written == slots[:len(written)] and len(written) == min(7, len(slots))
    shown = written_out(advice, text)
    assert {m["id"] for s in written for m in s.get("members", [s])} == {r["id"] for r in shown}
    for slot in slots[len(written):]:
        assert all(importance(slot) >= importance(s) for s in written), (slot["id"], [s["id"] for s in written])
        assert flat(slot["title"]) in flat(text), f"{slot['id']} is neither written out nor listed by title"
    assert "--format json" not in text


@pytest.fixture(scope="module")
def fixture_advice(program):
    return {p.name: advise(load_profile(p)[0], program) for p in PROFILES}


@pytest.mark.parametrize("name", [p.name for p in PROFILES])
def test_text_report_never_hides_an_item_while_showing_a_less_important_one(fixture_advice, name):
    check_nothing_important_hidden(fixture_advice[name])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(profile=profiles())
def test_generated_profiles_never_hide_an_important_item(program, profile):
    check_nothing_important_hidden(advise(profile, program))


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_every_format_opens_with_now_then_where_you_stand(fixture_advice, fmt):
    for name, advice in fixture_advice.items():
        if not advice["recommendations"]:
            continue
        text = text_of(advice, fmt).lower()
        now, stand = text.find("now"), text.find("where you stand")
        first = flat(advice["recommendations"][0]["text"]).lower()
        assert -1 < now < flat(text).find(first) or now < stand, name
        assert flat(text).find(first) < flat(text).find("where you stand"), f"{name}: the top item is not in Now"


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_an_nrmp_bound_is_stated_once_and_items_point_to_it(fixture_advice, fmt):
    seen = 0
    for name, advice in fixture_advice.items():
        text = flat(text_of(advice, fmt))
        for bound in {b["text"] for r in advice["recommendations"] for b in r.get("bounds", [])}:
            seen += 1
            assert text.count(flat(bound)) == 1, name
    assert seen, "no fixture has an NRMP bound: the test checks nothing"


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_sources_are_named_by_article_title_not_file_name(fixture_advice, fmt):
    for name, advice in fixture_advice.items():
        text = text_of(advice, fmt)
        assert not SEED_NAME.search(text), name
    assert "Post-Match" in text_of(fixture_advice["warned-derm-three-cities.yaml"], fmt)


def test_the_next_milestone_is_the_deadline_of_now(fixture_advice):
    advice = fixture_advice["warned-derm-three-cities.yaml"]
    head = text_of(advice).split("WHERE YOU STAND")[0]
    assert flat(advice["timeline"]["next"]["at"]) in flat(head)


def test_items_about_one_person_are_said_as_one_in_every_format(fixture_advice):
    advice = fixture_advice["rs20-quiet-star.yaml"]
    about = [r for r in advice["recommendations"] if (r.get("about") or {}).get("path") == "relationships.faculty[0]"]
    assert len(about) >= 3, "the quiet star's program director is the subject of several items"
    for fmt in ("text", "markdown", "html"):
        body = text_of(advice, fmt)
        heads = [m.start() for m in re.finditer(r"all about your program director", body)]
        assert len(heads) == 1, fmt  # introduced once
        where = [flat(body).find(flat(r["text"])) for r in about] if fmt != "html" else [0]
        assert all(w > 0 for w in where) or fmt == "html", fmt
    html = text_of(advice, "html")
    group = html.split('data-person="relationships.faculty[0]"')[1].split("</section>")[0]
    assert all(f'data-rec="{r["id"]}"' in group for r in about)
