"""lines learnt as site chrome at ingest (site_chrome)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 21:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "site_chrome",
        sa.Column("site", sa.String(length=1024), nullable=False),
        sa.Column("line", sa.String(length=512), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("site", "line", name=op.f("pk_site_chrome")),
    )


def downgrade() -> None:
    op.drop_table("site_chrome")
