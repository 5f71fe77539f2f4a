"""Where the interview's answers live: a readable YAML profile, written atomically.

The file is rewritten after every answer (temporary file, then rename), so Ctrl-C,
a closed terminal or a crash keeps every answer given so far and never leaves half a
file. An existing file is only ever written after the student said so.
"""
from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import TextIO

import yaml

from .answers import AnswerError, checked, parse_assignment
from .profile import SCHEMA_ID
from .source import YAML11_READINGS

HEADER = """\
# Your soaprules profile, written by `soaprules assess` on this computer.
# Questions you skipped are left out: they stay unknown, never guessed.
# Continue any time with: soaprules assess --profile {name}
"""


class _Dumper(yaml.SafeDumper):
    """Block style for sections, one-line lists for plain values: [midwest, south]."""


def _list(dumper: yaml.SafeDumper, value: list):
    flow = all(not isinstance(v, (dict, list)) for v in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


def _str(dumper: yaml.SafeDumper, value: str):
    """Text our loader would refuse unquoted (08, yes, 3:54) is written quoted, so it reads back."""
    quoted = any(pattern.match(value) for pattern, _, _ in YAML11_READINGS)
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="'" if quoted else None)


_Dumper.add_representer(list, _list)
_Dumper.add_representer(str, _str)


def profile_text(data: dict, name: str) -> str:
    """The profile as YAML: schema line first, sections in schema order, a blank line between."""
    body = checked(data)
    chunks = [yaml.dump({"schema": SCHEMA_ID}, Dumper=_Dumper, sort_keys=False, allow_unicode=True)]
    chunks += [yaml.dump({key: value}, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=88)
               for key, value in body.items()]
    shown = shlex.quote(name) if name.isprintable() else json.dumps(name)  # a newline would end the comment
    return HEADER.format(name=shown) + "\n".join(chunks)


def save(path: Path, data: dict) -> None:
    from .cli import write_atomically

    write_atomically(path, profile_text(data, path.name))


def load(path: Path) -> dict:
    """A profile file as plain data; a bad file raises the positioned ProfileError."""
    from .profile_load import load_profile

    profile, _ = load_profile(path)
    return checked(profile.model_dump(by_alias=True, exclude_none=True, mode="json"))


def free_name(path: Path) -> Path:
    """The first of me-2.yaml, me-3.yaml, ... that does not exist yet."""
    n = 2
    while (candidate := path.with_name(f"{path.stem}-{n}{path.suffix}")).exists():
        n += 1
    return candidate


def assignments(stream: TextIO, origin: str) -> list[tuple[str, object]]:
    """PATH=VALUE lines (blank lines and # comments ignored); errors name the line."""
    out = []
    for number, line in enumerate(stream, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            out.append(parse_assignment(line))
        except AnswerError as exc:
            raise AnswerError(f"{origin} line {number}: {exc}") from None
    return out


def read_line(stream: TextIO) -> str | None:
    """One typed line without its newline; None when the input has ended (Ctrl-D, end of a pipe)."""
    line = stream.readline()
    return None if line == "" else line.rstrip("\r\n")
