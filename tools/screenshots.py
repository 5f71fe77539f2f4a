"""Headless Chromium pictures of the reports: the student report at 1280 and 390 px and
printed to PDF (pages counted), for every fixture or the ones named.

    python tools/screenshots.py OUT_DIR [PROFILE ...]

Prints one line per report: name, PDF pages. Used by tests/test_browser.py."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


def chromium(args: list[str], timeout: int = 90) -> None:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if not binary:
        raise SystemExit("chromium is not installed (.ci/run installs it)")
    with tempfile.TemporaryDirectory(prefix="soaprules-chromium-") as profile_dir:
        subprocess.run([binary, *FLAGS, f"--user-data-dir={profile_dir}", *args], check=True, timeout=timeout,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def screenshot(html: Path, png: Path, width: int, height: int = 1800) -> None:
    chromium([f"--window-size={width},{height}", "--hide-scrollbars", f"--screenshot={png}", html.as_uri()])


def pdf(html: Path, out: Path) -> int:
    chromium(["--no-pdf-header-footer", f"--print-to-pdf={out}", html.as_uri()])
    return pages(out)


def pages(path: Path) -> int:
    """Page objects in the PDF (Chromium writes them uncompressed as /Type /Page)."""
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", path.read_bytes()))


def render_report(profile: Path, out: Path) -> Path:
    target = out / (profile.stem + ".html")
    subprocess.run([sys.executable, "-m", "soaprules", "advise", str(profile), "--format", "html",
                    "-o", str(target)], check=True)
    return target


def main(argv: list[str]) -> int:
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    profiles = [Path(p) for p in argv[1:]] or sorted((ROOT / "fixtures" / "profiles").glob("*.yaml"))
    for profile in profiles:
        html = render_report(profile, out)
        screenshot(html, out / f"{profile.stem}-1280.png", 1280)
        screenshot(html, out / f"{profile.stem}-390.png", 390)
        print(f"{profile.stem}\t{pdf(html, out / (profile.stem + '.pdf'))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
