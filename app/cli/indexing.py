"""The search index as the commands keep it: synced from the outbox after a command wrote
pages (app.outbox.sync), built while a big ingest loads (app.outbox.follower), published for
following nodes (app.search.publish); each reported in one line."""

from __future__ import annotations

import os
from pathlib import Path

from rich.console import Console

from app.cli.common import bar_progress, note, out, printable, progress_bar
from app.config import Settings


def sync_index(settings: Settings, factory, console: Console = out, *, reader: bool = False) -> bool:
    """Index what the database has queued (rebuilt if the index is missing or outdated).
    `reader`: a command that only reads (search) does not wait for another index writer (an
    ingest indexing as it loads) when the index it has is usable: it reads that, with a note."""
    from app.outbox import sync
    from app.search import IndexBusy, SearchIndexError, index_state

    if not sync.needs_sync(settings, factory):
        return True
    usable = reader and index_state(settings.index_dir) == "ok"
    try:
        with progress_bar("index") as bar:
            run = sync.sync_index(
                settings, factory, progress=bar_progress(bar, "index"), lock_timeout=1.0 if usable else None
            )
    except IndexBusy as e:
        if not usable:
            note(f"search index not updated: {e}", "error")
            return False
        note(
            "another process is writing the search index (an ingest?); searching the index as "
            "it is, without the pages it has not indexed yet"
        )
        return True
    except SearchIndexError as e:
        note(f"search index not updated: {e}", "error")
        return False
    report_index_run(run, console)
    return True


def report_index_run(run, console: Console = out) -> None:
    if run.rebuilt:
        console.print(f"search index built: {run.documents:,} paragraphs of {run.statements:,} statements")
    elif run.statements or run.removed:
        console.print(
            f"search index updated: {run.statements:,} statements ({run.documents:,} paragraphs) "
            f"re-indexed, {run.removed:,} removed"
        )


def start_follower(settings: Settings, files: int):
    """For a run of many pages on more than one core: a process that indexes the outbox while
    the pages load (finished by index_after_ingest); None: index after loading."""
    from app.outbox.follower import FOLLOW_FROM_FILES, IndexFollower

    if (
        not settings.index_while_loading
        or files < FOLLOW_FROM_FILES
        or settings.ingest_workers <= 1
        or (os.cpu_count() or 1) <= 1
    ):
        return None
    return IndexFollower(settings).start()


def index_after_ingest(settings: Settings, factory, follower) -> bool:
    """The index brought up to date after an ingest (the follower finished, else a sync), then
    published if ARCHIVE_INDEX_PUBLISH says where. False: the index is not up to date."""
    mark = watermark(factory) if settings.index_publish else None  # exact: no other ingest runs
    indexed = _finish_follower(settings, factory, follower) if follower else sync_index(settings, factory)
    if indexed and settings.index_publish:
        indexed = publish(settings, factory, settings.index_publish, mark)
    return indexed


def _finish_follower(settings: Settings, factory, follower) -> bool:
    with progress_bar("index") as bar:
        bar.add_task("index", total=None)
        run, problem = follower.finish()
    if run is None:  # e.g. another index writer held the lock: index the usual way, now
        note(f"indexing while loading failed ({problem}); indexing now")
        return sync_index(settings, factory)
    report_index_run(run)
    return sync_index(settings, factory)  # nothing left unless pages were queued meanwhile


def watermark(factory) -> dict:
    from app.outbox import watermark as read_watermark

    with factory() as session:
        return read_watermark(session)


def publish(settings: Settings, factory, dest: Path, mark: dict | None = None) -> bool:
    """Publish the index (synced after `mark` was read) as a snapshot for following nodes."""
    from app.search import SearchIndexError
    from app.search.publish import publish as publish_snapshot

    mark = mark if mark is not None else watermark(factory)
    try:
        name = publish_snapshot(settings, Path(dest), mark, lock_timeout=settings.ingest_lock_timeout)
    except (SearchIndexError, OSError) as e:
        note(f"search index not published to {printable(str(dest))}: {e}", "error")
        return False
    out.print(f"search index published: {printable(str(Path(dest) / name))}", markup=False, highlight=False)
    return True


def report_queue(factory) -> None:
    """Statements an interrupted ingest left for the index (the outbox): the usual cause of a lag."""
    from app.outbox import queued_statements

    with factory() as session:
        queued = queued_statements(session)
    if queued:
        note(
            f"{queued:,} statement(s) are queued for the search index (an ingest was interrupted?); "
            "the next `archive ingest` or `archive reindex` indexes them"
        )
