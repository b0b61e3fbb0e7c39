"""Speakers: the list with counts and date spans; one speaker with their statements by date."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from app import browse
from app.urls import urls
from app.web import services
from app.web.charts import year_chart
from app.web.deps import SessionDep
from app.web.errors import NotFound, check_page
from app.web.params import KEY_RE, ListQuery, StatementQuery, speaker_list_query, statement_query
from app.web.render import canonical, render

router = APIRouter(include_in_schema=False)


# The list pages share their first lines (a parsed query, the canonical redirect) with
# routes/statements.py on purpose: FastAPI reads each route's parameters from its signature.
@router.get("/speakers")
def speaker_list(
    request: Request, session: SessionDep, q: Annotated[ListQuery, Depends(speaker_list_query)]
) -> Response:
    if (redirect := canonical(request, q.pairs())) is not None:
        return redirect
    page = browse.list_speakers(session, sort=q.sort, page=q.page, per_page=q.per_page)
    check_page(q.page, page.pages)
    return render(request, "speakers/list.html", nav="speakers", page=page, q=q, pairs=q.pairs())


def load_speaker(session, slug: str, request: Request | None = None, *, api: bool = False):
    """The speaker of `slug`; a 301 to the speaker's own URL for a spelling's or a merged
    speaker's slug (the query string kept); else a 404 offering a search."""
    speaker = browse.get_speaker(session, slug) if KEY_RE.match(slug) else None
    if speaker is None:
        target = browse.speaker_redirect(session, slug) if KEY_RE.match(slug) else None
        if target is not None:
            url = urls.api_speaker(target) if api else urls.speaker(target)
            query = request.url.query if request is not None else ""
            return RedirectResponse(url + (f"?{query}" if query else ""), status_code=301)
        raise NotFound(
            "There is no speaker with this name in the archive.", search=slug.replace("-", " ")[:100]
        )
    return speaker


@router.get("/speakers/{slug}")
def speaker_detail(
    request: Request, session: SessionDep, slug: str, q: Annotated[StatementQuery, Depends(statement_query)]
) -> Response:
    """A speaker and their statements (the statement filters apply, speaker fixed)."""
    speaker = load_speaker(session, slug, request)
    if isinstance(speaker, RedirectResponse):
        return speaker
    q = replace(q, speakers=())
    if (redirect := canonical(request, q.pairs())) is not None:
        return redirect
    data = services.statement_list(session, replace(q, speakers=(speaker.slug,)), facets=False)
    chart = year_chart(
        browse.speaker_years(session, speaker.slug),
        title=f"Statements by {speaker.name} per year",
        unit="statement",
        href=lambda y: urls.statements(speaker=speaker.slug, year=y),
    )
    return render(
        request,
        "speakers/detail.html",
        nav="speakers",
        speaker=speaker,
        data=data,
        q=q,
        pairs=q.pairs(),
        chart=chart,
    )
