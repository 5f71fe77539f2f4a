"""Renderers share one signature, `render(advice: dict, out: TextIO) -> None`, and are
chosen once, at the CLI edge."""
from __future__ import annotations

from soaprules.render import html
from soaprules.render import json_out
from soaprules.render import markdown
from soaprules.render import text

RENDERERS = {"text": text.render, "json": json_out.render, "markdown": markdown.render, "html": html.render}
