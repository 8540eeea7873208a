"""Records name the jurisdiction's GB/T 2260 code and level, and the document's policy area.

Stored records (the exact JSON rules.jsonl exports) gain `jurisdiction_code`,
`jurisdiction_level` and `policy_area` after `jurisdiction`, as null (unknown: a re-run
of the document fills them), so an upgraded database exports records of the same
fields in the same order as one built new. No column changes: the three live in the
record. The field list is frozen here, not imported from models.records.

Downgrade removes the three fields again.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

"""
import logging
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

log = logging.getLogger(__name__)

AFTER = "jurisdiction"
ADDED = ("jurisdiction_code", "jurisdiction_level", "policy_area")
BATCH = 2000  # rows read and rewritten at a time, so a large database is not held in memory

provisions = sa.table("provisions", sa.column("id", sa.Integer), sa.column("record", sa.JSON))


def v3_record(record: dict) -> dict:
    """The record with the added fields (null where absent) right after `jurisdiction`."""
    out = {}
    for k, v in record.items():
        if k in ADDED:
            continue
        out[k] = v
        if k == AFTER:
            out.update((a, record.get(a)) for a in ADDED)
    return out


def v2_record(record: dict) -> dict:
    return {k: v for k, v in record.items() if k not in ADDED}


def _rewrite(change) -> None:
    if op.get_context().as_sql:
        log.warning("offline (--sql) migration: stored records are not rewritten")
        return
    conn, last = op.get_bind(), 0
    update = (sa.update(provisions).where(provisions.c.id == sa.bindparam("row_id"))
              .values(record=sa.bindparam("new_record")))
    while True:
        rows = conn.execute(sa.select(provisions.c.id, provisions.c.record).where(provisions.c.id > last)
                            .order_by(provisions.c.id).limit(BATCH)).all()
        if not rows:
            break
        last = rows[-1].id
        changes = []
        for row in rows:
            record = row.record if isinstance(row.record, dict) else {}
            new = change(record)
            if list(new.items()) != list(record.items()):
                changes.append({"row_id": row.id, "new_record": new})
        if changes:
            conn.execute(update, changes)


def upgrade() -> None:
    _rewrite(v3_record)


def downgrade() -> None:
    _rewrite(v2_record)
