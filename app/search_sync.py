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
from app.lifeline import die_with_parent
from app.search import IndexRun, index_state, rebuild_index, update_index

Progress = Callable[[int, int], None]


def needs_sync(settings: Settings, factory: sessionmaker[Session]) -> bool:
    return index_state(settings.index_dir) != "ok" or index_queue.has_pending(factory)


def sync_index(settings: Settings, factory: sessionmaker[Session], *, progress: Progress | None = None,
               lock_timeout: float | None = None) -> IndexRun:
    """Index every queued statement (or rebuild a missing/outdated index), then clear the queue.
    IndexBusy when another writer (an ingest indexing while it loads) holds the index longer
    than `lock_timeout` seconds (default: the index's own)."""
    todo = index_queue.pending(factory)
    extra = {} if lock_timeout is None else {"lock_timeout": lock_timeout}
    run = update_index(settings, factory, changed_keys=todo.changed, removed_keys=todo.removed, progress=progress,
                       **extra)
    index_queue.clear(factory, todo.upto)
    return run


def reindex(settings: Settings, factory: sessionmaker[Session], *, progress: Progress | None = None,
            lock_timeout: float | None = None) -> IndexRun:
    """Rebuild from the database; what was queued before the rebuild started is covered by it.
    `lock_timeout`: seconds to wait for another index writer (an ingest indexes while it loads)."""
    todo = index_queue.pending(factory)
    run = rebuild_index(settings, factory, progress=progress,
                        **({} if lock_timeout is None else {"lock_timeout": lock_timeout}))
    index_queue.clear(factory, todo.upto)
    return run


# -- indexing while an ingest loads ---------------------------------------------------------

FOLLOW_FROM_FILES = 32  # a run of fewer pages indexes after loading (a process costs more than it saves)


def _follow_main(settings: Settings, done, stop, conn) -> None:  # pragma: no cover - runs in a child process
    """The follower process: index the outbox as the loader fills it, then clear what was indexed."""
    import multiprocessing

    from app.db import open_database
    from app.search.index import follow_queue

    parent = multiprocessing.parent_process()
    die_with_parent(parent.pid if parent is not None else None)  # an ingest killed takes this process too
    try:
        _engine, factory = open_database(settings, migrate=False)
        run, upto = follow_queue(settings, factory, finished=done.is_set,
                                 alive=lambda: not stop.is_set() and (parent is None or parent.is_alive()))
        index_queue.clear(factory, upto)
        conn.send(("ok", run))
    except KeyboardInterrupt:
        conn.send(("error", "interrupted"))
    except BaseException as e:  # reported by the parent, which falls back to indexing after loading
        conn.send(("error", f"{type(e).__name__}: {e}"))
    finally:
        conn.close()


class IndexFollower:
    """A process that builds the index from the outbox while the pages load (both cores busy):
    start() before loading, finish() once every page is committed. The outbox protocol is
    unchanged: queue rows are deleted only after the index commit, by the follower."""

    def __init__(self, settings: Settings):
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")  # no fork of a process holding connections
        self._done, self._stop = ctx.Event(), ctx.Event()
        self._recv, send = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=_follow_main, args=(settings, self._done, self._stop, send),
                                 name="index-follower")
        self._send = send

    def start(self) -> IndexFollower:
        self._proc.start()
        self._send.close()
        return self

    def finish(self) -> tuple[IndexRun | None, str | None]:
        """(the run, None) or (None, why it failed): the caller then indexes the usual way."""
        self._done.set()
        try:
            status, payload = self._recv.recv()
        except EOFError:
            status, payload = "error", "the index process ended without a result"
        self._proc.join()
        return (payload, None) if status == "ok" else (None, payload)

    def abort(self) -> None:
        """Stop without committing (the loader failed or was interrupted); the queue stays."""
        self._stop.set()
        self._proc.join(30)
        if self._proc.is_alive():
            self._proc.terminate()
            self._proc.join()
