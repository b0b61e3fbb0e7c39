"""The ingestion job: find page files, parse each (pure), load each in its own transaction."""
from __future__ import annotations

import datetime as dt
import glob
import hashlib
import multiprocessing
import os
import stat
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db import session_scope
from app.ingest.load import PARSER_VERSION, LoadResult, load_failure, load_page
from app.ingest.readers import parse_document, supported
from app.ingest.types import PageError, ParsedPage
from app.lifeline import die_with_parent
from app.models import SourceDocument

POOL_MIN_FILES = 32  # below this, a process pool costs more than it saves


@dataclass
class IngestSummary:
    results: list[LoadResult] = field(default_factory=list)

    def count(self, attr: str) -> int:
        return sum(getattr(r, attr) for r in self.results)

    @property
    def failures(self) -> list[LoadResult]:
        return [r for r in self.results if r.status == "failed"]


def discover(paths: Iterable[str]) -> tuple[list[Path], list[LoadResult]]:
    """Files named, directories walked (recursively, supported suffixes only) and globs expanded.
    Each file once, in a stable order; a name that matches nothing is a failure."""
    found: dict[str, Path] = {}
    missing: list[LoadResult] = []
    for arg in paths:
        matches = [Path(m) for m in sorted(glob.glob(arg, recursive=True))] if glob.has_magic(arg) else [Path(arg)]
        if not matches or not (matches[0].exists() or matches[0].is_symlink()):
            missing.append(LoadResult(path=arg, status="failed", error="no such file or directory"))
            continue
        for m in matches:
            for f in _walk(m) if m.is_dir() else [m]:
                found.setdefault(os.path.realpath(f), f)
    return sorted(found.values(), key=lambda p: display_path(p)), missing


def _walk(directory: Path) -> Iterable[Path]:
    for root, dirs, files in os.walk(directory, followlinks=False, onerror=None):
        dirs.sort()
        for name in sorted(files):
            if supported(Path(name).suffix):
                yield Path(root) / name


def display_path(path: Path) -> str:
    """The path as stored: relative to the working directory when inside it."""
    try:
        return Path(os.path.abspath(path)).relative_to(Path.cwd()).as_posix()
    except ValueError:
        return Path(os.path.abspath(path)).as_posix()


def read_limited(path: Path, max_bytes: int) -> bytes:
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise PageError("not a regular file")
    size = info.st_size
    if size > max_bytes:
        raise PageError(f"page too large ({size:,} bytes; limit {max_bytes:,})")
    with path.open("rb") as fh:
        raw = fh.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise PageError(f"page too large (over {max_bytes:,} bytes)")
    return raw


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


def prepare(path: Path, shown: str, max_bytes: int, known_sha: str | None = None) -> Prepared:
    """Read and parse one page (pure apart from reading the file; runs in worker processes).
    A page whose sha256 equals `known_sha` is not parsed again."""
    try:
        raw = read_limited(path, max_bytes)
    except PageError as e:
        return Prepared(path, shown, error=e)
    except OSError as e:
        return Prepared(path, shown, error=PageError(f"cannot read: {e.strerror or e}"))
    if known_sha is not None and hashlib.sha256(raw).hexdigest() == known_sha:
        return Prepared(path, shown, raw=raw, unchanged=True)
    try:
        text, page = parse_document(raw, path.suffix)
    except PageError as e:
        return Prepared(path, shown, raw=raw, error=e)
    except Exception as e:  # a parser bug must not stop the run; the page is reported
        return Prepared(path, shown, raw=raw, error=PageError(f"internal parser error: {e!r}"))
    return Prepared(path, shown, raw=raw, text=text, page=page)


def load_prepared(factory: sessionmaker[Session], item: Prepared, *, force: bool = False) -> LoadResult:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    if item.unchanged:
        return LoadResult(path=item.shown, status="unchanged")
    with session_scope(factory) as session:
        if item.error is not None:
            return load_failure(session, path=item.shown, file_name=item.path.name, raw=item.raw,
                                error=item.error, now=now)
        return load_page(session, path=item.shown, file_name=item.path.name, raw=item.raw, text=item.text,
                         page=item.page, now=now, force=force)


def _known_shas(factory: sessionmaker[Session]) -> dict[str, str]:
    """sha256 of every page already ingested with this parser version, by stored path."""
    with factory() as session:
        return dict(session.execute(
            select(SourceDocument.path, SourceDocument.sha256)
            .where(SourceDocument.status == "ok", SourceDocument.parser_version == PARSER_VERSION)).all())


def _prepared(files: list[Path], known: dict[str, str], max_bytes: int, workers: int) -> Iterator[Prepared]:
    """Pages read and parsed in order; by a pool of processes when there are many.
    At most `window` pages wait in memory between the parsers and the loader."""
    jobs = [(f, display_path(f)) for f in files]
    if workers <= 1 or len(files) < POOL_MIN_FILES:
        for f, shown in jobs:
            yield prepare(f, shown, max_bytes, known.get(shown))
        return
    window = workers * 16
    ctx = multiprocessing.get_context("spawn")  # no fork of a process holding threads and connections
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=die_with_parent,
                             initargs=(os.getpid(),)) as pool:
        pending: deque = deque()
        for f, shown in jobs:
            pending.append(pool.submit(prepare, f, shown, max_bytes, known.get(shown)))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def ingest_paths(factory: sessionmaker[Session], paths: Iterable[str], *, max_bytes: int,
                 force: bool = False, workers: int = 1,
                 progress: Callable[[int, int], None] | None = None,
                 before_load: Callable[[int], None] | None = None) -> IngestSummary:
    """`before_load(number of files)` runs once the files are known, before any is loaded."""
    files, missing = discover(paths)
    summary = IngestSummary(results=list(missing))
    known = {} if force else _known_shas(factory)
    if before_load:
        before_load(len(files))
    for i, item in enumerate(_prepared(files, known, max_bytes, workers), 1):
        summary.results.append(load_prepared(factory, item, force=force))
        if progress:
            progress(i, len(files))
    return summary
