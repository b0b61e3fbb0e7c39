"""statements.duplicate_of: a partial index (only the rows that are copies)

Every read-side list and count takes `duplicate_of IS NULL` (a duplicate group is listed once).
With a full index on the column, SQLite chose it for that condition: a speaker's neighbours and
the filtered lists then read every canonical statement and sorted them (statement page p50 22 →
98 ms, lists 27 → 156 ms at 1.5M paragraphs) instead of walking ix_statements_sort_date_key.
The copies' lookups (`duplicate_of = :key`, `IS NOT NULL`) are what the index is for; a partial
index serves them and cannot be chosen for `IS NULL`. No data or URL changes.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 06:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

COPIES = sa.text("duplicate_of IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_statements_duplicate_of", table_name="statements")
    op.create_index(
        "ix_statements_duplicate_of",
        "statements",
        ["duplicate_of"],
        sqlite_where=COPIES,
        postgresql_where=COPIES,
    )


def downgrade() -> None:
    op.drop_index("ix_statements_duplicate_of", table_name="statements")
    op.create_index("ix_statements_duplicate_of", "statements", ["duplicate_of"])
