"""A statement's neighbours: the previous and next statement of each of its first speakers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.browse.duplicates import COUNTED
from app.browse.rows import load_rows
from app.browse.views import Neighbour, SpeakerRef, StatementRow
from app.models import Speaker, Statement, StatementSpeaker

NEIGHBOUR_SPEAKERS = 3
_MIN_DATE = dt.date(1, 1, 1)
SMALL_SPEAKER = 300  # statements: up to this many, a speaker's neighbours are found among all of them


def neighbours(session: Session, detail: StatementRow) -> list[Neighbour]:
    """Previous and next statement of each of the first few speakers (by date, then key; undated
    statements come first), then one load of all the neighbours.

    A speaker with few statements: all of them (id, date, key) in one query, compared here. One
    with many: the index on statements (sort_date, key) is walked from this statement, checking
    the speaker of each (about total/count rows). Either way the cost stays small for the 5,600
    statements of the busiest speaker at 1.5M paragraphs (sorting them all took 20-60 ms)."""
    found: list[tuple[SpeakerRef, int | None, int | None]] = []
    shown = detail.speakers[:NEIGHBOUR_SPEAKERS]
    counts = dict(
        session.execute(
            select(Speaker.slug, Speaker.id).where(Speaker.slug.in_([sp.slug for sp in shown]))
        ).all()
    )
    sizes = (
        dict(
            session.execute(
                select(StatementSpeaker.speaker_id, func.count())
                .where(StatementSpeaker.speaker_id.in_(counts.values()))
                .group_by(StatementSpeaker.speaker_id)
            ).all()
        )
        if counts
        else {}
    )
    for sp in shown:
        sid = counts.get(sp.slug)
        if sid is None:
            found.append((sp, None, None))
        elif sizes.get(sid, 0) <= SMALL_SPEAKER:
            found.append((sp, *_neighbours_among_all(session, sid, detail)))
        else:
            found.append((sp, *_neighbours_by_index(session, sid, detail)))
    ids = {i for _sp, p, n in found for i in (p, n) if i is not None}
    rows = {i: StatementRow(**f) for i, f in load_rows(session, Statement.id.in_(ids))} if ids else {}
    return [Neighbour(sp, rows.get(p) if p else None, rows.get(n) if n else None) for sp, p, n in found]


def _position(day: dt.date | None, key: str) -> tuple[dt.date, str]:
    return (day or _MIN_DATE, key)


def _neighbours_among_all(
    session: Session, speaker_id: int, detail: StatementRow
) -> tuple[int | None, int | None]:
    here = _position(detail.sort_date, detail.key)
    prev = nxt = None
    for sid, day, key in session.execute(
        select(Statement.id, Statement.sort_date, Statement.key)
        .join(StatementSpeaker, StatementSpeaker.statement_id == Statement.id)
        .where(StatementSpeaker.speaker_id == speaker_id, COUNTED)
    ).all():
        pos = _position(day, key)
        if pos < here and (prev is None or pos > prev[0]):
            prev = (pos, sid)
        elif pos > here and (nxt is None or pos < nxt[0]):
            nxt = (pos, sid)
    return (prev[1] if prev else None), (nxt[1] if nxt else None)


def _neighbours_by_index(
    session: Session, speaker_id: int, detail: StatementRow
) -> tuple[int | None, int | None]:
    by = (
        select(StatementSpeaker.statement_id)
        .where(StatementSpeaker.statement_id == Statement.id, StatementSpeaker.speaker_id + 0 == speaker_id)
        .exists()
    )  # "+ 0": probe by statement, not by speaker
    day, key = detail.sort_date, detail.key

    def first(*where, desc: bool) -> int | None:
        order = (
            (Statement.sort_date.desc(), Statement.key.desc())
            if desc
            else (Statement.sort_date, Statement.key)
        )
        return session.scalar(select(Statement.id).where(by, COUNTED, *where).order_by(*order).limit(1))

    undated = Statement.sort_date.is_(None)
    if day is None:  # undated statements come before every dated one
        prev = first(undated, Statement.key < key, desc=True)
        nxt = first(undated, Statement.key > key, desc=False) or first(
            Statement.sort_date.is_not(None), desc=False
        )
    else:
        prev = first(
            Statement.sort_date <= day, or_(Statement.sort_date < day, Statement.key < key), desc=True
        ) or first(undated, desc=True)
        nxt = first(
            Statement.sort_date >= day, or_(Statement.sort_date > day, Statement.key > key), desc=False
        )
    return prev, nxt
