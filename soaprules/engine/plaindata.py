"""An object graph of named classes as plain JSON data, and back: what lets a compiled
program be kept on disk without pickle.

Decoding never runs code it reads. An entry can name only classes in the registry it
is decoded with; an object is made with `object.__new__` and its fields set directly
(dataclasses) or through `model_construct` (pydantic models, so no validator runs);
nothing else is called, no attribute is looked up by a name the data chooses, and any
shape that is not exactly what `encode` writes is refused with ValueError.

Every value is a JSON scalar or a tagged array (so a tag can never be mistaken for
data): ["l", items] list, ["t", items] tuple, ["s", items] set, ["f", items] frozenset
(a set of text or integers sorted), ["d", [k, v, k, v, ...]] dict (keys encoded like values, so tuple keys survive),
["o", class, field values] dataclass, ["p", class, names, values, set names] pydantic
model, ["D", iso] date, ["T", iso] datetime, ["j", value] a dict or list of JSON's own
values that nothing else reaches (json decodes it, not this module), ["r", n] the n-th
object or mutable container met so far.

Sharing is kept: an object reached twice is written once and referred to after, so
`engine_rule.rule is book.rules[i]` holds after decoding as it did before. Objects and
containers are numbered when complete (post-order), in the same order on both sides; a
cycle is refused when encoding.
"""
from __future__ import annotations

import dataclasses
import gc
from datetime import date, datetime, timezone

from pydantic import BaseModel

_SCALARS = frozenset({str, int, float, bool, type(None)})  # exact types: a str or int subclass is refused
_CONTAINERS = {list: "l", tuple: "t", set: "s", frozenset: "f"}
_MAKE = {"l": list, "t": tuple, "s": set, "f": frozenset}


def class_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _fields(cls: type) -> tuple:
    return tuple(f.name for f in dataclasses.fields(cls))


class Registry:
    """The classes an entry may name: dataclasses and pydantic models, nothing else."""

    def __init__(self, classes):
        self.by_name: dict[str, type] = {}
        self.fields: dict[type, tuple] = {}
        for cls in classes:
            if dataclasses.is_dataclass(cls):
                self.fields[cls] = _fields(cls)
            elif not (isinstance(cls, type) and issubclass(cls, BaseModel)):
                raise TypeError(f"{cls!r} is neither a dataclass nor a pydantic model")
            self.by_name[class_name(cls)] = cls

    # -- encode -------------------------------------------------------------------

    def encode(self, value):
        """Plain data for `value`; TypeError for anything the registry cannot name."""
        return _Encoder(self).run(value)

    # -- decode -------------------------------------------------------------------

    def decode(self, data):
        """The graph `encode` wrote (as `json.loads` gives it back); ValueError for anything
        else. The collector is paused meanwhile: the graph is tens of thousands of new
        containers, none of them garbage, and collecting as they are made would double
        the time."""
        collecting = gc.isenabled()
        gc.disable()
        try:
            return _Decoder(self).value(data)
        except (TypeError, RecursionError) as error:  # an unhashable key or member; nesting past the stack
            raise ValueError(f"not a value this store writes: {error}") from None
        finally:
            if collecting:
                gc.enable()


class _Encoder:
    def __init__(self, registry: Registry):
        self.registry = registry
        self.numbers: dict[int, int] = {}  # id -> number, once complete
        self.open: set[int] = set()  # ids being encoded: meeting one again is a cycle
        self.seen: dict[int, int] = {}  # id -> how many times the graph reaches it
        self.plain: dict[int, bool] = {}

    def run(self, value):
        self._count(value)
        return self.value(value)

    def _count(self, root) -> None:
        """How often each mutable container or object is reached: one reached once, holding
        only JSON's own values, is written as JSON itself (decoded by json, not here)."""
        stack = [root]
        while stack:
            value = stack.pop()
            kind = type(value)
            if kind in _SCALARS or kind is date or kind is datetime:
                continue
            key = id(value)
            if kind not in (tuple, frozenset):
                self.seen[key] = self.seen.get(key, 0) + 1
                if self.seen[key] > 1:
                    continue
            if kind is dict:
                stack.extend(value.keys())
                stack.extend(value.values())
            elif kind in _CONTAINERS:
                stack.extend(value)
            elif kind in self.registry.fields:
                stack.extend(getattr(value, f) for f in self.registry.fields[kind])
            elif isinstance(value, BaseModel):
                stack.extend(getattr(value, n) for n in type(value).model_fields)

    def _is_plain(self, value) -> bool:
        kind = type(value)
        if kind in _SCALARS:
            return True
        if kind is not dict and kind is not list:
            return False
        key = id(value)
        if key not in self.plain:
            self.plain[key] = self.seen.get(key, 0) <= 1 and (
                all(type(k) is str and self._is_plain(v) for k, v in value.items()) if kind is dict
                else all(self._is_plain(v) for v in value))
        return self.plain[key]

    def value(self, value):
        if type(value) in _SCALARS:
            return value
        key = id(value)
        if key in self.numbers:
            return ["r", self.numbers[key]]
        kind = type(value)
        if kind in (tuple, frozenset):
            return [_CONTAINERS[kind], [self.value(v) for v in _ordered(value)]]  # immutable: sharing does not matter
        if kind is datetime:
            if value.fold or not (value.tzinfo is None or type(value.tzinfo) is timezone):
                raise TypeError("a datetime with a fold or a named zone: its text would not bring either back")
            return ["T", value.isoformat()]
        if kind is date:
            return ["D", value.isoformat()]
        if (kind is dict or kind is list) and self._is_plain(value):
            return ["j", value]  # JSON itself, not numbered: nothing else reaches it
        if key in self.open:
            raise TypeError(f"a cycle through {kind.__name__}")
        self.open.add(key)
        if kind is dict:
            out = ["d", [x for k, v in value.items() for x in (self.value(k), self.value(v))]]
        elif kind in (list, set):
            out = [_CONTAINERS[kind], [self.value(v) for v in _ordered(value)]]
        else:
            out = self._object(value, kind)
        self.open.discard(key)
        self.numbers[key] = len(self.numbers)
        return out

    def _object(self, value, kind: type) -> list:
        name = class_name(kind)
        if self.registry.by_name.get(name) is not kind:
            raise TypeError(f"{name} is not a class this store may hold")
        if kind in self.registry.fields:
            return ["o", name, [self.value(getattr(value, f)) for f in self.registry.fields[kind]]]
        if value.__pydantic_extra__ or value.__pydantic_private__:
            raise TypeError(f"{name} holds extra or private values")
        names = list(type(value).model_fields)
        return ["p", name, names, [self.value(getattr(value, n)) for n in names], sorted(value.model_fields_set)]


