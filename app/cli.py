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
db_cli = typer.Typer(no_args_is_help=True, help="Database schema (Alembic migrations) and copies.")
cli.add_typer(db_cli, name="db")
index_cli = typer.Typer(no_args_is_help=True, help="Search index snapshots for several web nodes.")
cli.add_typer(index_cli, name="index")
err = Console(stderr=True)
out = Console()


def printable(text: str) -> str:
    """A file name on one line: control characters (a newline in a name) escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def fail(message: str, code: int = 2) -> None:
    err.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _open(settings: Settings):
    from sqlalchemy.exc import DBAPIError

    from app.db import DatabaseUnavailable, describe_error, open_database, shown_url
    from app.storage import database_damage, database_file_problem, disk_full, disk_full_message

    if problem := database_file_problem(settings):  # never migrate an empty file over an archive's index
        fail(problem, 1)
    try:
        return open_database(settings)
    except (DBAPIError, DatabaseUnavailable) as e:  # unreachable server, no rights, a damaged file…
        if disk_full(e):
            fail(disk_full_message(settings), 4)
        fail(database_damage(e) or f"cannot open the archive: {describe_error(e, settings.db_url)}", 1)
    except Exception as e:  # unwritable data dir, damaged file, full disk…
        if disk_full(e):
            fail(disk_full_message(settings), 4)
        fail(database_damage(e) or f"cannot open the archive at {shown_url(settings.db_url)}: {e}", 1)


def _check_speaker_table() -> None:
    """A bad ARCHIVE_SPEAKERS_FILE stops the command before any page is read, naming the file."""
    from app.ingest.speaker_table import TableError, default_table

    try:
        default_table()
    except TableError as e:
        fail(str(e), 2)


@db_cli.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply pending migrations."""
    from app.db import shown_url, upgrade

    settings = get_settings()
    _guarded(lambda: upgrade(settings, revision), settings)
    out.print(f"database at {shown_url(settings.db_url)} is at revision {revision}")


@db_cli.command("copy")
def db_copy(to: str = typer.Option(..., "--to", help="SQLAlchemy URL of an empty database, e.g. "
                                                   "postgresql+psycopg://archive@db/archive or sqlite:///other.sqlite3")) -> None:
    """Copy the whole archive into another database (SQLite to PostgreSQL and back)."""
    from app.config import normalize_url
    from app.db import shown_url
    from app.db_copy import CopyError, copy_database

    settings = get_settings()
    try:
        report = _guarded(lambda: copy_database(settings, normalize_url(to)), settings)
    except CopyError as e:
        fail(str(e), 1)
    out.print(f"copied {report.rows:,} rows of {len(report.tables)} tables from {shown_url(settings.db_url)} "
              f"to {shown_url(normalize_url(to))}", markup=False, highlight=False)


def _guarded(run, settings: Settings):
    """run(); a database error (server gone, rights missing, …) ends the command with one line."""
    from sqlalchemy.exc import DBAPIError

    from app.db import DatabaseUnavailable, describe_error

    try:
        return run()
    except (DBAPIError, DatabaseUnavailable) as e:
        fail(describe_error(e, settings.db_url), 1)


