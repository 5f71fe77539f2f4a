"""Read a YAML or JSON file into plain data, keeping the position of every node.

Three steps: the event stream is scanned for nesting depth (iteratively, so a hostile
file cannot exhaust the stack of the recursive composer), PyYAML composes a node tree
(safe loader: no tags that build objects; libyaml's C parser where installed, several
times faster, same marks), then `_Builder` walks it into dicts and lists, recording each
value's line and refusing what PyYAML lets through silently (duplicate keys, NaN, alias
bombs). JSON is parsed by the same path: JSON is YAML, and this way it gets positions too.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from soaprules.errors import SOURCE_LINE, Diagnostic, InputFileError, Position
from soaprules.files import read_bytes

MAX_BYTES = 2 * 1024 * 1024  # a profile is a few KB, a pack a few hundred; refuse before parsing
MAX_NODES = 200_000  # counts nodes after alias expansion: a billion-laughs file stops here
MAX_DEPTH = 64
MAX_INT_DIGITS = 18  # fits the engine's 64-bit integers; Python's own limit (4,300) raises
# Control characters an escape ("\e", "\r", "\u202e") can put in a value although the file
# itself is printable: terminal escape sequences, a line overwritten, text shown reversed.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """The safe loader, resolving plain scalars by YAML 1.2's core schema (below)."""

    def resolve(self, kind, value, implicit):
        """PyYAML's resolution, memoised for plain scalars: it depends on the text alone
        (the resolvers are this class's, fixed below), and the composer, the tag check and
        the value each ask for it, for the same keys and values in every file."""
        if kind is not yaml.ScalarNode or implicit != (True, False):
            return super().resolve(kind, value, implicit)
        tag = _PLAIN_TAGS.get(value)
        if tag is None:
            tag = super().resolve(kind, value, implicit)
            if len(_PLAIN_TAGS) < _MEMO_SIZE:
                _PLAIN_TAGS[value] = tag
        return tag


_PLAIN_TAGS: dict[str, str] = {}
_MEMO_SIZE = 20_000  # distinct plain texts remembered; beyond that, resolved each time


_Loader.yaml_implicit_resolvers = {}
_TAG = "tag:yaml.org,2002:"
_CORE = [  # YAML 1.2 core schema, plus ISO timestamps (calendars and `now` are date-times)
    ("null", r"^(?:~|null|Null|NULL|)$", "~nN"),
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("int", r"^[-+]?(?:0|[1-9][0-9]*)$", "-+0123456789"),
    ("float", r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)"
              r"|\.(?:nan|NaN|NAN))$", "-+.0123456789"),
    ("timestamp", r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?"
                  r"(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::?[0-9]{2})?))?)?$", "0123456789"),
]
for _name, _pattern, _first in _CORE:
    _Loader.add_implicit_resolver(_TAG + _name, re.compile(_pattern), [*_first] + ([""] if _name == "null" else []))
_Loader.add_implicit_resolver(_TAG + "merge", re.compile(r"^<<$"), ["<"])

# What YAML 1.1 read as something else: refused, because the reader cannot know which
# the author meant (0244 was octal 164; yes was true; 3:54 was 234).
_YAML11 = [
    (re.compile(r"^[-+]?0[0-9_]+$|^[-+]?0[xXoObB][0-9a-fA-F_]+$|^[-+]?[0-9][0-9_]*_[0-9_]*$"),
     "is a number in a form YAML readers disagree on (leading zero, octal, hex, binary or underscores)",
     "a plain whole number such as 244, or quotes if it is text"),
    (re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$"),
     "looks like a base-60 number (YAML 1.1 read 3:54 as 234)", "a plain number, or quotes if it is text"),
    (re.compile(r"^(?:yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)$"),
     "is true/false in YAML 1.1 and text in YAML 1.2", "true or false; or quotes if it is text"),
]

YAML11_READINGS = _YAML11  # writers quote text of these shapes, so it reads back as text

