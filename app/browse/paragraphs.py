"""One paragraph with its context, and the resolution of retired keys (permalinks never break)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.browse.statements import _row, _row_options, paragraph_views
from app.browse.views import ParagraphDetail
from app.models import KeyAlias, Paragraph, Statement

MAX_HOPS = 8


def get_paragraph(session: Session, key: str) -> ParagraphDetail | None:
    found = paragraph_views(session, [Paragraph.key == key])
    if not found:
        return None
    para = found[0]
    sid = session.scalar(select(Paragraph.statement_id).where(Paragraph.key == key))
    st = session.scalar(select(Statement).where(Statement.id == sid).options(*_row_options()))
    before = after = None
    if para.current:
        same = [Paragraph.statement_id == sid, Paragraph.current.is_(True)]
        prev_n = session.scalar(select(Paragraph.n).where(*same, Paragraph.n < para.n)
                                .order_by(Paragraph.n.desc()).limit(1))
        next_n = session.scalar(select(Paragraph.n).where(*same, Paragraph.n > para.n)
                                .order_by(Paragraph.n.asc()).limit(1))
        wanted = [n for n in (prev_n, next_n) if n is not None]
        context = {p.n: p for p in paragraph_views(session, [*same, Paragraph.n.in_(wanted)])} if wanted else {}
        before, after = context.get(prev_n), context.get(next_n)
    return ParagraphDetail(paragraph=para, statement=_row(st), before=before, after=after)


def _exists(session: Session, kind: str, key: str) -> bool:
    model = Paragraph if kind == "paragraph" else Statement
    return session.scalar(select(model.id).where(model.key == key)) is not None


def resolve_alias(session: Session, key: str) -> tuple[str, str] | None:
    """Where a retired statement or paragraph key went: (kind, key) of a live target, following
    chains of aliases up to MAX_HOPS; None when the key was never known (or the chain is broken)."""
    current = key
    seen = {key}
    for _ in range(MAX_HOPS):
        alias = session.get(KeyAlias, current)
        if alias is None:
            return None
        current, kind = alias.new_key, alias.new_kind
        if _exists(session, kind, current):
            return kind, current
        if current in seen:
            return None
        seen.add(current)
    return None
