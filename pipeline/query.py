"""Read side of the rule database: provision records of the current documents.

Reading never creates a database: a SQLite path that does not exist raises
models.db.NoSuchDatabase ("no such database file: PATH"), and a filter value the data
cannot have (a kind outside the contract, a subject or jurisdiction no stored document
has) raises UnknownFilter naming it and the values allowed, never an empty answer.
"""
from __future__ import annotations

from sqlalchemy import select

from models.db import Document, ProvisionRow, database_url, session_factory
from models.vocab import Kind, values

SHOWN_VALUES = 30  # allowed values an error message lists before "… and N more"


class UnknownFilter(ValueError):
    """A filter value the data cannot have (a kind the contract lacks, a subject no
    stored document is about, a jurisdiction none is of); the message is one line for
    the user, naming the value and the allowed ones."""


def _listing(allowed: list[str]) -> str:
    if not allowed:
        return "none stored"
    more = len(allowed) - SHOWN_VALUES
    return ", ".join(allowed[:SHOWN_VALUES]) + (f" … and {more} more" if more > 0 else "")


def check_kind(kind: str | None) -> None:
    if kind and kind not in values(Kind):
        raise UnknownFilter(f"unknown kind {kind!r} (one of {', '.join(values(Kind))})")


def current_records(db_url: str | None = None, kind: str | None = None) -> list[dict]:
    """Every provision of the current version of each successfully processed document,
    as its exported JSON record, in document and span order. An unknown `kind` is an
    error (UnknownFilter, a ValueError), not an empty answer; so is a SQLite file that
    does not exist (NoSuchDatabase): reading creates nothing."""
    check_kind(kind)
    Session = session_factory(database_url(db_url), create=False)
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


def known_subjects(records: list[dict]) -> list[str]:
    """The subjects a filter may name: the policy areas of the stored provisions."""
    from pipeline.areas import record_areas

    return sorted(set(record_areas(records).values()))


def known_jurisdictions(records: list[dict]) -> list[str]:
    return sorted({r["jurisdiction"] for r in records if r.get("jurisdiction")})


def check_filters(records: list[dict], kind: str | None = None, subject: str | None = None,
                  jurisdictions: list[str] | None = None) -> None:
    """UnknownFilter for a kind outside the contract, a subject none of `records` is
    about, or a jurisdiction none of them is of (济南 is of 山东省济南市)."""
    from pipeline.compare import matches_jurisdiction

    check_kind(kind)
    if subject and subject not in (subjects := known_subjects(records)):
        raise UnknownFilter(f"unknown subject {subject!r} (stored: {_listing(subjects)})")
    for wanted in jurisdictions or ():
        if not any(matches_jurisdiction(r, [wanted]) for r in records):
            raise UnknownFilter(f"unknown jurisdiction {wanted!r} (stored: {_listing(known_jurisdictions(records))})")


def comparison_table(db_url: str | None = None, indicator: str | None = None, kind: str | None = None,
                     jurisdictions: list[str] | None = None, subject: str | None = None):
    """(comparisons, flat rows) of the current records with these filters: what `policyx
    compare` prints and `policyx.compare()` returns, built once for both."""
    from pipeline.compare import compare
    from pipeline.export.tables import table_rows

    check_kind(kind)
    records = current_records(db_url)
    check_filters(records, kind=kind, subject=subject, jurisdictions=jurisdictions)
    comparisons = compare(records, indicator=indicator, kind=kind, jurisdictions=jurisdictions, subject=subject)
    return comparisons, table_rows(comparisons)