PathKey = tuple  # ("rules", 3, "when"): keys and list indexes from the root
LINE_BREAKS = re.compile(r"\r\n|[\n\r\x85\u2028\u2029]")  # the breaks YAML counts lines by


@dataclass
class Document:
    file: str
    text: str
    data: Any
    positions: dict[PathKey, Position] = field(default_factory=dict)  # of each value
    key_positions: dict[PathKey, Position] = field(default_factory=dict)  # of each mapping key

    def position_of(self, path: PathKey, key: bool = False) -> Position | None:
        """The position of `path` (its key, if asked), or of its nearest ancestor's."""
        path = tuple(path)
        if key and path in self.key_positions:
            return self.key_positions[path]
        while True:
            if path in self.positions:
                return self.positions[path]
            if not path:
                return None
            path = path[:-1]

    def line(self, number: int) -> str:
        lines = self.text.splitlines()
        return lines[number - 1] if 0 < number <= len(lines) else ""

    def diagnostic(self, path: PathKey, message: str, at_key: bool = False, **kw) -> Diagnostic:
        """A diagnostic at `path`, carrying its source line as loaded: the error renderer
        shows that line, and never reads the file again (it may have changed since)."""
        position = self.position_of(path, at_key)
        if position is not None and self.text:
            kw["extra"] = tuple(kw.get("extra", ())) + ((SOURCE_LINE, self.source_line(position.line)),)
        return Diagnostic(message, file=self.file, position=position,
                          path=kw.pop("path_text", None) or format_path(path), **kw)

    def source_line(self, number: int) -> str:
        """Line `number` (1-based) as YAML counts lines; '' past the end."""
        lines = self.__dict__.get("_lines")
        if lines is None:
            lines = self.__dict__["_lines"] = LINE_BREAKS.split(self.text)
        return lines[number - 1] if 0 < number <= len(lines) else ""


def key_text(key) -> str:
    """A mapping key that is neither text nor a number, as YAML spells it: `true:` is the
    key 'true' (not True, which would be the key 1 too), `null:` is 'null' (not 'None',
    which a key `None:` already is), a date key its ISO text."""
    if key is None or isinstance(key, bool):
        return {None: "null", True: "true", False: "false"}[key]
    return key.isoformat() if hasattr(key, "isoformat") else str(key)


def format_path(path: PathKey) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _mark_position(mark) -> Position:
    return Position(mark.line + 1, mark.column + 1)


def _span(node) -> Position:
    """Where a node starts and ends (a flow or block collection: its whole extent)."""
    start, end = node.start_mark, node.end_mark
    return Position(start.line + 1, start.column + 1, end.line + 1, end.column + 1)


