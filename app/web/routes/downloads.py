"""Downloads of a statement list: CSV and JSON (streamed, capped at MAX_DOWNLOAD_ROWS, which
both files and the page state when it applies), and Atom feeds (latest statements, with the
same filters: per speaker, per kind, …)."""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse

from app.bidi import close_bidi_all
from app.browse.statements import first_ingested, iter_statements
from app.formats.spreadsheet import csv_stream
from app.urls import absolute, urls
from app.web import services
from app.web.deps import BaseUrlDep, SessionDep, read_snapshot
from app.web.feeds import FeedEntry, atom, entry_date
from app.web.params import StatementQuery, statement_query
from app.web.render import query_filter, statement_json

router = APIRouter(include_in_schema=False)
MAX_DOWNLOAD_ROWS = 10_000
FEED_ENTRIES = 50
CSV_FIELDS = ["key", "date", "published", "title", "kind", "speakers", "roles", "venue", "topics", "excerpt",
              "paragraphs", "permalink", "original_url", "publisher", "captured"]


def _rows(request: Request, q: StatementQuery, base: str) -> Iterator[dict]:
    """Every matching statement (up to the cap), each batch in a session of its own."""
    with request.app.state.archive.factory() as session:
        read_snapshot(session)
        for row in iter_statements(session, query_filter(q), sort=q.sort, limit=MAX_DOWNLOAD_ROWS):
            yield statement_json(row, base)


def _csv_row(d: dict) -> dict:
    return {"key": d["key"], "date": d["date"] or "", "published": d["published"] or "", "title": d["title"],
            "kind": d["kind"], "speakers": "; ".join(s["name"] for s in d["speakers"]),
            "roles": "; ".join(s["role"] or "" for s in d["speakers"]), "venue": d["venue"] or "",
            "topics": "; ".join(d["topics"]), "excerpt": "yes" if d["excerpt"] else "no",
            "paragraphs": d["paragraph_count"], "permalink": d["permalink"], "original_url": d["original_url"],
            "publisher": d["publisher"], "captured": d["captured"]}


def json_stream(head: dict, rows: Iterator[dict]) -> Iterator[str]:
    """{…head, "results": [row, …]} written row by row."""
    head = close_bidi_all(head)  # (app.bidi: each string's controls closed)
    yield (json.dumps(head, ensure_ascii=False)[:-1] + ', "results": [') if head else '{"results": ['
    for i, row in enumerate(rows):
        yield ("," if i else "") + "\n" + json.dumps(close_bidi_all(row), ensure_ascii=False)
    yield "\n]}\n"


def truncation_notice(total: int, limit: int, what: str, about: bool = False) -> str | None:
    """The first row of a download that stops at its limit (None: the file is complete)."""
    if total <= limit:
        return None
    return (f"Truncated: this file holds the first {limit:,} of {'about ' if about else ''}{total:,} matching "
            f"{what} (the download limit); narrow the search or the filters to download the rest.")


def _validated(session, q: StatementQuery) -> services.StatementList:
    return services.statement_list(session, q.with_page(1), facets=False)


@router.get("/statements.csv")
def statements_csv(request: Request, session: SessionDep, base: BaseUrlDep,
                   q: Annotated[StatementQuery, Depends(statement_query)]) -> Response:
    total = _validated(session, q).page.total
    return StreamingResponse(csv_stream(_rows(request, q, base), CSV_FIELDS, _csv_row,
                                        notice=truncation_notice(total, MAX_DOWNLOAD_ROWS, "statements")),
                             media_type="text/csv; charset=utf-8",
                             headers={"content-disposition": 'attachment; filename="statements.csv"'})


@router.get("/statements.json")
def statements_json(request: Request, session: SessionDep, base: BaseUrlDep,
                    q: Annotated[StatementQuery, Depends(statement_query)]) -> Response:
    data = _validated(session, q)
    head = {"total": data.page.total, "limit": MAX_DOWNLOAD_ROWS,
            "truncated": data.page.total > MAX_DOWNLOAD_ROWS, "filters": dict(q.filter_pairs())}
    return StreamingResponse(json_stream(head, _rows(request, q, base)), media_type="application/json",
                             headers={"content-disposition": 'attachment; filename="statements.json"'})


@router.get("/statements.atom")
def statements_feed(request: Request, session: SessionDep, base: BaseUrlDep,
                    q: Annotated[StatementQuery, Depends(statement_query)]) -> Response:
    """The latest statements (newest first), with the list's filters (e.g. ?speaker=…)."""
    data = services.statement_list(session, replace(q, page=1, per_page=FEED_ENTRIES, sort="newest"),
                                   facets=False)
    names = [label.label for label in data.labels]
    title = "Latest statements" + (f": {', '.join(names)}" if names else "")
    pairs = q.filter_pairs()
    ingested = first_ingested(session, [r.key for r in data.page.items if not r.sort_date])
    entries = []
    for r in data.page.items:
        when, source = entry_date(r.date, r.published, ingested.get(r.key))
        entries.append(FeedEntry(id=absolute(base, urls.statement(r.key)), title=r.title,
                                 link=absolute(base, urls.statement(r.key)), date=when, date_source=source,
                                 summary=r.lead or "", authors=[s.name for s in r.speakers],
                                 categories=[r.kind.replace("_", " ")]))
    body = atom(feed_id=absolute(base, urls.feed(pairs)), title=title, self_url=absolute(base, urls.feed(pairs)),
                html_url=absolute(base, urls.statements(pairs)), entries=entries)
    return Response(body, media_type="application/atom+xml; charset=utf-8")
