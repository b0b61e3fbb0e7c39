"""The database: engine, sessions, migrations. The only module that opens connections."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

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
    return create_engine(url, pool_pre_ping=True, **kw)


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


def open_database(settings: Settings, *, migrate: bool = True, **engine_kw) -> tuple[Engine, sessionmaker[Session]]:
    """Engine and session factory for the archive, with pending migrations applied first
    (engine_kw: create_engine() options, e.g. a server worker's pool size, app.web.limits)."""
    if migrate:
        upgrade(settings)
    engine = make_engine(settings, **engine_kw)
    return engine, make_sessionmaker(engine)
