"""speakers: structured name (CSL-JSON), table person, redirect slugs

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-01 21:00:00

Adds speakers.name_parts (JSON: the CSL-JSON name object), speakers.person (the speaker
table's canonical name for its people) and speaker_redirects (slug -> speaker: the slugs of
the spellings met, and of speakers merged later, answer with a 301). Existing rows get their
name_parts from app.ingest.name_parts and a redirect for each spelling's slug; every slug
issued before keeps resolving (the speakers' own slugs are untouched). Merging the spellings
of a table person into one speaker is done by the next `archive ingest`
(app.ingest.speakers.reconcile_speakers), which leaves a redirect for every slug it retires.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from slugify import slugify

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("speakers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_parts", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("person", sa.String(length=300), nullable=True))
    op.create_table(
        "speaker_redirects",
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("speaker_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["speaker_id"], ["speakers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("slug"),
    )
    with op.batch_alter_table("speaker_redirects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_speaker_redirects_speaker_id"), ["speaker_id"], unique=False)
    _fill(op.get_bind())


def _fill(conn) -> None:
    from app.ingest.name_parts import name_parts

    speakers = sa.table(
        "speakers",
        sa.column("id", sa.Integer),
        sa.column("slug", sa.String),
        sa.column("name", sa.String),
        sa.column("kind", sa.String),
        sa.column("name_parts", sa.JSON),
    )
    aliases = sa.table("speaker_aliases", sa.column("speaker_id", sa.Integer), sa.column("name", sa.String))
    redirects = sa.table(
        "speaker_redirects", sa.column("slug", sa.String), sa.column("speaker_id", sa.Integer)
    )
    rows = conn.execute(sa.select(speakers.c.id, speakers.c.slug, speakers.c.name, speakers.c.kind)).all()
    taken = {r.slug for r in rows}
    for r in rows:
        conn.execute(
            speakers.update()
            .where(speakers.c.id == r.id)
            .values(name_parts=name_parts(r.name, kind=r.kind or "person"))
        )
    new: dict[str, int] = {}
    for sid, name in conn.execute(
        sa.select(aliases.c.speaker_id, aliases.c.name).order_by(aliases.c.name, aliases.c.speaker_id)
    ):
        slug = slugify(name)
        if slug and slug not in taken and slug not in new:
            new[slug] = sid
    if new:
        conn.execute(redirects.insert(), [{"slug": s, "speaker_id": i} for s, i in sorted(new.items())])


def downgrade() -> None:
    with op.batch_alter_table("speaker_redirects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_speaker_redirects_speaker_id"))
    op.drop_table("speaker_redirects")
    with op.batch_alter_table("speakers", schema=None) as batch_op:
        batch_op.drop_column("person")
        batch_op.drop_column("name_parts")
