"""provenance of source documents (original URL, capture time, WARC file and offset, the
captured page) and of statements (original URL, publisher, capture time)

Revision ID: 0008
Revises: 0005
Create Date: 2026-12-01 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("source_documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("format", sa.String(length=16), nullable=False, server_default="text"))
        batch_op.add_column(sa.Column("original_url", sa.String(length=2048), nullable=True))
        batch_op.add_column(sa.Column("url_source", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("publisher", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("captured_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("captured_source", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("warc_file", sa.String(length=1024), nullable=True))
        batch_op.add_column(sa.Column("warc_offset", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("capture", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("original_url", sa.String(length=2048), nullable=True))
        batch_op.add_column(sa.Column("publisher", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("captured_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("statements", schema=None) as batch_op:
        for name in ("captured_at", "publisher", "original_url"):
            batch_op.drop_column(name)
    with op.batch_alter_table("source_documents", schema=None) as batch_op:
        for name in (
            "capture",
            "warc_offset",
            "warc_file",
            "captured_source",
            "captured_at",
            "publisher",
            "url_source",
            "original_url",
            "format",
        ):
            batch_op.drop_column(name)
