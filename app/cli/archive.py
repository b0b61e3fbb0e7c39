"""The archive as a whole: `archive export`, `stats`, and `db upgrade` / `db copy`."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from app.cli.common import fail, guarded, open_archive, out
from app.config import get_settings


def export(out_file: Path = typer.Option(None, "--out", help="Write here instead of stdout.")) -> None:
    """The whole archive as JSON Lines (sorted by statement key; deterministic)."""
    from app.browse.export import export_lines
    from app.db import session_scope

    _engine, factory = open_archive(get_settings())
    target = out_file.open("w", encoding="utf-8", newline="\n") if out_file else sys.stdout
    try:
        with session_scope(factory) as session:
            for line in export_lines(session):
                target.write(line)
    finally:
        if out_file:
            target.close()


def stats() -> None:
    """Counts by kind, speaker and year."""
    from app.cli.render import render_stats

    _engine, factory = open_archive(get_settings())
    with factory() as session:
        render_stats(out, session)


def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply pending migrations."""
    from app.db import shown_url, upgrade

    settings = get_settings()
    guarded(lambda: upgrade(settings, revision), settings)
    out.print(f"database at {shown_url(settings.db_url)} is at revision {revision}")


def db_copy(
    to: str = typer.Option(
        ...,
        "--to",
        help="SQLAlchemy URL of an empty database, e.g. "
        "postgresql+psycopg://archive@db/archive or sqlite:///other.sqlite3",
    ),
) -> None:
    """Copy the whole archive into another database (SQLite to PostgreSQL and back)."""
    from app.config import normalize_url
    from app.db import shown_url
    from app.db_copy import CopyError, copy_database

    settings = get_settings()
    try:
        report = guarded(lambda: copy_database(settings, normalize_url(to)), settings)
    except CopyError as e:
        fail(str(e), 1)
    out.print(
        f"copied {report.rows:,} rows of {len(report.tables)} tables from {shown_url(settings.db_url)} "
        f"to {shown_url(normalize_url(to))}",
        markup=False,
        highlight=False,
    )
