"""The quote finder: /quote (a form and its results, no script needed) and /api/quote
(docs/quote-json.md). Everything about finding is in app.quote."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from app.quote import MAX_LIMIT, MAX_QUOTE_CHARS
from app.urls import absolute
from app.web import analysis_schemas, schemas
from app.web.deps import BaseUrlDep, SessionDep
from app.web.errors import error_response
from app.web.render import canonical, render
from app.web.search_adapter import SearchQueryError, SearchUnavailable, run_quote

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["quote"])
DEFAULT_LIMIT = 10


def _limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    try:
        value = int(raw)
    except ValueError:
        raise SearchQueryError(
            f"limit must be a whole number from 1 to {MAX_LIMIT}, not {raw[:40]!r}"
        ) from None
    if not 1 <= value <= MAX_LIMIT:
        raise SearchQueryError(f"limit must be a whole number from 1 to {MAX_LIMIT}, not {value}")
    return value


def _error(request: Request, exc: SearchQueryError | SearchUnavailable, q: str | None) -> Response:
    status = exc.status if isinstance(exc, SearchQueryError) else 503
    if request.url.path.startswith("/api/"):
        resp = error_response(request.app.state.env, request.url.path, status, exc.message)
    else:
        resp = render(
            request,
            "quote/page.html",
            status=status,
            nav="quote",
            q=q or "",
            result=None,
            error=exc.message,
            max_chars=MAX_QUOTE_CHARS,
        )
    if status == 503:
        resp.headers["retry-after"] = "60"
    return resp


@router.get("/quote")
def quote_page(
    request: Request, session: SessionDep, q: str | None = None, limit: str | None = None
) -> Response:
    if (redirect := canonical(request, [(k, v) for k, v in (("q", q), ("limit", limit)) if v])) is not None:
        return redirect  # empty fields of the form dropped, unknown parameters too
    if q is None or not q.strip():  # the empty form
        return render(
            request, "quote/page.html", nav="quote", q="", result=None, error=None, max_chars=MAX_QUOTE_CHARS
        )
    try:
        result = run_quote(request.app.state.archive.searcher, session, q, limit=_limit(limit))
    except (SearchQueryError, SearchUnavailable) as e:
        return _error(request, e, q)
    return render(
        request, "quote/page.html", nav="quote", q=q, result=result, error=None, max_chars=MAX_QUOTE_CHARS
    )


@api_router.get(
    "/quote",
    summary="Find where a quote was said (docs/quote-json.md)",
    responses={
        200: {"model": analysis_schemas.QuoteResult},
        **schemas.SEARCH_ERRORS,
    },
)
def api_quote(
    request: Request,
    session: SessionDep,
    base: BaseUrlDep,
    q: Annotated[str | None, Query(description="The quote as you have it.")] = None,
    limit: Annotated[str | None, Query(description=f"Results at most, 1-{MAX_LIMIT} (default 10).")] = None,
) -> Response:
    """Source paragraphs ranked by how well they align with the quote; each with its permalink,
    the earliest date its words appear and the later paragraphs that quote them."""
    try:
        result = run_quote(request.app.state.archive.searcher, session, q, limit=_limit(limit))
    except (SearchQueryError, SearchUnavailable) as e:
        return _error(request, e, q)
    for r in result["results"]:
        r["permalink"] = absolute(base, r["url"])
    return JSONResponse(result)
