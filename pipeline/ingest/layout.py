"""Line breaks of text without geometry: which newlines wrap a paragraph, told by the
lengths and endings of the lines alone. The PDF reader uses the same sentence endings
and headings beside the geometry it has; OCR output and a TXT copied from a page
layout have nothing else.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from models.language_data import Layout, load

SENTENCE_END = set("。！？；：!?;:")
CLOSERS = "”’」』）)】》〉\"'"
CLAUSE_END = set("，、,")  # a line ending so never ends its paragraph
MIN_WRAP_WIDTH = 10  # a shorter line tells nothing of the page width
FULL_LINE_SHARE = 0.85  # a recognized line this share of the long lines' length or more fills its line


@dataclass(frozen=True)
class LayoutRules:
    heading: re.Pattern  # a line that starts a unit even after a full line
    entry_start: re.Pattern  # a line no wrapped line continues into
    page_number: tuple[re.Pattern, ...]  # a page-number line at a page edge
    bare_page_number: re.Pattern  # a bare number: a page number on the outer line only


@lru_cache(maxsize=1)
def layout_rules() -> LayoutRules:
    """data/layout.yaml, compiled."""
    d = load(Layout)
    return LayoutRules(d.heading.compiled, d.entry_start.compiled, tuple(p.compiled for p in d.page_number),
                       d.bare_page_number.compiled)


def is_heading(line: str) -> bool:
    """A line that starts a new unit even when the line before it is full (第三条, 一、)."""
    return bool(layout_rules().heading.match(line))


def wrapped_line_breaks(text: str, min_share: float = 0.0, min_wraps: int = 1) -> list[int]:
    """Newlines of text without geometry (recognized, or a TXT copied from a PDF) that
    wrap a paragraph: after a line as long as the wrapped lines (length stands for a
    full line), or one ending in a comma, that ends no sentence, before a line that
    opens no heading, no dated 题注 entry and no markup. A copy often sets a blank line
    after every line; the newlines of one such gap are all returned. None unless at
    least `min_share` of the full lines wrap, and `min_wraps` lines: a text typed a
    paragraph a line has the odd long line without a stop that wraps nothing."""
    lines, pos = [], 0
    for line in text.split("\n"):
        if line.strip():
            lines.append((pos, pos + len(line), line.strip()))
        pos += len(line) + 1
    full = FULL_LINE_SHARE * _line_width([t for _, _, t in lines])
    breaks, full_lines = [], 0
    for (s, e, line), (s2, _, nxt) in zip(lines, lines[1:]):
        long = len(line) >= full
        full_lines += long
        gap = text[e:s2]
        if not (long or line[-1] in CLAUSE_END) or gap.count("\n") > 2 or ends_sentence(line) \
                or is_heading(nxt) or layout_rules().entry_start.match(nxt):
            continue
        breaks.append([e + i for i, ch in enumerate(gap) if ch == "\n"])
    wrapped = len(breaks) >= max(min_wraps, min_share * full_lines)
    return [p for gap in breaks for p in gap] if wrapped else []


def _line_width(lines: list[str]) -> float:
    """The length of a full line: the most common length of lines that end no sentence
    (the wrapped ones), else the long lines' length."""
    open_lengths = Counter(len(t) for t in lines if len(t) >= MIN_WRAP_WIDTH and not ends_sentence(t))
    if open_lengths:
        return max(open_lengths.items(), key=lambda kv: (kv[1], kv[0]))[0]
    return percentile([len(t) for t in lines], 0.75) if lines else math.inf


def percentile(values: list[float], q: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, max(0, int(round(q * (len(v) - 1)))))]


def ends_sentence(text: str) -> bool:
    t = text.rstrip().rstrip(CLOSERS)
    return bool(t) and t[-1] in SENTENCE_END
