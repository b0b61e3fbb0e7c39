"""Bulk writes of the loader: rows are written with one INSERT per BATCH and looked up in
batches, so a page with 20,000 teasers or 50,000 paragraphs is one transaction of a few seconds."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import insert
from sqlalchemy.orm import Session

BATCH = 500


def chunks(items: list, size: int = BATCH) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def insert_rows(session: Session, model, rows: list[dict]) -> None:
    """INSERT the rows, BATCH per statement: a Core insert of the table, so that rows with
    NULLs in different columns stay one executemany (the ORM's bulk insert leaves None
    columns out and starts a new statement whenever the set of columns changes: ~13 round
    trips per page instead of one, which a database server over a socket pays for)."""
    for chunk in chunks(rows):
        session.execute(insert(model.__table__), chunk)
