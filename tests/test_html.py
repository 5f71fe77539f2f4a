"""The HTML report: self-contained, escaped, complete, and (in a real headless Chromium
driven over WebDriver) its why-trees start closed, open on click, stay collapsed in print,
and the page asks the network for nothing."""
from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from html import escape
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import PROFILES
from soaprules.advice import build
from soaprules.pipeline import program_for
from soaprules.profile.load import load_profile
from soaprules.render import RENDERERS
from soaprules.render.html import render, why_trees

CHROME_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage"]
FORBIDDEN_TAGS = {"link", "img", "iframe", "object", "embed", "base", "audio", "video", "source", "form", "frame"}


def html_of(advice: dict, run=None) -> str:
    buffer = io.StringIO()
    render(advice, buffer, run=run)
    return buffer.getvalue()


def evaluate(path):
    from soaprules.engine.session import evaluate_profile

    profile, _ = load_profile(path)
    run = evaluate_profile(program_for(), profile)
    return run, build(run)


class Page(HTMLParser):
    """Tags, attributes and text of a page, as a browser's tokenizer would see them."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.chunks: list[str] = []
        self.raw = {"script": [], "style": []}
        self._in = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in = tag if tag in self.raw else None

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        (self.raw[self._in] if self._in else self.chunks).append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.chunks).split())


def squash(text: str) -> str:
    return " ".join(text.split())


# -- without a browser ------------------------------------------------------------------

@pytest.fixture(scope="module")
def runs():
    return {p.stem: evaluate(p) for p in PROFILES}


@pytest.fixture(scope="module")
def advices(runs):
    return {name: advice for name, (_, advice) in runs.items()}


def test_registered_as_a_format():
    assert RENDERERS["html"] is render


@pytest.mark.parametrize("explained", [False, True], ids=["advice-trees", "explain-trees"])
def test_every_fixture_is_self_contained(runs, explained):
    for name, (run, advice) in runs.items():
        text = html_of(advice, run if explained else None)
        page = Page(text)
        tags = {t for t, _ in page.tags}
        assert not tags & FORBIDDEN_TAGS, name
        for tag, attrs in page.tags:
            assert "src" not in attrs, (name, tag)
            assert attrs.get("href", "#").startswith("#"), (name, tag)
            assert not any(a.startswith("on") for a in attrs), (name, tag)  # no inline handlers: CSP blocks them
        style = "".join(page.raw["style"])
        assert "url(" not in style and "@import" not in style, name
        (csp,) = [a["content"] for t, a in page.tags if a.get("http-equiv") == "Content-Security-Policy"]
        assert "default-src 'none'" in csp
        (script,) = page.raw["script"]  # the one inline script, allowed by its hash and nothing else
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"script-src 'sha256-{digest}'" in csp, name


@pytest.mark.parametrize("explained", [False, True], ids=["advice-trees", "explain-trees"])
def test_every_fixture_report_says_everything_the_advice_says(runs, explained):
    for name, (run, advice) in runs.items():
        text = Page(html_of(advice, run if explained else None)).text
        for rec in advice["recommendations"]:
            assert squash(rec["text"]) in text, (name, rec["id"])
            assert ", ".join(rec["cites"]) in text and rec["rule"] in text
            for source in rec["sources"]:
                assert squash(source["quote"]) in text
            for ev in rec["because"]:
                assert ev["path"] in text
        for decision in advice["decisions"].values():
            assert decision["rule"] in text
            for lost in decision["overridden"]:
                assert lost["rule"] in text
        for firing in advice["trace"]:
            assert firing["rule"] in text


def walk(node, parents=()):
    yield node, parents
    for child in node["children"]:
        yield from walk(child, parents + (node,))


def test_trees_end_in_profile_values(advices):
    """Derived facts and decisions open into the rules that made them; every branch ends
    at a value read from the profile."""
    derived_seen = 0
    for name, advice in advices.items():
        producers: dict = {}
        for firing in advice["trace"]:
            for fact in firing["asserted"]:
                producers.setdefault(fact["name"], set()).add(firing["rule"])
        for root in why_trees(advice).values():
            for node, parents in walk(root):
                label = node["label"]
                path = label.split(" = ")[0]
                head, _, key = path.partition(".")
                if head == "derived" and key in producers:
                    assert node["children"], (name, label)
                    assert {c["label"].removeprefix("Rule ") for c in node["children"]} <= producers[key]
                    derived_seen += 1
                elif head == "decision" and key in advice["decisions"]:
                    rule = advice["decisions"][key]["rule"]
                    assert {c["label"] for c in node["children"]} == {f"Rule {rule}"}, (name, label)
                elif parents and parents[-1]["label"].startswith("Rule "):  # any other fact a rule read
                    assert not node["children"], (name, label)
                    assert node["note"].endswith(("from the profile", "SOAP calendar", "not derived by any rule",
                                                  "no rule decided it")), (name, label, node["note"])
    assert derived_seen, "no fixture exercises a derived fact: pick another"


def test_nested_trees_nest_in_the_page(advices):
    advice = max(advices.values(), key=lambda a: len(a["trace"]))
    page = html_of(advice)
    for root in why_trees(advice).values():
        for node, parents in walk(root):
            if len(parents) >= 2:  # a grandchild sits in a <details> inside its parent's <details>
                parent = re.escape(escape(parents[-1]["label"]))
                child = re.escape(escape(node["label"]))
                assert re.search(f"<summary><span class=\"label\">{parent}</span>.*?<ul>.*?{child}", page, re.S)


def test_explain_trees_carry_titles_rationales_and_quotes(runs):
    """With the Evaluation the trees are explain.py's: each deciding rule with its title,
    its rationale in plain words and its heuristics' quotes."""
    for name, (run, advice) in runs.items():
        page = html_of(advice, run)
        assert '<body data-trees="explain">' in page
        text = Page(page).text
        for decision in advice["decisions"].values():
            rule = run.program.book.rule(decision["rule"])
            assert squash(f"rule {rule.id}: {rule.title}") in text, (name, rule.id)
            if rule.rationale:
                assert squash(rule.rationale) in text, (name, rule.id)
        assert 'class="quote"' in page or not advice["decisions"]


