"""One paragraph with its context, and the resolution of retired keys (permalinks never break)."""

from __future__ import annotations

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from app.browse.rows import load_rows
from app.browse.statements import paragraph_views
from app.browse.versions import paragraph_revision
from app.browse.views import ParagraphDetail, StatementRow
from app.models import KeyAlias, Paragraph, Statement

MAX_HOPS = 8


def get_paragraph(session: Session, key: str) -> ParagraphDetail | None:
    """A paragraph, its statement, and the current paragraphs just before and after it
    (retired paragraphs have no context). Five queries."""
    found = session.execute(
        select(Paragraph.statement_id, Paragraph.n, Paragraph.current).where(Paragraph.key == key)
    ).first()
    if found is None:
        return None
    sid, n, current = found
    wanted = Paragraph.key == key
    if current:
        same = [Paragraph.statement_id == sid, Paragraph.current.is_(True)]
        prev_n = select(func.max(Paragraph.n)).where(*same, Paragraph.n < n).scalar_subquery()
        next_n = select(func.min(Paragraph.n)).where(*same, Paragraph.n > n).scalar_subquery()
        wanted = or_(wanted, and_(*same, Paragraph.n.in_([prev_n, next_n])))
    views = paragraph_views(session, [wanted])
    para = next(v for v in views if v.key == key)
    context = [v for v in views if v.key != key and v.current]
    before = next((v for v in reversed(context) if v.n < para.n), None)
    after = next((v for v in context if v.n > para.n), None)
    ((_sid, fields),) = load_rows(session, Statement.id == sid)
    revision = None if current else paragraph_revision(session, fields["key"], key)
    return ParagraphDetail(
        paragraph=para, statement=StatementRow(**fields), before=before, after=after, revision=revision
    )


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
