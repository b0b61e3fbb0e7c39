"""The one row loader: every statement row the archive shows or writes (pages, API, feeds,
downloads, export, citations, CLI) is built here, from three Core queries (statements with
their venue, speakers, topics) and the page clocks; the ORM's identity map and eager loaders
cost more than the queries on the pages that show a few statements."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from app.browse.views import NamedRef, SpeakerRef, StatementRow
from app.captured import page_clocks
from app.models import Paragraph, Speaker, Statement, StatementSpeaker, StatementTopic, Topic, Venue

LEAD_CHARS = 400


def load_rows(
    session: Session,
    *where,
    order=(),
    limit: int | None = None,
    offset: int = 0,
) -> list[tuple[int, dict]]:
    """(id, StatementRow fields) of the statements matching `where`, in `order`."""
    # (its own columns: search/documents.py reads other statement columns for the index)
    query = (
        select(
            Statement.id,
            Statement.key,
            Statement.title,
            Statement.kind,
            Statement.date,
            Statement.published,
            Venue.key,
            Venue.name,
            Statement.excerpt,
            Statement.paragraph_count,
            Statement.original_url,
            Statement.publisher,
            Statement.captured_at,
        )
        .outerjoin(Venue, Venue.id == Statement.venue_id)
        .where(*where)
        .order_by(*order)
    )
    if limit is not None:
        query = query.offset(offset).limit(limit)
    rows = session.execute(query).all()
    speakers, topics = _speakers_and_topics(session, [r[0] for r in rows])
    clocks = page_clocks(session, [r[1] for r in rows if r[12] is None])
    return [
        (
            r[0],
            dict(
                key=r[1],
                title=r[2],
                kind=r[3],
                date=r[4],
                published=r[5],
                venue=NamedRef(r[6], r[7]) if r[6] is not None else None,
                speakers=speakers[r[0]],
                topics=topics[r[0]],
                excerpt=r[8],
                paragraph_count=r[9],
                original_url=r[10],
                publisher=r[11],
                captured_at=r[12],
                page_clock=clocks.get(r[1]),
            ),
        )
        for r in rows
    ]


def _speakers_and_topics(
    session: Session, ids: list[int]
) -> tuple[dict[int, list[SpeakerRef]], dict[int, list[NamedRef]]]:
    """Each statement's speakers and topics, in their order (one query each)."""
    speakers: dict[int, list[SpeakerRef]] = {i: [] for i in ids}
    topics: dict[int, list[NamedRef]] = {i: [] for i in ids}
    if not ids:
        return speakers, topics
    for sid, name, slug, role, kind, parts in session.execute(
        select(
            StatementSpeaker.statement_id,
            Speaker.name,
            Speaker.slug,
            StatementSpeaker.role,
            Speaker.kind,
            Speaker.name_parts,
        )
        .join(Speaker, Speaker.id == StatementSpeaker.speaker_id)
        .where(StatementSpeaker.statement_id.in_(ids))
        .order_by(StatementSpeaker.statement_id, StatementSpeaker.position)
    ):
        speakers[sid].append(SpeakerRef(name, slug, role, kind, parts))
    for sid, key, name in session.execute(
        select(StatementTopic.statement_id, Topic.key, Topic.name)
        .join(Topic, Topic.id == StatementTopic.topic_id)
        .where(StatementTopic.statement_id.in_(ids))
        .order_by(StatementTopic.statement_id, StatementTopic.position)
    ):
        topics[sid].append(NamedRef(key, name))
    return speakers, topics


def statement_rows(
    session: Session, *where, order=(), limit: int | None = None, offset: int = 0, leads: bool = False
) -> list[tuple[int, StatementRow]]:
    """(id, StatementRow) of the statements matching `where`, each with its lead when asked."""
    rows = load_rows(session, *where, order=order, limit=limit, offset=offset)
    lead = load_leads(session, [i for i, _f in rows]) if leads else {}
    return [(i, StatementRow(**f, lead=lead.get(i))) for i, f in rows]


def iter_rows(
    session: Session, *where, order, limit: int, batch: int = 200, leads: bool = False
) -> Iterator[StatementRow]:
    """Rows batch by batch (bounded by `limit`), each batch's objects let go before the next."""
    done = 0
    while done < limit:
        size = min(batch, limit - done)
        chunk = statement_rows(session, *where, order=order, limit=size, offset=done, leads=leads)
        for _i, row in chunk:
            yield row
        done += len(chunk)
        session.expunge_all()
        if len(chunk) < size:
            return


def load_leads(session: Session, ids: list[int]) -> dict[int, str]:
    """The first current paragraph of each statement (cut at LEAD_CHARS), in one query."""
    if not ids:
        return {}
    first = (
        select(Paragraph.statement_id, func.min(Paragraph.n).label("n"))
        .where(Paragraph.statement_id.in_(ids), Paragraph.current.is_(True))
        .group_by(Paragraph.statement_id)
        .subquery()
    )
    rows = session.execute(
        select(Paragraph.statement_id, func.substr(Paragraph.text, 1, LEAD_CHARS + 1))
        .join(first, and_(first.c.statement_id == Paragraph.statement_id, first.c.n == Paragraph.n))
        .where(Paragraph.current.is_(True))
    ).all()
    out: dict[int, str] = {}
    for sid, text in rows:
        if sid not in out:
            out[sid] = text if len(text) <= LEAD_CHARS else text[:LEAD_CHARS].rsplit(" ", 1)[0] + " …"
    return out