def test_rendering_is_deterministic(runs):
    run, advice = runs[max(runs, key=lambda n: len(runs[n][1]["trace"]))]
    assert html_of(advice) == html_of(json.loads(json.dumps(advice)))
    assert html_of(advice, run) == html_of(advice, run)


HOSTILE = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).map(
    lambda s: s + "</details><script>alert(1)</script><img src=x onerror=alert(2)>\"'&amp;")


@settings(max_examples=50, deadline=None)
@given(HOSTILE, HOSTILE, HOSTILE, HOSTILE)
def test_everything_from_the_advice_is_escaped(who, text, quote, value):
    advice = {"schema": "soaprules/advice@1", "profile_id": who, "phase": "soap",
              "packs": [{"name": "p<", "version": "1", "file": "f", "sha256": "\"x"}],
              "engine": {"name": "e", "version": "1"},
              "decisions": {"rescue_tier": {"value": value, "rule": "r1", "policy": "worst",
                                            "overridden": [{"value": value, "rule": "r2"}]}},
              "recommendations": [{"id": "x\"y", "topic": "t", "priority": "high", "text": text, "rule": "r1",
                                   "pack": "p", "cites": ["RS-01"], "sources": [{"seed": "s", "quote": quote}],
                                   "because": [{"path": "a.b", "value": value, "test": "eq", "expected": value}],
                                   "draft": text}],
              "trace": [{"rule": "r1", "pack": "p", "stratum": 0, "bindings": {},
                         "matched": [{"path": "a.b", "value": value, "test": "eq", "expected": value}],
                         "asserted": [], "proposed": {"rescue_tier": value}}],
              "unknowns": [{"path": "<u>", "rules": ["r<"]}]}
    page = Page(html_of(advice))
    assert [t for t, _ in page.tags].count("script") == 1
    assert not {t for t, _ in page.tags} & FORBIDDEN_TAGS
    for tag, attrs in page.tags:
        assert not any(a.startswith("on") for a in attrs)
    for hostile in (who, text, quote):
        assert squash(hostile) in page.text


# -- in the browser ---------------------------------------------------------------------

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


