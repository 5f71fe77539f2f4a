"""The reports in a real browser (headless Chromium): every fixture's report prints in at
most 3 pages with "Now" on page 1, and renders at 1280 and 390 px wide."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PROFILES, ROOT, shipped_piles

sys.path.insert(0, str(ROOT / "tools"))
import screenshots  # noqa: E402

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module", autouse=True)
def _needs_chromium():
    if not (shutil.which("chromium") or shutil.which("chromium-browser")):
        pytest.skip("chromium is not installed (.ci/run installs it)")


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.stem)
def test_a_student_report_prints_in_at_most_three_pages(profile, tmp_path):
    html = screenshots.render_report(profile, tmp_path)
    pages = screenshots.pdf(html, tmp_path / "r.pdf")
    assert 1 <= pages <= 3, f"{profile.stem}: {pages} pages"


def test_page_one_holds_now(tmp_path):
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    html = screenshots.render_report(ROOT / "fixtures/profiles/warned-derm-three-cities.yaml", tmp_path)
    screenshots.pdf(html, tmp_path / "r.pdf")
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(tmp_path / "r.pdf"), "-"],
                           capture_output=True, text=True, check=True).stdout
    assert "Now" in first and "Today's deadline" in first


@pytest.mark.parametrize("width", [1280, 390])
def test_the_report_renders_at_desktop_and_phone_width(tmp_path, width):
    html = screenshots.render_report(ROOT / "fixtures/profiles/warned-derm-three-cities.yaml", tmp_path)
    png = tmp_path / f"r-{width}.png"
    screenshots.screenshot(html, png, width)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(data[16:20], "big") == width  # the picture is the width asked for


def test_a_2000_student_board_prints_with_its_header_on_every_page(tmp_path):
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    from soaprules.cohort.board import board, render

    records = [{"status": "ok", "source": f"s{i}.yaml",
                "advice": {"profile_id": f"S-{i:04d}", "decisions": {"rescue_tier": {"value": 1 + i % 3}},
                           "recommendations": [{"id": f"own-{i}", "priority": "high",
                                                "text": f"Assign an advocate for S-{i:04d} today"}]}}
               for i in range(2000)]
    html = tmp_path / "board.html"
    html.write_text(render(board(records, shipped_piles()), "html"), encoding="utf-8")
    pages = screenshots.pdf(html, tmp_path / "board.pdf")
    assert pages > 5
    for page in (2, pages // 2, pages):
        text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(tmp_path / "board.pdf"), "-"],
                              capture_output=True, text=True, check=True).stdout
        assert "next move" in text and "red-flag risk" in text, f"page {page} has no table header"
