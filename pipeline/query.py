"""Read side of the rule database: provision records of the current documents."""
from __future__ import annotations

from sqlalchemy import select

from models.db import Document, ProvisionRow, database_url, session_factory
from models.vocab import Kind


def current_records(db_url: str | None = None, kind: str | None = None) -> list[dict]:
    """Every provision of the current version of each successfully processed document,
    as its exported JSON record, in document and span order. An unknown `kind` is an
    error (ValueError), not an empty answer."""
    Session = session_factory(database_url(db_url))
    query = (select(ProvisionRow.doc, ProvisionRow.span_start, ProvisionRow.span_end, ProvisionRow.id,
                    ProvisionRow.record)
             .join(Document, ProvisionRow.document_id == Document.id)
             .where(Document.current.is_(True), Document.status == "ok"))
    if kind:
        query = query.where(ProvisionRow.kind == Kind(kind).value)
    with Session() as s:
        rows = s.execute(query).all()
    rows.sort(key=lambda r: r[:4])  # in Python: the same bytes on every backend and collation
    return [dict(r[4]) for r in rows]
