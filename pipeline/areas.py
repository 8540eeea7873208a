"""The policy subject of a document: what it regulates (控制吸烟, 烟花爆竹, 燃气 …).

Researchers compare jurisdictions within one subject (the jurisdiction × question
matrix, pipeline/matrix.py), so each provision carries its document's `policy_area`.
The title decides first (it names what the text regulates), then the words of the body;
where neither names a known area, the title's own core is the subject, so documents
of one unknown kind still group together (… 养蜂管理条例 → 养蜂管理).
"""
from __future__ import annotations

import logging
import re
from collections import Counter
from functools import lru_cache

from models.language_data import PolicyAreas, load

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def vocabulary() -> PolicyAreas:
    d = load(PolicyAreas)
    for a in d.areas:  # read every key once, so a data slip fails here, not silently
        a.name, a.title, a.content
    d.content_min, d.place, d.wrapper, d.doc_type
    return d


def area_names() -> list[str]:
    return [a.name for a in vocabulary().areas]


def classify(title: str | None, content: str = "") -> str | None:
    """The subject of a document with this title and body text; None when nothing tells."""
    d = vocabulary()
    if title:
        for a in d.areas:
            if any(w in title for w in a.title):
                return a.name
    if content:
        hits = Counter({a.name: sum(content.count(w) for w in a.content) for a in d.areas})
        if hits:
            name, n = hits.most_common(1)[0]
            if n >= d.content_min:
                return name
    core = title_core(title)
    return core or None


def title_core(title: str | None) -> str:
    """The title without its place names, wrapper (关于印发《…》的通知) and document
    type (条例, 办法, 规定, 实施细则): 济南市禁止燃放烟花爆竹的规定 → 禁止燃放烟花爆竹."""
    if not title:
        return ""
    d = vocabulary()
    s = re.sub(r"\s+", "", title)
    s = d.wrapper.compiled.sub("", s)
    s = d.place.compiled.sub("", s)
    for _ in range(2):  # 管理实施细则, 管理规定: the type word, then a wrapper left before it
        s = d.doc_type.compiled.sub("", s)
        s = d.wrapper.compiled.sub("", s)
    return s.strip("的之 ")


def document_areas(meta, parts, text: str) -> list[tuple[int, int, str | None]]:
    """(start, end, area) over the normalized text: one range per part of a compilation
    (each part has its own title), else the whole document."""
    units = [(p.span[0], p.span[1], p.title or meta.title) for p in parts if p.span] \
        or [(0, len(text), meta.title if meta else None)]
    return [(s, e, classify(t, text[s:e])) for s, e, t in units]


def area_at(doc, pos: int) -> str | None:
    """The policy area of the text at `pos` of a prepared spaCy Doc (extractors/pipeline.py);
    computed once per Doc."""
    ranges = doc.user_data.get("policy_areas")
    if ranges is None:
        ranges = doc.user_data["policy_areas"] = document_areas(doc._.meta, doc._.parts or [],
                                                                  doc._.segmentation.text.text)
    for s, e, area in ranges:
        if s <= pos < e:
            return area
    return ranges[0][2] if ranges else None


def record_areas(records: list[dict]) -> dict[tuple, str]:
    """unit of comparison -> policy area, for records that carry one; records stored
    before the field existed get theirs from the content words of their sentences."""
    from pipeline.grouping import unit_of_comparison

    given: dict[tuple, str] = {}
    text: dict[tuple, list[str]] = {}
    for r in records:
        u = unit_of_comparison(r)
        if r.get("policy_area"):
            given.setdefault(u, r["policy_area"])
        text.setdefault(u, []).append(r.get("sentence") or "")
    out = {}
    for u, sentences in text.items():
        out[u] = given.get(u) or classify(None, "\n".join(dict.fromkeys(sentences))) or "未分类"
    return out
