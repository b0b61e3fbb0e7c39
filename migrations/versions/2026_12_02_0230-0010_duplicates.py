"""duplicates across sites: statements.duplicate_of, MinHash LSH bands and decided links
(app.ingest.duplicates)

Existing archives keep every URL: no key changes. Until `archive duplicates --regroup` (or
the next ingest of a page) runs, no statement is marked a duplicate, as before.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 02:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("duplicate_of", sa.String(length=200), nullable=True))
        batch_op.create_index(batch_op.f("ix_statements_duplicate_of"), ["duplicate_of"], unique=False)
    op.create_table(
        "duplicate_bands",
        sa.Column("statement_key", sa.String(length=200), nullable=False),
        sa.Column("band", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("statement_key", "band", name=op.f("pk_duplicate_bands")),
    )
    with op.batch_alter_table("duplicate_bands", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_duplicate_bands_band"), ["band"], unique=False)
    op.create_table(
        "duplicate_links",
        sa.Column("key_a", sa.String(length=200), nullable=False),
        sa.Column("key_b", sa.String(length=200), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key_a", "key_b", name=op.f("pk_duplicate_links")),
    )
    with op.batch_alter_table("duplicate_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_duplicate_links_key_b"), ["key_b"], unique=False)


def downgrade() -> None:
    op.drop_table("duplicate_links")
    op.drop_table("duplicate_bands")
    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_statements_duplicate_of"))
        batch_op.drop_column("duplicate_of")
