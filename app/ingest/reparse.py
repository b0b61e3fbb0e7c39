"""`archive reparse`: parse every stored source again with the current parser. A source whose
parse changes (paragraphs split anew, say) keeps its earlier parse as a superseded document
(app.ingest.load): the new parse is one more version, and every earlier paragraph key keeps
its words."""

from __future__ import annotations

import datetime as dt
import zlib
from pathlib import PurePosixPath

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db import session_scope
from app.ingest.duplicates import after_writes, written_keys
from app.ingest.load import LoadResult, load_page
from app.ingest.readers import parse_document
from app.ingest.source_docs import provenance_of
from app.ingest.types import PageError
from app.models import SiteChrome, SourceDocument


def stored_page(doc: SourceDocument) -> tuple[bytes, str]:
    """The page bytes as stored (the capture of an HTML page, else its text) and the name to
    parse them under."""
    if doc.capture is not None:
        return zlib.decompress(doc.capture), ("record.html" if doc.warc_file else doc.file_name)
    return (doc.raw_text or "").encode("utf-8"), doc.file_name


def reparse_all(factory: sessionmaker[Session], *, max_bytes: int) -> list[LoadResult]:
    """Each live source document (in path order), in its own transaction."""
    with factory() as session:
        ids = session.scalars(
            select(SourceDocument.id)
            .where(SourceDocument.status == "ok", SourceDocument.superseded.is_(False))
            .order_by(SourceDocument.path)
        ).all()
    results = []
    for doc_id in ids:
        with session_scope(factory) as session:
            results.append(_reparse(session, session.get(SourceDocument, doc_id), max_bytes))
    with session_scope(factory) as session:  # a new parse may make or unmake duplicates
        after_writes(session, *written_keys(results))
    return results


def _reparse(session: Session, doc: SourceDocument, max_bytes: int) -> LoadResult:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    if doc.capture is None and doc.raw_text is None:
        return LoadResult(path=doc.path, status="unchanged")  # nothing stored to parse (an imported archive)
    raw, name = stored_page(doc)
    site = PurePosixPath(doc.path).parent.as_posix()
    learnt = dict(
        session.execute(select(SiteChrome.line, SiteChrome.pages).where(SiteChrome.site == site)).all()
    )
    try:
        parsed = parse_document(raw, name, max_bytes=max_bytes, learnt=learnt or None)
    except PageError as e:
        return LoadResult(path=doc.path, status="failed", error=str(e))
    prov = provenance_of(doc)
    size = doc.size
    result = load_page(
        session,
        path=doc.path,
        file_name=doc.file_name,
        raw=raw,
        text=parsed.text,
        page=parsed.page,
        now=now,
        force=True,
        provenance=prov,
        sha256=doc.sha256,
    )
    live = session.scalar(select(SourceDocument).where(SourceDocument.path == doc.path))
    if live is not None:
        live.size = size  # the stored text's length is not the file's
    return result
