"""Curated indicators: the shared label under which provisions of different
jurisdictions compare (党务工作人员配备比例, “好”等次分数).

Entries live in data/indicators.yaml; each is tried in order on the text just before
a provision's expression. Provisions no entry fits keep the label the subjects module
builds, and the comparison stage groups those by similarity.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from models.language_data import Indicators, load


@dataclass(frozen=True)
class Indicator:
    label: str
    kinds: frozenset[str]
    units: frozenset[str] | None
    sanctions: frozenset[str] | None
    all: tuple[str, ...]
    any: tuple[str, ...]
    none: tuple[str, ...]
    areas: frozenset[str] | None


@lru_cache(maxsize=1)
def vocabulary() -> tuple[list[Indicator], dict[str, str], int]:
    d = load(Indicators)
    grades = {word: tier for tier, words in d.grades.items() for word in words}
    entries = [Indicator(e.label, frozenset(e.kinds), frozenset(e.units) if e.units is not None else None,
                         frozenset(e.sanctions) if e.sanctions is not None else None,
                         tuple(e.all), tuple(e.any), tuple(e.none),
                         frozenset(e.areas) if e.areas is not None else None)
               for e in d.indicators]
    return entries, grades, d.window


def curated_indicator(text: str, start: int, end: int, kind: str, unit: str | None = None,
                      sanction: str | None = None, sentence_start: int = 0, area: str | None = None) -> str | None:
    """The vocabulary label for the provision at text[start:end], if one fits: an entry
    written for some policy areas fits only a text of one of them (工作完成时间 is a
    question of party-building plans, not of a felling reported after an emergency)."""
    entries, grades, size = vocabulary()
    after = re.match(r"[^,，。;；\n]{0,24}", text[end:]).group(0)
    cut = after.find("、")
    if cut >= 0 and re.search(r"\d|[一二两三四五六七八九十][次个名项件人户轮]|至少|不少于|不超过", after[cut:]):
        after = after[:cut]  # the next enumerated item has its own number
    before = text[max(sentence_start, start - size):start]
    item = list(re.finditer(r"[\d次个名项件人户轮]、", before))
    if item:  # 讲党课至少1次、带头每月调研…: the previous item is not this one's context
        before = before[item[-1].end():]
    window = before + text[start:end] + after
    grade = _grade_near(text, start, end, grades)
    for e in entries:
        if kind not in e.kinds or (e.units is not None and unit not in e.units):
            continue
        if e.sanctions is not None and sanction not in e.sanctions:
            continue
        if e.areas is not None and area not in e.areas:
            continue
        needs_grade = any("{grade_near}" in p for p in e.all + e.any)
        if needs_grade and grade is None:
            continue
        if not all(_hit(p, window) for p in e.all if p != "{grade_near}"):
            continue
        if e.any and not any(_hit(p, window) for p in e.any):
            continue
        if any(_hit(p, window) for p in e.none):
            continue
        return e.label.replace("{grade}", grade or "")
    return None


def _hit(pattern: str, window: str) -> bool:
    return re.search(pattern, window) is not None


def _grade_near(text: str, start: int, end: int, grades: dict[str, str]) -> str | None:
    """The quoted grade this number belongs to: 90分以上为“好” (after, joined by 为),
    else the nearest before it in the clause: “先进”不超过30%, “好”(90分以上)."""
    after = re.match(r"\)?(?:为|是|评为|定为|即为|属于)[“\"]([^”\"]{1,5})[”\"]", text[end:end + 12])
    if after and after.group(1) in grades:
        return grades[after.group(1)]
    lo = max(0, start - 24)
    best = None
    for m in re.finditer(r"[“\"]([^”\"]{1,5})[”\"]|([一二三四五])星级?", text[lo:start]):
        word = m.group(1) or f"{m.group(2)}星"
        if word in grades and not re.search(r"[。;；,，]", text[lo + m.end():start]):
            best = grades[word]
    return best


@lru_cache(maxsize=1)
def _curated_pattern() -> re.Pattern:
    entries, grades, _ = vocabulary()
    alts = [re.escape(e.label).replace(re.escape("{grade}"), "(?:" + "|".join(map(re.escape, set(grades.values()))) + ")")
            for e in entries]
    return re.compile("(?:" + "|".join(alts) + ")")


def is_curated(label: str) -> bool:
    """Whether a label comes from the vocabulary (and so needs no similarity grouping)."""
    return _curated_pattern().fullmatch(label) is not None


def measure_only(sanction: str | None) -> str | None:
    """The vocabulary's label for a sanction type as such (罚款金额), which names no conduct:
    a sanction that states its conduct is labelled by it instead (extractors/conducts.py)."""
    entries, _, _ = vocabulary()
    for e in entries:
        if "sanction" in e.kinds and e.sanctions is not None and sanction in e.sanctions and not (e.all or e.any):
            return e.label
    return None
