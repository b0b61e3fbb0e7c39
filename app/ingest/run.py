"""The ingestion job: find page files (and the pages inside WARC files), parse each (pure, in
worker processes), load each in its own transaction, with its provenance."""

from __future__ import annotations

import datetime as dt
import glob
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db import session_scope
from app.ingest.duplicates import after_writes, written_keys
from app.ingest.load import PARSER_VERSION, LoadResult, load_failure, load_page
from app.ingest.manifest import ManifestEntry
from app.ingest.page_file import read_edges, read_head
from app.ingest.parse_pool import POOL_MIN_FILES, Job, Prepared, prepared
from app.ingest.provenance import Provenance
from app.ingest.site_chrome import MIN_PAGES, learn
from app.ingest.sniff import listed, sniff, suffix_of
from app.ingest.speakers import reconcile_speakers
from app.ingest.warc import WarcStats, read_warc
from app.models import SiteChrome, SourceDocument
from app.outbox import enqueue

NOTABLE = ("no text body", "no article text found", "listing page")  # warnings shown as a note at ingest


@dataclass
class IngestSummary:
    results: list[LoadResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # one line each: skipped files, WARC record counts

    def count(self, attr: str) -> int:
        return sum(getattr(r, attr) for r in self.results)

    @property
    def failures(self) -> list[LoadResult]:
        return [r for r in self.results if r.status == "failed"]


def discover(paths: Iterable[str], notes: list[str] | None = None) -> tuple[list[Path], list[LoadResult]]:
    """Files named, directories walked (recursively) and globs expanded. Each file once, in a
    stable order; a name that matches nothing is a failure. In a directory, a file that is
    not a page (by name, then by its first bytes) is skipped with a note (one per file; one
    per `<name>_files/` folder of a saved page's assets)."""
    found: dict[str, Path] = {}
    missing: list[LoadResult] = []
    notes = [] if notes is None else notes
    for arg in paths:
        matches = (
            [Path(m) for m in sorted(glob.glob(arg, recursive=True))] if glob.has_magic(arg) else [Path(arg)]
        )
        if not matches or not (matches[0].exists() or matches[0].is_symlink()):
            missing.append(LoadResult(path=arg, status="failed", error="no such file or directory"))
            continue
        for m in matches:
            for f in _walk(m, notes) if m.is_dir() else [m]:
                found.setdefault(os.path.realpath(f), f)
    return sorted(found.values(), key=lambda p: display_path(p)), missing


def _sniffed_page(path: Path) -> bool:
    head = read_head(path)
    return head is not None and not sniff(head, path.name).startswith("unsupported")


def _walk(directory: Path, notes: list[str]) -> Iterable[Path]:
    for root, dirs, files in os.walk(directory, followlinks=False, onerror=None):
        dirs.sort()
        assets = Path(root).name.endswith("_files")
        skipped = 0
        for name in sorted(files):
            p = Path(root) / name
            if listed(name) or (not assets and _sniffed_page(p)):
                yield p
            elif assets:
                skipped += 1
            else:
                notes.append(
                    f"skipped {display_path(p)}: not a page ({suffix_of(name) or 'no suffix'}; "
                    "supported: text, HTML, WARC)"
                )
        if skipped:
            notes.append(
                f"skipped {skipped} asset file(s) in {display_path(Path(root))}/ (saved with a page)"
            )


def display_path(path: Path) -> str:
    """The path as stored: relative to the working directory when inside it."""
    try:
        return Path(os.path.abspath(path)).relative_to(Path.cwd()).as_posix()
    except ValueError:
        return Path(os.path.abspath(path)).as_posix()


def load_prepared(factory: sessionmaker[Session], item: Prepared, *, force: bool = False) -> LoadResult:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    if item.unchanged:
        return LoadResult(path=item.shown, status="unchanged")
    name = item.file_name or item.path.name
    with session_scope(factory) as session:
        if item.error is not None:
            return load_failure(
                session, path=item.shown, file_name=name, raw=item.raw, error=item.error, now=now
            )
        return load_page(
            session,
            path=item.shown,
            file_name=name,
            raw=item.raw,
            text=item.text,
            page=item.take_page(),
            now=now,
            force=force,
            provenance=item.provenance,
        )


def _known_shas(factory: sessionmaker[Session]) -> dict[str, str]:
    """sha256 of every page already ingested with this parser version, by stored path."""
    with factory() as session:
        return dict(
            session.execute(
                select(SourceDocument.path, SourceDocument.sha256).where(
                    SourceDocument.status == "ok", SourceDocument.parser_version == PARSER_VERSION
                )
            ).all()
        )


def site_of(path: Path) -> str:
    """A page's site, for chrome learnt across pages: its source folder."""
    return display_path(path.parent)


def _edges(path: Path, max_bytes: int) -> str:
    """The top and bottom of a page as text, cheaply (what chrome learning reads)."""
    edges = read_edges(path, max_bytes, EDGE_BYTES)
    if edges is None:
        return ""
    head, tail = edges
    text = head.decode("utf-8", "replace") + ("\n" + tail.decode("utf-8", "replace") if tail else "")
    return text.replace("\u00a0", " ").replace("\r\n", "\n").replace("\r", "\n")


EDGE_BYTES = 4096


def learn_site_chrome(
    factory: sessionmaker[Session], files: list[Path], max_bytes: int
) -> dict[str, dict[str, int]]:
    """Learn each site's recurring lines from the pages of this run, merge them with what was
    learnt before (the larger page count wins) and store them; {site: {line: pages}}."""
    by_site: dict[str, list[Path]] = {}
    for f in files:
        by_site.setdefault(site_of(f), []).append(f)
    out: dict[str, dict[str, int]] = {}
    with session_scope(factory) as session:
        for site in sorted(by_site):
            stored = dict(
                session.execute(
                    select(SiteChrome.line, SiteChrome.pages).where(SiteChrome.site == site)
                ).all()
            )
            fresh = (
                learn(_edges(f, max_bytes) for f in by_site[site]) if len(by_site[site]) >= MIN_PAGES else {}
            )
            for line, pages in sorted(fresh.items()):
                if pages > stored.get(line, 0):
                    session.merge(SiteChrome(site=site, line=line[:512], pages=pages))
                    stored[line] = pages
            if stored:
                out[site] = stored
    return out


def _file_time(path: Path) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).replace(tzinfo=None, microsecond=0)
    except OSError:
        return None


