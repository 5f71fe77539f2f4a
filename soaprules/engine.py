"""The one place that touches durable-rules. Everything the engine does silently is
checked here (DESIGN.md, "Known engine facts"):

- one Host per process, its two timer threads never started (they segfault with threads);
- rulesets registered once under content-hashed names (they cannot be replaced);
- each session's state deleted in `finally` (the engine fails past 1,024 live sessions);
- an exception inside an action is stored in the session state, not raised: the state
  is read after every call and the failure raised as an EngineError naming the rule;
- facts are asserted one call each: a batch (`assert_facts`) holding any fact that no rule
  fully matches corrupts the heap ("double free", measured here), while a single
  unmatched fact only raises MessageNotHandledException;
- a session in which no fact matched has no state: reading it raises (error 309) and
  deleting it segfaults, so state is read and deleted only when a fact was taken;
- a ruleset's first session slot has an uninitialised action context (createStateNode in
  state.c never sets it): deleting a session that took facts but fired no action frees a
  garbage pointer ("free(): invalid pointer", reproducible with MALLOC_PERTURB_). Every
  ruleset is primed at registration with one session whose sentinel rule fires, which
  sets and clears that context; slots are reused LIFO, so later sessions stay clean;
- actions only record which rule matched which facts: derived facts are asserted by the
  session between strata, so no identical or unconsumed fact is ever rejected silently.
"""
from __future__ import annotations

import copy
import itertools
import sys

from .errors import Diagnostic, EngineError

if sys.version_info >= (3, 13):  # pragma: no cover - depends on the interpreter
    raise ImportError("soaprules needs Python 3.10 to 3.12: durable-rules 2.0.28 does not import on 3.13+ "
                      "(undefined symbol PyEval_CallObject)")

from durable import engine as _durable  # noqa: E402

ENGINE_NAME = "durable-rules"
ENGINE_VERSION = "2.0.28"


class _QuietHost(_durable.Host):
    def _run(self):  # no timer threads: we never use timers, and they crash under threads
        pass


_host: _QuietHost | None = None
_registered: set[str] = set()
_sids = itertools.count(1)


def host() -> _QuietHost:
    global _host
    if _host is None:
        _host = _QuietHost()
    return _host


class Firing:
    __slots__ = ("engine_rule", "facts")

    def __init__(self, engine_rule: str, facts: dict):
        self.engine_rule = engine_rule  # "<rule id>#<n>"
        self.facts = facts  # engine alias -> fact dict


class Collector:
    """Receives firings for the session currently running on this process's host."""

    def __init__(self):
        self.firings: list[Firing] = []
        self.failure: tuple[str, BaseException] | None = None


_current: list[Collector] = []


def _action(name: str):
    def act(c):
        try:
            _current[-1].firings.append(Firing(name, {k: dict(v) for k, v in c._m.items()}))
        except BaseException as exc:  # the engine would swallow it: keep it to raise later
            _current[-1].failure = (name, exc)
            raise
    return act


PRIME = "__prime"  # fact type and rule name of the sentinel; no profile fact uses it


def register(definitions: dict) -> None:
    """Register rulesets not yet known to this process (names are content hashes)."""
    fresh = {name: _with_actions(rules) for name, rules in definitions.items() if name not in _registered}
    if fresh:
        h = host()
        h.set_rulesets(copy.deepcopy(fresh))  # set_rulesets mutates what it is given
        for name in fresh:
            _prime(h, name)
        _registered.update(fresh)


def _prime(h, ruleset: str) -> None:
    h.assert_fact(ruleset, {"t": PRIME, "sid": PRIME})
    h.delete_state(ruleset, PRIME)


def _with_actions(rules: dict) -> dict:
    actions = {name: {**body, "run": _action(name)} for name, body in rules.items()}
    actions[PRIME] = {"all": [{"m": {"t": PRIME}}], "run": lambda c: None}
    return actions


def run(ruleset: str, facts: list[dict]) -> list[Firing]:
    """Assert `facts` into a fresh session of `ruleset`; return every firing."""
    sid = str(next(_sids))
    collector = Collector()
    _current.append(collector)
    h = host()
    taken = False
    try:
        for fact in facts:
            taken = _assert(h, ruleset, {**fact, "sid": sid}) or taken
        state = h.get_state(ruleset, sid) if taken else {}
    finally:
        _current.pop()
        if taken:
            h.delete_state(ruleset, sid)
    _check(collector, state, ruleset)
    return collector.firings


def _assert(h, ruleset: str, fact: dict) -> bool:
    """Assert one fact; True when the engine took it (so the session has state)."""
    try:
        h.assert_fact(ruleset, fact)
        return True
    except _durable.MessageNotHandledException:
        return False  # no rule wants this fact: not an error
    except Exception as exc:
        raise EngineError(Diagnostic(f"the engine refused fact {fact.get('id')} in ruleset {ruleset}: {exc}")) from None


def _check(collector: Collector, state: dict, ruleset: str) -> None:
    if collector.failure:
        name, exc = collector.failure
        raise EngineError(Diagnostic(f"rule {name.split('#')[0]} failed in its action: {exc!r}",
                                     rule_id=name.split("#")[0]))
    if state.get("exception"):
        raise EngineError(Diagnostic(f"the engine reported an error in ruleset {ruleset}: {state['exception']}"))
