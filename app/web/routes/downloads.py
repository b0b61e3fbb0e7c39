"""Downloads of a statement list: CSV and JSON (streamed, capped at MAX_DOWNLOAD_ROWS, which
both files and the page state when it applies), and Atom feeds (latest statements, with the
same filters: per speaker, per kind, …)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.browse.statements import first_ingested, iter_statements
from app.urls import absolute, urls
from app.web import services
from app.web.deps import BaseUrlDep, SessionDep, read_snapshot
from app.web.feeds import feed_entry
from app.web.outputs import DOWNLOADS, Feed, Output, respond, truncation_notice
from app.web.params import StatementQuery, statement_query
from app.web.render import query_filter, statement_json

router = APIRouter(include_in_schema=False)
MAX_DOWNLOAD_ROWS = 10_000
FEED_ENTRIES = 50
CSV_FIELDS = [
    "key",
    "date",
    "published",
    "title",
    "kind",
    "speakers",
    "roles",
    "venue",
    "topics",
    "excerpt",
    "paragraphs",
    "permalink",
    "original_url",
    "publisher",
    "captured",
]


def _rows(request: Request, q: StatementQuery, base: str) -> Iterator[dict]:
    """Every matching statement (up to the cap), each batch in a session of its own."""
    with request.app.state.archive.factory() as session:
        read_snapshot(session)
        for row in iter_statements(session, query_filter(q), sort=q.sort, limit=MAX_DOWNLOAD_ROWS):
            yield statement_json(row, base)


def _csv_row(d: dict) -> dict:
    return {
        "key": d["key"],
        "date": d["date"] or "",
        "published": d["published"] or "",
        "title": d["title"],
        "kind": d["kind"],
        "speakers": "; ".join(s["name"] for s in d["speakers"]),
        "roles": "; ".join(s["role"] or "" for s in d["speakers"]),
        "venue": d["venue"] or "",
        "topics": "; ".join(d["topics"]),
        "excerpt": "yes" if d["excerpt"] else "no",
        "paragraphs": d["paragraph_count"],
        "permalink": d["permalink"],
        "original_url": d["original_url"],
        "publisher": d["publisher"],
        "captured": d["captured"],
    }


def _download(request: Request, session, base: str, q: StatementQuery, ext: str) -> Response:
    total = services.statement_list(session, q.with_page(1), facets=False).page.total
    head = {
        "total": total,
        "limit": MAX_DOWNLOAD_ROWS,
        "truncated": total > MAX_DOWNLOAD_ROWS,
        "filters": dict(q.filter_pairs()),
    }
    return respond(
        ext,
        Output(
            "statements",
            _rows(request, q, base),
            CSV_FIELDS,
            _csv_row,
            head=head,
            notice=truncation_notice(total, MAX_DOWNLOAD_ROWS, "statements"),
        ),
    )


def _download_route(ext: str):
    def download(
        request: Request,
        session: SessionDep,
        base: BaseUrlDep,
        q: Annotated[StatementQuery, Depends(statement_query)],
    ) -> Response:
        return _download(request, session, base, q, ext)

    return download


for _ext in DOWNLOADS:  # /statements.csv, /statements.json
    router.add_api_route(
        f"/statements.{_ext}", _download_route(_ext), methods=["GET"], name=f"statements_{_ext}"
    )


@router.get("/statements.atom")
def statements_feed(
    request: Request,
    session: SessionDep,
    base: BaseUrlDep,
    q: Annotated[StatementQuery, Depends(statement_query)],
) -> Response:
    """The latest statements (newest first), with the list's filters (e.g. ?speaker=…)."""
    data = services.statement_list(
        session, replace(q, page=1, per_page=FEED_ENTRIES, sort="newest"), facets=False
    )
    names = [label.label for label in data.labels]
    title = "Latest statements" + (f": {', '.join(names)}" if names else "")
    pairs = q.filter_pairs()
    ingested = first_ingested(session, [r.key for r in data.page.items if not r.sort_date])
    entries = [
        feed_entry(
            absolute(base, urls.statement(r.key)),
            r.title,
            r.date,
            r.published,
            ingested.get(r.key),
            summary=r.lead or "",
            authors=[s.name for s in r.speakers],
            categories=[r.kind.replace("_", " ")],
        )
        for r in data.page.items
    ]
    feed_url = absolute(base, urls.feed(pairs))
    return respond(
        "atom",
        Output(
            "statements",
            entries,
            feed=Feed(feed_url, title, feed_url, absolute(base, urls.statements(pairs))),
        ),
    )
