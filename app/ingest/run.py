"""The ingestion job: find page files, parse each (pure), load each in its own transaction."""
from __future__ import annotations

import datetime as dt
import glob
import os
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from app.db import session_scope
from app.ingest.load import LoadResult, load_failure, load_page
from app.ingest.readers import parse_document, supported
from app.ingest.types import PageError


@dataclass
class IngestSummary:
    results: list[LoadResult] = field(default_factory=list)

    def count(self, attr: str) -> int:
        return sum(getattr(r, attr) for r in self.results)

    @property
    def failures(self) -> list[LoadResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def changed_keys(self) -> set[str]:
        return set().union(*(r.changed_keys for r in self.results)) - self.removed_keys

    @property
    def removed_keys(self) -> set[str]:
        removed = set().union(*(r.removed_keys for r in self.results))
        rewritten = set().union(*(r.changed_keys for r in self.results))
        return removed - {k for k in rewritten if k not in removed}


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


def ingest_file(factory: sessionmaker[Session], path: Path, *, max_bytes: int, force: bool = False) -> LoadResult:
    shown, now = display_path(path), dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    try:
        raw = read_limited(path, max_bytes)
    except PageError as e:
        return _record_failure(factory, shown, path, b"", e, now)
    except OSError as e:
        return _record_failure(factory, shown, path, b"", PageError(f"cannot read: {e.strerror or e}"), now)
    try:
        text, page = parse_document(raw, path.suffix)
    except PageError as e:
        return _record_failure(factory, shown, path, raw, e, now)
    except Exception as e:  # a parser bug must not stop the run; the page is reported
        return _record_failure(factory, shown, path, raw, PageError(f"internal parser error: {e!r}"), now)
    with session_scope(factory) as session:
        return load_page(session, path=shown, file_name=path.name, raw=raw, text=text, page=page,
                         now=now, force=force)


def _record_failure(factory, shown: str, path: Path, raw: bytes, error: PageError, now) -> LoadResult:
    with session_scope(factory) as session:
        return load_failure(session, path=shown, file_name=path.name, raw=raw, error=error, now=now)


def ingest_paths(factory: sessionmaker[Session], paths: Iterable[str], *, max_bytes: int,
                 force: bool = False, progress: Callable[[int, int], None] | None = None) -> IngestSummary:
    files, missing = discover(paths)
    summary = IngestSummary(results=list(missing))
    for i, f in enumerate(files, 1):
        summary.results.append(ingest_file(factory, f, max_bytes=max_bytes, force=force))
        if progress:
            progress(i, len(files))
    return summary