class _Builder:
    def __init__(self, loader: yaml.SafeLoader, file: str):
        self.loader = loader
        self.file = file
        self.positions: dict[PathKey, Position] = {}
        self.key_positions: dict[PathKey, Position] = {}
        self.nodes = 0

    def fail(self, node, message: str, path: PathKey, **kw):
        raise InputFileError(Diagnostic(message, file=self.file, position=_span(node),
                                        path=format_path(path) or None, **kw))

    def too_many(self, node, path: PathKey):
        raise InputFileError(Diagnostic(f"the document expands to more than {MAX_NODES} values "
                                        "(YAML aliases repeating each other?)", file=self.file,
                                        position=_mark_position(node.start_mark), path=format_path(path) or None,
                                        hint="write the values out; soaprules refuses alias bombs"))

    def build(self, node, path: PathKey = ()):
        self.nodes += 1
        if self.nodes > MAX_NODES:
            self.too_many(node, path)
        if len(path) > MAX_DEPTH:
            self.fail(node, f"nesting deeper than {MAX_DEPTH} levels", path)
        self.positions[path] = _span(node)
        self.check_tag(node, path)
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, path + (i,)) for i, child in enumerate(node.value)]
        return self.scalar(node, path)

    def mapping(self, node, path: PathKey) -> dict:
        self.loader.flatten_mapping(node)  # resolves YAML merge keys (<<)
        out: dict = {}
        for key_node, value_node in node.value:
            if key_node.tag != _TAG + "merge":
                self.check_tag(key_node, path)
            key = self.scalar(key_node, path)
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                key = key_text(key)
            if key in out:
                first = self.key_positions[path + (key,)]
                self.fail(key_node, f"duplicate key '{key}' (first given on line {first.line})", path + (key,),
                          hint="YAML would silently keep only the last one; remove one of them")
            self.key_positions[path + (key,)] = _span(key_node)
            out[key] = self.build(value_node, path + (key,))
        return out

    def check_tag(self, node, path: PathKey) -> None:
        """Only tags that name what the node already is: !!map on a mapping, !!seq on a
        list, !!str on any scalar, !!int on a plain whole number... A tag that would change
        a value's type (!!seq x, !!int abc) or build anything else is refused."""
        tag = node.tag
        if isinstance(node, yaml.MappingNode):
            ok = tag == _TAG + "map"
        elif isinstance(node, yaml.SequenceNode):
            ok = tag == _TAG + "seq"
        else:
            ok = tag == _TAG + "str" or tag == self.implicit_tag(node)
        if not ok:
            shown = tag.replace(_TAG, "!!")
            self.fail(node, f"the tag {shown} is not allowed here", path,
                      expected="a plain value without a tag (only !!str, or a tag naming the value's own type)",
                      hint="remove the tag; write the value itself")

    def implicit_tag(self, node) -> str:
        if node.style:  # quoted or block text: a string (plain is None, or "" from libyaml)
            return _TAG + "str"
        return self.loader.resolve(yaml.ScalarNode, node.value, (True, False))

    def scalar(self, node, path: PathKey):
        if not isinstance(node, yaml.ScalarNode):
            self.fail(node, "a mapping key must be a plain value", path)
        tag, text = node.tag, node.value
        if not node.style and tag == self.implicit_tag(node):
            self.check_yaml11(node, path)
        if tag == _TAG + "str":
            if (bad := _CONTROL.search(text)) is not None:
                self.fail(node, f"the text holds the control character U+{ord(bad.group()):04X}", path,
                          expected="printable text (a \\e, \\r or \\u202e escape would reach terminals, "
                                   "reports and spreadsheets as it is)")
            return text
        if tag == _TAG + "null":
            return None
        if tag == _TAG + "bool":
            return text.lower() == "true"
        if tag == _TAG + "int":
            if len(text.lstrip("+-")) > MAX_INT_DIGITS:
                self.fail(node, f"a number of {len(text.lstrip('+-'))} digits", path,
                          expected=f"a whole number of at most {MAX_INT_DIGITS} digits")
            return int(text)
        if tag == _TAG + "float":
            value = math.nan if text.lower().lstrip("+-") in (".nan", ".inf") else float(text)
            if math.isnan(value) or math.isinf(value):  # also 1e999
                self.fail(node, f"'{text}' is not a usable number", path, expected="a finite number")
            return value
        if tag == _TAG + "merge":
            return text
        if tag != _TAG + "timestamp":
            self.check_tag(node, path)  # a key's tag, not checked by build()
        try:  # a timestamp: the pattern matched; the calendar may still not have the day
            return self.loader.construct_yaml_timestamp(node)
        except (ValueError, AttributeError) as exc:  # AttributeError: a form PyYAML's own pattern rejects (-000)
            why = f": {exc}" if isinstance(exc, ValueError) else " (the UTC offset reads like -04:00)"
            self.fail(node, f"'{text}' is not a real date or time{why}", path,
                      expected="a date that exists, e.g. 2026-03-16T10:00:00-04:00")

    def check_yaml11(self, node, path: PathKey) -> None:
        value = node.value
        if value in _READS_THE_SAME:
            return
        for pattern, problem, expected in _YAML11:
            if pattern.match(value):
                self.fail(node, f"'{value}' {problem}", path, expected=expected,
                          hint=f"write '{value}' in quotes if you mean the text")
        if len(_READS_THE_SAME) < _MEMO_SIZE:
            _READS_THE_SAME.add(value)


