"""The shipped packs against the catalog and the articles: quotes are verbatim,
every heuristic is encoded or excused."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from soaprules.packs.load import DEFAULT_RULES_DIR, load_catalog, load_rulebook

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
CATALOG_MD = SHARED / "knowledge" / "heuristics.md"


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def book():
    return load_rulebook([DEFAULT_RULES_DIR])


def _source_text(seed: str) -> str:
    path = CATALOG_MD if seed == "nrmp" else SHARED / "seeds" / seed
    return _flat(path.read_text(encoding="utf-8"))


@pytest.mark.skipif(not SHARED.exists(), reason="needs ../shared beside the checkout")
def test_every_quote_is_verbatim(book):
    wrong = [(r.id, s.seed, s.quote) for r in book.rules for s in r.sources
             if _flat(s.quote) not in _source_text(s.seed)]
    assert wrong == []


@pytest.mark.skipif(not SHARED.exists(), reason="needs ../shared beside the checkout")
def test_catalog_matches_the_shared_heuristics():
    shared_ids = re.findall(r"^- ((?:FA|AL|RB|RS|PM|NR)-\d\d) ", CATALOG_MD.read_text(), flags=re.M)
    assert list(load_catalog()) == shared_ids
