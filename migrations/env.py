"""Alembic environment: the database URL comes from app.config (one source)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

import app.models  # noqa: F401  (registers the tables)
from app.config import get_settings
from app.db import Base, is_postgresql, postgresql_engine, sqlite_engine

config = context.config
target_metadata = Base.metadata

url = config.get_main_option("sqlalchemy.url") or get_settings().db_url


def run_migrations_offline() -> None:
    context.configure(
        url=url, target_metadata=target_metadata, literal_binds=True, render_as_batch=True, compare_type=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    if url.startswith("sqlite"):
        engine = sqlite_engine(
            url, foreign_keys=False, poolclass=pool.NullPool
        )  # WAL and a busy timeout from the start
    elif is_postgresql(url):  # no statement timeout: a migration may rewrite a big table
        engine = postgresql_engine(
            url, config.attributes.get("settings"), statement_timeout=0, poolclass=pool.NullPool
        )
    else:
        engine = engine_from_config({"sqlalchemy.url": url}, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as connection:
        _run(connection)


def _run(connection) -> None:
    context.configure(
        connection=connection, target_metadata=target_metadata, render_as_batch=True, compare_type=True
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
