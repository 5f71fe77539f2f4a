"""`cohort --reports DIR`: a board folder whose every row links to that student's own report,
written privately and never through a link; and the tier chart beside the article's split."""
from __future__ import annotations

import os
import re
import shutil
import stat

from soaprules.cli.main import main
from conftest import FIXTURES

PROFILES = FIXTURES / "profiles"


def test_every_row_links_to_that_students_own_report(runner, tmp_path):
    folder = tmp_path / "board"
    result = runner.invoke(main, ["cohort", str(PROFILES), "--reports", str(folder)])
    assert result.exit_code == 0, result.output
    index = (folder / "index.html").read_text()
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', index)
    assert len(links) == len(list(PROFILES.glob("*.yaml")))
    for target, student in links:
        report = folder / target
        assert report.parent == folder and report.is_file()
        assert f"soaprules advice for {student}" in report.read_text()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in folder.iterdir())


def test_a_hostile_id_names_no_path_and_no_markup(runner, tmp_path):
    cohort = tmp_path / "in"
    cohort.mkdir()
    shutil.copy(PROFILES / "rs20-quiet-star.yaml", cohort / "a.yaml")
    text = (PROFILES / "rs20-quiet-star.yaml").read_text()
    (cohort / "b.yaml").write_text(re.sub(r"id: \S+", 'id: "../../x/<script>alert(1)</script>"', text, count=1))
    folder = tmp_path / "board"
    result = runner.invoke(main, ["cohort", str(cohort), "--reports", str(folder)])
    assert result.exit_code == 0, result.output
    assert sorted(p.parent for p in folder.iterdir()) == [folder] * 4  # two reports, the index, the manifest
    index = (folder / "index.html").read_text()
    assert "<script>" not in index and not (tmp_path / "x").exists()


def test_a_rerun_removes_the_reports_it_no_longer_writes_and_nothing_else(runner, tmp_path):
    cohort = tmp_path / "in"
    cohort.mkdir()
    for p in sorted(PROFILES.glob("*.yaml"))[:3]:
        shutil.copy(p, cohort / p.name)
    folder = tmp_path / "board"
    assert runner.invoke(main, ["cohort", str(cohort), "--reports", str(folder)]).exit_code == 0
    first = {p.name for p in folder.glob("*.html")} - {"index.html"}
    (folder / "0099-notes.html").write_text("the dean's own file")  # report-shaped, never written by us
    elsewhere = tmp_path / "elsewhere.html"
    elsewhere.write_text("keep")
    gone = sorted(cohort.iterdir())[0]
    gone.unlink()
    result = runner.invoke(main, ["cohort", str(cohort), "--reports", str(folder)])
    assert result.exit_code == 0, result.output
    now = {p.name for p in folder.glob("*.html")} - {"index.html", "0099-notes.html"}
    linked = set(re.findall(r'<a href="([^"]+)">', (folder / "index.html").read_text()))
    assert now == linked and len(now) == 2 and first - now  # every report left is on the board
    assert (folder / "0099-notes.html").read_text() == "the dean's own file" and elsewhere.read_text() == "keep"


def test_a_reports_path_that_is_a_file_or_a_link_is_refused(runner, tmp_path):
    plain = tmp_path / "plain"
    plain.write_text("keep me")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    link = tmp_path / "link"
    os.symlink(elsewhere, link)
    for target in (plain, link):
        result = runner.invoke(main, ["cohort", str(PROFILES), "--reports", str(target)])
        assert result.exit_code in (1, 2) and "Traceback" not in result.output, result.output  # 2: click saw a file
        assert str(target.name) in result.output
    assert plain.read_text() == "keep me" and not any(elsewhere.iterdir())


def test_the_tier_chart_draws_each_share_beside_the_articles(runner, tmp_path):
    result = runner.invoke(main, ["cohort", str(PROFILES), "--format", "json"])
    import json
    shares = {d["tier"]: d for d in json.loads(result.stdout)["distribution"] if d["tier"]}
    page = runner.invoke(main, ["cohort", str(PROFILES), "--format", "html"]).stdout
    svg = page.split('<svg class="tiers"')[1].split("</svg>")[0]
    bars = {int(t): int(w) for t, w in re.findall(r'<rect class="t(\d)" x="\d+" y="\d+" width="(\d+)"', svg)}
    assert set(bars) == {1, 2, 3}
    biggest = max(shares, key=lambda t: shares[t]["percent"])
    assert max(bars, key=bars.get) == biggest
    for tier, d in shares.items():
        assert f"(article ~{d['article_percent']}%)" in svg
