"""Writing the index: one writer (IndexWriter) shared by the three flows that write it:
`rebuild_index` (a fresh generation, swapped in), `update_index` (the live generation), and the
outbox follower (app.outbox.follower). Every flow holds the index's write lock (app.search.index)."""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker
from whoosh import index as windex

from app.config import Settings
from app.search.documents import count_paragraphs, iter_documents, load_speakers, statement_ids
from app.search.index import (
    LOCK_TIMEOUT,
    IndexRun,
    Progress,
    _cleanup,
    _next_generation,
    _write_pointer,
    current_generation,
    index_state,
    open_index,
    read_pointer,
    write_lock,
)
from app.search.schema import make_schema

COMMIT_EVERY = 5000  # paragraphs per commit during an update
PARALLEL_FROM = 5_000  # paragraphs from which a rebuild uses two processes
WHOOSH_BATCH = 100  # documents Whoosh's multiprocess writer hands a sub-process at a time
REBUILD_FROM = 20_000  # an update of this many paragraphs (and more than the index holds) rebuilds instead
# Whoosh's posting pool (MB, its own estimate) before it spills a sorted run to disk; the runs
# are merged at commit into the same segment. A build in one process is a few statements,
# maybe one of 600,000 paragraphs, whose postings would otherwise all be held: a smaller pool
# (100,000 paragraphs: +76 MB over the base instead of +112 MB, in process).
POOL_MB, SMALL_POOL_MB = 256, 32
WHOOSH_LOCK_TIMEOUT = 5.0  # Whoosh's own lock: only contended by a writer that skipped write.lock
# Segments are written as separate files, not one compound file: a reader opens a compound
# segment by copying each of its parts into memory (BytesIO), which cost a server worker
# ~80 MB per 100k paragraphs; separate files are read from disk (the OS caches them, shared).


# -- the writer of every flow (rebuild, update, the outbox follower) ------------------------


class IndexWriter:
    """One Whoosh writer, shared by the three flows that write the index (rebuild, update, and
    app.outbox.follower). `fresh`: a new generation built beside the live one and swapped in
    when the block ends; otherwise the live generation, its writer opened by the first change
    (no change: no commit, open searchers stay current). A statement written replaces its
    documents already committed. Made by `index_writer()`, which commits nothing, and removes
    a fresh generation, when the block raises."""

    def __init__(self, index_dir: Path, *, fresh: bool, procs: int = 1):
        self.index_dir, self.fresh = index_dir, fresh
        self.started = time.perf_counter()
        self.written = 0  # paragraphs written
        self.path: Path | None = None  # a fresh generation's directory
        self._writer = None
        self._blank = fresh  # nothing committed yet: nothing to replace
        if not fresh:
            self.ix, gen = open_index(index_dir)
            self.name = gen.name
            return
        self.previous = read_pointer(index_dir)
        self.name = _next_generation(index_dir)
        self.path = index_dir / self.name
        self.path.mkdir()
        try:
            self.ix = windex.create_in(str(self.path), make_schema())
            self._writer = self.ix.writer(
                procs=procs,
                multisegment=procs > 1,
                limitmb=POOL_MB if procs > 1 else SMALL_POOL_MB,
                compound=False,
            )
        except BaseException:
            shutil.rmtree(self.path, ignore_errors=True)
            raise

    def _open(self):
        if self._writer is None:
            self._writer = self.ix.writer(timeout=WHOOSH_LOCK_TIMEOUT, compound=False)
        return self._writer

    def write(
        self,
        session: Session,
        ids: list[int],
        *,
        speakers: dict | None = None,
        progress: Progress | None = None,
        total: int = 0,
        commit_every: int = 0,
    ) -> set[str]:
        """Index the statements `ids` (each replacing its earlier documents); the keys written."""
        found: set[str] = set()
        pending = 0
        for key, docs in iter_documents(session, ids, speakers):
            writer = self._open()
            found.add(key)
            if not self._blank:
                writer.delete_by_term("skey", key)
            for doc in docs:
                writer.add_document(**doc)
                self.written += doc["count"]
                pending += doc["count"]
            if progress:
                progress(self.written, total)
            if commit_every and pending >= commit_every:
                self.commit()
                pending = 0
        return found

    def write_keys(self, session: Session, keys: Iterable[str], speakers: dict | None = None) -> set[str]:
        return self.write(session, statement_ids(session, keys), speakers=speakers)

    def delete(self, keys: Iterable[str]) -> None:
        for key in sorted(keys):
            self._open().delete_by_term("skey", key)

    def commit(self) -> None:
        if self._writer is not None:
            self._writer.commit()
            self._writer, self._blank = None, False

    def run(self, *, statements: int, removed: int = 0) -> IndexRun:
        return IndexRun(
            rebuilt=self.fresh,
            generation=self.name,
            documents=self.written,
            statements=statements,
            removed=removed,
            seconds=time.perf_counter() - self.started,
        )

    def _abandon(self) -> None:
        try:
            if self._writer is not None:
                _cancel(self._writer)
        finally:
            if self.path is not None:
                shutil.rmtree(self.path, ignore_errors=True)

    def _swap_in(self) -> None:
        _write_pointer(self.index_dir, self.name)
        _cleanup(self.index_dir, {self.name} | ({self.previous["generation"]} if self.previous else set()))


