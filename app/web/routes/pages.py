"""Home, the date archive, venues, topics and the offline API documentation page."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from app import browse
from app.web.charts import year_chart
from app.web.deps import SessionDep
from app.web.params import MAX_YEAR, MIN_YEAR
from app.web.render import canonical, render
from app.web.urls import urls

router = APIRouter(include_in_schema=False)
Year = Annotated[int, Path(ge=MIN_YEAR, le=MAX_YEAR)]
Month = Annotated[int, Path(ge=1, le=12)]


@router.get("/")
def home(request: Request, session: SessionDep) -> Response:
    if (redirect := canonical(request, [])) is not None:
        return redirect
    return render(request, "home.html", nav="home", o=browse.home_overview(session))


@router.get("/dates")
def date_archive(request: Request, session: SessionDep) -> Response:
    if (redirect := canonical(request, [])) is not None:
        return redirect
    years, undated = browse.date_years(session)
    chart = year_chart(years, title="Statements per year", unit="statement", href=lambda y: urls.dates(y))
    return render(request, "dates/index.html", nav="dates", years=years, undated=undated, chart=chart)


@router.get("/dates/{year}")
def date_year(request: Request, session: SessionDep, year: Year) -> Response:
    if (redirect := canonical(request, [])) is not None:
        return redirect
    return render(request, "dates/year.html", nav="dates", year=year, months=browse.date_months(session, year))


@router.get("/dates/{year}/{month}")
def date_month(request: Request, session: SessionDep, year: Year, month: Month) -> Response:
    if (redirect := canonical(request, [])) is not None:
        return redirect
    return render(request, "dates/month.html", nav="dates", year=year, month=month,
                  days=browse.date_days(session, year, month))


@router.get("/venues")
def venue_list(request: Request, session: SessionDep) -> Response:
    if (redirect := canonical(request, [])) is not None:
        return redirect
    return render(request, "venues/list.html", nav="venues", rows=browse.list_venues(session))


@router.get("/topics")
def topic_list(request: Request, session: SessionDep) -> Response:
    if (redirect := canonical(request, [])) is not None:
        return redirect
    return render(request, "topics/list.html", nav="topics", rows=browse.list_topics(session))


@router.get("/docs")
def api_docs(request: Request) -> Response:
    """The API reference, rendered from the OpenAPI schema without any external script."""
    schema = request.app.openapi()
    ops = []
    for path, methods in schema.get("paths", {}).items():
        for method, op in methods.items():
            params = [(p["name"], p.get("in", ""), p.get("required", False), p.get("description", ""))
                      for p in op.get("parameters", [])]
            ops.append({"path": path, "method": method.upper(), "summary": op.get("summary", ""),
                        "description": op.get("description", ""), "params": params})
    return render(request, "docs.html", nav="api", ops=ops, info=schema.get("info", {}))
