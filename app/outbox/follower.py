"""The index built from the outbox while an ingest loads (both cores busy): `IndexFollower`
runs `follow_queue` in a process of its own (the protocol: app.outbox).

Everything goes through one writer (app.search.writer.IndexWriter: a fresh generation when the
index is missing or outdated, else the live one) and one commit; the queue rows it covered are
cleared only after that commit, by the follower. A statement queued again after this run wrote
it is re-indexed by a second, small writer after the commit (Whoosh cannot delete a document
it has not committed). Nothing is committed if the ingest goes away or anything fails: the
queue still covers the work.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import open_database
from app.lifeline import die_with_parent
from app.outbox import queue
from app.search import IndexRun, index_state
from app.search.documents import load_speakers, statement_ids
from app.search.index import LOCK_TIMEOUT, write_lock
from app.search.writer import IndexWriter, index_writer

FOLLOW_FROM_FILES = 32  # a run of fewer pages indexes after loading (a process costs more than it saves)


class FollowerStopped(Exception):
    """The process that fed the outbox is gone: the follower stops without committing."""


@dataclass
class _Progress:
    upto: int = 0  # the last queue row covered
    added: set[str] = field(default_factory=set)  # statements written by the first writer
    redo: set[str] = field(default_factory=set)  # queued again after they were written
    removed: int = 0


def follow_queue(
    settings: Settings,
    factory: sessionmaker[Session],
    *,
    finished: Callable[[], bool],
    alive: Callable[[], bool] = lambda: True,
    poll: float = 0.25,
    lock_timeout: float = LOCK_TIMEOUT,
) -> tuple[IndexRun, int]:
    """Index what a running ingest queues, while it loads; returns (the run, the last queue row
    covered: the caller clears up to it) once `finished()` was true before a last look at the
    queue. `alive()` false: FollowerStopped, nothing committed."""
    index_dir = settings.index_dir
    with write_lock(index_dir, lock_timeout, settings=settings):
        rebuild = index_state(index_dir) != "ok"
        with index_writer(
            index_dir, fresh=rebuild, procs=2 if rebuild and (os.cpu_count() or 1) > 1 else 1
        ) as w:
            state = _Progress()
            if rebuild:  # one snapshot: every statement, and the queue so far
                with factory() as session:
                    state.upto, _keys = queue.queued_since(session, 0)
                    state.added = w.write(session, statement_ids(session))
            # else upto 0: rows an interrupted run left in the queue are indexed too
            _follow(w, factory, state, finished=finished, alive=alive, poll=poll)
            w.commit()
            if state.redo:
                with factory() as session:
                    found = w.write_keys(session, state.redo)
                w.delete(state.redo - found)
                state.removed += len(state.redo - found)
    return w.run(statements=len(state.added | state.redo), removed=state.removed), state.upto


def _follow(
    w: IndexWriter, factory: sessionmaker[Session], state: _Progress, *, finished, alive, poll
) -> None:
    """Look at the queue until the ingest has finished: each statement queued since the last
    look is written, unless this run wrote it already (then it is redone after the commit)."""
    while True:
        last_round = finished()  # read before the look: a last look sees every commit
        with factory() as session:
            upto, keys = queue.queued_since(session, state.upto)
            fresh = [k for k in keys if k not in state.added and k not in state.redo]
            state.redo.update(k for k in keys if k in state.added)
            if fresh:
                found = w.write_keys(session, fresh, load_speakers(session))
                if not w.fresh:
                    w.delete(set(fresh) - found)
                    state.removed += len(set(fresh) - found)
                state.added.update(fresh)
        state.upto = upto
        if last_round:
            return
        if not alive():
            raise FollowerStopped("the ingest that fed the outbox is gone")
        if not keys:
            time.sleep(poll)


# -- the follower process -------------------------------------------------------------------


def _follow_main(settings: Settings, done, stop, conn) -> None:  # pragma: no cover - runs in a child process
    """The follower process: index the outbox as the loader fills it, then clear what was indexed."""
    parent = multiprocessing.parent_process()
    die_with_parent(parent.pid if parent is not None else None)  # an ingest killed takes this process too
    try:
        _engine, factory = open_database(settings, migrate=False)
        run, upto = follow_queue(
            settings,
            factory,
            finished=done.is_set,
            alive=lambda: not stop.is_set() and (parent is None or parent.is_alive()),
        )
        queue.clear(factory, upto)
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
        ctx = multiprocessing.get_context("spawn")  # no fork of a process holding connections
        self._done, self._stop = ctx.Event(), ctx.Event()
        self._recv, send = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(
            target=_follow_main, args=(settings, self._done, self._stop, send), name="index-follower"
        )
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
