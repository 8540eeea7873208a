"""Benchmarks: measured in one run, printed as figures, never asserted in tests.

Extraction cost is compared with jieba's own segmentation of the same text: the
spaCy Doc is built by jieba, and everything our components add is measured beside it.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from models.records import DocumentMeta, Segmentation


@dataclass
class ExtractionCost:
    documents: int
    characters: int
    jieba_seconds: float
    extraction_seconds: float

    @property
    def ratio(self) -> float:
        return self.extraction_seconds / self.jieba_seconds if self.jieba_seconds else float("inf")


def prepare(paths: list[Path]) -> list[tuple[Segmentation, DocumentMeta, list[DocumentMeta]]]:
    from pipeline.ingest import read_source
    from pipeline.metadata import extract_metadata
    from pipeline.normalize import normalize
    from pipeline.segment import segment

    out = []
    for p in paths:
        seg = segment(normalize(read_source(p)))
        meta, parts = extract_metadata(seg)
        out.append((seg, meta, parts))
    return out


def extraction_cost(paths: list[Path], repeat: int = 5) -> ExtractionCost:
    """Time jieba's segmentation (making the Doc) and our components separately."""
    from extractors.components import make_nlp
    from extractors.pipeline import prepare_doc

    nlp = make_nlp()
    docs = prepare(paths)
    for seg, meta, parts in docs:  # warm caches: jieba's dictionary, compiled patterns
        doc = prepare_doc(nlp, seg, meta, parts)
        for _, component in nlp.pipeline:
            doc = component(doc)
    t_jieba = t_extract = 0.0
    chars = 0
    for _ in range(repeat):
        for seg, meta, parts in docs:
            chars += len(seg.text.text)
            t0 = time.perf_counter()
            doc = prepare_doc(nlp, seg, meta, parts)
            t1 = time.perf_counter()
            for _, component in nlp.pipeline:
                doc = component(doc)
            t2 = time.perf_counter()
            t_jieba += t1 - t0
            t_extract += t2 - t1
    return ExtractionCost(len(docs) * repeat, chars, t_jieba, t_extract)
