"""Write pipeline results through models.db; idempotent by content hash.

One document, one transaction: a crash loses at most the document in flight, and a
re-run neither duplicates nor drops what was already stored.
"""
from __future__ import annotations

import os
from dataclasses import asdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.db import Document, ProvisionRow, SectionRow
from pipeline.run import DocumentResult


def document_key(path: str) -> str:
    return os.path.abspath(path)


def find_current(session: Session, path: str) -> Document | None:
    return session.scalars(
        select(Document).where(Document.path == document_key(path), Document.current.is_(True))
    ).first()


def is_unchanged(session: Session, path: str, sha256: str) -> Document | None:
    """The stored current version when it is this exact content and was processed ok."""
    doc = find_current(session, path)
    if doc is not None and doc.sha256 == sha256 and doc.status == "ok":
        return doc
    return None


def save_result(session: Session, result: DocumentResult, run_id: int | None = None) -> Document:
    """Store one result in the open transaction: a new version of the document
    replaces the current one, which stays queryable with current = False."""
    key = document_key(result.path)
    previous = find_current(session, result.path)
    if previous is not None:
        if previous.sha256 == result.sha256 or previous.status == "failed":
            session.delete(previous)  # same content re-done, or a failure retried
        else:
            previous.current = False
        session.flush()
    doc = Document(path=key, name=os.path.basename(result.path), sha256=result.sha256 or "",
                   format=result.format, run_id=run_id, current=True,
                   status="ok" if result.ok else "failed", error=result.error)
    if result.source is not None:
        doc.encoding = result.source.encoding
        doc.source_text = result.source.text
    if result.normalized is not None:
        doc.normalized_text = result.normalized.text
        doc.offset_map = {"source_len": result.normalized.offset_map.source_len,
                          "runs": result.normalized.offset_map.to_runs()}
        doc.noise = [{"kind": n.kind, "span": list(n.source_span), "text": n.text} for n in result.normalized.noise]
    if result.meta is not None:
        m = result.meta
        doc.title, doc.issuer, doc.doc_number = m.title, m.issuer, m.doc_number
        doc.issued, doc.published, doc.effective = m.issued, m.published, m.effective
        doc.meta = {"document": asdict(m), "parts": [asdict(p) for p in result.parts]}
    if result.ok and result.segmentation is not None:
        _add_sections(doc, result)
        for p in result.provisions:
            doc.provisions.append(_provision_row(p))
    session.add(doc)
    session.flush()
    return doc


def _add_sections(doc: Document, result: DocumentResult) -> None:
    seg, omap, text = result.segmentation, result.normalized.offset_map, result.normalized.text
    rows: dict[int, SectionRow] = {}
    for i, s in enumerate(seg.sections):
        src = omap.to_source(s.start, s.end)
        row = SectionRow(ordinal=i, kind=s.kind, label=s.label, title=s.title, path=s.path_label, level=s.level,
                         start=s.start, end=s.end, source_start=src[0], source_end=src[1], text=text[s.start:s.end])
        if s.parent is not None:
            row.parent = rows[id(s.parent)]  # type: ignore[attr-defined]
        rows[id(s)] = row
        doc.sections.append(row)


def _provision_row(p) -> ProvisionRow:
    record = p.to_json()
    num = lambda v: float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None
    txt = lambda v: v if isinstance(v, str) else None
    return ProvisionRow(
        doc=p.doc, kind=p.kind, span_start=p.span[0], span_end=p.span[1], quote=p.quote, sentence=p.sentence,
        section=p.section, jurisdiction=p.jurisdiction, subject=p.subject, indicator=p.indicator,
        approx=bool(p.approx), confidence=float(p.confidence), op=p.op, value_num=num(p.value),
        value_max_num=num(p.value_max), value_text=txt(p.value), value_max_text=txt(p.value_max), unit=p.unit,
        per=p.per, base=p.base, sanction=p.sanction, polarity=p.polarity, target=p.target,
        condition=p.condition, duration=p.duration, record=record)


def provisions_of(session: Session, document_ids: list[int]) -> list[dict]:
    """Exported records of the given documents, in document and span order."""
    if not document_ids:
        return []
    rows = session.scalars(
        select(ProvisionRow).where(ProvisionRow.document_id.in_(document_ids))
        .order_by(ProvisionRow.doc, ProvisionRow.span_start, ProvisionRow.span_end, ProvisionRow.id)
    ).all()
    return [r.record for r in rows]
