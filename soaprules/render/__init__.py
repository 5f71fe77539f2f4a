"""Renderers share one signature, `render(advice: dict, out: TextIO) -> None`, and are
chosen once, at the CLI edge. Each is imported when first asked for: a text report does
not pay for importing the HTML one (about 10 ms of every command's start)."""
from __future__ import annotations

from collections.abc import Mapping


def _text():
    from soaprules.render import text
    return text.render


def _json():
    from soaprules.render import json_out
    return json_out.render


def _markdown():
    from soaprules.render import markdown
    return markdown.render


def _html():
    from soaprules.render import html
    return html.render


class _Renderers(Mapping):
    """format name -> render function, imported on first use."""

    def __init__(self, loaders: dict):
        self._loaders, self._loaded = loaders, {}

    def __getitem__(self, name: str):
        if name not in self._loaded:
            self._loaded[name] = self._loaders[name]()
        return self._loaded[name]

    def __iter__(self):
        return iter(self._loaders)

    def __len__(self) -> int:
        return len(self._loaders)


RENDERERS = _Renderers({"text": _text, "json": _json, "markdown": _markdown, "html": _html})
