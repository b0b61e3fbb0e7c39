"""statement versions (every distinct text kept, app.ingest.versions) and superseded source
documents (an earlier capture or parse of a path, kept)

Existing archives keep every URL: no key changes; a statement without version rows is shown
and exported as one version until it is next written (ingest, reparse, import).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 23:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("source_documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("superseded", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("parse_seq", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "statement_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_key", sa.String(length=200), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("vid", sa.String(length=16), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("captured_at", sa.DateTime(), nullable=False),
        sa.Column("captured_source", sa.String(length=32), nullable=False),
        sa.Column("estimated", sa.Boolean(), nullable=False),
        sa.Column("reparse", sa.Boolean(), nullable=False),
        sa.Column("paragraph_count", sa.Integer(), nullable=False),
        sa.Column("source_document_id", sa.Integer(), nullable=False),
        sa.Column("keys", sa.Text(), nullable=False),
        sa.Column("sources", sa.Text(), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_versions")),
        sa.UniqueConstraint("statement_key", "n", name=op.f("uq_statement_versions_statement_key")),
    )
    with op.batch_alter_table("statement_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_statement_versions_statement_key"), ["statement_key"], unique=False
        )


def downgrade() -> None:
    op.drop_table("statement_versions")
    with op.batch_alter_table("source_documents", schema=None) as batch_op:
        batch_op.drop_column("parse_seq")
        batch_op.drop_column("superseded")