class WebDriver:
    """Just enough of the W3C WebDriver protocol, over plain HTTP, for these tests."""

    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"
        self.session = None

    def call(self, method: str, path: str, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.loads(response.read())["value"]
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"WebDriver {method} {path}: {exc.read().decode()[:500]}") from None

    def s(self, method: str, path: str, body=None):
        return self.call(method, f"/session/{self.session}{path}", body)

    def start(self, profile_dir: str) -> None:
        caps = {"browserName": "chrome", "goog:loggingPrefs": {"browser": "ALL"},
                "goog:chromeOptions": {"binary": shutil.which("chromium"),
                                       "args": CHROME_FLAGS + [f"--user-data-dir={profile_dir}"]}}
        self.session = self.call("POST", "/session", {"capabilities": {"alwaysMatch": caps}})["sessionId"]

    def js(self, script: str, *args):
        return self.s("POST", "/execute/sync", {"script": script, "args": list(args)})

    def find(self, css: str) -> list[str]:
        return [e[ELEMENT] for e in self.s("POST", "/elements", {"using": "css selector", "value": css})]

    def displayed(self, element: str) -> bool:
        """Rendered, by the browser's own account (WebDriver's `displayed` decides closed
        <details> from the markup alone, whatever the CSS says, so print could not be tested)."""
        return self.js("return arguments[0].checkVisibility();", {ELEMENT: element})

    def click(self, element: str) -> None:
        self.s("POST", f"/element/{element}/click", {})

    def is_open(self, element: str) -> bool:
        return bool(self.s("GET", f"/element/{element}/property/open"))

    def body_text(self) -> str:
        return self.js("return document.body.innerText;")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not shutil.which("chromium"):
        pytest.skip("chromium is not installed (.ci/run installs it: apt-get install chromium chromium-driver)")
    driver_binary = shutil.which("chromedriver")
    assert driver_binary, "chromium is installed but chromedriver is not: apt-get install chromium-driver"
    port = _free_port()
    process = subprocess.Popen([driver_binary, f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    driver = WebDriver(port)
    try:
        for _ in range(100):
            try:
                if driver.call("GET", "/status")["ready"]:
                    break
            except (OSError, AssertionError):
                time.sleep(0.1)
        with tempfile.TemporaryDirectory(prefix="soaprules-chromium-") as profile_dir:
            driver.start(profile_dir)
            try:
                yield driver
            finally:
                driver.s("DELETE", "")
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module", params=["advice-trees", "explain-trees"])
def report(runs, tmp_path_factory, request):
    """The fixture whose report has the most to show (most firings, with a recommendation),
    with trees from the advice alone and from explain.py."""
    name, (run, advice) = max(((n, ra) for n, ra in runs.items() if ra[1]["recommendations"]),
                              key=lambda item: (len(item[1][1]["trace"]), item[0]))
    path = tmp_path_factory.mktemp("html") / f"{name}-{request.param}.html"
    path.write_text(html_of(advice, run if request.param == "explain-trees" else None), encoding="utf-8")
    return path, advice


@pytest.fixture
def page(browser, report):
    browser.s("POST", "/url", {"url": report[0].as_uri()})
    deadline = time.monotonic() + 60  # a large report on a busy machine may still be parsing
    while browser.js("return document.readyState;") != "complete" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert browser.js("return document.readyState;") == "complete"
    return browser


def test_trees_start_closed_and_open_on_click(page, report):
    _, advice = report
    trees = page.find("details.why")
    assert len(trees) == len(advice["decisions"]) + len(advice["recommendations"])
    assert not any(page.is_open(t) for t in trees)
    first_rec = page.find("article.rec details.why")[0]
    leaves = page.find("article.rec details.why > ul > li")
    label = page.js("return arguments[0].querySelector('.label');", {ELEMENT: leaves[0]})[ELEMENT]
    hidden_label = squash(page.s("GET", f"/element/{label}/property/textContent"))
    shown_before = squash(page.body_text()).count(hidden_label)  # a summary may say it too
    assert not page.displayed(label)

    page.click(page.find("article.rec details.why > summary")[0])
    assert page.is_open(first_rec) and page.displayed(label)
    assert squash(page.body_text()).count(hidden_label) > shown_before

    nested = page.find("details.why details")
    assert nested, "no nested tree to open"
    inner = page.js("var d = arguments[0]; d.closest('details.why').open = true; "
                    "return d.querySelector(':scope > ul > li');", {ELEMENT: nested[0]})[ELEMENT]
    assert not page.displayed(inner)
    page.click(page.js("return arguments[0].querySelector(':scope > summary');", {ELEMENT: nested[0]})[ELEMENT])
    assert page.is_open(nested[0]) and page.displayed(inner)


def test_open_all_runs_under_the_csp_and_shows_every_reason(page, report):
    _, advice = report
    page.click(page.find("#open-all")[0])
    details = page.find("details")
    assert details and all(page.is_open(d) for d in details)  # the inline script ran: its hash matched
    text = squash(page.body_text())
    for rec in advice["recommendations"]:
        assert squash(rec["text"]) in text
        assert ", ".join(rec["cites"]) in text
        for ev in rec["because"]:
            assert ev["path"] in text
    for decision in advice["decisions"].values():
        assert f"decided by {decision['rule']}" in text
    for firing in (f for f in advice["trace"]):
        assert firing["rule"] in text
    page.click(page.find("#close-all")[0])
    assert not any(page.is_open(d) for d in page.find("details"))


def test_no_network_requests_and_no_console_errors(page):
    assert page.js("return performance.getEntriesByType('resource').length;") == 0
    logs = page.s("POST", "/se/log", {"type": "browser"})
    problems = [entry["message"] for entry in logs if entry["level"] in ("SEVERE", "WARNING")]
    assert problems == []


def test_print_keeps_explanations_collapsed_and_hides_the_buttons(page):
    """Printed, a report is the plan: explanations stay one click away on screen, not on paper."""
    leaf = page.find("details.why > ul > li")[0]
    assert not page.displayed(leaf)
    page.s("POST", "/goog/cdp/execute", {"cmd": "Emulation.setEmulatedMedia", "params": {"media": "print"}})
    try:
        assert not page.displayed(leaf)
        assert not page.displayed(page.find("#open-all")[0])
        assert page.displayed(page.find("#now")[0])
    finally:
        page.s("POST", "/goog/cdp/execute", {"cmd": "Emulation.setEmulatedMedia", "params": {"media": ""}})
    pdf = base64.b64decode(page.s("POST", "/print", {"background": False}))
    assert pdf.startswith(b"%PDF-") and 1 <= pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") <= 3
