"""Source documents of the loader: whether a page is known already, and keeping the live
document of a path as an earlier capture when a page says something else (so every text a
statement ever had stays a version), and the document's provenance columns."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.ingest.provenance import Provenance
from app.ingest.versions import capture_of
from app.models import Contribution, SourceDocument


def known_earlier(session: Session, path: str, sha: str, rows: dict[str, dict]) -> bool:
    """This text, parsed the same, is already kept as an earlier capture of the path."""
    for doc in session.scalars(
        select(SourceDocument).where(
            SourceDocument.superseded.is_(True),
            SourceDocument.sha256 == sha,
            SourceDocument.path.startswith(path + "@", autoescape=True),
        )
    ):
        kept = session.execute(
            select(Contribution.statement_key, Contribution.role, Contribution.data).where(
                Contribution.source_document_id == doc.id
            )
        ).all()
        if not differs(doc, sha, kept, rows):
            return True
    return False


def differs(doc: SourceDocument, sha: str, kept, rows: dict[str, dict]) -> bool:
    """Another text, or the same text parsed differently (a parser change)."""
    return doc.sha256 != sha or sorted((k, r, d) for k, r, d in kept) != sorted(
        (r["statement_key"], r["role"], r["data"]) for r in rows.values()
    )


def superseded_path(session: Session, path: str, sha: str, seq: int) -> str:
    base = f"{path}@{sha[:16]}~{seq}"
    candidate, i = base, 1
    while session.scalar(select(SourceDocument.id).where(SourceDocument.path == candidate)) is not None:
        i += 1
        candidate = f"{base}.{i}"
    return candidate


def supersede(
    session: Session, doc: SourceDocument, path: str, sha: str, new_capture
) -> SourceDocument | None:
    """Keep the live document of `path` as an earlier capture, or (when the page arriving is
    the older capture) keep the arriving page beside it: the document to write the page into
    (None: a new live document at `path`). The live document of a path is always its latest
    capture, whatever the order pages arrive in."""
    live = capture_of(doc.captured_at, doc.captured_source, doc.captured, doc.ingested_at)
    if doc.sha256 != sha and (new_capture.sort_key(), sha) < (live.sort_key(), doc.sha256):
        older = SourceDocument(path=superseded_path(session, path, sha, 0), superseded=True, parse_seq=0)
        session.add(older)
        return older
    seq = doc.parse_seq + 1 if doc.sha256 == sha else 0
    doc.path = superseded_path(session, path, doc.sha256, doc.parse_seq)
    doc.superseded = True
    session.flush()
    fresh = SourceDocument(path=path, parse_seq=seq, superseded=False)
    session.add(fresh)
    return fresh


def live_main(session: Session, path: str) -> str | None:
    return session.scalar(
        select(Contribution.statement_key)
        .join(SourceDocument)
        .where(SourceDocument.path == path, Contribution.role == "main")
    )


# Provenance's fields are source_documents columns of the same names
PROVENANCE_COLUMNS = tuple(f.name for f in dataclasses.fields(Provenance))


def set_provenance(doc: SourceDocument, p: Provenance) -> None:
    for name in PROVENANCE_COLUMNS:
        setattr(doc, name, getattr(p, name))


def provenance_of(doc: SourceDocument) -> Provenance:
    """The provenance stored on a source document (what reparse hands the loader again)."""
    return Provenance(**{name: getattr(doc, name) for name in PROVENANCE_COLUMNS})
