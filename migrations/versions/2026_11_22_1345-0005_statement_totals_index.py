"""index covering the archive totals (statements, excerpts, paragraphs)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 13:45:00
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_statements_excerpt_paragraph_count", ["excerpt", "paragraph_count"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.drop_index("ix_statements_excerpt_paragraph_count")
