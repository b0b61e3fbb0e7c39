"""The database: engine, sessions, migrations. The only module that opens connections."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import NullPool

from app.config import Settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


SQLITE_BUSY_TIMEOUT = 30  # seconds a connection waits for another process's lock


def make_engine(settings: Settings, **kw) -> Engine:
    url = settings.db_url
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return sqlite_engine(url, **kw)
    if is_postgresql(url):
        return postgresql_engine(url, settings, **kw)
    return create_engine(url, pool_pre_ping=True, **kw)


def is_postgresql(url: str) -> bool:
    return url.startswith("postgresql")


def postgresql_engine(
    url: str,
    settings: Settings | None = None,
    *,
    statement_timeout: float | None = None,
    connect_args_extra: dict | None = None,
    **kw,
) -> Engine:
    """A pool of `db_pool_size` (+ `db_max_overflow`) connections per process, checked before
    use (a restarted server or a failed-over replica is reconnected to), each with the server-side
    statement timeout (`statement_timeout` overrides the setting; 0: none, as for migrations)."""
    settings = settings or Settings()
    timeout = settings.db_statement_timeout if statement_timeout is None else statement_timeout
    connect_args = {
        "connect_timeout": max(1, round(settings.db_connect_timeout)),
        "application_name": "diplomatic-archive",
    }
    if timeout:
        connect_args["options"] = f"-c statement_timeout={int(timeout * 1000)}"
    connect_args.update(connect_args_extra or {})
    if "poolclass" not in kw:
        kw.setdefault("pool_size", settings.db_pool_size)
        kw.setdefault("max_overflow", settings.db_max_overflow)
    try:
        return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kw)
    except ModuleNotFoundError as e:
        raise DatabaseUnavailable(
            "the PostgreSQL driver is not installed: pip install 'diplomatic-archive[postgres]'"
        ) from e


class DatabaseUnavailable(Exception):
    """The database cannot be used; the message (one line) says why and what to do."""


def shown_url(url: str) -> str:
    """The URL as printed: the password hidden."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001
        return url


def describe_error(exc: BaseException, url: str) -> str:
    """One line for a person: which server, and what went wrong (unreachable, no such database,
    authentication, missing rights), without the driver's traceback or the URL's password."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import DBAPIError

    if isinstance(exc, DatabaseUnavailable):
        return str(exc)
    shown = shown_url(url)
    try:
        user = make_url(url).username or "(default)"
    except Exception:  # noqa: BLE001
        user = "(default)"
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    detail = " ".join(str(orig).split()) or type(orig).__name__
    sqlstate = getattr(orig, "sqlstate", None) or ""
    if sqlstate == "42501":  # insufficient_privilege
        return (
            f"the database role {user!r} lacks a right it needs at {shown}: {detail} "
            "(grant it, or run this as the role that owns the archive's tables)"
        )
    if sqlstate == "57014":  # query_canceled: the statement timeout
        return f"a database statement took too long at {shown} and was cancelled: {detail}"
    low = detail.lower()
    if (
        sqlstate.startswith("28")
        or "authentication failed" in low
        or "pg_hba.conf" in low
        or ("role" in low and "does not exist" in low)
    ):
        return f"the database server at {shown} refused the login of role {user!r}: {detail}"
    if sqlstate == "3D000" or ("database" in low and "does not exist" in low):
        return f"no such database at {shown}: {detail} (create it first, e.g. createdb)"
    if isinstance(exc, DBAPIError) and exc.connection_invalidated or "connection" in low:
        return f"cannot reach the database server at {shown}: {detail}"
    return f"database error at {shown}: {detail}"


def sqlite_engine(url: str, *, foreign_keys: bool = True, **kw) -> Engine:
    """Every connection to the archive, the migrations' included: WAL from the database's
    creation on (readers never wait for a writer, even one stopped mid-transaction), a busy
    timeout, foreign keys (off for migrations: a batch migration that recreates a table must
    not cascade the drop of the old one)."""
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT}, **kw)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    return engine


def lock_holder_name(purpose: str, pid: int | None = None) -> str:
    """The application_name of a lock connection: 'archive ingest: process 1234 on host-b'."""
    import socket

    return f"archive {purpose}: process {pid or os.getpid()} on {socket.gethostname()}"[:63]


@contextmanager
def lock_connection(settings: Settings, purpose: str) -> Iterator[Connection]:
    """A connection of its own (autocommit, not pooled) for holding a PostgreSQL advisory lock;
    its application_name tells other processes who holds it."""
    name = lock_holder_name(purpose)
    engine = postgresql_engine(
        settings.db_url,
        settings,
        statement_timeout=0,
        poolclass=NullPool,
        isolation_level="AUTOCOMMIT",
        connect_args_extra={"application_name": name},
    )
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(settings: Settings):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", settings.db_url.replace("%", "%%"))
    cfg.set_main_option(
        "file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d-%%(rev)s_%%(slug)s"
    )
    cfg.attributes["settings"] = settings
    return cfg


def upgrade(settings: Settings, revision: str = "head") -> None:
    """Apply pending migrations (idempotent)."""
    if settings.db_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    cfg = alembic_config(settings)
    if revision == "head" and _at_head(settings, cfg):
        return  # the common case at start-up: skip importing and running Alembic's commands (~0.5 s)
    from alembic import command

    if is_postgresql(settings.db_url):  # two processes starting on a fresh database: one migrates
        from app.locking import advisory_lock

        with advisory_lock(settings, "migrate", timeout=600, what="a migration of the database"):
            if revision != "head" or not _at_head(settings, cfg):
                command.upgrade(cfg, revision)
        return
    command.upgrade(cfg, revision)


def _at_head(settings: Settings, cfg) -> bool:
    """True when the database is already at the single head of the migration scripts."""
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(cfg).get_heads()
    engine = make_engine(settings)
    try:
        return len(heads) == 1 and current_revision(engine) == heads[0]
    except Exception:  # noqa: BLE001 - unreadable or missing: let Alembic itself report it
        return False
    finally:
        engine.dispose()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def open_database(
    settings: Settings, *, migrate: bool = True, **engine_kw
) -> tuple[Engine, sessionmaker[Session]]:
    """Engine and session factory for the archive, with pending migrations applied first
    (engine_kw: create_engine() options, e.g. a server worker's pool size, app.web.limits)."""
    if migrate:
        upgrade(settings)
    engine = make_engine(settings, **engine_kw)
    return engine, make_sessionmaker(engine)
