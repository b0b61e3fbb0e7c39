"""The archive as JSON Lines: one statement per line, sorted by key, byte-identical for the
same pages whatever the order or number of ingest runs (no ids, timestamps or paths)."""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.bidi import close_bidi_all
from app.captured import captured_date, page_clocks
from app.models import Contribution, Paragraph, SourceDocument, Statement, StatementSpeaker, StatementTopic
from app.urls import statement_path

BATCH = 500


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def statement_record(st: Statement, sources: list[tuple[str, str]], page_clock: dt.date | None = None) -> dict:
    return {
        "key": st.key,
        "title": st.title,
        "kind": st.kind,
        "date": st.date.isoformat() if st.date else None,
        "published": st.published.isoformat() if st.published else None,
        "venue": st.venue.name if st.venue else None,
        "speakers": [{"name": s.speaker.name, "role": s.role} for s in st.speakers],
        "topics": [t.topic.name for t in st.topics],
        "excerpt": st.excerpt,
        "original_url": st.original_url,
        "publisher": st.publisher,
        "captured_at": st.captured_at.isoformat() if st.captured_at else None,
        "captured": _iso(captured_date(st.captured_at, page_clock)),
        "url": statement_path(st.key),
        "sources": [{"file": f, "sha256": h} for f, h in sources],
        "paragraphs": [
            {"key": p.key, "n": p.n, "text": p.text, "speaker": p.speaker_name, "label": p.label}
            for p in sorted((p for p in st.paragraphs if p.current), key=lambda p: p.n)
        ],
    }


def _sources(session: Session, keys: list[str]) -> dict[str, list[tuple[str, str]]]:
    rows = session.execute(
        select(Contribution.statement_key, SourceDocument.file_name, SourceDocument.sha256)
        .join(SourceDocument).where(Contribution.statement_key.in_(keys))
    ).all()
    out: dict[str, set[tuple[str, str]]] = {}
    for key, name, sha in rows:
        out.setdefault(key, set()).add((name, sha))
    return {k: sorted(v) for k, v in out.items()}


def export_lines(session: Session) -> Iterator[str]:
    keys = session.scalars(select(Statement.key).order_by(Statement.key)).all()
    for i in range(0, len(keys), BATCH):
        chunk = keys[i:i + BATCH]
        statements = session.scalars(
            select(Statement).where(Statement.key.in_(chunk)).order_by(Statement.key).options(
                selectinload(Statement.venue),
                selectinload(Statement.speakers).selectinload(StatementSpeaker.speaker),
                selectinload(Statement.topics).selectinload(StatementTopic.topic),
                selectinload(Statement.paragraphs).load_only(
                    Paragraph.key, Paragraph.n, Paragraph.text, Paragraph.speaker_name,
                    Paragraph.label, Paragraph.current),
            )
        ).all()
        sources = _sources(session, chunk)
        clocks = page_clocks(session, [st.key for st in statements if st.captured_at is None])
        for st in statements:
            record = statement_record(st, sources.get(st.key, []), clocks.get(st.key))
            yield json.dumps(close_bidi_all(record), ensure_ascii=False) + "\n"
        session.expunge_all()
