"""The report as one self-contained HTML file: for an advisor to open, click through
and print. Everything is inline (CSS, one small script, no fonts or images), a Content
Security Policy forbids the page any network access, and every value from the advice
is escaped. Why-trees are nested <details>, closed on screen and all open in print.
"""
from __future__ import annotations

import base64
import hashlib
import re
from html import escape
from typing import TextIO

from soaprules.lang.templates import words
from soaprules.explain.recorded import test_text
from soaprules.render.plan import SHOWN_ITEMS, plan, source_line
from soaprules.render.timeline_svg import svg as week_svg
from soaprules.render.words import decision_label, evidence_line, telling

# Buttons open or close every explanation; printing keeps them as they are (collapsed by
# default, so page 1 holds "Now" and a report prints in a few pages).
SCRIPT = """
(function () {
  var set = function (open) { document.querySelectorAll('details').forEach(function (d) { d.open = open; }); };
  document.getElementById('open-all').addEventListener('click', function () { set(true); });
  document.getElementById('close-all').addEventListener('click', function () { set(false); });
})();
"""
SCRIPT_HASH = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
CSP = f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{SCRIPT_HASH}'; form-action 'none'"

STYLE = """
:root { --ink: #1d1d1f; --muted: #5a5a60; --line: #d8d8de; --bg: #fff;
  --critical: #a4161a; --high: #b45309; --medium: #1d4ed8; --low: #4b5563; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink);
  background: var(--bg); max-width: 60rem; margin: 0 auto; padding: 1.5rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; } h2 { font-size: 1.2rem; margin: 2rem 0 .5rem;
  border-bottom: 1px solid var(--line); } h3 { font-size: 1rem; margin: 0 0 .4rem; font-weight: 600; }
.meta, .note, .cites, footer { color: var(--muted); font-size: .85rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .3rem .5rem; border-bottom: 1px solid var(--line); }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: .85em; }
.rec { border: 1px solid var(--line); border-left: 4px solid var(--low); border-radius: 4px;
  padding: .6rem .8rem; margin: .8rem 0; break-inside: avoid; }
.rec.critical { border-left-color: var(--critical); } .rec.high { border-left-color: var(--high); }
.rec.medium { border-left-color: var(--medium); }
.badge { display: inline-block; font-size: .75rem; text-transform: uppercase; letter-spacing: .04em;
  padding: 0 .4rem; margin-right: .4rem; border-radius: 3px; color: #fff; background: var(--low); }
.critical .badge { background: var(--critical); } .high .badge { background: var(--high); }
.medium .badge { background: var(--medium); }
.bound { background: #fff7e6; border-left: 3px solid var(--high); padding: .3rem .6rem; margin: .4rem 0; }
q.quote cite::before { content: " \\2014  "; }
q.quote { display: block; margin: .1rem 0 .1rem 1rem; color: var(--muted); font-style: italic; font-size: .85rem; }
blockquote { margin: .3rem 0 .3rem 1rem; color: var(--muted); font-style: italic; }
pre.draft { white-space: pre-wrap; background: #f5f5f7; padding: .6rem; border-radius: 4px; }
details { margin: .2rem 0; } summary { cursor: pointer; }
.tree ul { list-style: none; margin: .1rem 0 .1rem .6rem; padding-left: .8rem; border-left: 1px dotted var(--line); }
.tree li { margin: .15rem 0; }
.now { background: #fff7f0; border: 2px solid var(--critical); border-radius: 6px; padding: .2rem 1rem; }
.deadline { font-weight: 600; color: var(--critical); } .standing li { margin: .2rem 0; }
.rest li { margin: .1rem 0; }
.tools { margin: 1rem 0; } .tools button { font: inherit; font-size: .85rem; padding: .2rem .6rem; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  .tools { display: none; }
  /* Paper holds the plan: reasons, quotes and drafts stay on screen, one click away. */
  #trace, #unknowns, #decisions, .citation blockquote, details, .standing a { display: none; }
  body { font-size: 9.5pt; line-height: 1.35; } h2 { margin: .8rem 0 .3rem; } .rec p { margin: .2rem 0; }
  .rec h3 { font-size: 10pt; margin: 0; } .meta { display: none; }
  .rec.later { border: none; padding: 0 .6rem; margin: .1rem 0; } .rec.later > :not(h3) { display: none; }
  h2 { break-after: avoid; } tr, .tree li { break-inside: avoid; } thead { display: table-header-group; }
  .rec { padding: .3rem .6rem; margin: .4rem 0; } svg.week { max-height: 1.6in; }
  .badge { color: #000; background: none; border: 1px solid #000; }
}
"""


