"""The index on disk: generations, the pointer file, the write lock; check. (Writing it:
app.search.writer; what to write comes from the outbox: app.outbox.)

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
from collections import Counter
from collections.abc import Callable, Iterator
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
    paragraph_entries,
)
from app.search.engine.runs import install as _install_fast_runs
from app.search.engine.verify import verify_terms
from app.search.schema import SCHEMA_VERSION

_install_fast_runs()

POINTER = "CURRENT"
LOCK_FILE = "write.lock"
GEN_RE = re.compile(r"^gen-(\d{6,})$")
LOCK_TIMEOUT = 30.0  # seconds a second writer waits for the first

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
    documents: int = 0  # paragraphs written (one document per statement holds them)
    statements: int = 0  # statements (re)indexed
    removed: int = 0  # statements taken out
    seconds: float = 0.0


@dataclass
class CheckReport:
    problem: str | None = None  # index missing or outdated: nothing else was compared
    database_paragraphs: int = 0
    index_documents: int = 0  # paragraphs in the index
    missing: list[str] = field(default_factory=list)  # in the database, not in the index
    stale: list[str] = field(default_factory=list)  # in the index, not in the database
    duplicates: list[str] = field(default_factory=list)  # in the index more than once
    outdated: list[str] = field(default_factory=list)  # statements whose indexed text is older

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
        raise IndexOutdated(
            f"the search index in {index_dir} was built by schema version "
            f"{gen.schema_version} (now {SCHEMA_VERSION}); run `archive reindex`"
        )
    return windex.open_dir(str(gen.path)), gen


def _write_pointer(index_dir: Path, name: str) -> None:
    write_json_atomically(index_dir / POINTER, {"generation": name, "schema_version": SCHEMA_VERSION})
    fsync_dir(index_dir)


def write_json_atomically(path: Path, data: dict, *, sort_keys: bool = False) -> None:
    """`data` as JSON at `path`, whole or not at all: written beside it, on disk, renamed over it."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(data, fh, sort_keys=sort_keys)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def fsync_dir(path: Path) -> None:
    """Make the renames in a directory durable (where the system allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _generations(index_dir: Path) -> list[str]:
    return sorted(
        (p.name for p in index_dir.iterdir() if GEN_RE.match(p.name) and p.is_dir()),
        key=lambda n: int(GEN_RE.match(n).group(1)),
    )


def _next_generation(index_dir: Path) -> str:
    gens = _generations(index_dir)
    return f"gen-{(int(GEN_RE.match(gens[-1]).group(1)) + 1) if gens else 1:06d}"


def _cleanup(index_dir: Path, keep: set[str]) -> None:
    """Delete generations other than `keep`, and files of the pre-generation layout."""
    for name in _generations(index_dir):
        if name not in keep:
            shutil.rmtree(index_dir / name, ignore_errors=True)
    for p in index_dir.iterdir():
        if p.is_file() and (
            p.suffix in (".toc", ".seg", ".pst", ".trm", ".fvz", ".pos")
            or p.name.endswith("_LOCK")
            or p.name.startswith("_MAIN")
        ):
            p.unlink(missing_ok=True)


# -- the write lock -------------------------------------------------------------------------


@contextlib.contextmanager
def write_lock(
    index_dir: Path, timeout: float = LOCK_TIMEOUT, *, settings: Settings | None = None
) -> Iterator[None]:
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
            select(Paragraph.key, Statement.key, Statement.fingerprint)
            .join(Statement)
            .where(Paragraph.current.is_(True), Statement.duplicate_of.is_(None))  # duplicates: not indexed
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
        return CheckReport(
            problem=f"the search index is damaged ({_damage(e)}); run `archive reindex` "
            "(the index is rebuilt from the database)"
        )
    return CheckReport(
        database_paragraphs=len(db),
        index_documents=sum(seen.values()),
        missing=sorted(set(db) - set(seen)),
        stale=sorted(set(seen) - set(db)),
        duplicates=sorted(k for k, n in seen.items() if n > 1),
        outdated=sorted(outdated),
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
    paras, skeys, fps = (
        (reader.column_reader(c) for c in ("paras", "skey", "fp")) if not empty else ({}, {}, {})
    )
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
        verify_terms(seg, full=full, sample=sample)
        for name in seg.schema.names():
            if seg.has_column(name):
                n = sum(1 for _ in seg.column_reader(name))
                if n != seg.doc_count_all():
                    raise ValueError(f"column {name} has {n} values for {seg.doc_count_all()} documents")


def _damage(e: BaseException) -> str:
    text = str(e).splitlines()[0][:160] if str(e) else ""
    return f"{type(e).__name__}: {text}" if text else type(e).__name__
