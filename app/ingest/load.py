"""Write one parsed page into the database (one transaction per page, by the caller).

A page contributes statements (its main text and its teasers): its contributions
(app.ingest.contributions) are stored against its source document (app.ingest.source_docs),
then each statement they touch is materialised anew from all its contributions
(app.ingest.materialise), so the archive does not depend on the order pages arrive in.

Nothing ingested is forgotten: a page re-ingested at its path with another text (or
parsed anew by a changed parser) keeps its earlier document as `superseded`, so every
text a statement ever had stays a version and every paragraph key keeps its words.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.ingest.aliases import alias_removed, alias_superseded
from app.ingest.bulk import insert_rows
from app.ingest.contributions import contribution_rows
from app.ingest.materialise import materialise_many
from app.ingest.provenance import Provenance
from app.ingest.source_docs import differs, known_earlier, live_main, set_provenance, supersede
from app.ingest.types import PageError, ParsedPage
from app.ingest.versions import capture_of
from app.models import Contribution, SourceDocument
from app.outbox import enqueue

PARSER_VERSION = "2"  # 2: title by evidence, chrome learnt per site (issue 10)


@dataclass
class LoadResult:
    path: str
    status: str  # new | updated | unchanged | failed
    error: str | None = None
    statements_new: int = 0
    statements_updated: int = 0
    statements_unchanged: int = 0
    excerpts: int = 0
    paragraphs: int = 0
    warnings: int = 0
    changed_keys: set[str] = field(default_factory=set)  # statements written (for the index)
    removed_keys: set[str] = field(default_factory=set)  # statements deleted


def load_failure(
    session: Session, *, path: str, file_name: str, raw: bytes, error: PageError, now: dt.datetime
) -> LoadResult:
    """Record a page that could not be parsed. A previous good version stays in place."""
    doc = session.scalar(select(SourceDocument).where(SourceDocument.path == path))
    if doc is None:
        doc = SourceDocument(
            path=path,
            file_name=file_name,
            sha256=hashlib.sha256(raw).hexdigest(),
            size=len(raw),
            raw_text=None,
            encoding=None,
            warnings="[]",
        )
        session.add(doc)
    doc.parser_version = PARSER_VERSION
    doc.ingested_at = now
    doc.status = "failed"
    doc.error = error.message
    doc.error_line = error.line
    return LoadResult(path=path, status="failed", error=str(error))


def load_page(
    session: Session,
    *,
    path: str,
    file_name: str,
    raw: bytes,
    text: str | None,
    page: ParsedPage,
    now: dt.datetime,
    force: bool = False,
    provenance: Provenance | None = None,
    sha256: str | None = None,
) -> LoadResult:
    """`sha256`: the source's own, when `raw` is its stored text rather than its bytes (reparse)."""
    sha = sha256 or hashlib.sha256(raw).hexdigest()
    provenance = provenance or Provenance()
    doc = session.scalar(select(SourceDocument).where(SourceDocument.path == path))
    if doc is not None and not force and _up_to_date(doc, sha):
        return LoadResult(path=path, status="unchanged")
    rows = contribution_rows(page)
    if doc is not None and not force and known_earlier(session, path, sha, rows):
        return LoadResult(path=path, status="unchanged")
    result = LoadResult(
        path=path,
        status="new" if doc is None else "updated",
        warnings=len(page.warnings),
        paragraphs=sum(len(st.paragraphs) for st in page.statements),
        excerpts=sum(r["role"] == "excerpt" for r in rows.values()),
    )
    warnings, encoding, captured = page.warnings, page.encoding, page.captured
    del page  # serialised in `rows`: a long page's parse objects go before its statements are built
    capture = capture_of(provenance.captured_at, provenance.captured_source, captured, now)
    doc, old, earlier_main = _make_room(session, doc, path, sha, rows, capture)
    if doc is None:
        doc = SourceDocument(path=path)
        session.add(doc)
    doc.file_name, doc.sha256, doc.size, doc.raw_text = file_name, sha, len(raw), text
    doc.encoding, doc.parser_version, doc.ingested_at = encoding, PARSER_VERSION, now
    doc.status, doc.error, doc.error_line = "ok", None, None
    doc.warnings = json.dumps(list(warnings), ensure_ascii=False)
    doc.captured = captured
    set_provenance(doc, provenance)
    session.flush()

    session.execute(delete(Contribution).where(Contribution.source_document_id == doc.id))
    insert_rows(session, Contribution, [dict(source_document_id=doc.id, **r) for r in rows.values()])
    keys = set(rows)
    del rows  # the page's JSON is in the database now (read back, compactly, to materialise)
    _materialise_page(session, result, path, keys, old, earlier_main)
    enqueue(session, result.changed_keys | result.removed_keys)  # for the search index, same transaction
    return result


def _up_to_date(doc: SourceDocument, sha: str) -> bool:
    """The stored document is this text, parsed well by this parser."""
    return doc.sha256 == sha and doc.status == "ok" and doc.parser_version == PARSER_VERSION


def _make_room(
    session: Session, doc: SourceDocument | None, path: str, sha: str, rows: dict[str, dict], capture
) -> tuple[SourceDocument | None, list[tuple[str, str]], str | None]:
    """Before a page is written at `path`: (the document to write it into, None for a new one;
    the (statement key, role) contributions it replaces; the main statement of the capture of
    this path kept as superseded, if the page says something else than that capture)."""
    if doc is None:
        return None, [], None
    kept = session.execute(
        select(Contribution.statement_key, Contribution.role, Contribution.data).where(
            Contribution.source_document_id == doc.id
        )
    ).all()
    old = [(k, role) for k, role, _d in kept]
    if not (kept and differs(doc, sha, kept, rows)):
        return doc, old, None
    fresh = supersede(session, doc, path, sha, capture)
    if doc.superseded:  # the live document is kept as an earlier capture
        return fresh, old, next((k for k, role in old if role == "main"), None)
    # the page arriving is the older capture: kept beside the live document, which stays
    return fresh, [], next((k for k, r in rows.items() if r["role"] == "main"), None)


def _materialise_page(
    session: Session,
    result: LoadResult,
    path: str,
    keys: set[str],
    old: list[tuple[str, str]],
    earlier_main: str | None,
) -> None:
    """Rebuild the statements the page touched (its own and those it no longer holds), count
    them in `result`, and alias the keys of statements that went to where their page went."""
    old_main = next((k for k, role in old if role == "main"), None)
    main_now = live_main(session, path)
    touched = keys | {k for k, _ in old}
    if earlier_main and main_now:  # a capture kept as earlier: its statement's versions change
        touched.add(main_now)
    for key, outcome in materialise_many(session, sorted(touched)):
        if outcome == "removed":
            result.removed_keys.add(key)
        elif outcome != "unchanged":
            result.changed_keys.add(key)
        if outcome not in ("removed", "gone"):
            setattr(result, f"statements_{outcome}", getattr(result, f"statements_{outcome}") + 1)
    for key in sorted(result.removed_keys):
        alias_removed(session, key, main_now if key == old_main else None)
    if earlier_main and main_now and earlier_main != main_now:
        alias_superseded(session, earlier_main, main_now)
