"""Search: the results page, its JSON twin (/api/search: exactly docs/search-json.md), CSV and
JSON downloads and an Atom feed of a saved search."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from app.browse.statements import first_ingested
from app.browse.views import Page
from app.facets import Facet
from app.search import SearchResult
from app.search.service import FACET_LIMIT
from app.urls import absolute, page_url, urls, with_args
from app.web import schemas
from app.web.charts import year_chart
from app.web.deps import BaseUrlDep, SessionDep, SettingsDep, read_snapshot
from app.web.errors import NotFound, error_response
from app.web.feeds import feed_entry
from app.web.json_response import ArchiveJSONResponse
from app.web.ops import index_header, index_note
from app.web.outputs import DOWNLOADS, Feed, Output, respond, truncation_notice
from app.web.params import SearchQuery, search_query
from app.web.render import canonical, render
from app.web.search_adapter import SearchQueryError, SearchUnavailable, all_matches, run_search
from app.web.templating import segments

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["search"])
FACET_PARAMS = {
    "speaker": "Speaker",
    "year": "Year",
    "month": "Month",
    "kind": "Kind",
    "venue": "Venue",
    "topic": "Topic",
}


def search_error(request: Request, exc: Exception, sq: SearchQuery | None = None) -> Response:
    """400 for a query that cannot be understood, 422 for one too wide to run (the form kept, to
    fix it), 503 without an index."""
    status = exc.status if isinstance(exc, SearchQueryError) else 503
    message = exc.message
    if request.url.path.startswith("/api/") or sq is None:
        resp = error_response(request.app.state.env, request.url.path, status, message)
    else:
        resp = render(
            request,
            "search/results.html",
            status=status,
            nav="search",
            sq=sq,
            result=None,
            error=message,
            pairs=sq.pairs(),
            facets=[],
            chart=None,
            pages=0,
            pg=None,
            facet_limit=FACET_LIMIT,
        )
    if status == 503:
        resp.headers["retry-after"] = "60"
    return resp


@router.get("/search")
def search_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    sq: Annotated[SearchQuery, Depends(search_query)],
) -> Response:
    if (redirect := canonical(request, sq.pairs())) is not None:
        return redirect
    if sq.blank:
        return render(
            request,
            "search/results.html",
            nav="search",
            sq=sq,
            result=None,
            error=None,
            pairs=[],
            facets=[],
            chart=None,
            pages=0,
            pg=None,
            facet_limit=FACET_LIMIT,
        )
    try:
        result = run_search(
            request.app.state.archive.searcher, session, sq, max_query_chars=settings.max_query_chars
        )
    except (SearchQueryError, SearchUnavailable) as e:
        return search_error(request, e, sq)
    pages = max(1, -(-result.total_statements // sq.per_page))
    if sq.page > pages:
        raise NotFound(f"page {sq.page} does not exist: the last page is {pages}")
    note = index_note(request)
    return render(
        request,
        "search/results.html",
        nav="search",
        sq=sq,
        result=result,
        error=None,
        facet_limit=FACET_LIMIT,
        pairs=sq.pairs(),
        facets=_facets(result, sq),
        chart=_chart(result, sq),
        pages=pages,
        pg=Page([], result.total_statements, sq.page, sq.per_page),
        download_limit=MAX_SEARCH_ROWS,
        index_behind=note,
        headers=index_header(note),
    )


def _facets(result: SearchResult, sq: SearchQuery) -> list[tuple[str, str, list[Facet]]]:
    """Each facet's values, the chosen ones marked (and listed even when they are not among the
    most frequent, so that they can be removed)."""
    out = []
    for param, title in FACET_PARAMS.items():
        chosen = {v.casefold(): v for v in getattr(sq, param)}
        values = [replace(f, selected=f.value.casefold() in chosen) for f in result.facets.get(param, [])]
        listed = {f.value.casefold() for f in values}
        values += [Facet(param, v, v, 0, selected=True) for k, v in chosen.items() if k not in listed]
        out.append((param, title, values))
    return out


FACET_PAGE_MAX = 10_000  # values listed on a facet's own page


@router.get("/search/facets/{name}")
def search_facet_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    name: str,
    sq: Annotated[SearchQuery, Depends(search_query)],
    filter: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """Every value of one facet of a search, narrowed by a filter box (works without script);
    each value adds itself to the search (OR within the facet)."""
    if name not in FACET_PARAMS:
        raise NotFound(f"there is no facet '{name}'; facets: {', '.join(FACET_PARAMS)}")
    pairs = sq.state_pairs()
    wanted = [(k, v) for k, v in pairs] + ([("filter", filter.strip())] if filter and filter.strip() else [])
    if (redirect := canonical(request, wanted)) is not None:
        return redirect
    try:
        result = run_search(
            request.app.state.archive.searcher,
            session,
            sq,
            max_query_chars=settings.max_query_chars,
            page=1,
            per_page=1,
            per_statement=1,
            facet_limit=FACET_PAGE_MAX,
        )
    except (SearchQueryError, SearchUnavailable) as e:
        return search_error(request, e, sq)
    needle = (filter or "").strip().casefold()
    values = next(v for p, _t, v in _facets(result, sq) if p == name)
    shown = [f for f in values if needle in f.value.casefold()] if needle else values
    return render(
        request,
        "search/facet.html",
        nav="search",
        sq=sq,
        name=name,
        title=FACET_PARAMS[name],
        values=shown,
        total=len(values),
        needle=(filter or "").strip(),
        pairs=pairs,
        approximate=result.approximate,
        search_path=urls.search(),
    )


def _chart(result: SearchResult, sq: SearchQuery):
    years = [(int(f.value), f.count) for f in result.facets.get("year", []) if f.value.isdigit()]
    pairs = sq.pairs()
    return year_chart(
        years,
        title="Matching paragraphs per year",
        unit="paragraph",
        href=lambda y: with_args(urls.search(), pairs, year=str(y)),
    )


@api_router.get(
    "/search",
    summary="Search paragraphs, grouped by statement (docs/search-json.md)",
    responses={
        200: {"model": schemas.SearchResult},
        400: {"model": schemas.Error},
        422: {"model": schemas.Error},
        503: {"model": schemas.Error},
    },
)
def api_search(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    base: BaseUrlDep,
    sq: Annotated[SearchQuery, Depends(search_query)],
) -> Response:
    """The same object as `archive search --json`. The next and previous pages are in the
    `Link` header (rel="next", rel="prev")."""
    try:
        result = run_search(
            request.app.state.archive.searcher, session, sq, max_query_chars=settings.max_query_chars
        )
    except (SearchQueryError, SearchUnavailable) as e:
        return search_error(request, e)
    pages = max(1, -(-result.total_statements // sq.per_page))
    links = []
    if sq.page < pages:
        links.append(f'<{absolute(base, page_url(request.url.path, sq.pairs(), sq.page + 1))}>; rel="next"')
    if sq.page > 1:
        links.append(f'<{absolute(base, page_url(request.url.path, sq.pairs(), sq.page - 1))}>; rel="prev"')
    headers = index_header(index_note(request))  # the body is exactly docs/search-json.md: a header says it
    if links:
        headers["link"] = ", ".join(links)
    return ArchiveJSONResponse(result.to_json(), headers=headers or None)


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
        result = run_search(
            request.app.state.archive.searcher,
            session,
            sq,
            max_query_chars=settings.max_query_chars,
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
