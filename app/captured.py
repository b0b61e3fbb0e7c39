"""When a statement's page was captured, as readers are told (pages, API, downloads, export):
the capture time of a source that says where the statement was published (WARC-Date, a
manifest row, else the HTML file's time: `Statement.captured_at`), else the page clock of its
main source page (the date the site printed on the page when it was rendered, as the parser
found it: `SourceDocument.captured`). Unknown: None."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Contribution, SourceDocument

BATCH = 500


def page_clocks(session: Session, keys: Iterable[str]) -> dict[str, dt.date]:
    """The page clock date of each statement's main source page (the earliest, when several)."""
    keys = sorted(set(keys))
    out: dict[str, dt.date] = {}
    for i in range(0, len(keys), BATCH):
        out.update(
            session.execute(
                select(Contribution.statement_key, func.min(SourceDocument.captured))
                .join(SourceDocument, Contribution.source_document_id == SourceDocument.id)
                .where(
                    Contribution.statement_key.in_(keys[i : i + BATCH]),
                    Contribution.role == "main",
                    SourceDocument.captured.is_not(None),
                )
                .group_by(Contribution.statement_key)
            ).all()
        )
    return {k: d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)[:10]) for k, d in out.items()}


def captured_date(captured_at: dt.datetime | None, page_clock: dt.date | None) -> dt.date | None:
    if captured_at is not None:
        return captured_at.date() if isinstance(captured_at, dt.datetime) else captured_at
    return page_clock
