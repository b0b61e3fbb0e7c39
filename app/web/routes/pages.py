"""Home, the date archive, venues, topics and the offline API documentation page."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response

from app import browse
from app.urls import urls
from app.web.charts import year_chart
from app.web.deps import SessionDep, SettingsDep
from app.web.errors import check_page
from app.web.examples import archive_examples
from app.web.params import DEFAULT_PER_PAGE, MAX_YEAR, MIN_YEAR, ListQuery, PerPage, check_depth
from app.web.params import Page as PageNumber
from app.web.render import bare_page, canonical, render
from app.web.search_adapter import run_search
from app.web.search_params import SearchQuery

router = APIRouter(include_in_schema=False)
Year = Annotated[int, Path(ge=MIN_YEAR, le=MAX_YEAR)]
Month = Annotated[int, Path(ge=1, le=12)]
MONTH_PER_PAGE = 100  # a month's statements on one page (about 140 a month at 1.5M paragraphs)


def statement_page_query(page: PageNumber = 1, per_page: PerPage = 0) -> ListQuery:
    """Paging of a date page's statement list (per_page 0: the page's own default)."""
    return ListQuery(page=page, per_page=per_page, sort="newest")


def _paged(q: ListQuery, default_per_page: int) -> ListQuery:
    q = replace(q, per_page=q.per_page or default_per_page)
    check_depth(q.page, q.per_page)
    return q


@router.get("/")
def home(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    return bare_page(
        request,
        "home.html",
        lambda: {
            "nav": "home",
            "o": browse.home_overview(session),
            "examples": _examples(request, session, settings)[:3],
        },
    )


@router.get("/dates")
def date_archive(request: Request, session: SessionDep) -> Response:
    if (redirect := canonical(request, [])) is not None:
        return redirect
    years, undated = browse.date_years(session)
    chart = year_chart(years, title="Statements per year", unit="statement", href=lambda y: urls.dates(y))
    return render(request, "dates/index.html", nav="dates", years=years, undated=undated, chart=chart)


@router.get("/dates/undated")
def date_undated(
    request: Request, session: SessionDep, q: Annotated[ListQuery, Depends(statement_page_query)]
) -> Response:
    """The statements with neither a date nor a publication date, newest ingested key order."""
    q = _paged(q, DEFAULT_PER_PAGE)
    if (
        redirect := canonical(request, q.pairs(default_sort="newest", default_per_page=DEFAULT_PER_PAGE))
    ) is not None:
        return redirect
    page = browse.list_statements(
        session, browse.StatementFilter(undated=True), page=q.page, per_page=q.per_page
    )
    check_page(q.page, page.pages)
    return render(
        request,
        "dates/undated.html",
        nav="dates",
        pg=page,
        pairs=q.pairs(default_sort="newest", default_per_page=DEFAULT_PER_PAGE),
    )


@router.get("/dates/{year}")
def date_year(request: Request, session: SessionDep, year: Year) -> Response:
    if (redirect := canonical(request, [])) is not None:
        return redirect
    return render(
        request, "dates/year.html", nav="dates", year=year, months=browse.date_months(session, year)
    )


@router.get("/dates/{year}/{month}")
def date_month(
    request: Request,
    session: SessionDep,
    year: Year,
    month: Month,
    q: Annotated[ListQuery, Depends(statement_page_query)],
) -> Response:
    """The month's days with their counts, and its statements (titles), oldest first, paged."""
    q = _paged(q, MONTH_PER_PAGE)
    pairs = q.pairs(default_sort="newest", default_per_page=MONTH_PER_PAGE)
    if (redirect := canonical(request, pairs)) is not None:
        return redirect
    first = dt.date(year, month, 1)
    last = dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
    page = browse.list_statements(
        session,
        browse.StatementFilter(start=first, end=last),
        sort="oldest",
        page=q.page,
        per_page=q.per_page,
        leads=False,
    )
    check_page(q.page, page.pages)
    return render(
        request,
        "dates/month.html",
        nav="dates",
        year=year,
        month=month,
        days=browse.date_days(session, year, month),
        pg=page,
        pairs=pairs,
    )


@router.get("/venues")
def venue_list(request: Request, session: SessionDep) -> Response:
    return bare_page(
        request, "venues/list.html", lambda: {"nav": "venues", "rows": browse.list_venues(session)}
    )


@router.get("/topics")
def topic_list(request: Request, session: SessionDep) -> Response:
    return bare_page(
        request, "topics/list.html", lambda: {"nav": "topics", "rows": browse.list_topics(session)}
    )


@router.get("/docs")
def api_docs(request: Request) -> Response:
    """The API reference, rendered from the OpenAPI schema without any external script."""
    schema = request.app.openapi()
    ops = []
    for path, methods in schema.get("paths", {}).items():
        for method, op in methods.items():
            params = [
                (p["name"], p.get("in", ""), p.get("required", False), p.get("description", ""))
                for p in op.get("parameters", [])
            ]
            ops.append(
                {
                    "path": path,
                    "method": method.upper(),
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "params": params,
                }
            )
    return render(request, "docs.html", nav="api", ops=ops, info=schema.get("info", {}))


def _examples(request: Request, session, settings) -> list:
    """Query examples from this archive that find something (app.web.examples)."""

    def finds(query: str) -> bool:
        result = run_search(
            request.app.state.archive.searcher,
            session,
            SearchQuery(q=query),
            max_query_chars=settings.max_query_chars,
            per_page=1,
            per_statement=1,
        )
        return result.total_paragraphs > 0

    return archive_examples(session, finds, str(settings.data_dir))


@router.get("/help")
def help_page(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """The query language, with examples from the archive's own speakers and words."""
    return bare_page(
        request, "help.html", lambda: {"nav": "help", "examples": _examples(request, session, settings)}
    )


@router.get("/about")
def about_page(request: Request, session: SessionDep) -> Response:
    """What is in the archive, where it comes from, how to cite it, what its dates mean."""
    return bare_page(
        request,
        "about.html",
        lambda: {
            "nav": "about",
            "o": browse.home_overview(session, latest=1, speakers=1),
            "kinds": browse.statement_facets(session, browse.StatementFilter()).get("kind", []),
        },
    )
