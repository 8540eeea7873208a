"""Outline and sentences: parts, chapters, articles, outline items, lead headings.

Statutory levels (篇 章 节 条) have fixed ranks. Outline items nest by first use: a
marker style already open pops back to its level, a new style nests below the
current one — the way a reader infers structure from documents drafted in any style.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from models.language_data import Outline, load
from models.records import NormalizedText, Section, Segmentation, Sentence, iter_lines


@dataclass(frozen=True)
class Marker:
    kind: str
    rank: int | None
    pattern: re.Pattern


@lru_cache(maxsize=1)
def rules() -> dict:
    d = load(Outline)
    markers = [Marker(m.kind, m.rank, re.compile(m.pattern.replace("{N}", d.numeral))) for m in d.markers]
    inline = [m for m in markers if m.kind in d.inline_kinds]
    return {
        "markers": markers,
        "inline": re.compile(d.inline_after + "(?=" + "|".join(m.pattern.pattern.replace("?P<label>", "") for m in inline) + ")"),
        "lead": {"max_chars": d.lead_heading.max_chars, "min_count": d.lead_heading.min_count},
        "sentence_end": re.compile(d.sentence_end),
        "clause_sep": re.compile(d.clause_sep),
        "contents_entry": re.compile(d.contents_entry),
    }


def _match_marker(text: str, pos: int) -> tuple[Marker, re.Match] | None:
    for marker in rules()["markers"]:
        m = marker.pattern.match(text, pos)
        if m:
            return marker, m
    return None


def _heads(text: str) -> list[tuple[int, str, str, str, int, int]]:
    """(start, kind, label, title, rank-or--1, body start) for every section opening."""
    r = rules()
    heads = []
    starts = []
    for s, e in iter_lines(text):
        if s == e or "\t" in text[s:e] or r["contents_entry"].search(text, s, e):
            continue  # a table row (cells parted by tabs) or a 目录 entry opens no section, whatever it says
        starts.append(s)
        starts += [m.end() for m in r["inline"].finditer(text, s, e)]
    starts.sort()
    lead_cands = []
    for s in starts:
        end = text.find("\n", s)
        end = len(text) if end < 0 else end
        hit = _match_marker(text, s)
        if hit:
            marker, m = hit
            body_start = m.end()
            title = _first_sentence(text, body_start, end)
            heads.append((s, marker.kind, m.group("label"), title, marker.rank if marker.rank is not None else -1,
                          body_start))
        elif text[s - 1:s] in ("\n", ""):
            title = _first_sentence(text, s, end)
            cfg = r["lead"]
            if (title and len(title) <= cfg["max_chars"] and s + len(title) + 1 < end
                    and not re.search(r"[,，\d]", title)):
                lead_cands.append((s, "heading", title, title, -1, s))
    if len(lead_cands) >= r["lead"]["min_count"]:
        heads += lead_cands
    heads.sort()
    return heads


def _first_sentence(text: str, start: int, end: int) -> str:
    m = rules()["sentence_end"].search(text, start, end)
    stop = m.start() if m else end
    return text[start:stop].strip()


def segment(normalized: NormalizedText) -> Segmentation:
    text = normalized.text
    sections: list[Section] = []
    stack: list[tuple[str, int, Section]] = []  # (kind, rank, section)

    def close(section: Section, at: int) -> None:
        section.end = at

    heads = _heads(text)
    for start, kind, label, title, rank, _ in heads:
        if kind != "heading":  # a lead heading holds running text, never numbered items
            while stack and stack[-1][0] == "heading":
                close(stack.pop()[2], start)
        if rank >= 0:
            while stack and (stack[-1][1] < 0 or stack[-1][1] >= rank):
                close(stack.pop()[2], start)
        else:
            open_kinds = [k for k, _, _ in stack]
            if kind in open_kinds:
                while stack and stack[-1][0] != kind:
                    close(stack.pop()[2], start)
                close(stack.pop()[2], start)
        parent = stack[-1][2] if stack else None
        node = Section(kind=kind if rank >= 0 or kind == "heading" else "item", label=label, title=title,
                       start=start, end=len(text), level=len(stack), parent=parent)
        if parent:
            parent.children.append(node)
        stack.append((kind, rank, node))
        sections.append(node)
    for _, _, node in stack:
        close(node, len(text))
    _close_items_of_articles(text, sections)
    markers = {start: body for start, *_, body in heads if body > start}
    return Segmentation(text=normalized, sections=sections, sentences=split_sentences(text, markers))


def _close_items_of_articles(text: str, sections: list[Section]) -> None:
    """An article's items (（一）…；) are one paragraph each: a paragraph after the last
    one (单位违反…的，处…罚款) is the article's own, not the item's. An item whose line
    reads as a heading or introduces a list (ends without 。；) keeps what follows."""
    starts = {s.start for s in sections}
    for node in sections:
        if node.kind != "item" or node.children or node.parent is None or node.parent.kind != "article":
            continue
        eol = text.find("\n", node.start, node.end)
        if eol < 0 or eol + 1 in starts or not re.search(r"[。;；]\s*$", text[node.start:eol]):
            continue
        node.end = eol


def split_sentences(text: str, markers: dict[int, int] | None = None) -> list[Sentence]:
    """Sentences end at 。！； or a line end; section markers (第八条, (一)) are not
    part of the sentence they open."""
    r = rules()
    markers = markers or {}
    out = []
    for s, e in iter_lines(text):
        pos = markers.get(s, s)
        while pos < e:
            m = r["sentence_end"].search(text, pos, e)
            stop = m.end() if m else e
            if text[pos:stop].strip():
                out.append(Sentence(pos, stop, _clauses(text, pos, stop)))
            pos = markers.get(stop, stop)
    return out


def _clauses(text: str, start: int, end: int) -> tuple[tuple[int, int], ...]:
    out, pos = [], start
    for m in rules()["clause_sep"].finditer(text, start, end):
        if m.start() > pos:
            out.append((pos, m.end()))
        pos = m.end()
    if pos < end:
        out.append((pos, end))
    return tuple(out)
