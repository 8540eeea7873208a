"""Record contract v2: a sanction's `cites` and the `currency` of amounts of money.

Adds two nullable columns to provisions and brings the stored records (the exact JSON
that rules.jsonl exports) to v2 in place: thresholds gain `currency`, sanctions `cites`,
`base` and `currency`, as null (unknown: a re-run of the document fills them) and in
the order a fresh v2 record has them, so an upgraded database exports the same bytes
as one built new. The field lists are frozen here, not imported from models.records,
so that this migration keeps meaning what it meant when the contract moves on.

Downgrade drops the columns and leaves the records alone: v1 allows fields it does
not list.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07

"""
import logging
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

log = logging.getLogger(__name__)

COMMON = ("doc", "kind", "span", "quote", "sentence", "section", "jurisdiction", "subject", "indicator", "approx",
          "confidence")
V2_FIELDS = {
    "threshold": ("op", "value", "value_max", "unit", "per", "currency"),
    "sanction": ("sanction", "polarity", "target", "condition", "cites", "duration", "op", "value", "value_max",
                 "unit", "base", "currency"),
}
ADDED = {"threshold": {"currency"}, "sanction": {"cites", "base", "currency"}}
BATCH = 2000  # rows read and rewritten at a time, so a large database is not held in memory

provisions = sa.table("provisions", sa.column("id", sa.Integer), sa.column("kind", sa.String),
                      sa.column("record", sa.JSON), sa.column("cites", sa.Text), sa.column("currency", sa.String))


def v2_record(kind: str, record: dict) -> dict:
    """The v1 record with the fields v2 added (null where absent), in v2's order; any
    field outside the contract stays, after them."""
    out = {}
    for k in COMMON + V2_FIELDS[kind]:
        if k in record:
            out[k] = record[k]
        elif k in ADDED[kind]:
            out[k] = None
    out.update((k, v) for k, v in record.items() if k not in out)
    return out


def _text(value, limit: int | None = None) -> str | None:
    return value if isinstance(value, str) and (limit is None or len(value) <= limit) else None


def upgrade() -> None:
    """Add the columns, then rewrite the affected records batch by batch."""
    op.add_column('provisions', sa.Column('cites', sa.Text(), nullable=True))
    op.add_column('provisions', sa.Column('currency', sa.String(length=8), nullable=True))
    if op.get_context().as_sql:
        log.warning("offline (--sql) migration: stored records are not rewritten to contract v2")
        return
    conn, last = op.get_bind(), 0
    update = (sa.update(provisions).where(provisions.c.id == sa.bindparam("row_id"))
              .values(record=sa.bindparam("new_record"), cites=sa.bindparam("new_cites"),
                      currency=sa.bindparam("new_currency")))
    while True:
        rows = conn.execute(sa.select(provisions.c.id, provisions.c.kind, provisions.c.record)
                            .where(provisions.c.kind.in_(list(V2_FIELDS)), provisions.c.id > last)
                            .order_by(provisions.c.id).limit(BATCH)).all()
        if not rows:
            break
        last = rows[-1].id
        changes = []
        for row in rows:
            record = row.record if isinstance(row.record, dict) else {}
            new = v2_record(row.kind, record)
            if list(new.items()) != list(record.items()):
                changes.append({"row_id": row.id, "new_record": new, "new_cites": _text(new.get("cites")),
                                "new_currency": _text(new.get("currency"), 8)})
        if changes:
            conn.execute(update, changes)


def downgrade() -> None:
    """Drop the columns (batch mode: SQLite recreates the table)."""
    with op.batch_alter_table('provisions') as batch:
        batch.drop_column('currency')
        batch.drop_column('cites')
