"""The one place that touches durable-rules. It drives the engine's C core directly
(`durable_rules_engine`), not durable's Python `Host`: the Host adds a JSON round trip
of the session state and a closure per action, and starts two timer threads we never
need (they segfault with threads). What the engine does silently is handled here
(DESIGN.md, "Known engine facts"):

- rulesets are registered once under content-hashed names (they cannot be replaced);
- facts are asserted one call each: a batch (`assert_facts`) holding any fact that no rule
  fully matches corrupts the heap ("double free", measured here), while a single
  unmatched fact only returns "not handled";
- every assert creates the session's state node, even when no rule takes the fact, so
  every session that asserted anything is deleted in `finally`. Skipping sessions whose
  facts were all unmatched leaked one state node each: past 1,024 of them the engine
  fails (MemoryError), and before that each new session lands in a fresh slot;
- a fresh state slot has an uninitialised action context (createStateNode in state.c
  never sets it), and deleting a session frees that context: garbage meant
  "free(): invalid pointer". Every ruleset is primed at registration with one session
  whose sentinel rule fires, which sets and clears the context of slot 1; as every
  session is deleted, slots are reused LIFO and no session ever lands in a fresh slot;
- actions are not Python callbacks here: after the facts are in, the session's queued
  results are read one by one (start / complete-and-start), each naming the engine rule
  and its matched facts. Rules never change facts, so reading after the last assert
  sees every match. Anything that fails while a result is read is raised as an
  EngineError naming the rule, after the action is abandoned and the state deleted;
- derived facts are asserted by the session between strata, so no identical or
  unconsumed fact is ever rejected silently;
- one evaluation uses one session id for all its sessions (session.EngineMatcher): ids
  are per ruleset, so each ruleset still sees every id once, and deletes its session
  before the next evaluation's. Each fact's text, id included, is made once;
- a ruleset whose gate (compile.gate_source) shows no rule can fire gets no session at
  all: nothing asserted, so no state node made, and nothing to delete.
"""
from __future__ import annotations

import itertools
import json

from soaprules import durable_rules_engine as _core  # durable's C core, built by setup.py
from soaprules.engine.pin import DURABLE_VERSION
from soaprules.errors import Diagnostic, EngineError

ENGINE_NAME = "durable-rules"
ENGINE_VERSION = DURABLE_VERSION
PRIME = "__prime"  # fact type and rule name of the sentinel; no profile fact uses it
_OK, _NOT_HANDLED = 0, 1  # assert_fact result codes (rules.h)

_handles: dict[str, int] = {}
_sids = itertools.count(1)
_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)
try:  # the C encoder JSONEncoder.encode builds on every call, built once: the same text
    from json.encoder import c_make_encoder, encode_basestring
    if c_make_encoder is None:
        raise ImportError("no C encoder")
    _c_encode = c_make_encoder(None, _encoder.default, encode_basestring, None, ":", ",", False, False, True)

    def encode(value) -> str:
        if isinstance(value, dict):
            return "".join(_c_encode(value, 0))
        return _encoder.encode(value)
except ImportError:  # a Python without the C accelerator
    encode = _encoder.encode


class Firing:
    __slots__ = ("engine_rule", "facts")

    def __init__(self, engine_rule: str, facts: dict):
        self.engine_rule = engine_rule  # "<rule id>#<n>"
        self.facts = facts  # engine alias -> fact dict


def register(definitions: dict) -> None:
    """Register rulesets not yet known to this process (names are content hashes)."""
    for name, rules in definitions.items():
        if name not in _handles:
            body = encode({**rules, PRIME: {"all": [{"m": {"t": PRIME}}]}})
            # No retry: the code 102 once seen here came from an $or inside an $iany, which
            # makes the parser read memory it never set (compile._leaf_expr no longer emits it).
            handle = _core.create_ruleset(name, body)
            _prime(handle)
            _handles[name] = handle


def registered(name: str) -> bool:
    return name in _handles


def _prime(handle: int) -> None:
    code, state = _core.assert_fact(handle, encode({"t": PRIME, "id": PRIME, "sid": PRIME}))
    try:
        if code == _OK:
            _drain(handle, state, None)
    finally:
        _core.delete_state(handle, PRIME)


def run(ruleset: str, facts: list[str]) -> list[Firing]:
    """Assert `facts` (JSON objects, as `encode` writes them, without `sid`) into a fresh
    session of `ruleset`; return every firing."""
    sid = new_sid()
    prefix = '{"sid":"%s",' % sid
    return run_texts(ruleset, _handles[ruleset], [prefix + fact[1:] for fact in facts], sid, None)


def new_sid() -> str:
    """A session id no ruleset has seen. One evaluation may use one id for all its
    sessions: each ruleset still sees it once, and deletes it before the next."""
    return str(next(_sids))


def handle_of(ruleset: str) -> int:
    return _handles[ruleset]


def run_texts(ruleset: str, handle: int, texts: list[str], sid: str, parsed) -> list[Firing]:
    """Assert `texts` (JSON facts that already carry `"sid": sid`) into a fresh session of
    `ruleset` (`handle`); return every firing. A firing's matched facts are parsed only when
    `parsed` is None or holds its engine rule's name (a rule that binds no list entry needs
    only its name); otherwise its `facts` is None."""
    assert_fact = _core.assert_fact
    firings: list[Firing] = []
    taken = False
    try:
        for text in texts:
            try:
                code, state = assert_fact(handle, text)
            except Exception as exc:
                raise EngineError(Diagnostic(f"the engine refused a fact in ruleset {ruleset}: {exc}")) from None
            if code == _OK:
                taken = True
            elif code != _NOT_HANDLED:
                raise EngineError(Diagnostic(f"the engine returned code {code} for a fact in ruleset {ruleset}"))
        if taken:
            _drain(handle, state, firings, parsed)
    finally:
        if texts:
            _delete(handle, sid)
    return firings


def _delete(handle: int, sid: str) -> None:
    try:
        _core.delete_state(handle, sid)
    except Exception:  # no state: the first assert failed before the engine created it
        pass


def _drain(handle: int, state: int, out: list[Firing] | None, parsed=None) -> None:
    """Read every queued result of the session at `state`, in the engine's firing order
    (`out` None: read and discard, as priming does). A result is '{"<engine rule>":{...}}';
    its matched facts are parsed only if `parsed` is None or names the rule."""
    started = _core.start_action_for_state(handle, state)
    messages = started[1] if started else None
    while messages is not None:
        name = "?"
        try:
            if out is not None:
                end = messages.find('"', 2)
                name = messages[2:end]
                if parsed is None or name in parsed or "\\" in name:
                    (name, matched), = json.loads(messages).items()
                    out.append(Firing(name, matched))
                else:
                    out.append(Firing(name, None))
        except BaseException as exc:
            _core.abandon_action(handle, state)
            rule = name.split("#")[0]
            raise EngineError(Diagnostic(f"rule {rule} failed in its action: {exc!r}", rule_id=rule)) from None
        messages = _core.complete_and_start_action(handle, state)
