"""The Monday-morning triage board: every student of a cohort on one table, rescue tier
first, the most pressing first within a tier, beside the 20/60/20 split (RS-02).

Order within a tier ("urgency"): the priority of the student's top action (critical
first), then how many critical or high actions they have (more first), then id. A
student whose tier is unknown sorts after tier 3; profiles that could not be read are
listed apart, with the file and field at fault.
"""
from __future__ import annotations

import html
import io
import json
import re
from dataclasses import asdict, dataclass, field
from typing import Iterable, TextIO

from soaprules.advice import PRIORITY_ORDER

SCHEMA = "soaprules/board@1"


@dataclass(frozen=True)
class Piles:
    """The decision a board sorts by and its piles, as the packs declare them (a decision's
    `board:`): the name of each value, best first, and the share of a class the article
    expects there (rescue_tier: must save / help them SOAP / on their own, 20/60/20, RS-02)."""

    decision: str
    names: dict  # value -> pile name, in the decision's order
    share: dict  # value -> percent expected (may be empty: no article figure)
    cites: tuple = ()

    @property
    def split(self) -> str:
        """`20/60/20`, or '' when the packs give no shares."""
        return "/".join(str(self.share[v]) for v in self.names if v in self.share)


def piles_of(book) -> Piles | None:
    """The board's piles from a RuleBook; None when no decision declares a `board:`."""
    found = book.board
    if found is None:
        return None
    name, spec = found
    order = book.decisions[name].values
    return Piles(name, {v: spec.names[v] for v in order}, {v: spec.share[v] for v in order if v in spec.share},
                 tuple(spec.cites))
COLUMNS = ("id", "tier", "bucket", "realism", "red_flag_risk", "top_action")


@dataclass(frozen=True)
class Row:
    id: str
    source: str
    tier: int | None
    bucket: str | None
    realism: str | None
    red_flag_risk: str | None
    top_action: str | None  # the first recommendation's text
    top_action_id: str | None
    top_priority: str | None
    pressing: int  # critical + high recommendations

    def key(self) -> tuple:
        rank = PRIORITY_ORDER.index(self.top_priority) if self.top_priority else len(PRIORITY_ORDER)
        return (self.tier or 4, rank, -self.pressing, self.id, self.source)


@dataclass
class Board:
    rows: list = field(default_factory=list)  # Row, sorted
    errors: list = field(default_factory=list)  # {"source", "where", "message"}
    shared: list = field(default_factory=list)  # advice every student got: said once, above the table
    piles: Piles | None = None

    def distribution(self) -> list[dict]:
        """Tier counts and shares beside the article's split (unknown tiers shown apart)."""
        known = [r.tier for r in self.rows if r.tier is not None]
        out = []
        for tier, pile in (self.piles.names.items() if self.piles else ()):
            n = known.count(tier)
            out.append({"tier": tier, "pile": pile, "count": n,
                        "percent": round(100 * n / len(known), 1) if known else 0.0,
                        "article_percent": self.piles.share.get(tier)})
        out.append({"tier": None, "pile": "tier unknown", "count": len(self.rows) - len(known),
                    "percent": None, "article_percent": None})
        return out


def row(source: str, advice: dict, shared: frozenset = frozenset(), tier_decision: str | None = None) -> Row:
    """`shared`: (id, text) of the recommendations most students got word for word; the
    row names the first other one."""
    decisions = advice.get("decisions", {})
    value = lambda name: decisions.get(name, {}).get("value")  # noqa: E731
    recs = advice.get("recommendations", [])
    own = [r for r in recs if (r.get("id"), r.get("text")) not in shared]
    top = (own or recs or [{}])[0]
    return Row(id=advice.get("profile_id") or source, source=source, tier=value(tier_decision) if tier_decision else None,
               bucket=value("advocacy_bucket"), realism=value("specialty_realism"),
               red_flag_risk=value("red_flag_risk"), top_action=top.get("text"), top_action_id=top.get("id"),
               top_priority=top.get("priority"),
               pressing=sum(r.get("priority") in ("critical", "high") for r in recs))


