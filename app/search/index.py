"""The index on disk: generations, the pointer file, the write lock, the one writer; rebuild,
update, check. (What to index comes from the outbox: app.outbox.)

Layout of settings.index_dir:

    CURRENT          {"generation": "gen-000007", "schema_version": 1}: replaced atomically
    gen-000007/      the live Whoosh index
    gen-000006/      the previous one, kept so searchers opened on it keep working
    write.lock       flock()ed by whoever writes (update or rebuild), with its pid inside

A rebuild writes a fresh generation directory and only then points CURRENT at it, so a
reader never sees a half-built index. Writers take write.lock for the whole run (bounded
wait, then IndexBusy); readers never take a lock.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from whoosh import index as windex
from whoosh.index import FileIndex

from app.config import Settings
from app.locking import LockBusy, advisory_lock, exclusive_lock
from app.models import Paragraph, Statement
from app.search.documents import (
    count_paragraphs,
    iter_documents,
    load_speakers,
    paragraph_entries,
    statement_ids,
)
from app.search.runs import install as _install_fast_runs
from app.search.schema import SCHEMA_VERSION, make_schema

_install_fast_runs()

POINTER = "CURRENT"
LOCK_FILE = "write.lock"
GEN_RE = re.compile(r"^gen-(\d{6,})$")
LOCK_TIMEOUT = 30.0      # seconds a second writer waits for the first
COMMIT_EVERY = 5000      # paragraphs per commit during an update
PARALLEL_FROM = 5_000    # paragraphs from which a rebuild uses two processes
REBUILD_FROM = 20_000    # an update of this many paragraphs (and more than the index holds) rebuilds instead
WHOOSH_LOCK_TIMEOUT = 5.0  # Whoosh's own lock: only contended by a writer that skipped write.lock
# Segments are written as separate files, not one compound file: a reader opens a compound
# segment by copying each of its parts into memory (BytesIO), which cost a server worker
# ~80 MB per 100k paragraphs; separate files are read from disk (the OS caches them, shared).

Progress = Callable[[int, int], None]


class SearchIndexError(Exception):
    """The index cannot be used as asked; the message says why and what to do."""


class IndexMissing(SearchIndexError):
    pass


class IndexOutdated(SearchIndexError):
    pass


class IndexBusy(SearchIndexError):
    pass


@dataclass(frozen=True)
class Generation:
    name: str
    path: Path
    schema_version: int


@dataclass(frozen=True)
class IndexRun:
    rebuilt: bool
    generation: str
    documents: int = 0            # paragraphs written (one document per statement holds them)
    statements: int = 0           # statements (re)indexed
    removed: int = 0              # statements taken out
    seconds: float = 0.0


@dataclass
class CheckReport:
    problem: str | None = None    # index missing or outdated: nothing else was compared
    database_paragraphs: int = 0
    index_documents: int = 0      # paragraphs in the index
    missing: list[str] = field(default_factory=list)     # in the database, not in the index
    stale: list[str] = field(default_factory=list)       # in the index, not in the database
    duplicates: list[str] = field(default_factory=list)  # in the index more than once
    outdated: list[str] = field(default_factory=list)    # statements whose indexed text is older

    @property
    def ok(self) -> bool:
        return not (self.problem or self.missing or self.stale or self.duplicates or self.outdated)


# -- generations and the pointer ----------------------------------------------------------

def read_pointer(index_dir: Path) -> dict | None:
    try:
        data = json.loads((index_dir / POINTER).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("generation"), str) else None


def current_generation(index_dir: Path) -> Generation | None:
    data = read_pointer(index_dir)
    if data is None or not GEN_RE.match(data["generation"]):
        return None
    path = index_dir / data["generation"]
    if not windex.exists_in(str(path)):
        return None
    return Generation(data["generation"], path, int(data.get("schema_version") or 0))


def index_state(index_dir: Path) -> str:
    """'ok', 'missing' or 'outdated' (built by another SCHEMA_VERSION)."""
    gen = current_generation(index_dir)
    if gen is None:
        return "missing"
    return "ok" if gen.schema_version == SCHEMA_VERSION else "outdated"


def open_index(index_dir: Path) -> tuple[FileIndex, Generation]:
    gen = current_generation(index_dir)
    if gen is None:
        raise IndexMissing(f"no search index in {index_dir}; run `archive reindex`")
    if gen.schema_version != SCHEMA_VERSION:
        raise IndexOutdated(f"the search index in {index_dir} was built by schema version "
                            f"{gen.schema_version} (now {SCHEMA_VERSION}); run `archive reindex`")
    return windex.open_dir(str(gen.path)), gen


def _write_pointer(index_dir: Path, name: str) -> None:
    tmp = index_dir / f".{POINTER}.{os.getpid()}.tmp"
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump({"generation": name, "schema_version": SCHEMA_VERSION}, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, index_dir / POINTER)
    with contextlib.suppress(OSError):
        fd = os.open(index_dir, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _generations(index_dir: Path) -> list[str]:
    return sorted((p.name for p in index_dir.iterdir() if GEN_RE.match(p.name) and p.is_dir()),
                  key=lambda n: int(GEN_RE.match(n).group(1)))


def _cleanup(index_dir: Path, keep: set[str]) -> None:
    """Delete generations other than `keep`, and files of the pre-generation layout."""
    for name in _generations(index_dir):
        if name not in keep:
            shutil.rmtree(index_dir / name, ignore_errors=True)
    for p in index_dir.iterdir():
        if p.is_file() and (p.suffix in (".toc", ".seg", ".pst", ".trm", ".fvz", ".pos")
                            or p.name.endswith("_LOCK") or p.name.startswith("_MAIN")):
            p.unlink(missing_ok=True)


# -- the write lock -------------------------------------------------------------------------

@contextlib.contextmanager
def write_lock(index_dir: Path, timeout: float = LOCK_TIMEOUT, *, settings: Settings | None = None) -> Iterator[None]:
    """Exclusive right to write the index, across processes: the file lock of the directory,
    and with `settings` on PostgreSQL also the archive's index-writer lock in the database (the
    outbox the writer consumes is shared by every machine). Waits up to `timeout` seconds."""
    what = "a writer of the search index"
    try:
        with exclusive_lock(index_dir / LOCK_FILE, timeout=max(timeout, 0.0), what=what):
            if settings is not None and _shared_database(settings):
                with advisory_lock(settings, "index-writer", timeout=max(timeout, 0.0), what=what):
                    yield
            else:
                yield
    except LockBusy as e:
        raise IndexBusy(f"{e} (waited {timeout:g} s)") from None


def _shared_database(settings: Settings) -> bool:
    from app.db import is_postgresql

    return is_postgresql(settings.db_url)


# -- the writer of every flow (rebuild, update, the outbox follower) ------------------------

def _next_generation(index_dir: Path) -> str:
    gens = _generations(index_dir)
    return f"gen-{(int(GEN_RE.match(gens[-1]).group(1)) + 1) if gens else 1:06d}"


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
        self.written = 0                         # paragraphs written
        self.path: Path | None = None            # a fresh generation's directory
        self._writer = None
        self._blank = fresh                      # nothing committed yet: nothing to replace
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
            self._writer = self.ix.writer(procs=procs, multisegment=procs > 1, limitmb=256, compound=False)
        except BaseException:
            shutil.rmtree(self.path, ignore_errors=True)
            raise

    def _open(self):
        if self._writer is None:
            self._writer = self.ix.writer(timeout=WHOOSH_LOCK_TIMEOUT, compound=False)
        return self._writer

    def write(self, session: Session, ids: list[int], *, speakers: dict | None = None,
              progress: Progress | None = None, total: int = 0, commit_every: int = 0) -> set[str]:
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
        return IndexRun(rebuilt=self.fresh, generation=self.name, documents=self.written, statements=statements,
                        removed=removed, seconds=time.perf_counter() - self.started)

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

def rebuild_index(settings: Settings, factory: sessionmaker[Session], *, progress: Progress | None = None,
                  lock_timeout: float = LOCK_TIMEOUT) -> IndexRun:
    """Build the whole index from the database into a fresh generation, then swap it in."""
    with write_lock(settings.index_dir, lock_timeout, settings=settings):
        return _rebuild(settings.index_dir, factory, progress)


def _rebuild(index_dir: Path, factory: sessionmaker[Session], progress: Progress | None) -> IndexRun:
    with factory() as session:  # one read transaction: a consistent snapshot
        ids = statement_ids(session)
        total = count_paragraphs(session)
        procs = 2 if total >= PARALLEL_FROM and (os.cpu_count() or 1) > 1 else 1
        with index_writer(index_dir, fresh=True, procs=procs) as w:
            w.write(session, ids, progress=progress, total=total)
    return w.run(statements=len(ids))


def update_index(settings: Settings, factory: sessionmaker[Session], *, changed_keys: Iterable[str] = (),
                 removed_keys: Iterable[str] = (), progress: Progress | None = None,
                 lock_timeout: float = LOCK_TIMEOUT) -> IndexRun:
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
            found = w.write(session, ids, speakers=load_speakers(session) if ids else {}, progress=progress,
                            total=total, commit_every=COMMIT_EVERY)
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


# -- check ----------------------------------------------------------------------------------

def check_index(settings: Settings, factory: sessionmaker[Session]) -> CheckReport:
    """Database and index agree: every current paragraph indexed once, nothing else indexed,
    and every statement indexed at its current version (fingerprint)."""
    state = index_state(settings.index_dir)
    if state != "ok":
        return CheckReport(problem=f"the search index is {state}; run `archive reindex`")
    with factory() as session:
        db: dict[str, str] = {}
        fingerprints: dict[str, str] = {}
        for pkey, skey, fp in session.execute(
            select(Paragraph.key, Statement.key, Statement.fingerprint).join(Statement)
            .where(Paragraph.current.is_(True))
        ):
            db[pkey] = skey
            fingerprints[skey] = fp or ""
    try:
        ix, _gen = open_index(settings.index_dir)
        try:
            with ix.searcher() as searcher:
                reader = searcher.reader()
                seen, outdated = _indexed_keys(reader, fingerprints)
                verify_index_files(reader)
        finally:
            ix.close()
    except INDEX_DAMAGE as e:
        return CheckReport(problem=f"the search index is damaged ({_damage(e)}); run `archive reindex` "
                                   "(the index is rebuilt from the database)")
    return CheckReport(
        database_paragraphs=len(db), index_documents=sum(seen.values()),
        missing=sorted(set(db) - set(seen)), stale=sorted(set(seen) - set(db)),
        duplicates=sorted(k for k, n in seen.items() if n > 1), outdated=sorted(outdated),
    )


def _index_damage() -> tuple[type[BaseException], ...]:
    from whoosh.reading import CorruptIndexError

    from app.storage import FILE_DAMAGE

    return (*FILE_DAMAGE, CorruptIndexError)


INDEX_DAMAGE = _index_damage()  # what reading a damaged index raises


def _indexed_keys(reader, fingerprints: dict[str, str]) -> tuple[Counter, set[str]]:
    seen: Counter[str] = Counter()
    outdated: set[str] = set()
    empty = reader.doc_count_all() == 0  # an empty index has no columns
    paras, skeys, fps = ((reader.column_reader(c) for c in ("paras", "skey", "fp")) if not empty
                         else ({}, {}, {}))
    for docnum in reader.all_doc_ids():
        for _n, pkey in paragraph_entries(paras[docnum]):
            seen[pkey] += 1
        skey = skeys[docnum]
        if skey in fingerprints and fps[docnum].decode() != fingerprints[skey]:
            outdated.add(skey)
    return seen, outdated


def verify_index_files(reader) -> None:
    """Read every file the searches depend on, end to end: each segment's terms, every
    term's postings blocks (decoded as a search decodes them), every column. Raises what a
    damaged file raises (INDEX_DAMAGE)."""
    from app.search.postings import _read_term

    for seg, _offset in reader.leaf_readers():
        for fieldname, btext in seg.all_terms():
            tp = _read_term(seg, fieldname, btext)
            if tp is None:
                raise ValueError(f"term {fieldname}:{btext[:40]!r} has no postings")
        for name in seg.schema.names():
            if seg.has_column(name):
                n = sum(1 for _ in seg.column_reader(name))
                if n != seg.doc_count_all():
                    raise ValueError(f"column {name} has {n} values for {seg.doc_count_all()} documents")


def _damage(e: BaseException) -> str:
    text = str(e).splitlines()[0][:160] if str(e) else ""
    return f"{type(e).__name__}: {text}" if text else type(e).__name__
