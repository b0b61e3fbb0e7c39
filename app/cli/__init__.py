"""Command line: `python -m app …` / `archive …`, a few lines per command over the core.

    common     consoles, one-line errors, opening the archive, the ingest lock, progress bars
    indexing   the index kept up to date by the commands (app.outbox), published, reported
    render     terminal tables (rich)
    parse      parse                         ingest    ingest, warnings, import, reparse
    search     search, quote                 index     reindex, check, index publish/follow
    archive    export, stats, db upgrade/copy  duplicates duplicates
    serve      serve                         citations citations fill

The commands are registered here, in the order `--help` lists them. Each command imports
its subsystem when it runs (`archive parse` starts without the database, Whoosh or FastAPI).
"""

from __future__ import annotations

import typer

from app.cli import archive, citations, duplicates, index, ingest, parse, search, serve
from app.cli.common import err
from app.config import get_settings

cli = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="The diplomatic statements archive.",
)
db_cli = typer.Typer(no_args_is_help=True, help="Database schema (Alembic migrations) and copies.")
cli.add_typer(db_cli, name="db")
index_cli = typer.Typer(no_args_is_help=True, help="Search index snapshots for several web nodes.")
cli.add_typer(index_cli, name="index")
citations_cli = typer.Typer(no_args_is_help=True, help="Citation texts rendered ahead of time.")
cli.add_typer(citations_cli, name="citations")

db_cli.command("upgrade")(archive.db_upgrade)
db_cli.command("copy")(archive.db_copy)
cli.command()(parse.parse)
cli.command()(ingest.ingest)
cli.command("warnings")(ingest.warnings_cmd)
cli.command("search")(search.search_command)
cli.command("quote")(search.quote_command)
cli.command()(index.reindex)
cli.command()(index.check)
index_cli.command("publish")(index.index_publish)
index_cli.command("follow")(index.index_follow)
cli.command()(archive.export)
cli.command("import")(ingest.import_)
cli.command()(ingest.reparse)
cli.command()(archive.stats)
cli.command()(duplicates.duplicates)
cli.command()(serve.serve)
citations_cli.command("fill")(citations.fill)


def main() -> None:
    """The CLI: a database error that reaches here (the server went away mid-command, a role
    without the rights a command needs), a full disk or a damaged database file is one line on
    stderr and an exit status (app.storage), never a traceback."""
    from sqlalchemy.exc import DBAPIError

    from app.db import DatabaseUnavailable, describe_error
    from app.storage import DISK_FULL_EXIT, database_damage, disk_full, disk_full_message

    try:
        cli()
    except Exception as e:
        if disk_full(e):
            message, status = disk_full_message(get_settings()), DISK_FULL_EXIT
        elif damage := database_damage(e):
            message, status = damage, 1
        elif isinstance(e, DBAPIError | DatabaseUnavailable):
            message, status = describe_error(e, get_settings().db_url), 1
        else:
            raise
        err.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
        raise SystemExit(status) from None