def render(advice: dict, out: TextIO, *, run=None, catalog: dict | None = None) -> None:
    """With the Evaluation (`run`) the trees are explain/why.py's, richer; without it explain/recorded.py's,
    read from the advice alone (see `why_trees`). The catalog is the one the packs were
    checked against (default: the shipped one)."""
    who = advice.get("profile_id") or "this applicant"
    title = f"soaprules advice for {who}"
    out.write("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
              f"<meta http-equiv=\"Content-Security-Policy\" content=\"{_e(CSP)}\">\n"
              "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
              f"<title>{_e(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
              f"<body data-trees=\"{'explain' if run is not None else 'advice'}\">\n")
    out.write(f"<header>\n<h1>{_e(title)}</h1>\n<p class=\"meta\">Phase: {_e(words(advice.get('phase') or 'unknown'))}"
              f" &middot; {_packs(advice)} &middot; engine {_e(advice['engine']['name'])} "
              f"{_e(advice['engine']['version'])}</p>\n</header>\n"
              "<nav class=\"tools\"><button type=\"button\" id=\"open-all\">Open all explanations</button> "
              "<button type=\"button\" id=\"close-all\">Close all</button></nav>\n")
    for warning in advice.get("warnings", []):
        out.write(f"<p class=\"warning\" role=\"alert\"><strong>Warning:</strong> {_e(warning['text'])}</p>\n")
    trees = why_trees(advice, run, catalog)
    _plan(advice, trees, out)
    _decisions(advice, trees, out)
    _unknowns(advice, out)
    _trace(advice, out)
    out.write(f"<footer><p>{_e(advice.get('schema', ''))}. Every recommendation names the rule that made it "
              "and the heuristic it cites.</p></footer>\n"
              f"<script>{SCRIPT}</script>\n</body>\n</html>\n")


def why_trees(advice: dict, run=None, catalog: dict | None = None) -> dict:
    """The one place that chooses where trees come from: {("decision", name) or
    ("recommendation", index): node}. With the Evaluation, explain.py builds them (rule
    titles, rationales, catalog citations); without it, they are read from the advice's
    own because / overridden / trace, so an advice document alone still renders."""
    if run is None:
        from soaprules.explain.recorded import RecordedTrees

        recorded = RecordedTrees(advice)
        decision = lambda name: from_explain(recorded.decision(name).to_dict())  # noqa: E731
        recommendation = lambda rec: from_explain(recorded.recommendation(rec).to_dict())  # noqa: E731
    else:
        from soaprules.explain.why import Explainer

        explainer = Explainer(run, catalog, advice)
        decision = lambda name: from_explain(explainer.decision_node(name).to_dict())  # noqa: E731
        recommendation = lambda rec: from_explain(explainer.recommendation_node(rec).to_dict())  # noqa: E731
    trees = {("decision", name): decision(name) for name in advice["decisions"]}
    trees.update({("recommendation", i): recommendation(r) for i, r in enumerate(advice["recommendations"])})
    return trees


RULE_KINDS = {"rule", "decision", "recommendation", "overridden", "bound"}


def from_explain(tree: dict) -> dict:
    """An explanation@1 node as this renderer's node: rule nodes keep their rationale and
    the quotes behind their citations, other nodes their note; every node keeps its heuristic IDs."""
    rule_node = tree.get("kind") in RULE_KINDS
    quotes = [(c.get("article") or c["id"], c["quote"]) for c in tree.get("cites", []) if c.get("quote")]
    note = tree.get("rationale") if rule_node else tree.get("detail", {}).get("note")
    return {"label": tree["label"], "note": note,
            "cites": [c["id"] for c in tree.get("cites", [])], "quotes": quotes if rule_node else [],
            "children": [from_explain(c) for c in tree.get("children", [])]}


def _e(value) -> str:
    return escape(str(value), quote=True)


