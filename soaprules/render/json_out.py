"""The advice document as JSON: the contract `soaprules/advice@1`, byte-stable."""
from __future__ import annotations

import json
from typing import TextIO


def dumps(advice: dict) -> str:
    return json.dumps(advice, indent=2, ensure_ascii=False) + "\n"


def render(advice: dict, out: TextIO) -> None:
    out.write(dumps(advice))
