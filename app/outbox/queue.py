"""The outbox table `index_queue`: what is queued, read and cleared (the protocol: app.outbox)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from app.models import IndexQueue, SourceDocument, Statement


@dataclass(frozen=True)
class PendingKeys:
    changed: set[str]  # statements to (re)index
    removed: set[str]  # statements to drop from the index
    upto: int  # the last queue row read: clear() deletes up to here only


def enqueue(session: Session, keys: Iterable[str]) -> None:
    """Queue `keys` in the caller's transaction (the one that wrote or deleted them)."""
    rows = [{"statement_key": k} for k in sorted(set(keys))]
    if rows:
        session.execute(insert(IndexQueue.__table__), rows)


def has_pending(factory: sessionmaker[Session]) -> bool:
    with factory() as session:
        return session.scalar(select(IndexQueue.id).limit(1)) is not None


def pending(factory: sessionmaker[Session]) -> PendingKeys:
    with factory() as session:
        upto = session.scalar(select(func.max(IndexQueue.id))) or 0
        keys = set(session.scalars(select(IndexQueue.statement_key).where(IndexQueue.id <= upto)).unique())
        existing: set[str] = set()
        ordered = sorted(keys)
        for i in range(0, len(ordered), 500):
            existing.update(
                session.scalars(select(Statement.key).where(Statement.key.in_(ordered[i : i + 500])))
            )
    return PendingKeys(changed=existing, removed=keys - existing, upto=upto)


def queued_since(session: Session, after: int) -> tuple[int, list[str]]:
    """(last queue row id, the statement keys queued after row `after`, in queue order)."""
    upto = session.scalar(select(func.max(IndexQueue.id))) or 0
    if upto <= after:
        return after, []
    keys = list(
        dict.fromkeys(
            session.scalars(
                select(IndexQueue.statement_key)
                .where(IndexQueue.id > after, IndexQueue.id <= upto)
                .order_by(IndexQueue.id)
            )
        )
    )
    return upto, keys


def clear(factory: sessionmaker[Session], upto: int) -> None:
    """Forget the rows an index run has committed (rows queued since then stay)."""
    with factory.begin() as session:
        session.execute(delete(IndexQueue).where(IndexQueue.id <= upto))


def outbox_depth(session: Session) -> int:
    """Queue rows not yet indexed (changes no index has)."""
    return session.scalar(select(func.count()).select_from(IndexQueue)) or 0


def queued_statements(session: Session) -> int:
    """Distinct statements queued (what `archive check` reports as the index's lag)."""
    return session.scalar(select(func.count(func.distinct(IndexQueue.statement_key)))) or 0


def watermark(session: Session) -> dict:
    """The database's state as far as the index is concerned: pages loaded, statements, and the
    last page load. An index built after reading it covers at least this (the loader queues
    every change for the index in the page's transaction); a database that has moved past
    the watermark of the index a node serves has changes that index lacks."""
    pages, last = session.execute(
        select(func.count(), func.max(SourceDocument.ingested_at)).select_from(SourceDocument)
    ).one()
    statements = session.scalar(select(func.count()).select_from(Statement)) or 0
    return {"pages": pages or 0, "statements": statements, "last_ingest": last.isoformat() if last else None}


def unindexed_since(session: Session, mark: dict | None):
    """When the oldest page load the watermark `mark` does not cover happened (None: none)."""
    query = select(func.min(SourceDocument.ingested_at))
    if mark and mark.get("last_ingest"):
        query = query.where(SourceDocument.ingested_at > dt.datetime.fromisoformat(mark["last_ingest"]))
    return session.scalar(query)
