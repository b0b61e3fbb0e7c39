"""Command line: `python -m app …` / `archive …` (thin over app.ingest, app.db, app.export)."""
from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from app.config import Settings, get_settings
from app.ingest.types import PageError, page_to_dict

cli = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="The diplomatic statements archive.")
db_cli = typer.Typer(no_args_is_help=True, help="Database schema (Alembic migrations).")
cli.add_typer(db_cli, name="db")
err = Console(stderr=True)
out = Console()


def printable(text: str) -> str:
    """A file name on one line: control characters (a newline in a name) escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def fail(message: str, code: int = 2) -> None:
    err.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _open(settings: Settings):
    from app.db import open_database
    from app.storage import database_damage, database_file_problem, disk_full, disk_full_message

    if problem := database_file_problem(settings):  # never migrate an empty file over an archive's index
        fail(problem, 1)
    try:
        return open_database(settings)
    except Exception as e:  # unreachable database, unwritable data dir, damaged file, full disk…
        if disk_full(e):
            fail(disk_full_message(settings), 4)
        fail(database_damage(e) or f"cannot open the archive at {settings.db_url}: {e}", 1)


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
    from app.locking import LockBusy, exclusive_lock
    from app.queries import archive_summary

    settings = get_settings()
    _engine, factory = _open(settings)
    try:
        with exclusive_lock(settings.data_dir / "ingest.lock", timeout=settings.ingest_lock_timeout,
                            what="another ingest", on_wait=lambda msg: err.print(msg, markup=False)):
            if if_empty:
                with factory() as session:
                    if archive_summary(session).statements:
                        out.print("the archive is not empty: nothing ingested")
                        raise typer.Exit(0 if _sync_index(settings, factory) else 1)
            follower = None

            def start_follower(files: int) -> None:
                nonlocal follower
                follower = _index_follower(settings, files)

            try:
                with Progress(TextColumn("ingest"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                              console=err, transient=True) as bar:
                    task = bar.add_task("ingest", total=None)
                    summary = ingest_paths(factory, paths, max_bytes=settings.max_page_bytes, force=force,
                                           workers=settings.ingest_workers, before_load=start_follower,
                                           progress=lambda i, n: bar.update(task, completed=i, total=n))
            except BaseException:
                if follower is not None:
                    follower.abort()
                raise
            for failure in summary.failures:
                err.print(f"error: {printable(failure.path)}: {failure.error}", markup=False, highlight=False,
                          soft_wrap=True)
            render_summary(out, summary)
            indexed = _finish_follower(settings, factory, follower) if follower else _sync_index(settings, factory)
    except LockBusy as e:
        fail(str(e), 1)
    raise typer.Exit(1 if summary.failures or not indexed else 0)


def _index_follower(settings: Settings, files: int):
    """For a run of many pages on more than one core: a process that indexes the outbox while
    the pages load (started here, finished by _finish_follower); None: index after loading."""
    from app.search_sync import FOLLOW_FROM_FILES, IndexFollower

    if (not settings.index_while_loading or files < FOLLOW_FROM_FILES or settings.ingest_workers <= 1
            or (os.cpu_count() or 1) <= 1):
        return None
    return IndexFollower(settings).start()


def _finish_follower(settings: Settings, factory, follower) -> bool:
    with _index_bar("index") as bar:
        bar.add_task("index", total=None)
        run, problem = follower.finish()
    if run is None:  # e.g. another index writer held the lock: index the usual way, now
        err.print(f"note: indexing while loading failed ({problem}); indexing now", markup=False,
                  highlight=False, soft_wrap=True)
        return _sync_index(settings, factory)
    _report_index_run(run)
    return _sync_index(settings, factory)  # nothing left unless pages were queued meanwhile


def _report_index_run(run, console: Console = out) -> None:
    if run.rebuilt:
        console.print(f"search index built: {run.documents:,} paragraphs of {run.statements:,} statements")
    elif run.statements or run.removed:
        console.print(f"search index updated: {run.statements:,} statements ({run.documents:,} paragraphs) "
                      f"re-indexed, {run.removed:,} removed")


# --- search index (app.search) --------------------------------------------------------------

def _index_bar(label: str) -> Progress:
    return Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=err, transient=True)


def _sync_index(settings: Settings, factory, console: Console = out, *, reader: bool = False) -> bool:
    """Index what the database has queued (rebuilt if the index is missing or outdated).
    `reader`: a command that only reads (search) does not wait for another index writer (an
    ingest indexing as it loads) when the index it has is usable: it reads that, with a note."""
    from app.search import IndexBusy, SearchIndexError, index_state
    from app.search_sync import needs_sync, sync_index

    if not needs_sync(settings, factory):
        return True
    usable = reader and index_state(settings.index_dir) == "ok"
    try:
        with _index_bar("index") as bar:
            task = bar.add_task("index", total=None)
            run = sync_index(settings, factory, progress=lambda i, n: bar.update(task, completed=i, total=n),
                             lock_timeout=1.0 if usable else None)
    except IndexBusy as e:
        if not usable:
            err.print(f"error: search index not updated: {e}", markup=False, highlight=False, soft_wrap=True)
            return False
        err.print("note: another process is writing the search index (an ingest?); searching the index as "
                  "it is, without the pages it has not indexed yet", markup=False, highlight=False, soft_wrap=True)
        return True
    except SearchIndexError as e:
        err.print(f"error: search index not updated: {e}", markup=False, highlight=False, soft_wrap=True)
        return False
    _report_index_run(run, console)
    return True


@cli.command("search")
def search_command(
    query: str = typer.Argument(..., help='Query, e.g. \'said:lavrov "rule of law" -nato date:2021\'.'),
    speaker: Annotated[list[str] | None, typer.Option("--speaker", help="A speaker of the statement (repeatable).")] = None,
    said: Annotated[list[str] | None, typer.Option("--said", help="Paragraphs this person said (repeatable).")] = None,
    date_from: str = typer.Option(None, "--from", help="From date: YYYY, YYYY-MM or YYYY-MM-DD."),
    date_to: str = typer.Option(None, "--to", help="To date: YYYY, YYYY-MM or YYYY-MM-DD."),
    kind: Annotated[list[str] | None, typer.Option("--kind", help="interview, remarks, briefing, … (repeatable).")] = None,
    venue: Annotated[list[str] | None, typer.Option("--venue", help="Venue (repeatable).")] = None,
    topic: Annotated[list[str] | None, typer.Option("--topic", help="Topic (repeatable).")] = None,
    questions: str = typer.Option(None, "--questions", help="exclude | only"),
    sort: str = typer.Option("relevance", "--sort", help="relevance | newest | oldest"),
    page: int = typer.Option(1, "--page"),
    per_page: int = typer.Option(20, "--per-page", help="Statements per page (at most 100)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result object as JSON."),
) -> None:
    """Search the archive's paragraphs; results grouped by statement."""
    from app.search import QueryError, SearchIndexError, search_archive
    from app.search.terminal import render_results

    settings = get_settings()
    _engine, factory = _open(settings)
    if not _sync_index(settings, factory, console=err, reader=True):
        raise typer.Exit(1)
    try:
        result = search_archive(settings, factory, query, speaker=speaker, said=said, date_from=date_from,
                                date_to=date_to, kind=kind, venue=venue, topic=topic, questions=questions,
                                sort=sort, page=page, per_page=per_page)
    except QueryError as e:
        fail(e.message, 2)
    except SearchIndexError as e:
        fail(str(e), 1)
    if as_json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    else:
        render_results(out, result)


