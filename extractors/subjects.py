"""Subjects and indicators: who a bound binds, and what it measures, as short labels.

Both come from the clause around the number: the subject is the last noun phrase
ending in an actor head before it; the indicator is the action between the subject
and the number plus what the unit counts (研究基层党建工作 + 次数).
"""
from __future__ import annotations

import re
from functools import lru_cache

from models.language_data import Subjects, load

CLAUSE_BREAK = re.compile(r"[。;；!！?？\n]")
STRIP = re.compile(r"[“”\"《》]|\s")


@lru_cache(maxsize=1)
def lexicon() -> dict:
    d = load(Subjects)
    heads = sorted(d.heads, key=len, reverse=True)
    head_re = "|".join(re.escape(h) for h in heads)
    return {
        "subject": re.compile(rf"((?:[\u4e00-\u9fff()“”、]{{0,16}}?)(?:{head_re}))"),
        "lead": re.compile(d.lead_words),
        "predicate": re.compile(d.predicate),
        "label_strip": re.compile(d.label_strip),
        "measure": dict(d.measure_by_unit),
    }


def find_subject(text: str, sent_start: int, pos: int) -> str | None:
    """The actor nearest before `pos` within the sentence."""
    lx = lexicon()
    window = text[sent_start:pos]
    clauses = re.split(r"[,，:：]", window)
    for clause in reversed(clauses):
        pred = lx["predicate"].search(clause)
        head_zone = clause[:pred.start()] if pred and pred.start() > 0 else clause
        found = None
        for m in lx["subject"].finditer(head_zone):
            found = m.group(1)
        if found:
            found = lx["lead"].sub("", found).strip("、")
            if len(found) >= 2:
                return found
    return None


def indicator_label(text: str, sent_start: int, pos: int, unit: str | None, subject: str | None) -> str | None:
    """A short label of what is measured: the action before the number, plus the
    measure its unit counts."""
    lx = lexicon()
    window = re.split(r"[,，:：]", text[sent_start:pos])[-1]
    if subject and subject in window:
        window = window[window.rindex(subject) + len(subject):]
    window = lx["label_strip"].sub("", window)
    window = re.sub(r"^(?:要|应当?|须|必须|并|各|都|均|可)+", "", window)
    window = STRIP.sub("", window)
    measure = lx["measure"].get(unit or "", "")
    label = (window[-16:] + measure) if window else None
    return label or None
