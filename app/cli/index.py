"""The search index commands: `archive reindex`, `check`, and `index publish` / `index follow`
(snapshots for several web nodes)."""

from __future__ import annotations

from pathlib import Path

import typer

from app.cli.common import bar_progress, err, fail, open_archive, out, progress_bar
from app.cli.indexing import publish, report_queue, sync_index, watermark
from app.config import get_settings


def reindex() -> None:
    """Rebuild the search index from the database in a fresh directory, then swap it in."""
    from app.outbox.sync import reindex as rebuild
    from app.search import SearchIndexError

    settings = get_settings()
    _engine, factory = open_archive(settings)
    mark = watermark(factory) if settings.index_publish else None  # before: the snapshot covers it
    try:
        with progress_bar("reindex") as bar:
            run = rebuild(
                settings,
                factory,
                progress=bar_progress(bar, "reindex"),
                lock_timeout=settings.ingest_lock_timeout,
            )  # waits for a running ingest's index
    except SearchIndexError as e:
        fail(str(e), 1)
    if settings.index_publish and not publish(settings, factory, settings.index_publish, mark):
        raise typer.Exit(1)
    rate = run.documents / run.seconds if run.seconds else 0
    out.print(
        f"indexed {run.documents:,} paragraphs of {run.statements:,} statements in {run.seconds:.1f} s "
        f"({rate:,.0f} paragraphs/s): {settings.index_dir / run.generation}"
    )


def check(
    full: bool = typer.Option(
        False,
        "--full",
        help="Decode every posting of the index, not a sample of "
        "terms per segment (slower: grows with the index).",
    ),
) -> None:
    """Compare the database and the search index; exit 1 and say what differs."""
    from app.search import check_index

    settings = get_settings()
    _engine, factory = open_archive(settings)
    report = check_index(settings, factory, full=full)
    if report.ok:
        out.print(f"ok: {report.index_documents:,} paragraphs indexed, database and search index agree")
        return
    report_queue(factory)
    if report.problem:
        fail(report.problem, 1)
    out.print(
        f"{report.database_paragraphs:,} current paragraphs in the database, "
        f"{report.index_documents:,} documents in the search index"
    )
    for what, keys in (
        ("missing from the index", report.missing),
        ("stale in the index", report.stale),
        ("indexed more than once", report.duplicates),
        ("statements indexed at an older version", report.outdated),
    ):
        if keys:
            _print_keys(what, keys)
    err.print(
        "error: the search index and the database disagree; run `archive reindex`",
        markup=False,
        highlight=False,
    )
    raise typer.Exit(1)


def _print_keys(what: str, keys: list[str], shown: int = 20) -> None:
    out.print(f"{len(keys):,} {what}:", markup=False, highlight=False, soft_wrap=True)
    for key in keys[:shown]:
        out.print(f"  {key}", markup=False, highlight=False, soft_wrap=True)
    if len(keys) > shown:
        out.print(f"  … and {len(keys) - shown:,} more", markup=False, highlight=False)


def index_publish(
    dest: Path = typer.Argument(None, help="Directory to publish to (default: ARCHIVE_INDEX_PUBLISH)."),
) -> None:
    """Bring the index up to date, then publish it as a checksummed snapshot to DEST."""
    settings = get_settings()
    dest = dest or settings.index_publish
    if dest is None:
        fail("say where to publish: archive index publish DIR (or set ARCHIVE_INDEX_PUBLISH)")
    _engine, factory = open_archive(settings)
    mark = watermark(factory)  # before the sync: the snapshot covers at least this
    if not sync_index(settings, factory) or not publish(settings, factory, dest, mark):
        raise typer.Exit(1)


def index_follow(
    source: str = typer.Option(
        None, "--from", help="Published directory or its http(s) URL (default: ARCHIVE_INDEX_FOLLOW)."
    ),
    once: bool = typer.Option(False, "--once", help="Install the latest snapshot if new, then exit."),
    interval: float = typer.Option(
        None, "--interval", help="Seconds between looks (default: ARCHIVE_INDEX_FOLLOW_INTERVAL)."
    ),
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
        out.print(
            f"installed {done.snapshot} as {done.generation}" if done else "the latest snapshot is installed"
        )
        return
    try:
        follow(settings, source, interval=interval or settings.index_follow_interval, report=note_line)
    except KeyboardInterrupt:
        pass


def note_line(message: str) -> None:
    err.print(message, markup=False, highlight=False, soft_wrap=True)
