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


class UnknownFilter(ValueError):
    """A filter value the data cannot have (a kind the contract lacks, a subject no
    document is about); the message is one line for the user."""


def known_subjects(records: list[dict]) -> list[str]:
    """The subjects a filter may name: the areas of policy_areas.yaml and those of the data."""
    from pipeline.areas import area_names, record_areas

    return list(dict.fromkeys([*area_names(), *sorted(set(record_areas(records).values()))]))


def comparison_table(db_url: str | None = None, indicator: str | None = None, kind: str | None = None,
                     jurisdictions: list[str] | None = None, subject: str | None = None):
    """(comparisons, flat rows) of the current records with these filters: what `policyx
    compare` prints and `policyx.compare()` returns, built once for both."""
    from pipeline.compare import compare
    from pipeline.export.tables import table_rows

    if kind and kind not in {k.value for k in Kind}:
        raise UnknownFilter(f"unknown kind {kind!r} (one of {', '.join(k.value for k in Kind)})")
    records = current_records(db_url)
    if subject and subject not in known_subjects(records):
        raise UnknownFilter(f"unknown subject {subject!r} (one of {', '.join(known_subjects(records))})")
    comparisons = compare(records, indicator=indicator, kind=kind, jurisdictions=jurisdictions, subject=subject)
    return comparisons, table_rows(comparisons)
