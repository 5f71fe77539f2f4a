"""The Markdown report shows every string of the advice as the text it is: whatever a
student types into a free-text field (the id, a program's name in a contact, an offer
or a partial match) cannot become HTML, a link, a code span, a heading, a table row or
a list, and its words still read the same once rendered.

Two checks, over generated hostile strings placed in several fields of every fixture:
a structural one that needs nothing installed (outside the renderer's own code blocks
there is no `<`, no unescaped bracket, backtick, emphasis or pipe, and every line starts
as the renderer starts it), and a CommonMark render (markdown-it-py, when installed)
whose HTML holds no tag, link or attribute the renderer does not write itself."""
from __future__ import annotations

import copy
import html
import io
import re
from html.parser import HTMLParser

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soaprules.pipeline import advise
from soaprules.profile.model import Profile
from soaprules.render.markdown import code, escape, fenced, render
from soaprules.render.words import evidence_line, telling

from conftest import PROFILES

PIECES = ["<script>alert(1)</script>", "<img src=x onerror=alert(2)>", "[x](javascript:alert(3))",
          "![i](javascript:y)", "\n# Heading", "\n| a | b |\n|---|---|", "`code`", "```", "~~~", "````js",
          "<a href='javascript:z'>", "&lt;script&gt;", "&#60;script&#62;", "**bold**", "_it_", "\\", "- item",
          "1. one", "7) seven", "> quote", "    indented", "<!-- c -->", "[ref]: javascript:x", "<javascript:alert(4)>",
          "<http://evil.example>", "|", "#", "===", "---", "\r\n", "\t", "\n\n", "*", "~~strike~~", "<", ">", "&",
          "\\[", "\\\\`", "]]", "{x}", "<svg/onload=alert(5)>", "<iframe src=javascript:q>", "\u2028"]
WORD = st.text("abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=8)


def hostile(limit: int) -> st.SearchStrategy[str]:
    """A string of hostile pieces and plain words, starting with a marker word so the
    test can tell where it went, at most `limit` characters (the field's own limit)."""
    part = st.one_of(st.sampled_from(PIECES), WORD, st.text(st.characters(codec="ascii"), max_size=6))
    return st.tuples(st.integers(0, 10 ** 6), st.lists(part, min_size=1, max_size=8)).map(
        lambda t: ("mk" + str(t[0]) + "z " + "".join(t[1]))[:limit])


FIXTURE_DATA = {p.name: yaml.safe_load(p.read_text(encoding="utf-8")) for p in PROFILES}


def planted(data: dict, values: dict) -> dict:
    """The fixture with the hostile values in every free-text field: the id, a partial
    match's program, and a program contact and an offer added to SOAP week."""
    data = copy.deepcopy(data)
    data.setdefault("applicant", {})["id"] = values["id"]
    status = data.setdefault("status", {})
    if status.get("match_result") == "partially_matched" or "partial_match" in status:
        status.setdefault("partial_match", {})["program"] = values["partial"]
    week = data.setdefault("soap_week", {})
    week["program_contacts"] = [*week.get("program_contacts", []),
                                {"program": values["contact"], "applied": False},
                                {"program": values["answered"], "applied": True, "replied": True}]
    week["offers"] = [*week.get("offers", []), {"program": values["offer"], "round": 1, "response": "pending"}]
    return data


# -- the structural check: no library needed ------------------------------------------------

FENCE = re.compile(r"^(`{3,})[^`]*$")
LINE_STARTS = re.compile(r"^(# soaprules advice for |Phase: |> \*\*(Warning|NRMP rule):\*\* |## |### \[[a-z]+\] |- |"
                         r"\| |Because:$|Source: |\*Within the NRMP rule above\.\*$|No recommendations|$)")
CODE_SPAN = re.compile(r"(?<![`\\])(`+)(?!`)(.+?)(?<!`)\1(?!`)")  # an escaped backtick opens none


def unescaped(line: str, chars: str) -> list[str]:
    """The characters of `chars` in `line` that no backslash escapes."""
    found, i = [], 0
    while i < len(line):
        if line[i] == "\\" and i + 1 < len(line) and line[i + 1] in r"""!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~""":
            i += 2
            continue
        if line[i] in chars:
            found.append(line[i])
        i += 1
    return found


def blocks(markdown: str) -> tuple[list[str], list[str]]:
    """(lines outside code blocks, the code blocks' texts), fences closed per CommonMark."""
    outside, codes, fence, body = [], [], None, []
    for line in markdown.split("\n"):
        if fence is None:
            m = FENCE.match(line)
            if m:
                fence, body = m.group(1), []
            else:
                outside.append(line)
        elif re.fullmatch(r"`{%d,}\s*" % len(fence), line):
            codes.append("\n".join(body))
            fence = None
        else:
            body.append(line)
    assert fence is None, "a code block is left open"
    return outside, codes


def flat(text: str) -> str:
    """The text as a one-line report shows it: whitespace runs as one space, control
    characters as U+FFFD."""
    return re.sub(r"[\x00-\x1f\x7f-\x9f]", "\ufffd", " ".join(text.split()))


def unescape(text: str) -> str:
    """Markdown inline text back to the text it shows (backslash escapes, entities)."""
    return html.unescape(re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text))


