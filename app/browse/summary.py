"""Counts and summaries of the whole archive: the CLI's `stats` and the home page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, aliased

from app.browse.duplicates import COPIES, COUNTED
from app.browse.entities import list_speakers
from app.browse.statements import list_statements
from app.browse.views import Overview, StatementFilter
from app.models import SourceDocument, Speaker, Statement, StatementSpeaker


@dataclass(frozen=True)
class ArchiveSummary:
    statements: int
    excerpts: int
    paragraphs: int
    speakers: int
    sources: int
    failed_sources: int
    first_date: str | None
    last_date: str | None


def archive_summary(session: Session) -> ArchiveSummary:
    first, last = session.execute(
        select(func.min(Statement.sort_date), func.max(Statement.sort_date)).where(COUNTED)
    ).one()
    # one pass over the index on (excerpt, paragraph_count), not the table; the paragraph total is
    # kept per statement at ingest (counting 1.5M paragraph rows took ~2 s). A duplicate group
    # counts once: its other members (few, by the duplicate_of index) are taken off the totals.
    totals = (
        func.count(),
        func.sum(case((Statement.excerpt.is_(True), 1), else_=0)),
        func.sum(Statement.paragraph_count),
    )
    every = session.execute(select(*totals)).one()
    copies = session.execute(select(*totals).where(COPIES)).one()
    statements, excerpts, paragraphs = ((a or 0) - (b or 0) for a, b in zip(every, copies, strict=True))
    return ArchiveSummary(
        statements=statements or 0,
        excerpts=excerpts or 0,
        paragraphs=paragraphs or 0,
        speakers=(session.scalar(select(func.count(func.distinct(StatementSpeaker.speaker_id)))) or 0)
        - _speakers_of_copies_only(session),
        sources=session.scalar(select(func.count()).select_from(SourceDocument)) or 0,
        failed_sources=session.scalar(  # by the status index: the rows themselves hold whole pages
            select(func.count()).select_from(SourceDocument).where(SourceDocument.status == "failed")
        )
        or 0,
        first_date=first.isoformat() if first else None,
        last_date=last.isoformat() if last else None,
    )


def _speakers_of_copies_only(session: Session) -> int:
    """Speakers named only by the non-canonical members of duplicate groups (not counted)."""
    other = aliased(StatementSpeaker)
    counted_elsewhere = (
        select(other.statement_id)
        .join(Statement, Statement.id == other.statement_id)
        .where(other.speaker_id == StatementSpeaker.speaker_id, COUNTED)
        .exists()
    )
    return (
        session.scalar(
            select(func.count(func.distinct(StatementSpeaker.speaker_id)))
            .join(Statement, Statement.id == StatementSpeaker.statement_id)
            .where(COPIES, ~counted_elsewhere)
        )
        or 0
    )


def counts_by_kind(session: Session) -> list[tuple[str, int]]:
    rows = session.execute(
        select(Statement.kind, func.count(Statement.id))
        .where(COUNTED)
        .group_by(Statement.kind)
        .order_by(func.count(Statement.id).desc(), Statement.kind)
    ).all()
    return [(k, n) for k, n in rows]


def counts_by_speaker(session: Session, limit: int | None = None) -> list[tuple[str, int]]:
    q = (
        select(Speaker.name, func.count(StatementSpeaker.statement_id))
        .join(StatementSpeaker)
        .join(Statement, Statement.id == StatementSpeaker.statement_id)
        .where(COUNTED)
        .group_by(Speaker.id, Speaker.name)
        .order_by(func.count(StatementSpeaker.statement_id).desc(), Speaker.name)
    )
    return [(k, n) for k, n in session.execute(q.limit(limit) if limit else q).all()]


def counts_by_year(session: Session) -> list[tuple[str, int]]:
    year = func.extract("year", Statement.sort_date)
    rows = session.execute(
        select(year, func.count(Statement.id)).where(COUNTED).group_by(year).order_by(year)
    ).all()
    return [(str(int(y)) if y is not None else "undated", n) for y, n in rows]


def home_overview(session: Session, *, latest: int = 8, speakers: int = 10) -> Overview:
    s = archive_summary(session)
    return Overview(
        statements=s.statements,
        excerpts=s.excerpts,
        paragraphs=s.paragraphs,
        speakers=s.speakers,
        first_date=dt.date.fromisoformat(s.first_date) if s.first_date else None,
        last_date=dt.date.fromisoformat(s.last_date) if s.last_date else None,
        latest=list_statements(session, StatementFilter(), per_page=latest).items,
        top_speakers=list_speakers(session, per_page=speakers).items,
    )