_READS_THE_SAME: set[str] = set()  # plain texts YAML 1.1 and 1.2 read alike (checked once)


def _check_depth(text: str, file: str) -> None:
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH + 1:  # the root container is not a level of nesting
                raise InputFileError(Diagnostic(f"nesting deeper than {MAX_DEPTH} levels", file=file,
                                                position=_mark_position(event.start_mark)))
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def _reader_position(text: str, exc) -> Position | None:
    at = getattr(exc, "position", None)
    if not isinstance(at, int):
        return None
    return Position(text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1)


def parse_text(text: str, file: str) -> Document:
    loader = None
    try:
        _check_depth(text, file)
        loader = _Loader(text)
        node = loader.get_single_node()
        if node is None:
            raise InputFileError(Diagnostic("the file is empty", file=file, position=Position(1, 1),
                                            expected="a YAML or JSON mapping"))
        builder = _Builder(loader, file)
        data = builder.build(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(p for p in (exc.context, exc.problem) if p) or "malformed YAML"
        raise InputFileError(Diagnostic(f"malformed YAML/JSON: {problem}", file=file,
                                        position=_mark_position(mark) if mark else None)) from None
    except yaml.reader.ReaderError as exc:  # control characters: a position, but no mark
        shown = f"character 0x{exc.character:02x}" if isinstance(exc.character, int) else "a character"
        raise InputFileError(Diagnostic(f"{shown} is not allowed in YAML/JSON", file=file,
                                        position=_reader_position(text, exc),
                                        hint="remove control characters from the file")) from None
    except yaml.YAMLError as exc:
        raise InputFileError(Diagnostic(f"unreadable YAML/JSON: {exc}", file=file)) from None
    finally:
        if loader is not None:
            loader.dispose()
    return Document(file=file, text=text, data=data, positions=builder.positions,
                    key_positions=builder.key_positions)


# ---- the fast path for a profile ------------------------------------------------------
#
# A profile is read once per advice and its positions are needed only to report an error.
# `parse_lazily` composes it without the separate depth scan when the text cannot nest
# deeply enough to strain the composer (every container needs an indicator character of
# its own, so their count bounds the depth) and builds the data without positions; the
# positions are built by `parse_text` itself the first time anything asks for them. Any
# refusal on the fast path is thrown away and the text read again by `parse_text`, which
# makes the very error (and position) it always made.

SHALLOW = 1000  # indicators ([ { - : ?) at most: the composer's recursion stays far from the C stack's end


class _Refused(Exception):
    pass


class _Expanded(Exception):
    """The fast builder passed MAX_NODES at `node`: parse_text would refuse it at the same
    node (the same walk, no other refusal before it), after the same depth scan."""

    def __init__(self, node, path: PathKey):
        super().__init__()
        self.node, self.path = node, path


class _FastBuilder(_Builder):
    """`_Builder` without positions: the same values, the same refusals (as _Refused)."""

    def fail(self, node, message: str, path: PathKey, **kw):
        raise _Refused()

    def build(self, node, path: PathKey = ()):
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _Expanded(node, path)
        if len(path) > MAX_DEPTH:
            raise _Refused()
        if node.__class__ is yaml.ScalarNode:
            return self.plain(node, path)
        self.check_tag(node, path)
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, path + (i,)) for i, child in enumerate(node.value)]
        return self.scalar(node, path)

    def plain(self, node, path: PathKey):
        """A scalar's checked value; a plain one's remembered by its tag and text, which
        decide both the checks (tag, YAML 1.1) and the value: the same words and numbers
        recur in every profile. Only values that passed are remembered, all immutable."""
        if node.style:
            self.check_tag(node, path)
            return self.scalar(node, path)
        key = (node.tag, node.value)
        value = _PLAIN_VALUES.get(key, _UNSEEN)
        if value is _UNSEEN:
            self.check_tag(node, path)
            value = self.scalar(node, path)
            if len(_PLAIN_VALUES) < _MEMO_SIZE:
                _PLAIN_VALUES[key] = value
        return value

    def mapping(self, node, path: PathKey) -> dict:
        self.loader.flatten_mapping(node)
        out: dict = {}
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":  # checked by flatten_mapping, never remembered
                key = self.scalar(key_node, path)
            elif key_node.__class__ is yaml.ScalarNode:
                key = self.plain(key_node, path)
            else:
                self.check_tag(key_node, path)
                key = self.scalar(key_node, path)
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                key = key_text(key)
            if key in out:
                raise _Refused()
            out[key] = self.build(value_node, path + (key,))
        return out