def board(records: Iterable[dict], piles: Piles | None) -> Board:
    """A board from batch records (cohort/batch.py), sorted into the packs' `piles`."""
    out = Board(piles=piles)
    done = []
    for rec in records:
        if rec.get("status") == "ok":
            done.append((rec["source"], rec["advice"]))
        else:
            first = (rec.get("errors") or [{}])[0]
            where = ":".join(str(first[k]) for k in ("file", "line") if first.get(k) is not None)
            field_ = f" ({first['path']})" if first.get("path") else ""
            out.errors.append({"source": rec.get("source"), "where": where,
                               "message": first.get("message", "unreadable") + field_})
    shared = _shared(advice for _, advice in done)
    out.shared = list(shared.values())
    decision = piles.decision if piles else None  # packs with no board: no tiers to sort by
    out.rows = sorted((row(source, advice, frozenset(shared), decision) for source, advice in done), key=Row.key)
    return out


def _shared(advices) -> dict:
    """{(id, text): text} of the recommendations most students got (at least half) in the
    same words: a board says them once, above the table, and each row names that
    student's own next move. Keyed by the text too, since an item's words name one
    student's people, places and scores: one student's version is never shown as everyone's."""
    counts: dict = {}
    total = 0
    for advice in advices:
        total += 1
        for key in dict.fromkeys((r.get("id"), r.get("text")) for r in advice.get("recommendations", [])):
            counts[key] = counts.get(key, 0) + 1
    return {key: key[1] for key, n in counts.items() if total > 1 and 2 * n >= total}


# ---- renderers: render(board, out) -----------------------------------------------------

def _cell(value) -> str:
    return "-" if value is None else str(value).replace("_", " ")


def _short(text: str | None, width: int) -> str:
    if not text:
        return "-"
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 3].rstrip() + "..."


TABLE_WIDTH = 100  # below this a terminal gets one block a student, not a table
TEXT_HEADS = ("id", "tier", "advocacy", "specialty in SOAP", "red-flag risk", "top action")


def render_text(b: Board, out: TextIO, width: int | None = None, terminal: bool | None = None,
                color: bool | None = None) -> None:
    """Fixed columns in files and pipes (stable bytes); at a terminal (render/term.py) a
    table fitted to its width by rich (one block a student below 100 columns), must-save
    rows in bold red, unless NO_COLOR."""
    from soaprules.render.term import writer

    w = writer(out, 124, terminal=terminal, width=width, color=color)
    if w.terminal:
        _render_terminal(b, w)
    else:
        _render_fixed(b, out)


def _render_terminal(b: Board, w) -> None:
    w.line(f"Triage board: {len(b.rows)} students", "title")
    w.line()
    if b.errors:
        w.line(f"Fix these files first: {len(b.errors)} profiles could not be read", "warning")
        for e in b.errors:
            w.para(f"{e['where'] or e['source']}: {e['message']}", "    ", "  ")
        w.line()
    for text in b.shared:
        w.para("Most students: " + _short(text, 200), "  ", "")
    if b.shared:
        w.line()
    if w.width < TABLE_WIDTH:
        _render_blocks(b, w)
    else:
        _render_table(b, w)
    w.line()
    w.line(_distribution_heading(b), "heading")
    room = max(5, w.width - 60)
    for d in b.distribution():
        if d["tier"] is None:
            if d["count"]:
                w.line(f"  tier unknown            {d['count']:>5}")
            continue
        bar = "#" * round(d["percent"] / 100 * room)
        w.styled((f"  tier {d['tier']} {d['pile']:<16}{d['count']:>5}  {d['percent']:>5.1f}%  "
                  f"{_article(d)}  ", None), (bar, "tier1" if d["tier"] == next(iter(b.piles.names)) else None))


def _render_blocks(b: Board, w) -> None:
    """A narrow terminal: one block a student, the facts on one line, the next move under it."""
    w.line("Students, by tier then urgency", "heading")
    for r in b.rows:
        style = "tier1" if r.tier == 1 else "tier3" if r.tier == 3 else None
        facts = (f"tier {_cell(r.tier)} · advocacy {_cell(r.bucket)} · specialty in SOAP {_cell(r.realism)}"
                 f" · red-flag risk {_cell(r.red_flag_risk)}")
        w.para(f"{r.id}: {facts}", "    ", "", style)
        w.para(_short(r.top_action, 160), "    ", "    ")


def _render_table(b: Board, w) -> None:
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=True, header_style="heading")
    for head in TEXT_HEADS:
        if head == "top action":
            table.add_column(head, overflow="fold", ratio=1, min_width=30)
        else:  # the facts take what they need (an id without profile_id is a path: capped), the move the rest
            table.add_column(head, overflow="fold", justify="right" if head == "tier" else "left",
                             max_width=16 if head == "id" else 4 if head == "tier" else 14)
    for r in b.rows:
        table.add_row(r.id, _cell(r.tier), _cell(r.bucket), _cell(r.realism), _cell(r.red_flag_risk),
                      _short(r.top_action, 160),
                      style="tier1" if r.tier == 1 else "tier3" if r.tier == 3 else None)
    w.console.print(table)