@cli.command()
def parse(
    file: Path = typer.Argument(..., help="A page to parse (nothing is written)."),
    as_json: bool = typer.Option(False, "--json", help="Print the parse as JSON."),
    explain: bool = typer.Option(False, "--explain", help="Print each line with what it was taken for."),
) -> None:
    """Parse one page and print what the ingestion job would extract."""
    from app.ingest.page_file import read_limited
    from app.ingest.parse import explain_page
    from app.ingest.readers import parse_document

    settings = get_settings()
    _check_speaker_table()
    try:
        raw = read_limited(file, settings.max_page_bytes)
        doc = parse_document(raw, file.name, max_bytes=settings.max_page_bytes)
        lines = explain_page(doc.text) if explain else []
    except OSError as e:
        fail(f"{file}: cannot read: {e.strerror or e}")
    except PageError as e:
        fail(f"{file}: {e}", 1)
    if explain:
        from app.cli_render import render_explain

        render_explain(out, lines)
        return
    data = page_to_dict(doc.page, path=str(file), sha256=hashlib.sha256(raw).hexdigest())
    data["source"].update(format=doc.format, url=doc.url, url_source=doc.url_source, publisher=doc.publisher)
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
    manifest: Path = typer.Option(None, "--manifest",
                                  help="CSV with columns path,url,captured: original URL and capture time of pages."),
    show_warnings: bool = typer.Option(False, "--warnings",
                                       help="After the summary, what the parser dropped or guessed: warnings by kind and per file."),
) -> None:
    """Parse pages (text, HTML, WARC) and load them into the archive (each page in its own transaction)."""
    from app.cli_render import render_summary
    from app.ingest.manifest import ManifestError, read_manifest
    from app.ingest.run import ingest_paths
    from app.locking import LockBusy, archive_lock
    from app.queries import archive_summary

    settings = get_settings()
    _check_speaker_table()
    try:
        entries = read_manifest(manifest) if manifest else {}
    except ManifestError as e:
        fail(str(e), 2)
    _engine, factory = _open(settings)
    try:
        with archive_lock(settings, "ingest", settings.data_dir / "ingest.lock", timeout=settings.ingest_lock_timeout,
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
                                           manifest=entries,
                                           progress=lambda i, n: bar.update(task, completed=i, total=n))
            except BaseException:
                if follower is not None:
                    follower.abort()
                raise
            for note in summary.notes:
                err.print(f"note: {printable(note)}", markup=False, highlight=False, soft_wrap=True)
            for failure in summary.failures:
                err.print(f"error: {printable(failure.path)}: {failure.error}", markup=False, highlight=False,
                          soft_wrap=True)
            render_summary(out, summary)
            if show_warnings:
                _print_warnings(factory, [r.path for r in summary.results if r.status in ("new", "updated")])
            mark = _watermark(factory) if settings.index_publish else None  # exact: no other ingest runs
            indexed = _finish_follower(settings, factory, follower) if follower else _sync_index(settings, factory)
            if indexed and settings.index_publish:
                indexed = _publish(settings, factory, settings.index_publish, mark)
    except LockBusy as e:
        fail(str(e), 1)
    raise typer.Exit(1 if summary.failures or not indexed else 0)


def _print_warnings(factory, paths: list[str] | None, contains: str | None = None, as_json: bool = False) -> None:
    from app.cli_render import render_warnings
    from app.ingest.warnings_report import stored_report

    with factory() as session:
        report = stored_report(session, paths, contains)
    if as_json:
        import json

        out.print_json(json.dumps(report.as_json(), ensure_ascii=False))
    else:
        render_warnings(out, report)


@cli.command("warnings")
def warnings_cmd(
    file: str = typer.Option(None, "--file", help="Only the pages whose path contains this text."),
    as_json: bool = typer.Option(False, "--json", help="As JSON: total, by_kind, files[{path, warnings}]."),
) -> None:
    """What ingest dropped or guessed on the pages in the archive: warnings by kind and per file."""
    settings = get_settings()
    _engine, factory = _open(settings)
    _print_warnings(factory, None, file, as_json)


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
    if as_json:  # the object of GET /api/search: bidi controls closed in each string (app.bidi)
        from app.bidi import close_bidi_all

        sys.stdout.write(json.dumps(close_bidi_all(result), ensure_ascii=False, indent=1) + "\n")
    else:
        render_results(out, result)


@cli.command("quote")
def quote_command(
    quote: str = typer.Argument(..., help='The quote as you have it, e.g. "we will never accept … sanctions".'),
    limit: int = typer.Option(10, "--limit", help="Results at most (1-50)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result object as JSON (docs/quote-json.md)."),
) -> None:
    """Find where a quote was said: source paragraphs ranked by how well they align with it."""
    from app.quote import QuoteError, quote_archive
    from app.quote.terminal import render_quote
    from app.search import SearchIndexError

    settings = get_settings()
    _engine, factory = _open(settings)
    if not _sync_index(settings, factory, console=err, reader=True):
        raise typer.Exit(1)
    try:
        result = quote_archive(settings, factory, quote, limit=limit)
    except QuoteError as e:
        fail(e.message, 2)
    except SearchIndexError as e:
        fail(str(e), 1)
    if as_json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    else:
        render_quote(out, result)