_PLAIN_VALUES: dict[tuple[str, str], Any] = {}  # (tag, text) of a plain scalar -> its checked value
_UNSEEN = object()


class LazyDocument(Document):
    """A Document whose positions are built when first asked for (by `parse_text`)."""

    def __init__(self, file: str, text: str, data: Any):  # noqa: D107 -- not the dataclass __init__
        self.file, self.text, self.data = file, text, data
        self._full: Document | None = None

    def _positioned(self) -> Document:
        if self._full is None:
            self._full = parse_text(self.text, self.file)
        return self._full

    @property
    def positions(self) -> dict:
        return self._positioned().positions

    @property
    def key_positions(self) -> dict:
        return self._positioned().key_positions


def _shallow(text: str) -> bool:
    return sum(text.count(c) for c in "[{-:?") <= SHALLOW


def parse_lazily(text: str, file: str) -> Document:
    """`parse_text`'s document (same data, same errors), positions built only when used."""
    if not _shallow(text):
        return parse_text(text, file)
    loader = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
        if node is None:
            raise _Refused()
        data = _FastBuilder(loader, file).build(node)
    except _Expanded as big:  # an alias bomb: refused as parse_text refuses it, without building it twice
        _check_depth(text, file)  # parse_text's first refusal, if the text also nests too deep
        _Builder(loader, file).too_many(big.node, big.path)
    except (_Refused, yaml.YAMLError, InputFileError, RecursionError):
        return parse_text(text, file)  # refused (or odd): the positioned reading says why
    finally:
        if loader is not None:
            loader.dispose()
    return LazyDocument(file, text, data)


def read_text(path: str | Path, max_bytes: int = MAX_BYTES) -> str:
    return decode(read_bytes(path, max_bytes), str(path))


_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),  # before UTF-16: FF FE starts both
         (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"))


def decode(raw: bytes, file: str) -> str:
    encoding = next((name for bom, name in _BOMS if raw.startswith(bom)), None)
    if encoding:  # saved as "Unicode" by an editor: its bytes read as UTF-8 would be noise, not a line
        raise InputFileError(Diagnostic(f"the file is {encoding} (byte-order mark); save it as UTF-8", file=file,
                                        position=Position(1, 1), extra=((SOURCE_LINE, ""),),
                                        expected="UTF-8 text"))
    try:
        return raw.decode("utf-8-sig")  # a leading BOM is harmless; strip it
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputFileError(Diagnostic(f"byte 0x{raw[exc.start]:02x} is not valid UTF-8", file=file,
                                        position=Position(line, column),
                                        hint="save the file as UTF-8")) from None


def load_document(path: str | Path) -> Document:
    return parse_text(read_text(path), str(path))


def load_lazily(path: str | Path) -> Document:
    """`load_document` through `parse_lazily`: for profiles, read once per advice."""
    return parse_lazily(read_text(path), str(path))
