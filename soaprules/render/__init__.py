"""Renderers share one signature, `render(advice: dict, out: TextIO) -> None`, and are
chosen once, at the CLI edge."""
from __future__ import annotations

from . import html, json_out, markdown, text

RENDERERS = {"text": text.render, "json": json_out.render, "markdown": markdown.render, "html": html.render}
