"""A school's own pack written into a test's folder: the header every such pack needs, then
the body the test is about (its line numbers start at 5)."""
from __future__ import annotations

import textwrap
from pathlib import Path

HEADER = """\
pack: soaprules/pack@1
name: school
version: 1.0.0
description: a school's own pack
"""


def school_pack(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "school.yaml"
    path.write_text(HEADER + textwrap.dedent(body))
    return path
