"""The index on disk: generations, the pointer file, the write lock; rebuild, update, check.

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

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from whoosh import index as windex
from whoosh.index import FileIndex

from app.config import Settings
from app.locking import LockBusy, advisory_lock, exclusive_lock
from app.models import IndexQueue, Paragraph, Statement
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
WHOOSH_BATCH = 100       # documents Whoosh's multiprocess writer hands a sub-process at a time
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


# -- rebuild, update ------------------------------------------------------------------------

def rebuild_index(settings: Settings, factory: sessionmaker[Session], *, progress: Progress | None = None,
                  lock_timeout: float = LOCK_TIMEOUT) -> IndexRun:
    """Build the whole index from the database into a fresh generation, then swap it in."""
    with write_lock(settings.index_dir, lock_timeout, settings=settings):
        return _rebuild(settings.index_dir, factory, progress)


def _next_generation(index_dir: Path) -> str:
    gens = _generations(index_dir)
    return f"gen-{(int(GEN_RE.match(gens[-1]).group(1)) + 1) if gens else 1:06d}"


def _write_documents(writer, documents) -> tuple[set[str], int]:
    """Add (statement key, its documents) pairs to the writer: (the keys seen, paragraphs written)."""
    found: set[str] = set()
    written = 0
    for key, docs in documents:
        found.add(key)
        for doc in docs:
            writer.add_document(**doc)
            written += doc["count"]
    return found, written


def _rebuild(index_dir: Path, factory: sessionmaker[Session], progress: Progress | None) -> IndexRun:
    started = time.perf_counter()
    previous = read_pointer(index_dir)
    name = _next_generation(index_dir)
    path = index_dir / name
    path.mkdir()
    try:
        ix = windex.create_in(str(path), make_schema())
        with factory() as session:  # one read transaction: a consistent snapshot
            ids = statement_ids(session)
            total = count_paragraphs(session)
            # two processes share the work only with more statements than Whoosh batches (100) to
            # one of them: a few long statements would be copied to a second process for nothing
            procs = 2 if total >= PARALLEL_FROM and len(ids) > WHOOSH_BATCH and (os.cpu_count() or 1) > 1 else 1
            writer = ix.writer(procs=procs, multisegment=procs > 1, limitmb=256, compound=False)
            done = 0
            try:
                for _key, docs in iter_documents(session, ids):
                    for doc in docs:
                        writer.add_document(**doc)
                        done += doc["count"]
                    if progress:
                        progress(done, total)
            except BaseException:
                _cancel(writer)
                raise
            writer.commit()
        ix.close()
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        raise
    _write_pointer(index_dir, name)
    _cleanup(index_dir, {name} | ({previous["generation"]} if previous else set()))
    return IndexRun(rebuilt=True, generation=name, documents=done, statements=len(ids),
                    seconds=time.perf_counter() - started)


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
    started = time.perf_counter()
    ix, gen = open_index(index_dir)
    if not changed and not removed:  # no commit: open searchers stay up to date
        ix.close()
        return IndexRun(rebuilt=False, generation=gen.name)
    written = statements = 0
    with factory() as session:
        ids = statement_ids(session, changed) if changed else []
        total = count_paragraphs(session, ids) if ids else 0
        if total >= REBUILD_FROM and total >= _indexed_paragraphs(ix):  # e.g. the first big ingest
            ix.close()
            return _rebuild(index_dir, factory, progress)
        writer = ix.writer(timeout=WHOOSH_LOCK_TIMEOUT, compound=False)
        pending = 0
        try:
            found: set[str] = set()
            for key, docs in iter_documents(session, ids, load_speakers(session) if ids else {}):
                found.add(key)
                writer.delete_by_term("skey", key)
                for doc in docs:
                    writer.add_document(**doc)
                    written += doc["count"]
                    pending += doc["count"]
                statements += 1
                if progress:
                    progress(written, total)
                if pending >= COMMIT_EVERY:
                    writer.commit()
                    writer, pending = ix.writer(timeout=WHOOSH_LOCK_TIMEOUT, compound=False), 0
            gone = removed | (changed - found)  # a changed key no longer in the database
            for key in sorted(gone):
                writer.delete_by_term("skey", key)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
    ix.close()
    return IndexRun(rebuilt=False, generation=gen.name, documents=written, statements=statements,
                    removed=len(gone), seconds=time.perf_counter() - started)


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


def _indexed_paragraphs(ix: FileIndex) -> int:
    with ix.reader() as reader:
        if reader.doc_count() == 0 or not reader.has_column("count"):
            return 0
        counts = reader.column_reader("count")
        return sum(counts[d] for d in reader.all_doc_ids())


def ensure_index(settings: Settings, factory: sessionmaker[Session], *, progress: Progress | None = None,
                 lock_timeout: float = LOCK_TIMEOUT) -> IndexRun | None:
    """Rebuild the index if it is missing or from an older schema; None when it was fine."""
    if index_state(settings.index_dir) == "ok":
        return None
    with write_lock(settings.index_dir, lock_timeout, settings=settings):
        if index_state(settings.index_dir) == "ok":  # another process built it meanwhile
            return None
        return _rebuild(settings.index_dir, factory, progress)


# -- check ----------------------------------------------------------------------------------

def check_index(settings: Settings, factory: sessionmaker[Session], *, full: bool = False) -> CheckReport:
    """Database and index agree: every current paragraph indexed once, nothing else indexed,
    and every statement indexed at its current version (fingerprint); the index files read
    (verify_index_files; `full`: every posting decoded)."""
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
                verify_index_files(reader, full=full)
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


SAMPLE_TERMS = 2000  # terms per segment whose postings `archive check` decodes (all with --full)


def verify_index_files(reader, *, full: bool = False, sample: int | None = None) -> None:
    """Read the files the searches depend on: each segment's whole term dictionary, every
    term's postings extent checked against the postings file's size (a truncated file), the
    postings of an even sample of `sample` terms per segment decoded as a search decodes them
    (overwritten bytes: the sample is spread over the file in term order, so damage to more
    than 1/`sample` of it is met), every column read to the end and counted. `full`: every
    term's postings decoded (the work grows with the index, not with the sample).
    Raises what a damaged file raises (INDEX_DAMAGE)."""
    sample = sample or SAMPLE_TERMS
    for seg, _offset in reader.leaf_readers():
        _verify_terms(seg, full, sample)
        for name in seg.schema.names():
            if seg.has_column(name):
                n = sum(1 for _ in seg.column_reader(name))
                if n != seg.doc_count_all():
                    raise ValueError(f"column {name} has {n} values for {seg.doc_count_all()} documents")


def _verify_terms(seg, full: bool, sample: int) -> None:
    terms = getattr(seg, "_terms", None)  # W3TermsReader: the dictionary and the postings file
    if terms is None or not hasattr(terms, "_postfile"):  # an empty index, another codec: all decoded
        for fieldname, btext in seg.all_terms():
            _decode_term(seg, fieldname, btext)
        return
    postings_size = os.fstat(terms._postfile.fileno()).st_size
    kept: list[tuple[str, bytes]] = []
    stride = 1
    for i, ((fieldname, btext), info) in enumerate(terms.items()):
        if not info.is_inlined():
            start, length = info.extent()
            length = length[0] if isinstance(length, tuple) else length
            if start < 0 or length <= 0 or start + length > postings_size:
                raise ValueError(f"postings of {fieldname}:{btext[:40]!r} lie beyond the postings file "
                                 f"({start}+{length} > {postings_size} bytes)")
        if full:
            _decode_term(seg, fieldname, btext)
        elif i % stride == 0:
            kept.append((fieldname, btext))
            if len(kept) >= 2 * sample:  # keep every other one: still even over all terms
                kept, stride = kept[::2], stride * 2
    for fieldname, btext in kept:
        _decode_term(seg, fieldname, btext)


def _decode_term(seg, fieldname: str, btext: bytes) -> None:
    from app.search.postings import _read_term

    if _read_term(seg, fieldname, btext) is None:
        raise ValueError(f"term {fieldname}:{btext[:40]!r} has no postings")


def _damage(e: BaseException) -> str:
    text = str(e).splitlines()[0][:160] if str(e) else ""
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


# -- following the outbox while an ingest loads ---------------------------------------------

class FollowerStopped(Exception):
    """The process that fed the outbox is gone: the follower stops without committing."""


def _queued_since(session: Session, after: int) -> tuple[int, list[str]]:
    """(last queue row id, the statement keys queued after row `after`, in queue order)."""
    upto = session.scalar(select(func.max(IndexQueue.id))) or 0
    if upto <= after:
        return after, []
    keys = list(dict.fromkeys(session.scalars(
        select(IndexQueue.statement_key).where(IndexQueue.id > after, IndexQueue.id <= upto)
        .order_by(IndexQueue.id))))
    return upto, keys


def follow_queue(settings: Settings, factory: sessionmaker[Session], *, finished: Callable[[], bool],
                 alive: Callable[[], bool] = lambda: True, poll: float = 0.25,
                 lock_timeout: float = LOCK_TIMEOUT) -> tuple[IndexRun, int]:
    """Index what a running ingest queues, while it loads; returns (the run, the last queue row
    covered) once `finished()` was true before a last look at the queue. Everything goes through
    one writer (a rebuild into a fresh generation when the index is missing or outdated: procs=2
    as in a rebuild) and one commit; a statement queued again after it was written in this run
    is re-indexed by a second, small writer after that commit (Whoosh cannot delete a document
    it has not committed). Nothing is committed if `alive()` turns false or anything fails: the
    queue (cleared by the caller after this returns) covers the work."""
    index_dir = settings.index_dir
    with write_lock(index_dir, lock_timeout, settings=settings):
        started = time.perf_counter()
        rebuild = index_state(index_dir) != "ok"
        previous = read_pointer(index_dir)
        path = None
        added: set[str] = set()
        redo: set[str] = set()
        written = 0
        removed = 0
        try:
            if rebuild:
                name = _next_generation(index_dir)
                path = index_dir / name
                path.mkdir()
                ix = windex.create_in(str(path), make_schema())
                procs = 2 if (os.cpu_count() or 1) > 1 else 1
                writer = ix.writer(procs=procs, multisegment=procs > 1, limitmb=256, compound=False)
                try:
                    with factory() as session:  # one snapshot: every statement, and the queue so far
                        upto, _keys = _queued_since(session, 0)
                        added, written = _write_documents(writer, iter_documents(session, statement_ids(session)))
                except BaseException:
                    _cancel(writer)
                    raise
            else:
                ix, gen = open_index(index_dir)
                name = gen.name
                writer = ix.writer(timeout=WHOOSH_LOCK_TIMEOUT, compound=False)
                upto = 0  # rows an interrupted run left in the queue are indexed too
            try:
                while True:
                    last_round = finished()  # read before the look: a last look sees every commit
                    with factory() as session:
                        upto_now, keys = _queued_since(session, upto)
                        fresh = []
                        for key in keys:
                            if key in added:
                                redo.add(key)
                            elif key not in redo:
                                fresh.append(key)
                        if fresh:
                            speakers = load_speakers(session)
                            if not rebuild:
                                for key in fresh:
                                    writer.delete_by_term("skey", key)
                            found, n = _write_documents(
                                writer, iter_documents(session, statement_ids(session, fresh), speakers))
                            written += n
                            removed += len(set(fresh) - found) if not rebuild else 0
                            added.update(fresh)
                    upto = upto_now
                    if last_round:
                        break
                    if not alive():
                        raise FollowerStopped("the ingest that fed the outbox is gone")
                    if not keys:
                        time.sleep(poll)
            except BaseException:
                _cancel(writer)
                raise
            if rebuild or added:
                writer.commit()
            else:
                writer.cancel()  # nothing to do: no commit, open searchers stay current
            if redo:
                writer = ix.writer(timeout=WHOOSH_LOCK_TIMEOUT, compound=False)
                try:
                    with factory() as session:
                        for key in sorted(redo):
                            writer.delete_by_term("skey", key)
                        found, n = _write_documents(writer, iter_documents(session, statement_ids(session, redo)))
                        written += n
                        removed += len(redo - found)
                except BaseException:
                    writer.cancel()
                    raise
                writer.commit()
            ix.close()
        except BaseException:
            if path is not None:
                shutil.rmtree(path, ignore_errors=True)
            raise
        if rebuild:
            _write_pointer(index_dir, name)
            _cleanup(index_dir, {name} | ({previous["generation"]} if previous else set()))
        return (IndexRun(rebuilt=rebuild, generation=name, documents=written, statements=len(added | redo),
                         removed=removed, seconds=time.perf_counter() - started), upto)
