"""The schema comes from Alembic migrations, and the models agree with them."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

import app.models  # noqa: F401
from app.db import Base, current_revision, make_engine, upgrade


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
