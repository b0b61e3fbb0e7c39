"""The search index brought up to date from the outbox (the protocol: app.outbox).

`sync_index` indexes what is queued and only then clears it; `reindex` rebuilds from the
database and clears what was queued before it started. Run by `archive ingest`, `import`,
`reparse`, `serve` and `reindex`; while an ingest loads, app.outbox.follower does the same
from a process of its own.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.outbox import queue
from app.search import IndexRun, index_state, rebuild_index, update_index

Progress = Callable[[int, int], None]


def needs_sync(settings: Settings, factory: sessionmaker[Session]) -> bool:
    return index_state(settings.index_dir) != "ok" or queue.has_pending(factory)


def sync_index(
    settings: Settings,
    factory: sessionmaker[Session],
    *,
    progress: Progress | None = None,
    lock_timeout: float | None = None,
) -> IndexRun:
    """Index every queued statement (or rebuild a missing/outdated index), then clear the queue.
    IndexBusy when another writer (an ingest indexing while it loads) holds the index longer
    than `lock_timeout` seconds (default: the index's own)."""
    return _then_clear(
        factory,
        lambda todo: update_index(
            settings,
            factory,
            changed_keys=todo.changed,
            removed_keys=todo.removed,
            progress=progress,
            **_timeout(lock_timeout),
        ),
    )


def reindex(
    settings: Settings,
    factory: sessionmaker[Session],
    *,
    progress: Progress | None = None,
    lock_timeout: float | None = None,
) -> IndexRun:
    """Rebuild from the database; what was queued before the rebuild started is covered by it.
    `lock_timeout`: seconds to wait for another index writer (an ingest indexes while it loads)."""
    return _then_clear(
        factory, lambda _todo: rebuild_index(settings, factory, progress=progress, **_timeout(lock_timeout))
    )


def _then_clear(factory: sessionmaker[Session], index: Callable) -> IndexRun:
    """The protocol's last step: what was queued when `index(pending)` started is cleared
    only once it has returned (the index committed); a failure leaves the queue as it was."""
    todo = queue.pending(factory)
    run = index(todo)
    queue.clear(factory, todo.upto)
    return run


def _timeout(lock_timeout: float | None) -> dict:
    return {} if lock_timeout is None else {"lock_timeout": lock_timeout}
