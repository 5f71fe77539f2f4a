"""Did-you-mean: the closest known name to a misspelt one."""
from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: object, choices: Iterable[object]) -> str | None:
    """The best close match of `word` among `choices`, or None when nothing is close."""
    options = {str(c): c for c in choices}
    found = difflib.get_close_matches(str(word), list(options), n=1, cutoff=0.6)
    if not found:  # a prefix is a strong hint even when the ratio is low ("ortho" -> orthopedic_surgery)
        found = [o for o in options if str(word) and o.startswith(str(word))][:1]
    return found[0] if found else None


def one_of(choices: Iterable[object]) -> str:
    """'one of a, b, c' for a message's `expected`, or what to say when there is nothing to choose."""
    names = [str(c) for c in choices]
    return "one of " + ", ".join(names) if names else "nothing: there is none to choose from"
