"""Concordance (/concordance, .csv, /api/concordance) and trends (/trends, .csv, /api/trends):
the search's query language and filters, read as lines in context and as counts per year."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from app.urls import absolute, page_url, urls, with_args
from app.web import analysis_schemas, schemas
from app.web.deps import BaseUrlDep, SessionDep, SettingsDep
from app.web.json_response import ArchiveJSONResponse
from app.web.outputs import Output, respond
from app.web.render import canonical, render
from app.web.routes.search import search_error
from app.web.search_adapter import SearchQueryError, SearchUnavailable, run_concordance, run_trends
from app.web.search_params import ConcordanceQuery, TrendsQuery, concordance_query, trends_query
from app.web.trend_chart import trend_chart

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["search"])
CONCORDANCE_CSV_LINES = 20_000  # lines in one download (the concordance sorts at most this many)
CONCORDANCE_CSV_FIELDS = [
    "left",
    "match",
    "right",
    "date",
    "title",
    "speakers",
    "n",
    "speaker",
    "paragraph_key",
    "permalink",
    "statement_key",
]
TRENDS_CSV_FIELDS = ["term", "year", "paragraphs", "paragraphs_that_year", "per_10000"]
MEASURES = ("per_10k", "paragraphs")


# -- concordance ---------------------------------------------------------------------------------


def _concordance(
    request: Request,
    session,
    settings,
    cq: ConcordanceQuery,
    *,
    page: int | None = None,
    per_page: int | None = None,
) -> dict:
    result = run_concordance(
        request.app.state.archive.searcher,
        session,
        cq.search,
        sort=cq.sort,
        page=page or cq.page,
        per_page=per_page or cq.per_page,
        max_query_chars=settings.max_query_chars,
    )
    for line in result["lines"]:  # every link from the one URL builder
        line["paragraph"]["url"] = urls.paragraph(line["paragraph"]["key"])
        line["statement"]["url"] = urls.statement(line["statement"]["key"])
        line["context_url"] = urls.statement(line["statement"]["key"], line["paragraph"]["n"])
    return result


def _failed(request: Request, template: str, context: dict, e: Exception) -> Response:
    """The page again with the error: 400/422 for the query (SearchQueryError), 503 without an index."""
    status = e.status if isinstance(e, SearchQueryError) else 503
    return render(request, template, status=status, **context | {"error": e.message})


@router.get("/concordance")
def concordance_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    cq: Annotated[ConcordanceQuery, Depends(concordance_query)],
) -> Response:
    if (redirect := canonical(request, cq.pairs() if cq.search.q else cq.search.filter_pairs())) is not None:
        return redirect
    context = {"nav": "search", "cq": cq, "sq": cq.search, "result": None, "error": None, "pairs": cq.pairs()}
    if not cq.search.q:
        return render(request, "concordance/index.html", **context)
    try:
        result = _concordance(request, session, settings, cq)
    except (SearchQueryError, SearchUnavailable) as e:
        return _failed(request, "concordance/index.html", context, e)
    return render(request, "concordance/index.html", **context | {"result": result})


@api_router.get(
    "/concordance",
    summary="Every occurrence of a word or phrase, in context (KWIC)",
    responses={200: {"model": analysis_schemas.ConcordanceResult}, **schemas.SEARCH_ERRORS},
)
def api_concordance(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    base: BaseUrlDep,
    cq: Annotated[ConcordanceQuery, Depends(concordance_query)],
) -> Response:
    """Lines of left context | match | right context, each with its paragraph's permalink; the
    same query language and filters as /api/search. `sort`: newest/oldest statements first, or
    by the words left or right of the match (among the first `sorted_among` occurrences when
    there are more)."""
    if not cq.search.q:
        return search_error(request, SearchQueryError('q is required: the word or "phrase" to line up'))
    try:
        result = _concordance(request, session, settings, cq)
    except (SearchQueryError, SearchUnavailable) as e:
        return search_error(request, e)
    for line in result["lines"]:
        for part in ("paragraph", "statement"):
            line[part]["permalink"] = absolute(base, line[part]["url"])
        line.pop("context_url")
    pairs = cq.pairs()
    result["next"] = (
        absolute(base, page_url(request.url.path, pairs, cq.page + 1)) if result["has_next"] else None
    )
    result["prev"] = absolute(base, page_url(request.url.path, pairs, cq.page - 1)) if cq.page > 1 else None
    return ArchiveJSONResponse(result)


@router.get("/concordance.csv")
def concordance_csv(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    base: BaseUrlDep,
    cq: Annotated[ConcordanceQuery, Depends(concordance_query)],
) -> Response:
    """The concordance's lines in its order, up to CONCORDANCE_CSV_LINES (the first row says
    when there are more); every text cell inert for spreadsheets (app.formats.spreadsheet)."""
    if not cq.search.q:
        return search_error(request, SearchQueryError('q is required: the word or "phrase" to line up'))
    try:
        result = _concordance(request, session, settings, cq, page=1, per_page=CONCORDANCE_CSV_LINES)
    except (SearchQueryError, SearchUnavailable) as e:
        return search_error(request, e)

    def convert(line: dict) -> dict:
        st, p = line["statement"], line["paragraph"]
        return {
            "left": line["left"],
            "match": line["match"],
            "right": line["right"],
            "date": st["date"] or st["published"] or "",
            "title": st["title"],
            "speakers": "; ".join(st["speakers"]),
            "n": p["n"],
            "speaker": p["speaker"],
            "paragraph_key": p["key"],
            "permalink": absolute(base, p["url"]),
            "statement_key": st["key"],
        }

    notice = (
        (
            f"Truncated: this file holds the first {CONCORDANCE_CSV_LINES:,} occurrences (the download limit); "
            "narrow the search or the filters to download the rest."
        )
        if result["has_next"]
        else None
    )
    return respond(
        "csv", Output("concordance", result["lines"], CONCORDANCE_CSV_FIELDS, convert, notice=notice)
    )


# -- trends --------------------------------------------------------------------------------------


def _trends(request: Request, settings, tq: TrendsQuery, base: str = "") -> dict:
    result = run_trends(
        request.app.state.archive.searcher,
        list(tq.terms),
        tq.search,
        max_query_chars=settings.max_query_chars,
    )
    filters = tq.search.filter_pairs()
    for t in result["terms"]:
        for p in t["years"]:
            p["search"] = absolute(base, _year_search(filters, t["term"], p["year"]))
    return result


def _year_search(filters: list[tuple[str, str]], term: str, year: int) -> str:
    return with_args(urls.search(), [("q", term), *filters], year=str(year), month=None)


@router.get("/trends")
def trends_page(
    request: Request,
    settings: SettingsDep,
    tq: Annotated[TrendsQuery, Depends(trends_query)],
    measure: Annotated[str, Query(pattern="^(per_10k|paragraphs)$")] = "per_10k",
) -> Response:
    pairs = tq.pairs() + ([("measure", measure)] if measure != "per_10k" else [])
    if (redirect := canonical(request, pairs)) is not None:
        return redirect
    context = {
        "nav": "search",
        "tq": tq,
        "sq": tq.search,
        "result": None,
        "error": None,
        "chart": None,
        "measure": measure,
        "pairs": pairs,
    }
    if not tq.terms:
        return render(request, "trends/index.html", **context)
    try:
        result = _trends(request, settings, tq)
    except (SearchQueryError, SearchUnavailable) as e:
        return _failed(request, "trends/index.html", context, e)
    filters = tq.search.filter_pairs()
    chart = trend_chart(result, measure=measure, href=lambda term, year: _year_search(filters, term, year))
    return render(request, "trends/index.html", **context | {"result": result, "chart": chart})


@api_router.get(
    "/trends",
    summary="Paragraphs per year that hold each term (absolute and per 10,000)",
    responses={200: {"model": analysis_schemas.TrendsResult}, **schemas.SEARCH_ERRORS},
)
def api_trends(
    request: Request,
    settings: SettingsDep,
    base: BaseUrlDep,
    tq: Annotated[TrendsQuery, Depends(trends_query)],
) -> Response:
    """For each `q` (repeatable): per year from the first to the last year of the archive under
    the filters, the paragraphs holding it and that per 10,000 of the year's paragraphs, with
    the search behind each figure."""
    if not tq.terms:
        return search_error(
            request, SearchQueryError("q is required: give one or more terms, q=sanctions&q=cooperation")
        )
    try:
        return ArchiveJSONResponse(_trends(request, settings, tq, base))
    except (SearchQueryError, SearchUnavailable) as e:
        return search_error(request, e)


@router.get("/trends.csv")
def trends_csv(
    request: Request,
    settings: SettingsDep,
    base: BaseUrlDep,
    tq: Annotated[TrendsQuery, Depends(trends_query)],
) -> Response:
    if not tq.terms:
        return search_error(
            request, SearchQueryError("q is required: give one or more terms, q=sanctions&q=cooperation")
        )
    try:
        result = _trends(request, settings, tq, base)
    except (SearchQueryError, SearchUnavailable) as e:
        return search_error(request, e)
    base_years = {y["year"]: y["paragraphs"] for y in result["years"]}
    rows = [
        {
            "term": t["term"],
            "year": p["year"],
            "paragraphs": p["paragraphs"],
            "paragraphs_that_year": base_years[p["year"]],
            "per_10000": p["per_10k"],
        }
        for t in result["terms"]
        for p in t["years"]
    ]
    notice = "Counts are estimates (about)." if result["approximate"] else None
    return respond("csv", Output("trends", rows, TRENDS_CSV_FIELDS, notice=notice))
