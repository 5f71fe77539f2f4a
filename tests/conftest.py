from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from soaprules.pipeline import program_for

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
PROFILES = sorted((FIXTURES / "profiles").glob("*.yaml"))
EXAMPLE = ROOT.parent / "shared" / "contracts" / "profile.example.yaml"


def shipped_piles():
    """The dean's board piles the shipped packs declare (rescue_tier's `board:`)."""
    from soaprules.cohort.board import piles_of
    return piles_of(program_for().book)


@pytest.fixture(scope="session", autouse=True)
def _program_cache_in_a_temporary_dir(tmp_path_factory):
    """Tests compile hundreds of small packs: keep their cache out of the user's home."""
    import os
    os.environ["SOAPRULES_CACHE"] = str(tmp_path_factory.mktemp("program-cache"))


@pytest.fixture(scope="session")
def program():
    return program_for()


@pytest.fixture
def runner():
    return CliRunner()


def pytest_collection_modifyitems(items):
    """A test that drives Chromium (through the `browser` fixture, however indirectly) is a
    browser test: the README's quick run skips it, CI runs it."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
