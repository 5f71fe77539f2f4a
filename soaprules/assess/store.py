"""Where the interview's answers live: a readable YAML profile, written atomically.

The file is rewritten after every answer (temporary file, then rename, mode 0600: see
files.py), so Ctrl-C, a closed terminal or a crash keeps every answer given so far and
never leaves half a file. An existing file is only ever written after the student said
so, and then round-trip (ruamel.yaml): its comments, key order and layout stay, only the
values that changed are rewritten, and new answers go in schema order beside their
neighbours. Text that a YAML 1.1 reader (or our YAML 1.2 core loader) would read as
something else is quoted either way, so every saved file reads back as written. A .json
profile is written as JSON. Whatever the file, its text is read back before it is
written: a file soaprules would refuse, or read differently, is never saved.
"""
from __future__ import annotations

import io
import json
import re
import shlex
from pathlib import Path
from typing import TextIO

import yaml

from soaprules.assess.aliases import detached, merged, owned, references
from soaprules.assess.answers import checked, parse_assignment
from soaprules.errors import AnswerError, SoapError
from soaprules.profile.model import SCHEMA_ID
from soaprules.source import _CORE, MAX_BYTES, YAML11_READINGS

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


# Plain text that would not read back as text: YAML 1.1 shapes our loader refuses (08, yes,
# 3:54), and what its YAML 1.2 core rules read as a number, bool, null or date (1e3, which
# the writers' own YAML 1.1 resolvers leave plain). The loader's patterns, not a copy.
_OTHER_READINGS = [pattern for pattern, _, _ in YAML11_READINGS] + [re.compile(p) for _, p, _ in _CORE]


def _needs_quotes(value: str) -> bool:
    return any(pattern.match(value) for pattern in _OTHER_READINGS)


def _str(dumper: yaml.SafeDumper, value: str):
    """Text our loader would refuse or read otherwise unquoted (08, yes, 1e3) is quoted, so it reads back."""
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="'" if _needs_quotes(value) else None)


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


def json_text(data: dict) -> str:
    """The profile as JSON: schema first, then schema order (as the YAML), UTF-8, a final newline."""
    return json.dumps({"schema": SCHEMA_ID, **checked(data)}, indent=2, ensure_ascii=False) + "\n"


def save(path: Path, data: dict) -> None:
    from soaprules.files import write_atomically

    if path.suffix.lower() == ".json":  # a JSON profile stays JSON (no comments to keep)
        text = json_text(data)
    else:
        previous = _previous(path)
        text = profile_text(data, path.name) if previous is None else merged_text(previous, data)
    _reads_back(path, text, data)
    write_atomically(path, text)


def _reads_back(path: Path, text: str, data: dict) -> None:
    """Refuse to write `text` unless soaprules reads it as exactly `data`: the last guard
    against a file the next run refuses or reads differently (the old file stays as it was)."""
    from soaprules.profile.load import validate_profile
    from soaprules.source import parse_text

    try:
        profile, _ = validate_profile(parse_text(text, str(path)))
        back, why = _answers(profile), "it would read back with other values"
    except SoapError as exc:
        back, why = None, f"it would not read back: {exc}"
    if back != checked(data):
        raise AnswerError(f"{path}: the answers cannot be saved ({why}); the file is unchanged")


def _previous(path: Path) -> str | None:
    """The text of the profile being saved into, if it is a readable YAML mapping."""
    try:
        return path.read_text(encoding="utf-8") if path.is_file() else None
    except (OSError, UnicodeDecodeError):
        return None


# ---- saving into an existing file: round-trip --------------------------------------------

def _round_trip():
    from ruamel.yaml import YAML

    rt = YAML(typ="rt")  # YAML 1.2 (no %YAML directive is written: the core schema is the default)
    rt.preserve_quotes = True
    rt.width = 88
    rt.indent(mapping=2, sequence=4, offset=2)
    return rt


def merged_text(previous: str, data: dict) -> str:
    """`previous` with the answers of `data`: comments and order kept, changes in place.
    A file ruamel cannot read as a mapping is rewritten as a fresh profile."""
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.error import YAMLError

    body = checked(data)
    rt = _round_trip()
    try:
        doc = rt.load(previous)
    except YAMLError:
        doc = None
    if not isinstance(doc, CommentedMap):
        return profile_text(data, "profile")
    counts = references(doc)  # nodes held in more than one place are copied before a change
    if merged(doc):
        doc = detached(doc, counts, own=True)
    if doc.get("schema") != SCHEMA_ID:
        _set(doc, "schema", SCHEMA_ID, ["schema"], 0)
    _merge(doc, body, counts, keep=("schema",))
    out = io.StringIO()
    rt.dump(doc, out)
    return out.getvalue()


def _merge(node, new: dict, counts: dict, keep: tuple = ()) -> None:
    """Make the mapping `node` (its own: see aliases.py) hold `new`: keys gone are removed,
    changed values replaced, new keys inserted after the key that precedes them in `new`."""
    for key in [k for k in node if k not in new and k not in keep]:
        del node[key]
    order = list(new)
    for i, (key, value) in enumerate(new.items()):
        if key in node and _same(node[key], value):
            continue
        if key in node and isinstance(value, dict) and _is_map(node[key]):
            _merge(owned(node, key, counts), value, counts)
        elif key in node and _entries(value) and _is_seq(node[key]) and all(_is_map(e) for e in node[key]):
            _merge_entries(owned(node, key, counts), value, counts)
        else:
            _set(node, key, value, order, i)


