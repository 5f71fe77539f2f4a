"""Match Week as an inline SVG: the calendar's milestones on one line from results
(Monday) to SOAP's end (Thursday night), the student's "now" marked, and the plan's
"Now" items placed at their deadline. Read from the advice's `timeline` (hours to each
milestone, as the calendar in rules/nrmp.yaml gives them); nothing here is a date."""
from __future__ import annotations

from html import escape

# Which milestones to draw, and their short names (display wording only).
SHOWN = {"status_release": "results", "applications_open": "applications open",
         "programs_review": "programs review", "round_1": "round 1", "round_2": "round 2",
         "round_3": "round 3", "round_4": "round 4", "soap_ends": "SOAP ends"}
WIDTH, HEIGHT, PAD = 760, 150, 40


def svg(timeline: dict | None, now_titles: list[str]) -> str:
    hours = (timeline or {}).get("hours_to") or {}
    marks = [(name, hours[name]) for name in SHOWN if name in hours]
    if len(marks) < 2:
        return ""
    first, last = min(hours[n] for n, _ in marks), max(hours[n] for n, _ in marks)
    span = max(1, last - first)

    def x(hours_from_now: float) -> float:  # negative: already past
        return PAD + (WIDTH - 2 * PAD) * (hours_from_now - first) / span

    parts = [f'<svg class="week" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
             f'aria-label="Match Week timeline">', f'<line x1="{PAD}" y1="70" x2="{WIDTH - PAD}" y2="70" '
             'stroke="#888" stroke-width="2"/>']
    for i, (name, _) in enumerate(marks):
        at = x(hours[name])
        past = hours[name] <= 0
        y = 58 if i % 2 == 0 else 96
        parts.append(f'<circle cx="{at:.1f}" cy="70" r="5" fill="{"#999" if past else "#1d4ed8"}"/>'
                     f'<text x="{at:.1f}" y="{y}" font-size="11" text-anchor="middle" '
                     f'fill="{"#777" if past else "#1d1d1f"}">{escape(SHOWN[name])}</text>')
    now_x = x(0)
    if PAD <= now_x <= WIDTH - PAD:
        parts.append(f'<line x1="{now_x:.1f}" y1="30" x2="{now_x:.1f}" y2="110" stroke="#a4161a" '
                     f'stroke-width="2"/><text x="{now_x:.1f}" y="24" font-size="12" font-weight="bold" '
                     f'text-anchor="middle" fill="#a4161a">now</text>')
    nxt = (timeline or {}).get("next") or {}
    if nxt.get("name") in hours and now_titles:
        at = x(hours[nxt["name"]])
        label = "; ".join(now_titles)[:90]
        parts.append(f'<rect x="{min(now_x, at):.1f}" y="115" width="{abs(at - now_x):.1f}" height="8" '
                     f'fill="#b45309" opacity=".5"/><text x="{max(PAD, min(now_x, at)):.1f}" y="140" '
                     f'font-size="11" fill="#b45309">do by {escape(SHOWN.get(nxt["name"], nxt["name"]))}: '
                     f'{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)
