"""Search results as files: CSV and JSON downloads of every matching paragraph, and an Atom
feed of a saved search (the page itself: app.web.routes.search)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.browse.statements import first_ingested
from app.urls import absolute, urls
from app.web.deps import BaseUrlDep, SessionDep, SettingsDep, read_snapshot
from app.web.feeds import feed_entry
from app.web.outputs import DOWNLOADS, Feed, Output, respond, truncation_notice
from app.web.routes.search import search_error, search_run
from app.web.search_adapter import SearchQueryError, SearchUnavailable, all_matches
from app.web.search_params import SearchQuery, search_query
from app.web.templating import segments

router = APIRouter(include_in_schema=False)


MAX_SEARCH_ROWS = 50_000  # paragraphs in one download; beyond, the file's first row and the page say so
SEARCH_FEED_ENTRIES = 50
SEARCH_CSV_FIELDS = [
    "statement_key",
    "title",
    "date",
    "published",
    "kind",
    "venue",
    "speakers",
    "paragraph_key",
    "n",
    "speaker",
    "label",
    "text",
    "permalink",
    "original_url",
    "publisher",
    "captured",
]


def _plain(snippet: str) -> str:
    return "".join(text for text, _hit in segments(snippet))


def _matches(request: Request, session, sq: SearchQuery, settings):
    """Every matching paragraph (exact totals first): a bad query fails here with 400, before
    streaming starts."""
    return all_matches(
        request.app.state.archive.searcher,
        session,
        sq,
        max_query_chars=settings.max_query_chars,
        limit=MAX_SEARCH_ROWS,
    )


def _search_rows(matches, base: str):
    for st, p in matches:
        yield {
            "statement_key": st["key"],
            "title": st["title"],
            "date": st["date"],
            "published": st["published"],
            "kind": st["kind"],
            "venue": st["venue"],
            "speakers": [s["name"] for s in st["speakers"]],
            "paragraph_key": p["key"],
            "n": p["n"],
            "speaker": p["speaker"],
            "label": p["label"],
            "text": p["text"],
            "permalink": absolute(base, p["url"]),
            "original_url": st["original_url"],
            "publisher": st["publisher"],
            "captured": st["captured"],
        }


def _session_rows(request: Request, sq: SearchQuery, base: str, settings) -> tuple[int, object]:
    """The exact total and the rows, read in a session of the stream's own."""
    session = request.app.state.archive.factory()
    try:
        read_snapshot(session)
        found = _matches(request, session, sq, settings)
    except BaseException:
        session.close()
        raise

    def rows():
        try:
            yield from _search_rows(found, base)
        finally:
            session.close()

    return found, rows()


def _download(request: Request, settings, base: str, sq: SearchQuery, ext: str) -> Response:
    try:
        found, rows = _session_rows(request, sq, base, settings)
    except (SearchQueryError, SearchUnavailable) as e:
        return search_error(request, e)
    head = {
        "query": found.query,
        "total_paragraphs": found.total_paragraphs,
        "total_statements": found.total_statements,
        "exact": found.exact,
        "limit": MAX_SEARCH_ROWS,
        "truncated": found.truncated,
        "filters": dict(sq.filter_pairs()),
    }
    notice = truncation_notice(found.total_paragraphs, MAX_SEARCH_ROWS, "paragraphs", about=not found.exact)
    return respond(ext, Output("search", rows, SEARCH_CSV_FIELDS, _csv_row, notice=notice, head=head))


def _csv_row(row: dict) -> dict:
    return row | {"speakers": "; ".join(row["speakers"])}


def _download_route(ext: str):
    def download(
        request: Request,
        settings: SettingsDep,
        base: BaseUrlDep,
        sq: Annotated[SearchQuery, Depends(search_query)],
    ) -> Response:
        return _download(request, settings, base, sq, ext)

    return download


for _ext in DOWNLOADS:  # /search.csv, /search.json
    router.add_api_route(f"/search.{_ext}", _download_route(_ext), methods=["GET"], name=f"search_{_ext}")


@router.get("/search.atom")
def search_feed(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    base: BaseUrlDep,
    sq: Annotated[SearchQuery, Depends(search_query)],
) -> Response:
    """A saved search as a feed: the newest matching statements, with their best snippet."""
    try:
        result = search_run(
            request,
            session,
            settings,
            sq,
            page=1,
            per_page=SEARCH_FEED_ENTRIES,
            sort="newest",
            per_statement=1,
        ).to_json()
    except (SearchQueryError, SearchUnavailable) as e:
        return search_error(request, e)
    pairs = sq.state_pairs()
    undated = [
        g["statement"]["key"]
        for g in result["results"]
        if not (g["statement"]["date"] or g["statement"]["published"])
    ]
    ingested = first_ingested(session, undated)
    entries = []
    for group in result["results"]:
        st = group["statement"]
        summary = " … ".join(_plain(p["snippet"]) for p in group["paragraphs"])
        entries.append(
            feed_entry(
                absolute(base, st["url"]),
                st["title"],
                *(dt.date.fromisoformat(st[k]) if st[k] else None for k in ("date", "published")),
                ingested.get(st["key"]),
                summary=summary,
                authors=[s["name"] for s in st["speakers"]],
                categories=[st["kind"]],
            )
        )
    title = f"Search: {sq.q}" if sq.q else "Search"
    if sq.filter_pairs():
        title += " (" + ", ".join(f"{k}: {v}" for k, v in sq.filter_pairs()) + ")"
    feed_url = absolute(base, urls.search_feed(pairs))
    return respond(
        "atom",
        Output("search", entries, feed=Feed(feed_url, title, feed_url, absolute(base, urls.search(pairs)))),
    )