def _anchor(kind: str, value) -> str:
    return kind + "-" + re.sub(r"[^A-Za-z0-9_-]", "-", str(value))


def _packs(advice: dict) -> str:
    packs = ", ".join(f"<span title=\"sha256 {_e(p['sha256'])}\">{_e(p['name'])} {_e(p['version'])}</span>"
                      for p in advice["packs"])
    return f"packs {packs}" if packs else "no packs"


def _decisions(advice: dict, trees: dict, out: TextIO) -> None:
    out.write("<section id=\"decisions\">\n<h2>How each judgement was decided</h2>\n")
    if not advice["decisions"]:
        out.write("<p>No decisions could be made: the profile leaves their inputs unknown.</p>\n</section>\n")
        return
    out.write("<table>\n<thead><tr><th>Decision</th><th>Value</th><th>Why</th></tr></thead>\n<tbody>\n")
    for name, d in advice["decisions"].items():
        over = ", ".join(f"{words(o['value'])} ({o['rule']})" for o in d["overridden"])
        summary = (f"decided by <code>{_e(d['rule'])}</code> (policy {_e(d.get('policy'))})"
                   + (f"; overrode {_e(over)}" if over else ""))
        out.write(f"<tr id=\"{_anchor('decision', name)}\"><td>{_e(decision_label(name, d))}</td>"
                  f"<td><strong>{_e(words(d['value']))}</strong></td><td>"
                  f"{_tree(trees[('decision', name)], summary)}</td></tr>\n")
    out.write("</tbody>\n</table>\n</section>\n")


def _plan(advice: dict, trees: dict, out: TextIO) -> None:
    """Policy bound once, "Now" with its deadline and the week drawn, "Where you stand" in
    sentences (why one click away), then every other item by importance."""
    p = plan(advice, shown=len(advice["recommendations"]))
    index = {id(r): i for i, r in enumerate(advice["recommendations"])}
    for bound in p["bounds"]:
        out.write(f"<p class=\"bound\" id=\"nrmp-bound\"><strong>NRMP rule:</strong> {_e(bound['text'])} "
                  f"<span class=\"cites\">({_e(', '.join(bound['cites']))})</span></p>\n")
    out.write("<section id=\"now\" class=\"now\">\n<h2>Now</h2>\n")
    if p["deadline"]:
        out.write(f"<p class=\"deadline\">{_e(p['deadline'][0].upper() + p['deadline'][1:])}</p>\n")
    out.write(week_svg(advice.get("timeline"), [r.get("title") or "" for r in p["now"]]))
    if not advice["recommendations"]:
        out.write("<p>No recommendations for this profile yet.</p>\n")
    printed = [0]  # items printed in full so far: paper holds seven, a group's parts counted
    for rec in p["now"]:
        _slot(rec, index, trees, out, printed)
    out.write("</section>\n<section id=\"standing\">\n<h2>Where you stand</h2>\n<ul class=\"standing\">\n")
    for name, sentence in zip(p["standing_of"], p["standing"]):
        why = f" <a href=\"#{_anchor('decision', name)}\">why</a>" if name else ""
        out.write(f"<li>{_e(sentence)}{why}</li>\n")
    out.write("</ul>\n</section>\n")
    if p["next"]:
        out.write("<section id=\"recommendations\">\n<h2>Then, most important first</h2>\n")
        for rec in p["next"]:
            _slot(rec, index, trees, out, printed)
        out.write("</section>\n")


def _slot(rec: dict, index: dict, trees: dict, out: TextIO, printed: list) -> None:
    """One item of the plan; items about one person (plan.compose) as one group, each part
    with its own explanation. Past the seventh item in full, print shows titles only."""
    members = rec.get("members") or [rec]
    if rec.get("members"):
        out.write(f"<section class=\"together\" data-person=\"{_e(rec['person'])}\">\n"
                  f"<h3>{_e(rec['title'])}</h3>\n<p class=\"intro\">{_e(rec['intro'])}</p>\n")
    for member in members:
        _rec(member, index[id(member)], trees, out, later=printed[0] >= SHOWN_ITEMS)
        printed[0] += 1
    if rec.get("members"):
        out.write("</section>\n")