@cli.command()
def reindex() -> None:
    """Rebuild the search index from the database in a fresh directory, then swap it in."""
    from app.search import SearchIndexError
    from app.search_sync import reindex as rebuild

    settings = get_settings()
    _engine, factory = _open(settings)
    try:
        with _index_bar("reindex") as bar:
            task = bar.add_task("reindex", total=None)
            run = rebuild(settings, factory, progress=lambda i, n: bar.update(task, completed=i, total=n),
                          lock_timeout=settings.ingest_lock_timeout)  # waits for a running ingest's index
    except SearchIndexError as e:
        fail(str(e), 1)
    rate = run.documents / run.seconds if run.seconds else 0
    out.print(f"indexed {run.documents:,} paragraphs of {run.statements:,} statements in {run.seconds:.1f} s "
              f"({rate:,.0f} paragraphs/s): {settings.index_dir / run.generation}")


@cli.command()
def check() -> None:
    """Compare the database and the search index; exit 1 and say what differs."""
    from app.search import check_index

    settings = get_settings()
    _engine, factory = _open(settings)
    report = check_index(settings, factory)
    if report.ok:
        out.print(f"ok: {report.index_documents:,} paragraphs indexed, database and search index agree")
        return
    _report_queue(factory)
    if report.problem:
        fail(report.problem, 1)
    out.print(f"{report.database_paragraphs:,} current paragraphs in the database, "
              f"{report.index_documents:,} documents in the search index")
    for what, keys in (("missing from the index", report.missing), ("stale in the index", report.stale),
                       ("indexed more than once", report.duplicates),
                       ("statements indexed at an older version", report.outdated)):
        if keys:
            out.print(f"{len(keys):,} {what}:", markup=False, highlight=False, soft_wrap=True)
            for key in keys[:20]:
                out.print(f"  {key}", markup=False, highlight=False, soft_wrap=True)
            if len(keys) > 20:
                out.print(f"  … and {len(keys) - 20:,} more", markup=False, highlight=False)
    err.print("error: the search index and the database disagree; run `archive reindex`",
              markup=False, highlight=False)
    raise typer.Exit(1)

