"""The schema comes from Alembic migrations, and the models agree with them."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

import app.models  # noqa: F401
from app.db import Base, current_revision, make_engine, upgrade
from tests import backend


@pytest.mark.empty_database
def test_upgrade_creates_every_table_on_an_empty_database(settings):
    upgrade(settings)
    engine = make_engine(settings)
    assert set(inspect(engine).get_table_names()) >= set(Base.metadata.tables)
    assert current_revision(engine) is not None
    upgrade(settings)  # idempotent


@pytest.mark.empty_database
def test_models_and_migrations_agree(settings):
    upgrade(settings)
    with make_engine(settings).connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(ctx, Base.metadata) == []


@backend.sqlite_only  # PostgreSQL's planner weighs its own statistics
@pytest.mark.empty_database
def test_lists_of_canonical_statements_walk_the_date_index_not_the_duplicates_one(settings):
    """Every list takes `duplicate_of IS NULL`; the index on duplicate_of must not be chosen for
    it (migration 0011 made it partial): with it, a speaker's neighbours read and sorted every
    canonical statement (statement pages 22 → 98 ms at 1.5M paragraphs)."""
    import datetime as dt

    from sqlalchemy import select

    from app.browse.duplicates import COPIES, COUNTED
    from app.models import Statement

    upgrade(settings)
    engine = make_engine(settings)
    newest_before = (
        select(Statement.id)
        .where(COUNTED, Statement.sort_date <= dt.date(2015, 1, 1))
        .order_by(Statement.sort_date.desc(), Statement.key.desc())
        .limit(1)
    )
    copies = select(Statement.key).where(COPIES)
    with engine.connect() as conn:

        def plan(query):
            sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
            return " ".join(r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))

        assert "ix_statements_sort_date_key" in plan(newest_before)
        assert "TEMP B-TREE" not in plan(newest_before)
        assert "ix_statements_duplicate_of" in plan(copies)