@cli.command()
def reindex() -> None:
    """Rebuild the search index from the database in a fresh directory, then swap it in."""
    from app.search import SearchIndexError
    from app.search_sync import reindex as rebuild

    settings = get_settings()
    _engine, factory = _open(settings)
    mark = _watermark(factory) if settings.index_publish else None  # before: the snapshot covers it
    try:
        with _index_bar("reindex") as bar:
            task = bar.add_task("reindex", total=None)
            run = rebuild(settings, factory, progress=lambda i, n: bar.update(task, completed=i, total=n),
                          lock_timeout=settings.ingest_lock_timeout)  # waits for a running ingest's index
    except SearchIndexError as e:
        fail(str(e), 1)
    if settings.index_publish and not _publish(settings, factory, settings.index_publish, mark):
        raise typer.Exit(1)
    rate = run.documents / run.seconds if run.seconds else 0
    out.print(f"indexed {run.documents:,} paragraphs of {run.statements:,} statements in {run.seconds:.1f} s "
              f"({rate:,.0f} paragraphs/s): {settings.index_dir / run.generation}")


@cli.command()
def check(
    full: bool = typer.Option(False, "--full", help="Decode every posting of the index, not a sample of "
                                                     "terms per segment (slower: grows with the index)."),
) -> None:
    """Compare the database and the search index; exit 1 and say what differs."""
    from app.search import check_index

    settings = get_settings()
    _engine, factory = _open(settings)
    report = check_index(settings, factory, full=full)
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

def _watermark(factory) -> dict:
    from app.index_queue import watermark

    with factory() as session:
        return watermark(session)


def _publish(settings: Settings, factory, dest: Path, mark: dict | None = None) -> bool:
    """Publish the index (synced after `mark` was read) as a snapshot for following nodes."""
    from app.search import SearchIndexError
    from app.search.publish import publish

    mark = mark if mark is not None else _watermark(factory)
    try:
        name = publish(settings, Path(dest), mark, lock_timeout=settings.ingest_lock_timeout)
    except (SearchIndexError, OSError) as e:
        err.print(f"error: search index not published to {printable(str(dest))}: {e}", markup=False,
                  highlight=False, soft_wrap=True)
        return False
    out.print(f"search index published: {printable(str(Path(dest) / name))}", markup=False, highlight=False)
    return True


@index_cli.command("publish")
def index_publish(dest: Path = typer.Argument(None, help="Directory to publish to (default: ARCHIVE_INDEX_PUBLISH).")) -> None:
    """Bring the index up to date, then publish it as a checksummed snapshot to DEST."""
    settings = get_settings()
    dest = dest or settings.index_publish
    if dest is None:
        fail("say where to publish: archive index publish DIR (or set ARCHIVE_INDEX_PUBLISH)")
    _engine, factory = _open(settings)
    mark = _watermark(factory)  # before the sync: the snapshot covers at least this
    if not _sync_index(settings, factory) or not _publish(settings, factory, dest, mark):
        raise typer.Exit(1)


@index_cli.command("follow")
def index_follow(
    source: str = typer.Option(None, "--from", help="Published directory or its http(s) URL "
                                                    "(default: ARCHIVE_INDEX_FOLLOW)."),
    once: bool = typer.Option(False, "--once", help="Install the latest snapshot if new, then exit."),
    interval: float = typer.Option(None, "--interval", help="Seconds between looks (default: "
                                                            "ARCHIVE_INDEX_FOLLOW_INTERVAL)."),
) -> None:
    """Install each snapshot published by the ingest node into this node's index (atomically)."""
    from app.search.publish import PublishError, follow, follow_once

    settings = get_settings()
    source = source or settings.index_follow
    if not source:
        fail("say what to follow: archive index follow --from DIR|URL (or set ARCHIVE_INDEX_FOLLOW)")
    if once:
        try:
            done = follow_once(settings, source)
        except PublishError as e:
            fail(str(e), 1)
        out.print(f"installed {done.snapshot} as {done.generation}" if done else "the latest snapshot is installed")
        return
    try:
        follow(settings, source, interval=interval or settings.index_follow_interval,
               report=lambda msg: err.print(msg, markup=False, highlight=False, soft_wrap=True))
    except KeyboardInterrupt:
        pass

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