def _report_queue(factory) -> None:
    """Statements an interrupted ingest left for the index (the outbox): the usual cause of a lag."""
    from sqlalchemy import func, select

    from app.models import IndexQueue

    with factory() as session:
        queued = session.scalar(select(func.count(func.distinct(IndexQueue.statement_key)))) or 0
    if queued:
        err.print(f"note: {queued:,} statement(s) are queued for the search index (an ingest was interrupted?); "
                  "the next `archive ingest` or `archive reindex` indexes them", markup=False, highlight=False,
                  soft_wrap=True)

# --- end of search index commands ------------------------------------------------------------


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


@cli.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port."),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="Worker processes."),
) -> None:
    """Serve the web pages and the JSON API (uvicorn)."""
    settings = get_settings()
    if not _loopback(host) and not (settings.public_url or settings.allowed_hosts):
        fail(f"refusing to serve on {host}: citation and feed URLs would come from the Host header clients "
             "send. Set ARCHIVE_PUBLIC_URL (e.g. https://archive.example.org) or ARCHIVE_ALLOWED_HOSTS "
             "(the host names this server answers to), or serve on 127.0.0.1 behind a proxy that sets them.", 2)
    engine, factory = _open(settings)  # migrations applied once; a clear error if the archive cannot be opened
    try:
        _sync_index(settings, factory)  # a missing or outdated search index is rebuilt before serving
    except Exception as e:
        from app.storage import disk_full

        if not disk_full(e):
            raise
        err.print("note: the disk is full: indexing is pending (the statements queued stay queued); serving "
                  "the search index as it is", markup=False, highlight=False, soft_wrap=True)
    engine.dispose()
    out.print(f"serving {settings.db_url} at http://{host}:{port}/ ({workers} worker{'s' if workers > 1 else ''})")
    from app.web.server import run

    run(host=host, port=port, workers=workers)


def _loopback(host: str) -> bool:
    import ipaddress

    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def main() -> None:
    """The `archive` command: a full disk or a damaged database is one line and an exit status
    (app.storage), never a traceback."""
    from app.storage import DISK_FULL_EXIT, database_damage, disk_full, disk_full_message

    try:
        cli()
    except Exception as e:
        if disk_full(e):
            err.print(f"error: {disk_full_message(get_settings())}", markup=False, highlight=False, soft_wrap=True)
            raise SystemExit(DISK_FULL_EXIT) from None
        if message := database_damage(e):
            err.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
            raise SystemExit(1) from None
        raise
