"""The JSON API: every page's data under /api/, with permalinks and `next` links."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse

from app import browse
from app.browse.views import Page
from app.urls import PARAGRAPHS_PER_PAGE, absolute, page_url, urls
from app.web import schemas, services
from app.web.deps import BaseUrlDep, SessionDep
from app.web.errors import check_page
from app.web.params import MAX_YEAR, MIN_YEAR, ListQuery, StatementQuery, speaker_list_query, statement_query
from app.web.render import paragraph_json, statement_json
from app.web.routes.speakers import load_speaker

ERRORS = {400: {"model": schemas.Error}, 404: {"model": schemas.Error}, 422: {"model": schemas.Error}}
router = APIRouter(prefix="/api", tags=["archive"], responses=ERRORS)


def _links(base: str, path: str, pairs: list[tuple[str, str]], page: Page) -> dict:
    return {
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
        "pages": page.pages,
        "next": absolute(base, page_url(path, pairs, page.page + 1)) if page.has_next else None,
        "prev": absolute(base, page_url(path, pairs, page.page - 1)) if page.has_prev else None,
    }


@router.get("", summary="Index of the API")
def api_index(base: BaseUrlDep) -> dict[str, str]:
    names = [
        "statements",
        "facets",
        "speakers",
        "venues",
        "topics",
        "dates",
        "search",
        "concordance",
        "trends",
        "quote",
    ]
    return {name: absolute(base, urls.api(name)) for name in names} | {
        "openapi": absolute(base, "/openapi.json")
    }


@router.get("/statements", response_model=schemas.StatementPage, summary="Statements, filtered and paginated")
# The endpoints share a signature shape (request, session, base, a parsed query): FastAPI reads
# each route's dependencies from its own signature, so the repetition is deliberate.
def api_statements(
    request: Request,
    session: SessionDep,
    base: BaseUrlDep,
    q: Annotated[StatementQuery, Depends(statement_query)],
) -> dict:
    data = services.statement_list(session, q, facets=False)
    rows = [statement_json(r, base) | {"lead": r.lead} for r in data.page.items]
    return _links(base, request.url.path, q.pairs(), data.page) | {"results": rows}


@router.get(
    "/facets",
    response_model=dict[str, list[schemas.FacetValue]],
    summary="Facet counts (speaker, kind, venue, topic, year) of a statement list",
)
def api_facets(session: SessionDep, q: Annotated[StatementQuery, Depends(statement_query)]) -> dict:
    data = services.statement_list(session, q.with_page(1), facets=True)
    return {
        name: [{"value": f.value, "label": f.label, "count": f.count, "selected": f.selected} for f in fs]
        for name, fs in data.facets.items()
    }


@router.get(
    "/statements/{key}",
    response_model=schemas.StatementFull,
    summary="One statement with its paragraphs",
    responses={301: {"description": "The key was retired: the new location."}},
)
def api_statement(
    session: SessionDep, base: BaseUrlDep, key: str, page: Annotated[int, Query(ge=1, le=10_000)] = 1
):
    """A long statement's paragraphs come PARAGRAPHS_PER_PAGE at a time (`paragraphs_page`:
    its page, pages and the next/previous page's URL)."""
    found = services.load_statement(session, key, api=True, page=page)
    if isinstance(found, RedirectResponse):
        return found
    neighbours = [
        {
            "speaker": n.speaker.slug,
            "prev": n.prev.key if n.prev else None,
            "next": n.next.key if n.next else None,
        }
        for n in browse.neighbours(session, found)
    ]
    return statement_json(found, base) | {
        "paragraphs": [paragraph_json(p, base) for p in found.paragraphs],
        "sources": [
            {
                "file": s.file_name,
                "sha256": s.sha256,
                "role": s.role,
                "lines": [s.line_start, s.line_end] if s.line_start else None,
            }
            for s in found.sources
        ],
        "neighbours": neighbours,
        "cite": _cite_links(base, found.key, paragraph=False),
        "paragraphs_page": _paragraph_page_links(base, found),
        "versions": [_version_json(v, found.key, base) for v in found.versions],
    }


def _version_json(v, key: str, base: str) -> dict:
    return {
        "n": v.n,
        "id": v.id,
        "current": v.current,
        "captured_at": v.captured_at.isoformat(),
        "captured_source": v.captured_source,
        "estimated": v.estimated,
        "reparse": v.reparse,
        "paragraph_count": v.paragraph_count,
        "changes": v.changes,
        "summary": v.summary,
        "sources": [{"file": s["file"], "sha256": s["sha256"]} for s in v.sources],
        "diff": absolute(base, urls.statement_diff(key, v.n - 1, v.n)) if v.n > 1 else None,
    }


def _paragraph_page_links(base: str, st) -> dict:
    page, pages = st.paragraph_page, st.paragraph_pages
    link = lambda k: absolute(base, urls.api_statement(st.key) + (f"?page={k}" if k > 1 else ""))  # noqa: E731
    return {
        "page": page,
        "pages": pages,
        "per_page": PARAGRAPHS_PER_PAGE,
        "next": link(page + 1) if page < pages else None,
        "prev": link(page - 1) if page > 1 else None,
    }


