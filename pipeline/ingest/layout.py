"""Line breaks of text without geometry: which newlines wrap a paragraph, told by the
lengths and endings of the lines alone. The PDF reader uses the same sentence endings
and headings beside the geometry it has; OCR output and a TXT copied from a page
layout have nothing else.
"""
from __future__ import annotations

import math
import re
from collections import Counter

SENTENCE_END = set("。！？；：!?;:")
CLOSERS = "”’」』）)】》〉\"'"
CLAUSE_END = set("，、,")  # a line ending so never ends its paragraph
# Lines that start a new unit even when the previous line is full.
HEADING = re.compile(
    r"^(第[一二三四五六七八九十百千零〇两0-9]+[编篇章节条款部分]"
    r"|[一二三四五六七八九十百]+[、．.]"
    r"|[（(][一二三四五六七八九十百0-9]+[)）]"
    r"|[0-9]+[、．.](?![0-9])"
    r"|[①-⑳])"
)
# Lines that no wrapped line continues into: a dated 题注 entry, markup
ENTRY_START = re.compile(r"[0-9〇零一二]{4}年[0-9一二三四五六七八九十]{1,2}月|[<#]")
MIN_WRAP_WIDTH = 10  # a shorter line tells nothing of the page width
FULL_LINE_SHARE = 0.85  # a recognized line this share of the long lines' length or more fills its line


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
                or HEADING.match(nxt) or ENTRY_START.match(nxt):
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