@cli.command("import")
def import_(file: Path = typer.Argument(..., help="An export (JSON Lines) of `archive export`.")) -> None:
    """Rebuild an archive from an export: statements, versions, retired paragraphs and redirects
    (into an empty archive), then the search index."""
    from app.locking import LockBusy, archive_lock
    from app.restore import ImportError_, import_export

    settings = get_settings()
    if not file.is_file():
        fail(f"{printable(str(file))}: no such file", 2)
    _engine, factory = _open(settings)
    try:
        with archive_lock(settings, "ingest", settings.data_dir / "ingest.lock", timeout=settings.ingest_lock_timeout,
                          what="an ingest", on_wait=lambda msg: err.print(msg, markup=False)):
            try:
                report = _guarded(lambda: import_export(factory, file), settings)
            except ImportError_ as e:
                fail(str(e), 2)
            except (UnicodeDecodeError, OSError) as e:
                fail(f"{printable(str(file))}: cannot read: {e}", 2)
            out.print(f"imported {report.statements:,} statements ({report.documents:,} source captures, "
                      f"{report.redirects:,} redirects)", markup=False, highlight=False)
            indexed = _sync_index(settings, factory)
    except LockBusy as e:
        fail(str(e), 1)
    raise typer.Exit(0 if indexed else 1)


@cli.command()
def reparse() -> None:
    """Parse every stored source again with the current parser; a changed parse is kept as one
    more version (earlier paragraph keys keep resolving to their words)."""
    from app.ingest.reparse import reparse_all
    from app.locking import LockBusy, archive_lock

    settings = get_settings()
    _engine, factory = _open(settings)
    try:
        with archive_lock(settings, "ingest", settings.data_dir / "ingest.lock", timeout=settings.ingest_lock_timeout,
                          what="an ingest", on_wait=lambda msg: err.print(msg, markup=False)):
            results = _guarded(lambda: reparse_all(factory, max_bytes=settings.max_page_bytes), settings)
            for r in results:
                if r.status == "failed":
                    err.print(f"error: {printable(r.path)}: {r.error}", markup=False, highlight=False, soft_wrap=True)
            changed = sum(1 for r in results if r.changed_keys or r.removed_keys)
            out.print(f"re-parsed {len(results):,} sources: {changed:,} changed statements", markup=False,
                      highlight=False)
            indexed = _sync_index(settings, factory)
    except LockBusy as e:
        fail(str(e), 1)
    raise typer.Exit(1 if not indexed or any(r.status == "failed" for r in results) else 0)


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
    if settings.index_follow:
        _first_snapshot(settings)  # a node that follows published snapshots builds no index itself
    else:
        try:
            _sync_index(settings, factory)  # a missing or outdated search index is rebuilt before serving
        except Exception as e:
            from app.storage import disk_full

            if not disk_full(e):
                raise
            err.print("note: the disk is full: indexing is pending (the statements queued stay queued); "
                      "serving the search index as it is", markup=False, highlight=False, soft_wrap=True)
    engine.dispose()
    from app.db import shown_url

    out.print(f"serving {shown_url(settings.db_url)} at http://{host}:{port}/ ({workers} worker{'s' if workers > 1 else ''})")
    from app.web.server import run

    follower = _start_index_follower(settings) if settings.index_follow else None
    metrics_dir = None
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # /metrics adds up all workers
        import tempfile

        metrics_dir = tempfile.mkdtemp(prefix="archive-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    try:
        run(host=host, port=port, workers=workers)
    finally:
        if metrics_dir:
            import shutil

            shutil.rmtree(metrics_dir, ignore_errors=True)
        if follower is not None and follower.poll() is None:
            follower.terminate()
            follower.wait(timeout=10)


def _first_snapshot(settings: Settings, wait: float = 60.0) -> None:
    """Install the latest published snapshot before serving (waiting for a first one while this
    node has no index); a node with an index serves it and catches up in the background."""
    import time

    from app.search import index_state
    from app.search.publish import PublishError, follow_once

    deadline = time.monotonic() + wait
    while True:
        try:
            done = follow_once(settings, settings.index_follow)
            if done:
                out.print(f"search index: installed {done.snapshot}")
            return
        except PublishError as e:
            if index_state(settings.index_dir) == "ok" or time.monotonic() > deadline:
                err.print(f"note: {e}; serving the index this node has" if index_state(settings.index_dir) == "ok"
                          else f"error: {e}; searches answer 503 until a snapshot is installed",
                          markup=False, highlight=False, soft_wrap=True)
                return
            time.sleep(1.0)


def _start_index_follower(settings: Settings):
    """`archive index follow` beside the server (same environment), stopped with it."""
    import subprocess

    return subprocess.Popen([sys.executable, "-m", "app", "index", "follow", "--from", settings.index_follow])


def _loopback(host: str) -> bool:
    import ipaddress

    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


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
