"""`archive db copy --to URL`: the whole archive from its database into another (SQLite to
PostgreSQL and back). The target is migrated to the same revision and must hold no archive
yet; every table is copied in dependency order with its primary keys, in batches, in one
transaction; PostgreSQL's id sequences are then moved past the copied ids."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DBAPIError

import app.models  # noqa: F401 - registers the tables
from app.config import Settings
from app.db import (
    Base,
    DatabaseUnavailable,
    current_revision,
    describe_error,
    is_postgresql,
    make_engine,
    upgrade,
)

BATCH = 5000


class CopyError(Exception):
    """The copy cannot be made; the message says why."""


@dataclass(frozen=True)
class CopyReport:
    tables: dict[str, int]

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def copy_database(
    source: Settings, target_url: str, *, progress: Callable[[str, int], None] | None = None
) -> CopyReport:
    target = source.model_copy(update={"database_url": target_url})
    if target.db_url == source.db_url:
        raise CopyError("the target is the archive's own database")
    upgrade(source)
    try:
        upgrade(target)
    except (DBAPIError, DatabaseUnavailable) as e:
        raise CopyError(f"cannot prepare the target: {describe_error(e, target.db_url)}") from None
    src_engine, dst_engine = make_engine(source), make_engine(target)
    try:
        if current_revision(src_engine) != current_revision(dst_engine):
            raise CopyError("the two databases are at different schema revisions after migrating")
        tables = Base.metadata.sorted_tables
        with dst_engine.begin() as dst:
            for table in tables:
                if dst.scalar(select(func.count()).select_from(table)):
                    raise CopyError(
                        f"the target already holds an archive (table {table.name} has rows); "
                        "copy into an empty database"
                    )
            counts: dict[str, int] = {}
            with src_engine.connect() as src:
                if src.dialect.name == "postgresql":  # one snapshot of the source for every table
                    src.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                elif src.dialect.name == "sqlite":
                    src.exec_driver_sql("BEGIN")
                for table in tables:
                    order = list(table.primary_key.columns) or list(table.columns)
                    rows = src.execution_options(yield_per=BATCH).execute(select(table).order_by(*order))
                    n = 0
                    for chunk in rows.mappings().partitions(BATCH):
                        dst.execute(insert(table), [dict(r) for r in chunk])
                        n += len(chunk)
                        if progress:
                            progress(table.name, n)
                    counts[table.name] = n
            if is_postgresql(target.db_url):
                _advance_sequences(dst, tables)
        return CopyReport(counts)
    finally:
        src_engine.dispose()
        dst_engine.dispose()


def _advance_sequences(conn, tables) -> None:
    """After rows were inserted with explicit ids, the next generated id follows the largest."""
    for table in tables:
        cols = list(table.primary_key.columns)
        if len(cols) != 1:
            continue
        col = cols[0].name
        seq = conn.scalar(text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": col})
        if seq:
            conn.execute(
                text(f'SELECT setval(:s, coalesce((SELECT max("{col}") FROM "{table.name}"), 0) + 1, false)'),
                {"s": seq},
            )