def _cite_links(base: str, key: str, *, paragraph: bool) -> dict[str, str]:
    build = urls.paragraph_cite if paragraph else urls.statement_cite
    return {
        name: absolute(base, build(key, fmt))
        for name, fmt in (("bibtex", "bib"), ("ris", "ris"), ("csl-json", "json"))
    }


@router.get(
    "/p/{key}",
    response_model=schemas.ParagraphFull,
    summary="One paragraph, with its neighbours",
    responses={301: {"description": "The key was retired: the new location."}},
)
def api_paragraph(session: SessionDep, base: BaseUrlDep, key: str):
    found = services.load_paragraph(session, key, api=True)
    if isinstance(found, RedirectResponse):
        return found
    rev = found.revision
    return paragraph_json(found.paragraph, base) | {
        "revision": {
            "revised_on": rev.revised_on.isoformat() if rev.revised_on else None,
            "version": rev.version,
            "successor": rev.successor_key,
            "successor_url": absolute(base, urls.paragraph(rev.successor_key)) if rev.successor_key else None,
        }
        if rev
        else None,
        "statement": statement_json(found.statement, base),
        "before": paragraph_json(found.before, base) if found.before else None,
        "after": paragraph_json(found.after, base) if found.after else None,
        "cite": _cite_links(base, found.paragraph.key, paragraph=True),
    }


def _speaker_row(s, base: str) -> dict:
    return {
        "slug": s.slug,
        "name": s.name,
        "kind": s.kind,
        "statements": s.statements,
        "first": s.first.isoformat() if s.first else None,
        "last": s.last.isoformat() if s.last else None,
        "url": urls.speaker(s.slug),
        "api": absolute(base, urls.api_speaker(s.slug)),
    }


@router.get("/speakers", response_model=schemas.SpeakerPage, summary="Speakers with counts and date spans")
def api_speakers(
    request: Request,
    session: SessionDep,
    base: BaseUrlDep,
    q: Annotated[ListQuery, Depends(speaker_list_query)],
) -> dict:
    page = browse.list_speakers(session, sort=q.sort, page=q.page, per_page=q.per_page)
    check_page(q.page, page.pages)
    return _links(base, request.url.path, q.pairs(), page) | {
        "results": [_speaker_row(s, base) for s in page.items]
    }


@router.get("/speakers/{slug}", response_model=schemas.SpeakerFull, summary="One speaker")
def api_speaker(
    request: Request, session: SessionDep, base: BaseUrlDep, slug: str
) -> dict | RedirectResponse:
    s = load_speaker(session, slug, request, api=True)
    if isinstance(s, RedirectResponse):
        return s
    return _speaker_row(s, base) | {
        "aliases": s.aliases,
        "name_parts": s.name_parts,
        "roles": [{"role": r, "count": n} for r, n in s.roles],
        "years": [{"year": y, "count": n} for y, n in browse.speaker_years(session, s.slug)],
        "statements_api": absolute(base, urls.api("statements", [("speaker", s.slug)])),
        "feed": absolute(base, urls.speaker_feed(s.slug)),
    }


@router.get("/venues", response_model=list[schemas.CountOut], summary="Venues with counts")
def api_venues(session: SessionDep) -> list[dict]:
    return [asdict(r) | {"url": urls.venue(r.key)} for r in browse.list_venues(session)]


@router.get("/topics", response_model=list[schemas.CountOut], summary="Topics with counts")
def api_topics(session: SessionDep) -> list[dict]:
    return [asdict(r) | {"url": urls.topic(r.key)} for r in browse.list_topics(session)]


def _dates(base: str, rows, url, statements) -> list[dict]:
    return [
        {"value": v, "count": n, "url": absolute(base, url(v)), "statements": absolute(base, statements(v))}
        for v, n in rows
    ]


@router.get("/dates", response_model=schemas.DateArchive, summary="Statement counts per year")
def api_dates(session: SessionDep, base: BaseUrlDep) -> dict:
    years, undated = browse.date_years(session)
    return {
        "results": _dates(base, years, lambda y: urls.api(f"dates/{y:04d}"), urls.statements_on),
        "undated": undated,
    }


@router.get(
    "/dates/{year}", response_model=schemas.DateArchive, summary="Statement counts per month of a year"
)
def api_date_year(
    session: SessionDep, base: BaseUrlDep, year: Annotated[int, Path(ge=MIN_YEAR, le=MAX_YEAR)]
) -> dict:
    return {
        "results": _dates(
            base,
            browse.date_months(session, year),
            lambda m: urls.api(f"dates/{year:04d}/{m:02d}"),
            lambda m: urls.statements_on(year, m),
        )
    }


@router.get(
    "/dates/{year}/{month}", response_model=schemas.DateArchive, summary="Statement counts per day of a month"
)
def api_date_month(
    session: SessionDep,
    base: BaseUrlDep,
    year: Annotated[int, Path(ge=MIN_YEAR, le=MAX_YEAR)],
    month: Annotated[int, Path(ge=1, le=12)],
) -> dict:
    return {
        "results": _dates(
            base,
            browse.date_days(session, year, month),
            lambda d: urls.statements_on(year, month, d),
            lambda d: urls.statements_on(year, month, d),
        )
    }
