"""Which database the suite runs on: ARCHIVE_TEST_DATABASE=sqlite (the default) or postgresql.

On PostgreSQL, ARCHIVE_TEST_DATABASE_URL names a server and a role that may CREATE DATABASE
(.ci/test-postgres.sh starts a throwaway cluster and sets both). Every data dir a test uses
gets a database of its own on that server, created on first use and named after the data
dir's path, so a test's archive is as fresh as its tmp_path, in this process and in the
`archive` subprocesses it starts (archive_procs passes them the URL)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

BACKEND = os.environ.get("ARCHIVE_TEST_DATABASE", "sqlite").strip().lower() or "sqlite"
POSTGRES = BACKEND in ("postgresql", "postgres", "pg")
SERVER_URL = os.environ.get("ARCHIVE_TEST_DATABASE_URL", "")
if BACKEND not in ("sqlite", "postgresql", "postgres", "pg"):
    raise RuntimeError(f"ARCHIVE_TEST_DATABASE must be sqlite or postgresql, not {BACKEND!r}")

_created: set[str] = set()
_admin = None
_template: str | None = None

sqlite_only = pytest.mark.skipif(
    POSTGRES, reason="about the SQLite file itself (the PostgreSQL run has none)"
)
postgres_only = pytest.mark.skipif(not POSTGRES, reason="needs PostgreSQL (ARCHIVE_TEST_DATABASE=postgresql)")


def _server():
    global _admin
    if _admin is None:
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        from app.config import normalize_url

        if not SERVER_URL:
            raise RuntimeError(
                "ARCHIVE_TEST_DATABASE=postgresql needs ARCHIVE_TEST_DATABASE_URL (a server and a "
                "role that may create databases); .ci/test-postgres.sh sets both"
            )
        _admin = create_engine(normalize_url(SERVER_URL), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    return _admin


def database_name(data_dir: Path | str) -> str:
    return "t_" + hashlib.sha1(os.path.abspath(data_dir).encode()).hexdigest()[:24]


def _url(name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(_server().url).set(database=name).render_as_string(hide_password=False)


def _migrated_template() -> str:
    """A database at the migrations' head, made once per test process: a test's database is a
    copy of it (CREATE DATABASE … TEMPLATE: ~0.2 s instead of running every migration)."""
    global _template
    if _template is None:
        from app.config import Settings
        from app.db import upgrade

        name = f"tmpl_{os.getpid()}"
        with _server().connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        _created.add(name)
        upgrade(Settings(database_url=_url(name)))
        _template = name
    return _template


def database_url_for(data_dir: Path | str, *, empty: bool = False) -> str:
    """The PostgreSQL database of this data dir, created now if it does not exist: migrated to
    head (like an archive opened once), or `empty` (for tests of the migrations themselves)."""
    from sqlalchemy import text

    name = database_name(data_dir)
    if name not in _created:
        template = "" if empty else f' TEMPLATE "{_migrated_template()}"'
        with _server().connect() as conn:
            if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}) is None:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"{template}')
        _created.add(name)
    return _url(name)


def copy_database(src_data_dir: Path | str, dst_data_dir: Path | str) -> None:
    """The archive of one data dir copied to another's database (CREATE DATABASE … TEMPLATE;
    the source's idle pooled connections are ended first: their pools reconnect on next use)."""
    from sqlalchemy import text

    src, dst = database_name(src_data_dir), database_name(dst_data_dir)
    with _server().connect() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d "
                "AND pid <> pg_backend_pid()"
            ),
            {"d": src},
        )
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{dst}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{dst}" TEMPLATE "{src}"')
    _created.add(dst)


def drop_created() -> None:
    """Drop the databases this process created (end of the session)."""
    if not _created:
        return
    with _server().connect() as conn:
        for name in sorted(_created):
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _created.clear()


def install() -> None:
    """Point every Settings without an explicit database URL at its data dir's database."""
    if not POSTGRES:
        return
    from app.config import Settings, normalize_url

    def db_url(self) -> str:
        return normalize_url(self.database_url) if self.database_url else database_url_for(self.data_dir)

    Settings.db_url = property(db_url)
