"""Search: the results page, its JSON twin (/api/search: exactly docs/search-json.md), CSV and
JSON downloads and an Atom feed of a saved search."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from app.browse.views import Page
from app.facets import Facet
from app.search import SearchResult
from app.search.service import FACET_LIMIT
from app.urls import absolute, page_url, urls, with_args
from app.web import schemas
from app.web.charts import year_chart
from app.web.deps import BaseUrlDep, SessionDep, SettingsDep
from app.web.errors import NotFound, check_page, error_response
from app.web.json_response import ArchiveJSONResponse
from app.web.ops import index_header, index_note
from app.web.render import canonical, render
from app.web.search_adapter import SearchQueryError, SearchUnavailable, run_search
from app.web.search_params import SearchQuery, search_query

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


def search_run(request: Request, session, settings, sq: SearchQuery, **overrides) -> SearchResult:
    """The search `sq` on the server's index (overrides: page, per_page, sort, per_statement, …)."""
    return run_search(
        request.app.state.archive.searcher, session, sq, max_query_chars=settings.max_query_chars, **overrides
    )


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
        result = search_run(request, session, settings, sq)
    except (SearchQueryError, SearchUnavailable) as e:
        return search_error(request, e, sq)
    pages = max(1, -(-result.total_statements // sq.per_page))
    check_page(sq.page, pages)
    note = index_note(request)
    from app.web.routes import search_downloads  # (it imports this module)

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
        download_limit=search_downloads.MAX_SEARCH_ROWS,
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
        result = search_run(
            request,
            session,
            settings,
            sq,
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
        **schemas.SEARCH_ERRORS,
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
        result = search_run(request, session, settings, sq)
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