def check_structure(markdown: str, advice: dict) -> None:
    outside, codes = blocks(markdown)
    for line in outside:
        assert "<" not in line, line  # no raw HTML, no autolink
        if line == "|---|---|---|---|":  # the table's delimiter row, the renderer's own
            continue
        assert LINE_STARTS.match(line) or not re.match(r"[#>|\-+*=<`~\s]|\d{1,9}[.)]|\[", line), line
        body = re.sub(r"^### \[[a-z]+\] ", "", line)
        if body.startswith("| "):  # a table row: the renderer's five pipes, no more
            assert len(unescaped(CODE_SPAN.sub("", body.replace("\\|", ""), ), "|")) == 5, line
            body = body.replace("|", "")
        body = CODE_SPAN.sub("", body)
        if body.startswith("*Within"):
            continue
        body = re.sub(r"^> \*\*(Warning|NRMP rule):\*\* ", "", body)
        assert unescaped(body, "[]`*~|") == [], line
        assert [m for m in re.finditer(r"(?<![^\W_])_|_(?![^\W_])", body)
                if not body[:m.start()].endswith("\\")] == [], line
    for rec in advice["recommendations"]:  # every text survives, word for word
        shown = {unescape(line) for line in outside}
        # an item about one person is one of a list under that person's item (plan.compose)
        assert flat(rec["text"]) in shown or "- " + flat(rec["text"]) in shown, rec["text"]
        for e in telling(rec["because"]):
            assert "- " + flat(evidence_line(e)) in shown
        if rec.get("draft"):
            assert rec["draft"] in codes
    if advice.get("profile_id"):
        assert f"# soaprules advice for {flat(advice['profile_id'])}" in {unescape(x) for x in outside}


# -- the CommonMark check: what an HTML renderer of the Markdown makes of it ------------------

ALLOWED_TAGS = {"h1", "h2", "h3", "p", "ul", "li", "blockquote", "strong", "em", "code", "pre", "table", "thead",
                "tbody", "tr", "th", "td"}


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attrs, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(tag, k, v) for k, v in attrs if not (tag == "code" and k == "class")]

    def handle_data(self, data):
        self.text.append(data)


def check_commonmark(markdown: str, advice: dict, md) -> None:
    page = md.render(markdown)
    tags = _Tags()
    tags.feed(page)
    assert set(tags.tags) <= ALLOWED_TAGS, set(tags.tags) - ALLOWED_TAGS
    assert tags.attrs == [], tags.attrs  # no href, no src, no onerror: the renderer writes no attribute
    assert "javascript:" not in "".join(v or "" for _, _, v in tags.attrs)
    text = " ".join("".join(tags.text).split())
    for rec in advice["recommendations"]:
        assert flat(rec["text"]) in text
    if advice.get("profile_id"):
        assert flat(advice["profile_id"]) in text


def markdown_of(advice: dict) -> str:
    out = io.StringIO()
    render(advice, out)
    return out.getvalue()


VALUES = st.fixed_dictionaries({"id": hostile(64), "partial": hostile(120), "contact": hostile(120),
                                "answered": hostile(120), "offer": hostile(120)})


@pytest.mark.parametrize("name", sorted(FIXTURE_DATA))
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=VALUES)
def test_hostile_free_text_cannot_become_markdown_structure(name, values):
    from soaprules.pipeline import program_for

    profile = Profile.model_validate(planted(FIXTURE_DATA[name], values))
    advice = advise(profile, program_for())
    markdown = markdown_of(advice)
    check_structure(markdown, advice)
    try:
        from markdown_it import MarkdownIt
    except ImportError:
        return
    check_commonmark(markdown, advice, MarkdownIt("commonmark").enable(["table", "strikethrough"]))


def test_the_hostile_values_reach_the_report():
    """The check above means something: the planted fields do show in some fixture's
    report (the id in the heading, a contact's and an offer's program in item texts)."""
    from soaprules.pipeline import program_for

    values = {k: f"mk{k}z <script>x</script>" for k in ("id", "partial", "contact", "answered", "offer")}
    seen = set()
    for data in FIXTURE_DATA.values():
        markdown = markdown_of(advise(Profile.model_validate(planted(data, values)), program_for()))
        seen |= {k for k in values if f"mk{k}z" in markdown}
        outside, codes = blocks(markdown)
        assert "<script" not in "\n".join(outside)  # in a draft, a code block, it is text to copy
        seen |= {"draft" for block in codes if "mkidz <script>" in block}
    assert seen >= {"id", "contact", "answered", "offer", "draft"}, seen


ANY_TEXT = st.lists(st.one_of(st.sampled_from(PIECES), st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)),
                                                                 max_size=4)), max_size=12).map("".join)


@settings(max_examples=400, deadline=None)
@given(ANY_TEXT)
def test_escape_code_and_fence_hold_for_any_text(text):
    line = escape(text)
    assert "\n" not in line and "\r" not in line and "<" not in line
    assert unescape(line) == flat(text)  # what it shows is the text
    assert not re.match(r"[#>|\-+*=<`~\s]|\d{1,9}[.)]", line)  # starts no block
    assert unescaped(line, "[]`*~|<") == []
    span = code(text)
    m = re.fullmatch(r"(`+)(.*)\1", span, re.S)
    assert m and m.group(1) not in m.group(2)  # nothing inside closes it
    if "\r" not in text:  # (a lone CR ends a line in CommonMark; the drafts' lines end in LF)
        outside, codes = blocks(fenced(text))
        assert codes == [text] and all(x == "" for x in outside)  # closed only by its own fence