def _render_fixed(b: Board, out: TextIO) -> None:
    out.write(f"Triage board: {len(b.rows)} students\n\n")
    if b.errors:  # first: a file nobody can read is a student nobody is triaging
        out.write(f"Fix these files first: {len(b.errors)} profiles could not be read\n")
        for e in b.errors:
            out.write(f"  {e['where'] or e['source']}: {e['message']}\n")
        out.write("\n")
    for text in b.shared:
        out.write("Most students: " + _short(text, 200) + "\n")
    if b.shared:
        out.write("\n")
    heads = TEXT_HEADS
    widths = (10, 4, 13, 19, 18, 50)
    out.write("  ".join(h.ljust(w) for h, w in zip(heads, widths)).rstrip() + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for r in b.rows:
        cells = (r.id, _cell(r.tier), _cell(r.bucket), _cell(r.realism), _cell(r.red_flag_risk),
                 _short(r.top_action, widths[-1]))
        out.write("  ".join(str(c)[:w].ljust(w) for c, w in zip(cells, widths)).rstrip() + "\n")
    out.write(f"\n{_distribution_heading(b)}\n")
    for d in b.distribution():
        if d["tier"] is None:
            if d["count"]:
                out.write(f"  tier unknown            {d['count']:>5}\n")
            continue
        bar = "#" * round(d["percent"] / 4)
        out.write(f"  tier {d['tier']} {d['pile']:<16}{d['count']:>5}  {d['percent']:>5.1f}%  "
                  f"{_article(d)}  {bar}\n")


def _article(d: dict, bare: bool = False) -> str:
    """The article's share beside a pile: `(article ~20%)`; nothing when the packs give none."""
    if d["article_percent"] is None:
        return ""
    return f"~{d['article_percent']}%" if bare else f"(article ~{d['article_percent']}%)"


def _distribution_heading(b: Board) -> str:
    split = b.piles.split if b.piles else ""
    return f"Tier distribution (the rescue article: roughly {split})" if split else "Tier distribution"


def render_csv(b: Board, out: TextIO) -> None:
    from soaprules.render.csv_cells import Writer

    writer = Writer(out)  # ids, sources and texts come from other people's files: no formulas
    writer.writerow(COLUMNS + ("top_action_id", "top_priority", "source"))
    for r in b.rows:
        writer.writerow([r.id, r.tier if r.tier is not None else "", r.bucket or "", r.realism or "",
                         r.red_flag_risk or "", " ".join((r.top_action or "").split()), r.top_action_id or "",
                         r.top_priority or "", r.source])


def render_json(b: Board, out: TextIO) -> None:
    doc = {"schema": SCHEMA, "students": len(b.rows), "distribution": b.distribution(),
           "shared": b.shared, "rows": [asdict(r) for r in b.rows], "errors": b.errors}
    json.dump(doc, out, indent=2, ensure_ascii=False)
    out.write("\n")


STYLE = ("body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}"
         "th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}"
         "th{background:#f3f3f3}td.n{text-align:right}"
         # must save stands out (red, bold: act today); on their own is muted, not "fine"
         "tr.t1{background:#fde8e8;font-weight:600}tr.t1 td:first-child{border-left:4px solid #a4161a}"
         "tr.t3{color:#555}.fix{border:2px solid #a4161a;padding:.2em 1em}"
         "@media print{thead{display:table-header-group}tr{break-inside:avoid}body{margin:0;font-size:9pt}}")


def report_name(k: int, student_id: str) -> str:
    """A student's report file in a board folder: the board position keeps names unique, and
    only letters, digits, - and _ of the id survive (an id is a student's text, not a path)."""
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", student_id)[:40].strip("_") or "student"
    return f"{k + 1:04d}-{safe}.html"


def tier_chart(b: Board) -> str:
    """Inline SVG: each tier's share of the cohort as a bar, the article's share as a mark."""
    rows = [d for d in b.distribution() if d["tier"] is not None]
    left, bar_w, top, step = 180, 300, 8, 26
    width, height = left + bar_w + 190, top + step * len(rows) + 18
    parts = [f'<svg class="tiers" role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
             'xmlns="http://www.w3.org/2000/svg">',
             f"<title>Tier shares of this cohort beside the rescue article's roughly {b.piles.split}</title>"]
    for i, d in enumerate(rows):
        y = top + i * step
        w = round(bar_w * d["percent"] / 100)
        mark = left + round(bar_w * (d["article_percent"] or 0) / 100)
        parts.append(f'<text x="0" y="{y + 14}" font-size="12">tier {d["tier"]}, {html.escape(d["pile"])}</text>'
                     f'<rect class="t{d["tier"]}" x="{left}" y="{y}" width="{w}" height="18" '
                     f'fill="{TIER_FILL[min(i, len(TIER_FILL) - 1)]}"/>'
                     f'<line x1="{mark}" x2="{mark}" y1="{y - 2}" y2="{y + 20}" stroke="#000" stroke-dasharray="3 2"/>'
                     f'<text x="{left + bar_w + 10}" y="{y + 14}" font-size="12">{d["percent"]:.0f}% '
                     f'{_article(d)}</text>')
    parts.append(f'<text x="{left}" y="{height - 4}" font-size="11">bar: this cohort; '
                 "dashed mark: the article's share</text></svg>")
    return "".join(parts)


TIER_FILL = ("#a4161a", "#6c8ebf", "#999999")  # by pile, best first: the first is the colour that says act


def render_html(b: Board, out: TextIO, links: dict | None = None) -> None:
    """`links`: row index -> the student's report, relative to the board (a board folder)."""
    e = html.escape
    out.write(f"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Triage board</title>"
              f"<style>{STYLE}</style></head><body>\n<h1>Triage board: {len(b.rows)} students</h1>\n")
    if b.errors:
        out.write(f"<section class=\"fix\"><h2>Fix these files first: {len(b.errors)} profiles could not be read"
                  "</h2>\n<ul>\n")
        for err in b.errors:
            out.write(f"<li><code>{e(err['where'] or err['source'])}</code>: {e(err['message'])}</li>\n")
        out.write("</ul></section>\n")
    for text in b.shared:
        out.write(f"<p><strong>Most students:</strong> {e(' '.join(text.split()))}</p>\n")
    out.write("<h2>Tier distribution</h2>\n<table><tr><th>tier</th><th>pile</th><th>students</th>"
              "<th>share</th><th>rescue article</th></tr>\n")
    for d in b.distribution():
        if d["tier"] is not None:
            out.write(f"<tr><td>{d['tier']}</td><td>{e(d['pile'])}</td><td class=\"n\">{d['count']}</td>"
                      f"<td class=\"n\">{d['percent']:.1f}%</td><td class=\"n\">{_article(d, bare=True)}</td></tr>\n")
    out.write("</table>\n" + tier_chart(b) + "\n<h2>Students, by tier then urgency</h2>\n<table><thead><tr>"
              + "".join(f"<th>{h}</th>" for h in ("id", "tier", "advocacy", "specialty in SOAP", "red-flag risk",
                                                   "next move")) + "</tr></thead>\n<tbody>\n")
    for k, r in enumerate(b.rows):
        cells = [e(str(c)) for c in (r.id, _cell(r.tier), _cell(r.bucket), _cell(r.realism), _cell(r.red_flag_risk),
                                     " ".join((r.top_action or "-").split()))]
        if links and k in links:
            cells[0] = f"<a href=\"{e(links[k])}\">{cells[0]}</a>"
        out.write(f"<tr class=\"t{r.tier or 0}\">" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>\n")
    out.write("</tbody></table>\n")
    out.write("</body></html>\n")


def folder(b: Board, advices: dict) -> dict[str, str]:
    """A board folder's files: index.html (the board, each row linked) and one HTML report per
    student. `advices`: source -> that student's advice."""
    from soaprules.render import RENDERERS as REPORTS

    files, links = {}, {}
    for k, r in enumerate(b.rows):
        if r.source in advices:
            links[k] = report_name(k, r.id)
            buffer = io.StringIO()
            REPORTS["html"](advices[r.source], buffer)
            files[links[k]] = buffer.getvalue()
    buffer = io.StringIO()
    render_html(b, buffer, links)
    files["index.html"] = buffer.getvalue()
    return files


RENDERERS = {"text": render_text, "csv": render_csv, "json": render_json, "html": render_html}


def render(b: Board, fmt: str) -> str:
    buffer = io.StringIO()
    RENDERERS[fmt](b, buffer)
    return buffer.getvalue()
