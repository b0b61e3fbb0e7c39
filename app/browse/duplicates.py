"""The places a statement's text was published at (app.ingest.duplicates decides the groups):
for the statement page's "Also published at" and the API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.models import DuplicateLink, Statement

# A duplicate group is listed and counted once, as its canonical statement: every list, count
# and chart of the read side takes this condition (members keep their own pages and URLs).
COUNTED = Statement.duplicate_of.is_(None)
COPIES = Statement.duplicate_of.is_not(None)  # the other members: few, found by their index


@dataclass(frozen=True)
class Place:
    key: str
    title: str
    date: dt.date | None
    original_url: str | None
    publisher: str | None
    similarity: float | None  # to the canonical statement, where the pair was decided directly


@dataclass(frozen=True)
class Places:
    canonical: Place
    others: list[Place]  # every other member, by date then key
    this_is_canonical: bool


def places(session: Session, key: str) -> Places | None:
    """None when the statement has no duplicates."""
    head = session.scalar(select(Statement.duplicate_of).where(Statement.key == key)) or key
    rows = session.execute(
        select(
            Statement.key, Statement.title, Statement.sort_date, Statement.original_url, Statement.publisher
        ).where(or_(Statement.key == head, Statement.duplicate_of == head))
    ).all()
    if len(rows) < 2:
        return None
    sims = {
        a if b == head else b: s
        for a, b, s in session.execute(
            select(DuplicateLink.key_a, DuplicateLink.key_b, DuplicateLink.similarity).where(
                or_(DuplicateLink.key_a == head, DuplicateLink.key_b == head)
            )
        )
    }
    found = {
        r.key: Place(r.key, r.title, r.sort_date, r.original_url, r.publisher, sims.get(r.key)) for r in rows
    }
    others = sorted((p for k, p in found.items() if k != head), key=lambda p: (p.date or dt.date.max, p.key))
    return Places(found[head], others, key == head)
