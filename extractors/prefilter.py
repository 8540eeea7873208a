"""Which text any match of a pattern must contain: a test, cheaper than the search, that
skips a pattern on a sentence it cannot match.

Most sentences hold no sanction and no date, yet every pattern used to be searched in
every sentence (112 sanction patterns: most of the extractors' time). Read from the
compiled pattern itself, so the data files stay the one statement of each pattern, and
sound by construction: where a pattern's structure promises nothing (an optional part,
a negated class, a lookaround), it promises nothing and is always searched.
"""
from __future__ import annotations

import re
from functools import lru_cache

from re import _constants as c  # the parser the re module compiles with (Python 3.11+)
from re import _parser as parser

MAX_CLASS = 64  # a character class wider than this promises too little to be worth testing


@lru_cache(maxsize=None)
def required_text(pattern: re.Pattern) -> frozenset[str] | None:
    """Strings of which every match of `pattern` contains at least one (its most telling
    mandatory literal: 罚款, or one of 警告/通报); None where it promises nothing (then it
    must always be searched)."""
    if pattern.flags & re.IGNORECASE:
        return None
    return _best(_sequence(parser.parse(pattern.pattern, pattern.flags)))


def may_match(pattern: re.Pattern, text: str) -> bool:
    """False only where `pattern` cannot match inside `text`."""
    need = required_text(pattern)
    return need is None or any(s in text for s in need)


def _best(needs: list[frozenset[str]]) -> frozenset[str] | None:
    """The most selective requirement: the longest shortest string, then the fewest."""
    return max(needs, key=lambda n: (min(map(len, n)), -len(n)), default=None)


def _sequence(items) -> list[frozenset[str]]:
    """The requirements of a sequence: each run of literals, and each mandatory part."""
    needs, run = [], ""
    for op, av in items:
        if op is c.LITERAL:
            run += chr(av)
            continue
        if run:
            needs.append(frozenset([run]))
            run = ""
        needs += _node(op, av)
    if run:
        needs.append(frozenset([run]))
    return needs


def _node(op, av) -> list[frozenset[str]]:
    if op is c.IN:
        chars = _char_class(av)
        return [chars] if chars else []
    if op is c.SUBPATTERN:
        return _sequence(av[-1])
    if op is c.ATOMIC_GROUP:
        return _sequence(av)
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
        low, _, body = av
        return _sequence(body) if low >= 1 else []
    if op is c.BRANCH:
        # one of the options matches: one of their requirements is met
        options = [_best(_sequence(b)) for b in av[1]]
        if any(o is None for o in options):
            return []
        union = frozenset().union(*options)
        return [union] if len(union) <= MAX_CLASS else []
    return []  # any character, anchors, lookarounds, back-references: no promise


def _char_class(items) -> frozenset[str] | None:
    chars: set[str] = set()
    for op, av in items:
        if op is c.LITERAL:
            chars.add(chr(av))
        elif op is c.RANGE and av[1] - av[0] < MAX_CLASS:
            chars.update(chr(x) for x in range(av[0], av[1] + 1))
        else:
            return None  # a negated class, a category (\d, \s), a wide range
    return frozenset(chars) if len(chars) <= MAX_CLASS else None


class Prefilter:
    """Many patterns, one pass: an Aho–Corasick automaton of every pattern's required
    strings tells, per text, which patterns can match there."""

    def __init__(self, patterns: list[re.Pattern]):
        import ahocorasick

        self.always = [i for i, p in enumerate(patterns) if required_text(p) is None]
        owners: dict[str, list[int]] = {}
        for i, p in enumerate(patterns):
            for s in required_text(p) or ():
                owners.setdefault(s, []).append(i)
        self.automaton = ahocorasick.Automaton()
        for s, ids in owners.items():
            self.automaton.add_word(s, tuple(ids))
        if owners:
            self.automaton.make_automaton()
        self.empty = not owners

    def candidates(self, text: str) -> list[int]:
        """Indexes, in order, of the patterns that may match inside `text`."""
        found = set(self.always)
        if not self.empty:
            for _, ids in self.automaton.iter(text):
                found.update(ids)
        return sorted(found)
