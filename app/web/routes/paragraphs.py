"""Paragraph permalinks: `/p/<paragraph-key>` and its citations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from app.web import services
from app.web.deps import BaseUrlDep, SessionDep
from app.web.render import render
from app.web.routes.statements import CITE_FORMATS, cite_download

router = APIRouter(include_in_schema=False)


@router.get("/p/{key}")
def paragraph_detail(request: Request, session: SessionDep, key: str, base: BaseUrlDep) -> Response:
    found = services.load_paragraph(session, key)
    if isinstance(found, RedirectResponse):
        return found
    p = found.paragraph
    cite = services.cite_box(session, found.statement, base, (p.key, p.n))
    return render(
        request,
        "paragraphs/detail.html",
        nav="statements",
        headers=services.cite_headers(cite),
        d=found,
        st=found.statement,
        cite=cite,
        cite_kind="paragraph",
    )


@router.get("/p/{key}/cite.{fmt}")
def paragraph_cite(
    session: SessionDep, key: str, base: BaseUrlDep, fmt: Annotated[str, Path(pattern=CITE_FORMATS)]
) -> Response:
    return cite_download(services.load_paragraph(session, key), base, fmt)
