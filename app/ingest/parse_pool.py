"""The parse pool of `archive ingest`: each page read and parsed (pure apart from reading the
file) in worker processes, handed to the loader in order.

Kept apart from the loader so that a worker imports only the readers (no database layer,
search index or web code): ~40 MB and ~0.6 CPU s of start-up instead of ~125 MB and ~2 s."""

from __future__ import annotations

import ctypes
import hashlib
import multiprocessing
import os
import zlib
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from app.ingest.page_file import read_limited
from app.ingest.provenance import Provenance
from app.ingest.readers import parse_document
from app.ingest.types import PageError, ParsedPage
from app.lifeline import die_with_parent

POOL_MIN_FILES = 32  # below this, a process pool costs more than it saves
WINDOW_PER_WORKER = 4  # pages parsed ahead of the loader, per worker


@dataclass(frozen=True)
class Job:
    """One page to read: a file, or a record of a WARC file (its payload read already)."""

    path: Path
    shown: str  # the stored path: unique per page ("a.warc.gz#1234" for a record)
    file_name: str
    known_sha: str | None = None
    payload: bytes | None = None
    http_charset: str | None = None
    provenance: Provenance = Provenance()
    error: str | None = None
    learnt: dict[str, int] | None = None  # chrome learnt across the page's site (text pages)


@dataclass
class Prepared:
    """A page read and parsed (in a worker process), ready to load."""

    path: Path
    shown: str
    raw: bytes = b""
    text: str | None = None
    page: ParsedPage | None = None
    error: PageError | None = None
    unchanged: bool = False
    file_name: str = ""
    provenance: Provenance = Provenance()

    def take_page(self) -> ParsedPage | None:
        """The parse, handed over (not kept here: load_page lets a long page's objects go)."""
        page, self.page = self.page, None
        return page


def prepare_job(job: Job, max_bytes: int) -> Prepared:
    """Read and parse one page (pure apart from reading the file; runs in worker processes).
    A page whose sha256 equals `job.known_sha` is not parsed again."""
    base = dict(file_name=job.file_name, provenance=job.provenance)
    if job.error:
        return Prepared(job.path, job.shown, error=PageError(job.error), **base)
    try:
        raw = job.payload if job.payload is not None else read_limited(job.path, max_bytes)
    except PageError as e:
        return Prepared(job.path, job.shown, error=e, **base)
    except OSError as e:
        return Prepared(job.path, job.shown, error=PageError(f"cannot read: {e.strerror or e}"), **base)
    if job.known_sha is not None and hashlib.sha256(raw).hexdigest() == job.known_sha:
        return Prepared(job.path, job.shown, raw=raw, unchanged=True, **base)
    try:
        doc = parse_document(
            raw,
            job.file_name if job.payload is None else "record.html",
            max_bytes=max_bytes,
            http_charset=job.http_charset,
            learnt=job.learnt,
        )
    except PageError as e:
        return Prepared(job.path, job.shown, raw=raw, error=e, **base)
    except Exception as e:  # a parser bug must not stop the run; the page is reported
        return Prepared(
            job.path, job.shown, raw=raw, error=PageError(f"internal parser error: {e!r}"), **base
        )
    prov = job.provenance.with_page(doc.format, doc.url, doc.url_source, doc.publisher)
    if doc.format == "html":
        prov = prov.with_capture(zlib.compress(raw, 6))
    return Prepared(
        job.path, job.shown, raw=raw, text=doc.text, page=doc.page, file_name=job.file_name, provenance=prov
    )


def _prepare_in_worker(job: Job, max_bytes: int) -> Prepared:
    """prepare_job in a pool worker: after a large page, the heap its trees took is handed back
    to the system (glibc keeps freed memory in its arenas otherwise: a worker that once parsed
    a 4 MB page would hold ~100 MB for the rest of the run)."""
    item = prepare_job(job, max_bytes)
    if len(item.raw) >= TRIM_AFTER_BYTES:
        _malloc_trim()
    return item


TRIM_AFTER_BYTES = 1 << 20


def _malloc_trim() -> None:
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def prepared(work: Iterator[Job], count: int, max_bytes: int, workers: int) -> Iterator[Prepared]:
    """Pages read and parsed in order; by a pool of processes when there are many.
    At most `window` pages wait in memory between the parsers and the loader."""
    if workers <= 1 or count < POOL_MIN_FILES:
        for job in work:
            yield prepare_job(job, max_bytes)
        return
    window = workers * WINDOW_PER_WORKER
    ctx = multiprocessing.get_context("spawn")  # no fork of a process holding threads and connections
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=ctx, initializer=die_with_parent, initargs=(os.getpid(),)
    ) as pool:
        pending: deque = deque()
        for job in work:
            pending.append(pool.submit(_prepare_in_worker, job, max_bytes))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