def _merge_entries(seq, new: list, counts: dict) -> None:
    del seq[len(new):]
    for i, entry in enumerate(new):
        if i < len(seq):
            if not _same(seq[i], entry):
                _merge(owned(seq, i, counts), entry, counts)
        else:
            seq.append(_node(entry))


def _set(node, key, value, order: list, index: int) -> None:
    if key in node:
        node[key] = _node(value)
        return
    before = [k for k in order[:index] if k in node]
    position = list(node).index(before[-1]) + 1 if before else (1 if "schema" in node and key != "schema" else 0)
    last = list(node)[-1] if node and position == len(node) else None
    node.insert(position, key, _node(value))
    if last is not None:
        _carry_comment(node, last, key)


def _carry_comment(node, old_last, new_last) -> None:
    """Comment lines after a mapping's last value belong to what follows the mapping (ruamel
    keeps them on that last key): when a key is added at the end, they move below it."""
    import copy as copying

    holder, key = _deepest_last(node, old_last)
    entry = holder.ca.items.get(key)
    token = entry[2] if entry and len(entry) > 2 else None
    if token is None:
        return
    first, _, rest = token.value.partition("\n")
    if not rest:
        return
    if first:
        token.value = first + "\n"
    else:
        entry[2] = None
    moved = copying.copy(token)
    moved.value = "\n" + rest
    holder, key = _deepest_last(node, new_last)
    holder.ca.items.setdefault(key, [None, None, None, None])[2] = moved


def _deepest_last(node, key):
    """The mapping and key where ruamel keeps the comment after `node[key]`'s last line."""
    while _is_map(node.get(key)) and node[key]:
        node, key = node[key], list(node[key])[-1]
    return node, key


def _node(value):
    """A new value as ruamel nodes: sections in block style, plain lists on one line."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import SingleQuotedScalarString

    if isinstance(value, dict):
        return CommentedMap((k, _node(v)) for k, v in value.items())
    if isinstance(value, list):
        seq = CommentedSeq(_node(v) for v in value)
        if all(not isinstance(v, (dict, list)) for v in value):
            seq.fa.set_flow_style()
        return seq
    if isinstance(value, str) and _needs_quotes(value):
        return SingleQuotedScalarString(value)
    return value


def _same(old, new) -> bool:
    """Whether the node already holds this answer (so its own spelling is kept)."""
    return _plain(old) == new


def _plain(node):
    from datetime import date, datetime

    if isinstance(node, dict):
        return {k: _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, datetime):  # a timestamp the file wrote unquoted: the answer is its ISO text
        return node.isoformat()
    if isinstance(node, date):
        return node.isoformat()
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return str(node) if isinstance(node, str) else node


def _is_map(node) -> bool:
    return isinstance(node, dict)


def _is_seq(node) -> bool:
    return isinstance(node, list)


def _entries(value) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def load(path: Path) -> dict:
    """A profile file as plain data; a bad file raises the positioned ProfileError."""
    from soaprules.profile.load import load_profile

    profile, _ = load_profile(path)
    return _answers(profile)


def _answers(profile) -> dict:
    return checked(profile.model_dump(by_alias=True, exclude_none=True, mode="json"))


def free_name(path: Path) -> Path:
    """The first of me-2.yaml, me-3.yaml, ... that does not exist yet."""
    n = 2
    while (candidate := path.with_name(f"{path.stem}-{n}{path.suffix}")).exists():
        n += 1
    return candidate


MAX_ANSWERS = 1000  # a profile has about a hundred questions; far more lines is not answers


def assignments(stream: TextIO, origin: str, week=None) -> list[tuple[str, object, str]]:
    """(path, value, where) of PATH=VALUE lines (blank lines and # comments ignored); errors
    name the line. Read to a bound, as a profile file is: a pipe may never end."""
    text = stream.read(MAX_BYTES + 1)
    if len(text) > MAX_BYTES:
        raise AnswerError(f"{origin} is over {MAX_BYTES // (1024 * 1024)} MB; answers are a few PATH=VALUE lines")
    out = []
    # Lines end at \n (or \r): splitlines() would also break at U+2028 or \x1c, which an
    # answer may not hold; parse_assignment refuses them, naming this line.
    for number, raw in enumerate(re.split(r"\r\n|[\r\n]", text.lstrip("\ufeff")), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if len(out) == MAX_ANSWERS:
            raise AnswerError(f"{origin} line {number}: more than {MAX_ANSWERS} answers; a profile has "
                              "about a hundred questions")
        try:
            out.append((*parse_assignment(raw, week), f"{origin} line {number}"))  # raw: strip() drops U+2028
        except AnswerError as exc:
            raise AnswerError(f"{origin} line {number}: {exc}") from None
    return out


def read_line(stream: TextIO) -> str | None:
    """One typed line without its newline; None when the input has ended (Ctrl-D, end of a pipe)."""
    line = stream.readline()
    return None if line == "" else line.rstrip("\r\n")