@contextlib.contextmanager
def index_writer(index_dir: Path, *, fresh: bool, procs: int = 1) -> Iterator[IndexWriter]:
    """An IndexWriter for the block (the caller holds write_lock): committed when the block
    ends, a fresh generation then swapped in; on an exception nothing is committed."""
    w = IndexWriter(index_dir, fresh=fresh, procs=procs)
    try:
        yield w
        w.commit()
        w.ix.close()
    except BaseException:
        w._abandon()
        raise
    if fresh:
        w._swap_in()


def _cancel(writer) -> None:
    """Cancel a writer; a multiprocess writer's sub-processes are stopped too (Whoosh's cancel()
    only flags them in the parent, so they would wait for work forever)."""
    try:
        writer.cancel()
    finally:
        for task in getattr(writer, "tasks", ()):
            if task.is_alive():
                task.terminate()
                task.join(5)


# -- rebuild, update ------------------------------------------------------------------------


def rebuild_index(
    settings: Settings,
    factory: sessionmaker[Session],
    *,
    progress: Progress | None = None,
    lock_timeout: float = LOCK_TIMEOUT,
) -> IndexRun:
    """Build the whole index from the database into a fresh generation, then swap it in."""
    with write_lock(settings.index_dir, lock_timeout, settings=settings):
        return _rebuild(settings.index_dir, factory, progress)


def _rebuild(index_dir: Path, factory: sessionmaker[Session], progress: Progress | None) -> IndexRun:
    with factory() as session:  # one read transaction: a consistent snapshot
        ids = statement_ids(session)
        total = count_paragraphs(session)
        # two processes share the work only with more statements than Whoosh batches (100) to
        # one of them: a few long statements would be copied to a second process for nothing
        procs = 2 if total >= PARALLEL_FROM and len(ids) > WHOOSH_BATCH and (os.cpu_count() or 1) > 1 else 1
        with index_writer(index_dir, fresh=True, procs=procs) as w:
            w.write(session, ids, progress=progress, total=total)
    return w.run(statements=len(ids))


def update_index(
    settings: Settings,
    factory: sessionmaker[Session],
    *,
    changed_keys: Iterable[str] = (),
    removed_keys: Iterable[str] = (),
    progress: Progress | None = None,
    lock_timeout: float = LOCK_TIMEOUT,
) -> IndexRun:
    """Re-index the statements an ingest run wrote and drop the ones it deleted, with one
    writer and one commit per COMMIT_EVERY documents. A missing or outdated index is
    rebuilt from the database instead."""
    index_dir = settings.index_dir
    with write_lock(index_dir, lock_timeout, settings=settings):
        if index_state(index_dir) != "ok":
            return _rebuild(index_dir, factory, progress)
        return _update(index_dir, factory, set(changed_keys), set(removed_keys), progress)


def _update(index_dir: Path, factory, changed: set[str], removed: set[str], progress) -> IndexRun:
    if not changed and not removed:  # no commit: open searchers stay up to date
        return IndexRun(rebuilt=False, generation=current_generation(index_dir).name)
    with factory() as session:
        ids = statement_ids(session, changed) if changed else []
        total = count_paragraphs(session, ids) if ids else 0
        if total >= REBUILD_FROM and total >= _indexed_paragraphs(index_dir):  # e.g. the first big ingest
            return _rebuild(index_dir, factory, progress)
        with index_writer(index_dir, fresh=False) as w:
            found = w.write(
                session,
                ids,
                speakers=load_speakers(session) if ids else {},
                progress=progress,
                total=total,
                commit_every=COMMIT_EVERY,
            )
            gone = removed | (changed - found)  # a changed key no longer in the database
            w.delete(gone)
    return w.run(statements=len(found), removed=len(gone))


def _indexed_paragraphs(index_dir: Path) -> int:
    ix, _gen = open_index(index_dir)
    try:
        with ix.reader() as reader:
            if reader.doc_count() == 0 or not reader.has_column("count"):
                return 0
            counts = reader.column_reader("count")
            return sum(counts[d] for d in reader.all_doc_ids())
    finally:
        ix.close()
