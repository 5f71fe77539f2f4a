"""The explanation tree as plain data: one Node type for why, why-not and what-if.

Every renderer (terminal tree, JSON, markdown, HTML) reads the dict form, so a node
carries everything it shows: a one-line label, the rule and its citations, and for a
condition the path, test, threshold, actual value and verdict.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCHEMA = "soaprules/explanation@1"
PASSED, FAILED, UNKNOWN = "passed", "failed", "not evaluated"


@dataclass(frozen=True)
class Citation:
    id: str  # heuristic ID, e.g. RS-04
    summary: str | None  # the catalog's summary, in the project's words
    article: str | None  # seed file the heuristic comes from
    quote: str | None  # a short quote from that article

    def to_dict(self) -> dict:
        return {k: v for k, v in {"id": self.id, "summary": self.summary, "article": self.article,
                                  "quote": self.quote}.items() if v is not None}


@dataclass
class Node:
    kind: str  # see docs/explanations.md: recommendation, decision, rule, overridden, derived, input, ...
    label: str
    verdict: str | None = None  # passed | failed | not evaluated (why-not); None in a why-tree
    rule: str | None = None  # the rule this node is, or the rule that read this value
    title: str | None = None
    rationale: str | None = None
    cites: list = field(default_factory=list)  # Citation
    sources: list = field(default_factory=list)  # {"seed", "quote"} from the rule itself
    path: str | None = None  # profile path (concrete: red_flags[0].disclosed), derived.X, decision.X
    value: Any = None  # the actual value seen (None: unknown)
    test: str | None = None  # operator
    expected: Any = None  # threshold or allowed values
    param: str | None = None  # the pack parameter the threshold came from
    detail: dict = field(default_factory=dict)  # kind-specific: policy, beaten_by, bindings, proposed...
    children: list = field(default_factory=list)

    def to_dict(self) -> dict:
        out: dict = {"kind": self.kind, "label": self.label}
        for key in ("verdict", "rule", "title", "rationale", "test", "param"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.path is not None:
            out["path"], out["value"] = self.path, plain(self.value)
        if self.expected is not None:
            out["expected"] = plain(self.expected)
        if self.cites:
            out["cites"] = [c.to_dict() for c in self.cites]
        if self.sources:
            out["sources"] = list(self.sources)
        if self.detail:
            out["detail"] = {k: plain(v) for k, v in self.detail.items()}
        if self.children:
            out["children"] = [c.to_dict() for c in self.children]
        return out

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


def count_shown(interval):
    """A count known to lie in (low, high): the number, or 'low to high' when entries are unknown."""
    if interval is None:
        return None
    low, high = interval
    return low if low == high else f"{low} to {high}"


def plain(value: Any) -> Any:
    """JSON-ready: tuples and sets become lists, date-times ISO text."""
    if isinstance(value, (tuple, list, set, frozenset)):
        return [plain(v) for v in (sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value)]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def shown(value: Any) -> str:
    """A value as a person reads it: lists joined, booleans lower-case, unknown said so."""
    value = plain(value)
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(shown(v) for v in value) + "]"
    return str(value)


def citations(rule, catalog: dict) -> list[Citation]:
    """A rule's heuristic IDs, each with the catalog's summary, article and quote."""
    out = []
    for cite in rule.cites:
        entry = catalog.get(cite) or {}
        out.append(Citation(cite, entry.get("summary"), entry.get("seed"), entry.get("quote")))
    return out


def sources_of(rule) -> list[dict]:
    return [{"seed": s.seed, "quote": s.quote} for s in rule.sources]
