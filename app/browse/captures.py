"""The stored page a statement came from: the HTML as captured (decompressed, decoded with
the encoding ingest used), or the text page's text."""

from __future__ import annotations

import zlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import SourceDocument


def capture_text(session: Session, sha256: str) -> str | None:
    row = session.execute(
        select(SourceDocument.capture, SourceDocument.raw_text, SourceDocument.encoding)
        .where(SourceDocument.sha256 == sha256, SourceDocument.status == "ok")
        .limit(1)
    ).first()
    if row is None:
        return None
    capture, text, encoding = row
    if capture is not None:
        try:
            return zlib.decompress(capture).decode(encoding or "utf-8", errors="replace")
        except (zlib.error, LookupError):
            return None
    return text
