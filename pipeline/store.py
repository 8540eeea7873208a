"""Write pipeline results through models.db; idempotent by content hash, versioned.

One document, one transaction (the caller's): a crash loses at most the document in
flight, and a re-run neither duplicates nor drops what was already stored.

Versions: a document row is one (path, sha256). When a file changes, the new version
becomes `current` and the old one stays queryable with current = False; both changes
happen in the same transaction, so readers see either the old provisions or the new
ones, never a mix. A failed version never displaces a good one: it is recorded (status
failed, with its reason) beside the good version, which stays current. Failures are
not history: any newer attempt at the path replaces them.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from models.db import Document, Part, ProvisionRow, Run, SectionRow
from models.db import Jurisdiction as JurisdictionRow
from models.records import Jurisdiction, Provision
from pipeline.grouping import unit_of_comparison
from pipeline.run import DocumentResult


def document_key(path: str) -> str:
    return os.path.abspath(path)


def find_current(session: Session, path: str) -> Document | None:
    return session.scalars(
        select(Document).where(Document.path == document_key(path), Document.current.is_(True))
    ).first()


def current_document_ids(session: Session) -> list[int]:
    """Ids of the current version of each successfully read document, in id order."""
    return list(session.scalars(select(Document.id).where(Document.current.is_(True), Document.status == "ok")
                                .order_by(Document.id)))


def is_unchanged(session: Session, path: str, sha256: str, version: str | None = None) -> Document | None:
    """The stored current version when it is this exact content, was processed ok and,
    where `version` is given, by that extraction version (pipeline.run.extraction_version):
    a file read by older rules is read again."""
    doc = find_current(session, path)
    if doc is not None and doc.sha256 == sha256 and doc.status == "ok" and not _stale(session, doc, version):
        return doc
    return None


def _stale(session: Session, doc: Document, version: str | None) -> bool:
    """Whether the document was extracted by another version than `version` (unknown
    versions, on either side, are not stale)."""
    if version is None or doc.run_id is None:
        return False
    run = session.get(Run, doc.run_id)
    return run is not None and run.version != version


def _lock_path(session: Session, key: str) -> None:
    """Serialize writers of one path across processes. SQLite transactions already
    begin IMMEDIATE (one writer at a time, see models.db); PostgreSQL takes a
    transaction-scoped advisory lock on the path."""
    if session.get_bind().dialect.name == "postgresql":
        k = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big", signed=True)
        session.execute(select(func.pg_advisory_xact_lock(k)))


def save_result(session: Session, result: DocumentResult, run_id: int | None = None, force: bool = False,
                rows: PreparedRows | None = None) -> Document:
    """Store one result in the open transaction and return the row that stands for it:
    the new version, the already stored identical version, or the failure record.
    `force`: a good reading replaces the stored one of the same content even where the
    pipeline has not changed (policyx run --force). `rows`: the result's rows made
    beforehand (prepare_rows), outside the transaction."""
    key = document_key(result.path)
    _lock_path(session, key)
    versions = session.scalars(select(Document).where(Document.path == key)).all()
    for v in versions:
        if v.status != "ok":
            session.delete(v)  # a failure superseded by this attempt
    session.flush()
    good = [v for v in versions if v.status == "ok"]
    version = session.get(Run, run_id).version if run_id is not None else None
    stale = [v for v in good if v.sha256 == result.sha256 and (force or _stale(session, v, version))]
    if stale and result.ok:
        for v in stale:
            session.delete(v)  # this content, read by older rules: the new reading replaces it
            good.remove(v)
        session.flush()
    current = next((v for v in good if v.current), None)
    same = next((v for v in good if v.sha256 == result.sha256 and v not in stale), None)
    if same is not None:
        # This content is stored and good: re-running it changes nothing. A file put
        # back to an earlier content makes that version current again.
        if current is not same:
            if current is not None:
                current.current = False
                session.flush()
            same.current = True
            session.flush()
        return same
    if not result.ok:
        doc = _document(result, key, run_id, current=current is None)
        session.add(doc)
        session.flush()
        return doc
    if current is not None:
        current.current = False
        session.flush()  # before the insert: one current version per path, checked by an index
    rows = rows or prepare_rows(result)
    doc = _document(result, key, run_id, current=True, values=rows.document)
    ids = _add_jurisdictions(session, doc, result)
    _add_parts(doc, result, ids)
    session.add(doc)
    session.flush()
    _insert_sections(session, doc.id, rows.sections)
    if rows.provisions:
        session.connection().execute(insert(ProvisionRow.__table__),
                                     [{**row, "document_id": doc.id,
                                       "jurisdiction_id": ids.get(row["jurisdiction"]) if row["jurisdiction"] else None}
                                      for row in rows.provisions])
    session.expire(doc, ["sections", "provisions"])  # inserted in bulk, beside the ORM
    return doc


@dataclass
class PreparedRows:
    """The rows of one good result without their database ids. Made before the
    transaction (the offset map's runs, the sections' texts, every record's JSON), so
    that a worker spends its turn at the write lock writing, not building rows while
    the other worker waits for the lock."""

    document: dict
    sections: list[list[tuple[int | None, dict]]]  # per outline level: (parent's ordinal, row)
    provisions: list[dict]


def prepare_rows(result: DocumentResult) -> PreparedRows:
    return PreparedRows(_document_values(result), _section_rows(result),
                        [_provision_values(p) for p in result.provisions])


def _document(result: DocumentResult, key: str, run_id: int | None, current: bool,
              values: dict | None = None) -> Document:
    return Document(path=key, name=os.path.basename(result.path), sha256=result.sha256 or "",
                    format=result.format, run_id=run_id, current=current,
                    status="ok" if result.ok else "skipped" if result.skipped else "failed", error=result.error,
                    **(_document_values(result) if values is None else values))


def _document_values(result: DocumentResult) -> dict:
    """The document row's columns of what was read: texts, offset map, noise, metadata."""
    values: dict = {}
    if result.source is not None:
        values.update(encoding=result.source.encoding, source_text=result.source.text)
    if result.normalized is not None:
        values.update(normalized_text=result.normalized.text,
                      offset_map={"source_len": result.normalized.offset_map.source_len,
                                  "runs": result.normalized.offset_map.to_runs()},
                      noise=[{"kind": n.kind, "span": list(n.source_span), "text": n.text}
                             for n in result.normalized.noise])
    if result.meta is not None:
        m = result.meta
        values.update(title=m.title, issuer=m.issuer, doc_number=m.doc_number, issued=m.issued,
                      published=m.published, effective=m.effective,
                      meta={"document": asdict(m), "parts": [asdict(p) for p in result.parts],
                            "jurisdictions": [{"span": [s, e], **(asdict(j) if j else {"name": None})}
                                              for s, e, j in result.jurisdictions]})
    return values


def _add_jurisdictions(session: Session, doc: Document, result: DocumentResult) -> dict[str, int]:
    """Link the document to its jurisdiction: the one of the whole text, or the one all
    parts of a compilation share (parts that differ carry their own). Returns the row
    id of each jurisdiction name, for the parts and provisions."""
    ids: dict[str, int] = {}
    for _, _, j in result.jurisdictions:
        if j is not None and j.name not in ids:
            ids[j.name] = jurisdiction_row(session, j).id
    names = {j.name if j else None for _, _, j in result.jurisdictions}
    if len(names) == 1 and None not in names:
        doc.jurisdiction_id = ids[names.pop()]
    return ids


def jurisdiction_row(session: Session, j: Jurisdiction) -> JurisdictionRow:
    """Get or create a jurisdiction by name; safe against a concurrent writer creating
    the same one (INSERT … ON CONFLICT DO NOTHING, then read)."""
    by_name = select(JurisdictionRow).where(JurisdictionRow.name == j.name)
    row = session.scalars(by_name).first()
    if row is not None:
        if row.code is None and j.code:
            row.code = j.code
            _adopt_children(session, row)
        return row
    values = dict(name=j.name, code=j.code, level=j.level, hidden=bool(j.hidden), parent_code=j.parent_code,
                  parent_id=_id_of_code(session, j.parent_code))
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        from importlib import import_module

        insert = import_module(f"sqlalchemy.dialects.{dialect}").insert
        session.execute(insert(JurisdictionRow).values(**values).on_conflict_do_nothing(index_elements=["name"]))
        row = session.scalars(by_name).one()
    else:
        row = JurisdictionRow(**values)
        session.add(row)
        session.flush()
    _adopt_children(session, row)
    return row


def _id_of_code(session: Session, code: str | None) -> int | None:
    if not code:
        return None
    return session.scalars(select(JurisdictionRow.id).where(JurisdictionRow.code == code)
                           .order_by(JurisdictionRow.id)).first()


def _adopt_children(session: Session, row: JurisdictionRow) -> None:
    """Rows stored before their parent get linked once the parent's code is known."""
    if row.code:
        session.execute(update(JurisdictionRow)
                        .where(JurisdictionRow.parent_code == row.code, JurisdictionRow.parent_id.is_(None),
                               JurisdictionRow.id != row.id)
                        .values(parent_id=row.id))


def _section_rows(result: DocumentResult) -> list[list[tuple[int | None, dict]]]:
    """The sections' rows, a level of the outline at a time, each with its parent's
    ordinal (ids are given at insert)."""
    seg, omap, text = result.segmentation, result.normalized.offset_map, result.normalized.text
    ordinal = {id(s): i for i, s in enumerate(seg.sections)}
    depth: dict[int, int] = {}
    levels: list[list[tuple[int | None, dict]]] = []
    for i, s in enumerate(seg.sections):
        d = depth[id(s)] = 0 if s.parent is None else depth[id(s.parent)] + 1
        while len(levels) <= d:
            levels.append([])
        src = omap.to_source(s.start, s.end)
        levels[d].append((None if s.parent is None else ordinal[id(s.parent)],
                          dict(ordinal=i, kind=s.kind, label=s.label, title=s.title, path=s.path_label, level=s.level,
                               start=s.start, end=s.end, source_start=src[0], source_end=src[1],
                               text=text[s.start:s.end])))
    return levels


def _insert_sections(session: Session, document_id: int, levels: list[list[tuple[int | None, dict]]]) -> None:
    """The sections in bulk (executemany), a level at a time so that each row's parent
    id is known when it is inserted (RETURNING, in parameter order)."""
    row_ids: dict[int, int] = {}
    table = SectionRow.__table__
    for level in levels:
        rows = [{**row, "document_id": document_id, "parent_id": None if parent is None else row_ids[parent]}
                for parent, row in level]
        inserted = session.connection().execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
        for (_, row), new_id in zip(level, inserted.scalars()):
            row_ids[row["ordinal"]] = new_id


def _add_parts(doc: Document, result: DocumentResult, ids: dict[str, int]) -> None:
    """One row per part of a compilation, with the label of its 第X篇 heading and the
    jurisdiction resolved for it (metadata, headings and jurisdictions are made part by
    part in the same order)."""
    if not result.parts:
        return
    omap = result.normalized.offset_map
    headings = result.segmentation.parts()
    juris = result.jurisdictions if len(result.jurisdictions) == len(result.parts) else []
    for i, p in enumerate(result.parts):
        start, end = p.span or (0, 0)
        src = omap.to_source(start, end)
        j = juris[i][2] if juris else None
        doc.parts.append(Part(ordinal=i, label=headings[i].label if i < len(headings) else None, title=p.title,
                              issuer=p.issuer, doc_number=p.doc_number, issued=p.issued, published=p.published,
                              effective=p.effective, start=start, end=end, source_start=src[0], source_end=src[1],
                              jurisdiction_id=ids.get(j.name) if j else None))


def _provision_values(p: Provision) -> dict:
    """The provisions row of one record, as the values of a bulk insert, less the ids of
    its document and jurisdiction, which only the transaction that writes it knows."""
    record = p.to_json()
    num = lambda v: float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None
    txt = lambda v: v if isinstance(v, str) else None
    return dict(
        doc=p.doc, kind=p.kind, span_start=p.span[0], span_end=p.span[1], quote=p.quote,
        sentence=p.sentence, section=p.section, jurisdiction=p.jurisdiction, subject=p.subject, indicator=p.indicator,
        approx=bool(p.approx), confidence=float(p.confidence), op=p.op, value_num=num(p.value),
        value_max_num=num(p.value_max), value_text=txt(p.value), value_max_text=txt(p.value_max), unit=p.unit,
        per=p.per, base=p.base, sanction=p.sanction, polarity=p.polarity, target=p.target,
        condition=p.condition, cites=p.cites, duration=p.duration, currency=p.currency, record=record)


def provisions_of(session: Session, document_ids: list[int], names: dict[int, str] | None = None) -> list[dict]:
    """Exported records of the given documents, in document and span order. Sorted
    here, not by the database, so that every backend and collation gives the same bytes.
    `names` (export_names) gives each document the name its records carry."""
    rows, document_ids = [], list(dict.fromkeys(document_ids))
    for i in range(0, len(document_ids), 1000):  # bound the bind parameters of one statement
        rows += session.execute(
            select(ProvisionRow.doc, ProvisionRow.span_start, ProvisionRow.span_end, ProvisionRow.id,
                   ProvisionRow.record, ProvisionRow.document_id)
            .where(ProvisionRow.document_id.in_(document_ids[i:i + 1000]))
        ).all()
    if names:
        rows = [(names.get(r[5], r[0]), *r[1:]) for r in rows]
    rows.sort(key=lambda r: (r[0], r[1], r[2], r[3]))
    return [r[4] if r[4].get("doc") == r[0] else {**r[4], "doc": r[0]} for r in rows]


def export_names(session: Session, document_ids: list[int]) -> dict[int, str]:
    """Each document's name in the exports: its file name, or where documents of other
    paths share that name (bj/附件1.txt, sh/附件1.txt), its path below the folder they
    share, so that two documents are never read as one."""
    rows = []
    for i in range(0, len(document_ids), 1000):
        rows += session.execute(select(Document.id, Document.name, Document.path)
                                .where(Document.id.in_(document_ids[i:i + 1000]))).all()
    by_name: dict[str, list] = {}
    for row in rows:
        by_name.setdefault(row[1], []).append(row)
    out = {}
    for name, group in by_name.items():
        if len({r[2] for r in group}) < 2:
            out.update((r[0], name) for r in group)
            continue
        base = os.path.commonpath([os.path.dirname(r[2]) for r in group])
        out.update((r[0], Path(os.path.relpath(r[2], base)).as_posix()) for r in group)
    return out


def source_texts(session: Session, document_ids: list[int], names: dict[int, str] | None = None) -> dict[str, str]:
    """Document name (export_names' where given) -> source text, for showing provisions in context."""
    out = {}
    for i in range(0, len(document_ids), 200):
        for doc_id, name, text in session.execute(select(Document.id, Document.name, Document.source_text)
                                                  .where(Document.id.in_(document_ids[i:i + 200]))).all():
            out[(names or {}).get(doc_id, name)] = text
    return out


def voice_rows(session: Session, document_ids: list[int], names: dict[int, str] | None = None):
    """What tells copies of a text apart (compare.Voices): each provision's document,
    section, kind, sentence, quote and jurisdiction, without loading whole records."""
    for i in range(0, len(document_ids), 1000):
        rows = session.execute(
            select(ProvisionRow.doc, ProvisionRow.section, ProvisionRow.kind, ProvisionRow.sentence,
                   ProvisionRow.quote, ProvisionRow.jurisdiction, ProvisionRow.document_id)
            .where(ProvisionRow.document_id.in_(document_ids[i:i + 1000]))
        ).all()
        for doc, section, kind, sentence, quote, jurisdiction, doc_id in rows:
            yield {"doc": (names or {}).get(doc_id, doc), "section": section, "kind": kind, "sentence": sentence,
                   "quote": quote, "jurisdiction": jurisdiction}


def indicator_keys(session: Session, document_ids: list[int], names: dict[int, str] | None = None):
    """(kind, unit, sanction, indicator, unit of comparison, cites, policy area) of every
    provision of the given documents: what indicator alignment needs, without loading whole
    records (the policy area lives in the stored record only)."""
    for i in range(0, len(document_ids), 1000):
        rows = session.execute(
            select(ProvisionRow.kind, ProvisionRow.unit, ProvisionRow.sanction, ProvisionRow.indicator,
                   ProvisionRow.doc, ProvisionRow.section, ProvisionRow.cites, ProvisionRow.document_id,
                   ProvisionRow.record["policy_area"].as_string())
            .where(ProvisionRow.document_id.in_(document_ids[i:i + 1000]))
        ).all()
        for kind, unit, sanction, indicator, doc, section, cites, doc_id, area in rows:
            doc = (names or {}).get(doc_id, doc)
            yield kind, unit, sanction, indicator, unit_of_comparison({"doc": doc, "section": section}), cites, area
