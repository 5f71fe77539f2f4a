"""The plan@1 document as text, markdown, json, csv or html. Renderers read only the
document, so every format says the same thing."""
from __future__ import annotations

import html
import io

from soaprules.render import json_out
from soaprules.render.csv_cells import Writer

FORMATS = ("text", "markdown", "json", "csv", "html")


def _words(value) -> str:
    return str(value).replace("_", " ") if value is not None else "?"


def _where(e: dict) -> str:
    return f"{e['city']}, {e['state']}"


def _summary(doc: dict) -> list[str]:
    c = doc["counts"]
    return [f"{c['programs']} programs: {c['apply']} apply, {c['consider']} consider, {c['skip']} skip; "
            f"{c['proposed']} proposed (at most {doc['applications_per_service']} per service, NR-02)."]


def text(doc: dict) -> str:
    out = [f"SOAP application plan for {doc['applicant'] or 'the applicant'} ({doc['programs_file']})", ""]
    out += _summary(doc)
    for s in doc["services"]:
        out += ["", f"{s['service']}: {s['against_targeted']} (FA-06)"]
        for e in s["proposed"]:
            out.append(f"{e['rank']:>3}. {e['code']}  {e['name']} ({_words(e['specialty'])}, "
                       f"{e['position_type']}, {_where(e)}) [{e['verdict']}]")
            for r in e["reasons"]:
                out.append(f"       - {r['text']} [{', '.join(r['cites'])}]")
        if s["reserve"]:
            out.append(f"     {len(s['reserve'])} more possible, not proposed: " +
                       ", ".join(e["code"] for e in s["reserve"][:10]) + (" ..." if len(s["reserve"]) > 10 else ""))
    if doc["skipped"]:
        out += ["", "Skipped (never an application):"]
        for g in doc["skipped"]:
            out.append(f"  {g['reason']} [{', '.join(g['cites'])}]: {len(g['programs'])}")
            out.append("    " + ", ".join(p["code"] for p in g["programs"][:12]) +
                       (" ..." if len(g["programs"]) > 12 else ""))
    if doc.get("unknowns"):
        out += ["", "Unknown in the profile (answering could change the plan): " + ", ".join(doc["unknowns"])]
    return "\n".join(out) + "\n" + _whatif_text(doc)


def _whatif_text(doc: dict) -> str:
    if "whatif" not in doc:
        return ""
    from soaprules.plan.whatif import text as whatif_text
    return whatif_text(doc["whatif"])


def markdown(doc: dict) -> str:
    out = [f"# SOAP application plan: {doc['applicant'] or 'applicant'}", "", *_summary(doc)]
    for s in doc["services"]:
        out += ["", f"## {s['service']}", "", f"{s['against_targeted']} (FA-06).", "",
                "| # | code | program | specialty | type | where | why |", "|---|---|---|---|---|---|---|"]
        for e in s["proposed"]:
            why = "; ".join(f"{r['text']} ({', '.join(r['cites'])})" for r in e["reasons"])
            cells = [str(e["rank"]), e["code"], e["name"], _words(e["specialty"]), e["position_type"], _where(e), why]
            out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    if doc["skipped"]:
        out += ["", "## Skipped", ""]
        for g in doc["skipped"]:
            out.append(f"- **{g['reason']}** ({', '.join(g['cites'])}): " + ", ".join(p["code"] for p in g["programs"]))
    return "\n".join(out) + "\n" + _whatif_text(doc)


def json_text(doc: dict) -> str:
    return json_out.dumps(doc)


def csv_text(doc: dict) -> str:
    buffer = io.StringIO()
    w = Writer(buffer)  # names and cities come from the program list: no formulas
    w.writerow(["service", "rank", "verdict", "code", "name", "specialty", "position_type", "city", "state",
                "reasons", "cites"])
    for s in doc["services"]:
        for e in s["proposed"]:
            w.writerow([s["service"], e["rank"], e["verdict"], e["code"], e["name"], e["specialty"],
                        e["position_type"], e["city"], e["state"], " | ".join(r["text"] for r in e["reasons"]),
                        " ".join(sorted({c for r in e["reasons"] for c in r["cites"]}))])
    for g in doc["skipped"]:
        for p in g["programs"]:
            w.writerow(["", "", "skip", p["code"], p["name"], "", "", "", "", p["reason"], " ".join(g["cites"])])
    return buffer.getvalue()


def html_text(doc: dict) -> str:
    e_ = html.escape
    out = ["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>SOAP plan {e_(str(doc['applicant'] or ''))}</title>",
           "<style>body{font-family:sans-serif;max-width:70em;margin:2em auto}td,th{border-bottom:1px solid #ccc;"
           "padding:.3em;text-align:left;vertical-align:top}table{border-collapse:collapse}</style></head><body>",
           f"<h1>SOAP application plan: {e_(str(doc['applicant'] or 'applicant'))}</h1>",
           f"<p>{e_(_summary(doc)[0])}</p>"]
    for s in doc["services"]:
        out += [f"<h2>{e_(s['service'])}</h2>", f"<p>{e_(s['against_targeted'])} (FA-06).</p>",
                "<table><tr><th>#</th><th>code</th><th>program</th><th>specialty</th><th>type</th><th>where</th>"
                "<th>why</th></tr>"]
        for e in s["proposed"]:
            why = "".join(f"<li>{e_(r['text'])} <small>{e_(', '.join(r['cites']))}</small></li>" for r in e["reasons"])
            out.append(f"<tr><td>{e['rank']}</td><td>{e_(e['code'])}</td><td>{e_(e['name'])}</td>"
                       f"<td>{e_(_words(e['specialty']))}</td><td>{e_(e['position_type'])}</td>"
                       f"<td>{e_(_where(e))}</td><td><ul>{why}</ul></td></tr>")
        out.append("</table>")
    if doc["skipped"]:
        out.append("<h2>Skipped</h2><ul>")
        for g in doc["skipped"]:
            codes = ", ".join(e_(p["code"]) for p in g["programs"])
            out.append(f"<li><strong>{e_(g['reason'])}</strong> <small>{e_(', '.join(g['cites']))}</small>: {codes}</li>")
        out.append("</ul>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


RENDER = {"text": text, "markdown": markdown, "json": json_text, "csv": csv_text, "html": html_text}