def _rec(rec: dict, i: int, trees: dict, out: TextIO, later: bool = False) -> None:
    """`later`: beyond the first seven, printed by title only."""
    out.write(f"<article class=\"rec {_e(rec['priority'])}{' later' if later else ''}\" id=\"{_anchor('rec', i)}\" "
              f"data-rec=\"{_e(rec['id'])}\">\n<h3><span class=\"badge\">{_e(rec['priority'])}</span>"
              f"{_e(rec.get('title') or '')}</h3>\n<p>{_e(rec['text'])}</p>\n")
    if rec.get("bounds"):
        out.write("<p class=\"cites\"><a href=\"#nrmp-bound\">Within the NRMP rule above.</a></p>\n")
    shown = telling(rec["because"])
    because = "; ".join(evidence_line(e) for e in shown[:2])
    more = "&hellip;" if len(shown) > 2 else ""
    out.write(_tree(trees[("recommendation", i)], f"Why: {_e(because)}{more}"))
    out.write(_citation(rec))
    if rec.get("draft"):
        out.write(f"<details class=\"draft\"><summary>Draft message</summary>"
                  f"<pre class=\"draft\">{_e(rec['draft'])}</pre></details>\n")
    out.write("</article>\n")


def _citation(rec: dict) -> str:
    from soaprules.render.plan import article_name
    quotes = "".join(f"<blockquote>&ldquo;{_e(s['quote'])}&rdquo; <cite>{_e(article_name(s['seed']))}</cite>"
                     "</blockquote>" for s in rec["sources"])
    return (f"<div class=\"citation\"><p class=\"cites\">Source: {_e(source_line(rec))}; "
            f"cites {_e(', '.join(rec['cites']))} "
            f"(rule <code>{_e(rec['rule'])}</code>, pack {_e(rec['pack'])})</p>{quotes}</div>\n")


def _tree(root: dict, summary_html: str) -> str:
    """A why-tree: the outer <details> shows `summary_html` (already escaped) in place of
    the root's own label, and opens onto the root's children."""
    cites = f" <span class=\"cites\">[{_e(', '.join(root['cites']))}]</span>" if root.get("cites") else ""
    kids = "".join(_node(c) for c in root.get("children", [])) or "<li>no recorded reasons</li>"
    return f"<details class=\"why tree\"><summary>{summary_html}{cites}</summary>\n<ul>{kids}</ul></details>\n"


def _node(n: dict) -> str:
    head = f"<span class=\"label\">{_e(n['label'])}</span>"
    if n.get("note"):
        head += f" <span class=\"note\">{_e(n['note'])}</span>"
    if n.get("cites"):
        head += f" <span class=\"cites\">[{_e(', '.join(n['cites']))}]</span>"
    head += "".join(f"<q class=\"quote\">{_e(quote)} <cite>{_e(where)}</cite></q>"
                    for where, quote in n.get("quotes", []))
    if not n.get("children"):
        return f"<li>{head}</li>"
    kids = "".join(_node(c) for c in n["children"])
    return f"<li><details><summary>{head}</summary><ul>{kids}</ul></details></li>"


def _unknowns(advice: dict, out: TextIO) -> None:
    if not advice["unknowns"]:
        return
    out.write("<section id=\"unknowns\">\n<h2>Unknown inputs</h2>\n<p>Filling these in would let more rules "
              "decide:</p>\n<ul>\n")
    for u in advice["unknowns"]:
        out.write(f"<li><code>{_e(u['path'])}</code> <span class=\"note\">(rules {_e(', '.join(u['rules']))})"
                  "</span></li>\n")
    out.write("</ul>\n</section>\n")


def _trace(advice: dict, out: TextIO) -> None:
    out.write(f"<section id=\"trace\">\n<h2>Trace</h2>\n<details class=\"trace\"><summary>Every rule that fired, "
              f"in order ({len(advice['trace'])})</summary>\n<ol>\n")
    for f in advice["trace"]:
        tests = "".join(f"<li>{_e(evidence_line(e))} <span class=\"note\">{_e(test_text(e))}</span></li>"
                        for e in f["matched"])
        out.write(f"<li><code>{_e(f['rule'])}</code> <span class=\"note\">pack {_e(f['pack'])}, "
                  f"stratum {_e(f['stratum'])}</span><ul>{tests}</ul></li>\n")
    out.write("</ol>\n</details>\n</section>\n")