def is_warc(path: Path) -> bool:
    head = read_head(path)
    return head is not None and sniff(head, path.name) in ("warc", "gzip-warc")


def jobs(
    files: list[Path],
    known: dict[str, str],
    max_bytes: int,
    manifest: dict[str, ManifestEntry],
    summary: IngestSummary,
    learnt: dict[str, dict[str, int]] | None = None,
) -> Iterator[Job]:
    """The pages to read, in order: each file, or each HTML record of a WARC file (streamed)."""
    for f in files:
        shown = display_path(f)
        if is_warc(f):
            yield from _warc_jobs(f, shown, known, max_bytes, summary)
            continue
        entry = manifest.get(os.path.realpath(f))
        if entry is not None:
            prov = Provenance(
                original_url=entry.url,
                url_source="manifest" if entry.url else None,
                captured_at=entry.captured,
                captured_source="manifest" if entry.captured else None,
            )
        else:
            prov = Provenance()
        if prov.captured_at is None:
            prov = prov.replace(captured_at=_file_time(f), captured_source="file mtime")
        yield Job(f, shown, f.name, known.get(shown), provenance=prov, learnt=(learnt or {}).get(site_of(f)))


def _warc_jobs(
    f: Path, shown: str, known: dict[str, str], max_bytes: int, summary: IngestSummary
) -> Iterator[Job]:
    """One job per HTML record of a WARC file; its unreadable records and skipped ones go to the summary."""
    stats = WarcStats()
    pages = 0
    for rec in read_warc(str(f), max_bytes, stats):
        pages += 1
        rshown = f"{shown}#{rec.offset}"
        prov = Provenance(
            original_url=rec.url,
            url_source="WARC-Target-URI" if rec.url else None,
            captured_at=rec.captured_at,
            captured_source="WARC-Date" if rec.captured_at else None,
            warc_file=shown,
            warc_offset=rec.offset,
        )
        yield Job(
            f,
            rshown,
            f"{f.name}#{rec.offset}",
            known.get(rshown),
            rec.payload,
            rec.http_charset,
            prov,
            None if rec.payload is not None else f"record at offset {rec.offset}: {rec.error}",
        )
    for offset, reason in stats.problems:
        error = f"record at offset {offset}: {reason}"
        summary.results.append(LoadResult(path=f"{shown}#{offset}", status="failed", error=error))
    skipped = ", ".join(f"{n} × {why}" for why, n in sorted(stats.skipped.items()))
    summary.notes.append(f"{shown}: {pages} HTML page(s)" + (f"; skipped {skipped}" if skipped else ""))


def ingest_paths(
    factory: sessionmaker[Session],
    paths: Iterable[str],
    *,
    max_bytes: int,
    force: bool = False,
    workers: int = 1,
    manifest: dict[str, ManifestEntry] | None = None,
    progress: Callable[[int, int], None] | None = None,
    before_load: Callable[[int], None] | None = None,
) -> IngestSummary:
    """`before_load(number of files)` runs once the files are known, before any is loaded.
    A WARC file counts as many pages as it turns out to hold (counted as they are read)."""
    summary = IngestSummary()
    files, missing = discover(paths, summary.notes)
    summary.results.extend(missing)
    known = {} if force else _known_shas(factory)
    warcs = sum(1 for f in files if is_warc(f))
    count = len(files) + (POOL_MIN_FILES if warcs else 0)  # a WARC holds many pages: use the pool
    if before_load:
        before_load(count)
    learnt = learn_site_chrome(factory, [f for f in files if not is_warc(f)], max_bytes)
    work = jobs(files, known, max_bytes, manifest or {}, summary, learnt)
    for i, item in enumerate(prepared(work, count, max_bytes, workers), 1):
        if item.page is not None:
            summary.notes.extend(f"{item.shown}: {w}" for w in item.page.warnings if w.startswith(NOTABLE))
        summary.results.append(load_prepared(factory, item, force=force))
        if progress:
            progress(i, max(i, len(files)) if not warcs else i)
    with session_scope(factory) as session:  # spellings of the table's people made one speaker
        enqueue(session, reconcile_speakers(session))
    with session_scope(factory) as session:  # the same text published at several sites
        after_writes(session, *written_keys(summary.results))
    return summary
