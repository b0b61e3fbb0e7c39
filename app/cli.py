"""Command line: `python -m app …` / `archive …` (thin over app.ingest, app.db, app.export)."""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from app.config import Settings, get_settings
from app.ingest.types import PageError, page_to_dict

cli = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="The diplomatic statements archive.")
db_cli = typer.Typer(no_args_is_help=True, help="Database schema (Alembic migrations).")
cli.add_typer(db_cli, name="db")
err = Console(stderr=True)
out = Console()


def fail(message: str, code: int = 2) -> None:
    err.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _open(settings: Settings):
    from app.db import open_database

    try:
        return open_database(settings)
    except Exception as e:  # unreachable database, unwritable data dir, …
        fail(f"cannot open the archive at {settings.db_url}: {e}", 1)


@db_cli.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply pending migrations."""
    from app.db import upgrade

    upgrade(get_settings(), revision)
    out.print(f"database at {get_settings().db_url} is at revision {revision}")


@cli.command()
def parse(
    file: Path = typer.Argument(..., help="A page to parse (nothing is written)."),
    as_json: bool = typer.Option(False, "--json", help="Print the parse as JSON."),
) -> None:
    """Parse one page and print what the ingestion job would extract."""
    from app.ingest.readers import parse_document
    from app.ingest.run import read_limited

    settings = get_settings()
    try:
        raw = read_limited(file, settings.max_page_bytes)
        _text, page = parse_document(raw, file.suffix)
    except OSError as e:
        fail(f"{file}: cannot read: {e.strerror or e}")
    except PageError as e:
        fail(f"{file}: {e}", 1)
    data = page_to_dict(page, path=str(file), sha256=hashlib.sha256(raw).hexdigest())
    if as_json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    else:
        from app.cli_render import render_parse

        render_parse(out, data)


@cli.command()
def ingest(
    paths: list[str] = typer.Argument(..., help="Files, directories (recursive) or globs."),
    force: bool = typer.Option(False, help="Re-parse pages even when unchanged."),
    if_empty: bool = typer.Option(False, "--if-empty", help="Do nothing if the archive has statements."),
) -> None:
    """Parse pages and load them into the archive (each page in its own transaction)."""
    from app.cli_render import render_summary
    from app.ingest.run import ingest_paths
    from app.queries import archive_summary

    settings = get_settings()
    _engine, factory = _open(settings)
    if if_empty:
        with factory() as session:
            if archive_summary(session).statements:
                out.print("the archive is not empty: nothing ingested")
                return
    with Progress(TextColumn("ingest"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=err, transient=True) as bar:
        task = bar.add_task("ingest", total=None)
        summary = ingest_paths(factory, paths, max_bytes=settings.max_page_bytes, force=force,
                               progress=lambda i, n: bar.update(task, completed=i, total=n))
    for failure in summary.failures:
        err.print(f"error: {failure.path}: {failure.error}", markup=False, highlight=False, soft_wrap=True)
    render_summary(out, summary)
    raise typer.Exit(1 if summary.failures else 0)


@cli.command()
def export(out_file: Path = typer.Option(None, "--out", help="Write here instead of stdout.")) -> None:
    """The whole archive as JSON Lines (sorted by statement key; deterministic)."""
    from app.db import session_scope
    from app.export import export_lines

    _engine, factory = _open(get_settings())
    target = out_file.open("w", encoding="utf-8", newline="\n") if out_file else sys.stdout
    try:
        with session_scope(factory) as session:
            for line in export_lines(session):
                target.write(line)
    finally:
        if out_file:
            target.close()


@cli.command()
def stats() -> None:
    """Counts by kind, speaker and year."""
    from app.cli_render import render_stats

    _engine, factory = _open(get_settings())
    with factory() as session:
        render_stats(out, session)


def main() -> None:
    cli()
