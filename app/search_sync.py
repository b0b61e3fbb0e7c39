"""Keep the search index in step with the database, through the `index_queue` outbox.

The loader queues every statement it writes or deletes in the page's own transaction;
`sync_index` indexes what is queued and only then forgets it. A run killed at any point
leaves the queue behind, and the next ingest, serve or reindex completes the work.
"""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from app import index_queue
from app.config import Settings
from app.search import IndexRun, index_state, rebuild_index, update_index

Progress = Callable[[int, int], None]


def needs_sync(settings: Settings, factory: sessionmaker[Session]) -> bool:
    return index_state(settings.index_dir) != "ok" or index_queue.has_pending(factory)


def sync_index(settings: Settings, factory: sessionmaker[Session], *, progress: Progress | None = None) -> IndexRun:
    """Index every queued statement (or rebuild a missing/outdated index), then clear the queue."""
    todo = index_queue.pending(factory)
    run = update_index(settings, factory, changed_keys=todo.changed, removed_keys=todo.removed, progress=progress)
    index_queue.clear(factory, todo.upto)
    return run


def reindex(settings: Settings, factory: sessionmaker[Session], *, progress: Progress | None = None) -> IndexRun:
    """Rebuild from the database; what was queued before the rebuild started is covered by it."""
    todo = index_queue.pending(factory)
    run = rebuild_index(settings, factory, progress=progress)
    index_queue.clear(factory, todo.upto)
    return run