class _Decoder:
    """Reads what `_Encoder` wrote, from `json.loads`: JSON's own values need no check."""

    def __init__(self, registry: Registry):
        self.registry = registry
        self.made: list = []

    def value(self, data):
        if type(data) is not list:
            return data  # a scalar: json.loads makes nothing else outside a list
        if len(data) != 2 and data and data[0] not in ("o", "p"):
            raise ValueError("not a value this store writes")
        tag = data[0] if data else None
        if tag == "j":
            return data[1]
        if tag == "r":
            n = data[1]
            if type(n) is not int or not 0 <= n < len(self.made):
                raise ValueError("a reference to nothing decoded yet")
            return self.made[n]
        if tag in _MAKE:
            out = _MAKE[tag](self._items(data[1]))
            if tag in ("t", "f"):
                return out  # immutable: not numbered
        elif tag == "d":
            flat = self._items(data[1])
            if len(flat) % 2:
                raise ValueError("a mapping with a key and no value")
            out = dict(zip(flat[::2], flat[1::2]))
        elif tag == "D" or tag == "T":
            if type(data[1]) is not str:
                raise ValueError("a date that is not text")
            return (date if tag == "D" else datetime).fromisoformat(data[1])
        elif tag == "o":
            out = self._dataclass(data)
        elif tag == "p":
            out = self._model(data)
        else:
            raise ValueError(f"not a value this store writes (tag {tag!r})")
        self.made.append(out)
        return out

    def _items(self, items) -> list:
        if type(items) is not list:
            raise ValueError("items that are not a list")
        value = self.value
        return [v if type(v) is not list else value(v) for v in items]

    def _class(self, name) -> type:
        cls = self.registry.by_name.get(name) if type(name) is str else None
        if cls is None:
            raise ValueError(f"{name!r} is not a class this store may hold")
        return cls

    def _dataclass(self, data: list):
        _arity(data, 3)
        cls = self._class(data[1])
        names = self.registry.fields.get(cls)
        if names is None or type(data[2]) is not list or len(data[2]) != len(names):
            raise ValueError(f"{data[1]} stored with other fields than it has")
        obj = object.__new__(cls)  # no __init__ or __post_init__ runs
        values = self._items(data[2])
        if hasattr(obj, "__dict__"):
            obj.__dict__.update(zip(names, values))  # a frozen dataclass's own fields, as its __init__ sets them
        else:
            for name, item in zip(names, values):
                object.__setattr__(obj, name, item)
        return obj

    def _model(self, data: list):
        _arity(data, 5)
        cls = self._class(data[1])
        names, values, fields_set = data[2], data[3], data[4]
        if (cls in self.registry.fields or type(names) is not list or list(cls.model_fields) != names
                or type(values) is not list or len(values) != len(names)
                or type(fields_set) is not list or not all(type(n) is str and n in names for n in fields_set)):
            raise ValueError(f"{data[1]} stored with other fields than it has")
        return cls.model_construct(_fields_set=set(fields_set), **dict(zip(names, self._items(values))))


def _ordered(members):
    """A set's members in an order that depends only on them (a list's or tuple's as they
    are): a set's iteration order depends on its insertion history and the process's hash
    seed, and equal programs should store as equal data. Only plain text or integers are
    sorted: objects are numbered as they are written, so their order must stay the one the
    decoder meets."""
    if type(members) is list or type(members) is tuple:
        return members
    kinds = {type(m) for m in members}
    return sorted(members) if len(kinds) == 1 and kinds <= {str, int} else members


def _arity(data: list, n: int) -> None:
    if len(data) != n:
        raise ValueError(f"a {data[0]!r} value of {len(data)} parts, not {n}")
