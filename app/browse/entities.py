"""Speakers, venues, topics and the date archive: lists with counts."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.browse.duplicates import COUNTED
from app.browse.views import CountRow, Page, SpeakerDetail, SpeakerRow
from app.models import (
    Speaker,
    SpeakerAlias,
    SpeakerRedirect,
    Statement,
    StatementSpeaker,
    StatementTopic,
    Topic,
    Venue,
)
from app.periods import period

SPEAKER_SORTS = ("count", "name", "recent")


def _speaker_query():
    n = func.count(func.distinct(StatementSpeaker.statement_id))
    return n, (
        select(
            Speaker.slug,
            Speaker.name,
            Speaker.kind,
            n,
            func.min(Statement.sort_date),
            func.max(Statement.sort_date),
        )
        .join(StatementSpeaker, StatementSpeaker.speaker_id == Speaker.id)
        .join(Statement, Statement.id == StatementSpeaker.statement_id)
        .where(COUNTED)
        .group_by(Speaker.id, Speaker.slug, Speaker.name, Speaker.kind)
    )


def list_speakers(
    session: Session, *, sort: str = "count", page: int = 1, per_page: int = 50
) -> Page[SpeakerRow]:
    n, query = _speaker_query()
    order = {
        "name": (Speaker.name, Speaker.slug),
        "recent": (func.max(Statement.sort_date).desc().nulls_last(), Speaker.slug),
    }.get(sort, (n.desc(), Speaker.name, Speaker.slug))
    total = (
        session.scalar(
            select(func.count(func.distinct(StatementSpeaker.speaker_id)))
            .join(Statement, Statement.id == StatementSpeaker.statement_id)
            .where(COUNTED)
        )
        or 0
    )
    rows = session.execute(query.order_by(*order).offset((page - 1) * per_page).limit(per_page)).all()
    return Page([SpeakerRow(*r) for r in rows], total, page, per_page)


def get_speaker(session: Session, slug: str) -> SpeakerDetail | None:
    speaker = session.scalar(select(Speaker).where(Speaker.slug == slug))
    if speaker is None:
        return None
    # one pass over the speaker's statements gives both the totals and the years of the chart
    # (speaker_years reuses them within the session): two passes took ~20 ms for the busiest speaker
    year = func.extract("year", Statement.sort_date)
    groups = session.execute(
        select(
            year,
            func.count(func.distinct(Statement.id)),
            func.min(Statement.sort_date),
            func.max(Statement.sort_date),
        )
        .join(StatementSpeaker, StatementSpeaker.statement_id == Statement.id)
        .where(StatementSpeaker.speaker_id == speaker.id, COUNTED)
        .group_by(year)
        .order_by(year)
    ).all()
    dated = [g for g in groups if g[2] is not None]
    session.info[("speaker_years", speaker.slug)] = [(int(y), c) for y, c, _lo, _hi in dated]
    row = (
        (
            None,
            None,
            None,
            sum(g[1] for g in groups),
            min(g[2] for g in dated) if dated else None,
            max(g[3] for g in dated) if dated else None,
        )
        if groups
        else None
    )
    aliases = session.scalars(
        select(SpeakerAlias.name).where(SpeakerAlias.speaker_id == speaker.id).order_by(SpeakerAlias.name)
    ).all()
    roles = session.execute(
        select(StatementSpeaker.role, func.count())
        .join(Statement, Statement.id == StatementSpeaker.statement_id)
        .where(StatementSpeaker.speaker_id == speaker.id, StatementSpeaker.role.is_not(None), COUNTED)
        .group_by(StatementSpeaker.role)
        .order_by(func.count().desc(), StatementSpeaker.role)
    ).all()
    counts = row[3:] if row else (0, None, None)
    return SpeakerDetail(
        speaker.slug,
        speaker.name,
        speaker.kind,
        *counts,
        aliases=[a for a in aliases if a != speaker.name],
        roles=[(r, c) for r, c in roles],
        name_parts=speaker.name_parts,
    )


def speaker_redirect(session: Session, slug: str) -> str | None:
    """The slug a retired or alias slug leads to (/speakers/sergei-lavrov -> sergey-lavrov)."""
    return session.scalar(
        select(Speaker.slug)
        .join(SpeakerRedirect, SpeakerRedirect.speaker_id == Speaker.id)
        .where(SpeakerRedirect.slug == slug)
    )


def resolve_speaker_slugs(session: Session, slugs: tuple[str, ...]) -> tuple[str, ...]:
    """Each slug as is, or the speaker slug it redirects to (in one query)."""
    moved = dict(
        session.execute(
            select(SpeakerRedirect.slug, Speaker.slug)
            .join(Speaker, Speaker.id == SpeakerRedirect.speaker_id)
            .where(SpeakerRedirect.slug.in_(slugs))
        ).all()
    )
    return tuple(dict.fromkeys(moved.get(s, s) for s in slugs))


def speaker_years(session: Session, slug: str) -> list[tuple[int, int]]:
    known = session.info.get(("speaker_years", slug))
    if known is not None:  # counted by get_speaker in this session (one snapshot)
        return list(known)
    year = func.extract("year", Statement.sort_date)
    rows = session.execute(
        select(year, func.count(func.distinct(Statement.id)))
        .join(StatementSpeaker)
        .join(Speaker)
        .where(Speaker.slug == slug, Statement.sort_date.is_not(None), COUNTED)
        .group_by(year)
        .order_by(year)
    ).all()
    return [(int(y), c) for y, c in rows]


def _named_counts(session: Session, model, link) -> list[CountRow]:
    n = func.count(func.distinct(Statement.id))
    rows = session.execute(
        select(model.key, model.name, n)
        .select_from(model)
        .join(link)
        .where(COUNTED)
        .group_by(model.id, model.key, model.name)
        .order_by(n.desc(), model.name)
    ).all()
    return [CountRow(*r) for r in rows]


def list_venues(session: Session) -> list[CountRow]:
    return _named_counts(session, Venue, Statement)


def list_topics(session: Session) -> list[CountRow]:
    n = func.count(func.distinct(StatementTopic.statement_id))
    rows = session.execute(
        select(Topic.key, Topic.name, n)
        .join(StatementTopic)
        .join(Statement, Statement.id == StatementTopic.statement_id)
        .where(COUNTED)
        .group_by(Topic.id, Topic.key, Topic.name)
        .order_by(n.desc(), Topic.name)
    ).all()
    return [CountRow(*r) for r in rows]


def date_years(session: Session) -> tuple[list[tuple[int, int]], int]:
    """(year, statements) oldest first, and the number of undated statements."""
    year = func.extract("year", Statement.sort_date)
    rows = session.execute(
        select(year, func.count())
        .where(Statement.sort_date.is_not(None), COUNTED)
        .group_by(year)
        .order_by(year)
    ).all()
    undated = (
        session.scalar(
            select(func.count()).select_from(Statement).where(Statement.sort_date.is_(None), COUNTED)
        )
        or 0
    )
    return [(int(y), c) for y, c in rows], undated


def date_months(session: Session, year: int) -> list[tuple[int, int]]:
    month = func.extract("month", Statement.sort_date)
    rows = session.execute(
        select(month, func.count())
        .where(Statement.sort_date.between(dt.date(year, 1, 1), dt.date(year, 12, 31)), COUNTED)
        .group_by(month)
        .order_by(month)
    ).all()
    return [(int(m), c) for m, c in rows]


def date_days(session: Session, year: int, month: int) -> list[tuple[int, int]]:
    day = func.extract("day", Statement.sort_date)
    first, last = period(year, month)
    rows = session.execute(
        select(day, func.count())
        .where(Statement.sort_date.between(first, last), COUNTED)
        .group_by(day)
        .order_by(day)
    ).all()
    return [(int(d), c) for d, c in rows]
