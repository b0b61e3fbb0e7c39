"""Statement pages: the filtered list, one statement, its paragraph shortcuts and citations."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from app import browse, citations
from app.bidi import close_bidi_all
from app.browse.captures import capture_text
from app.browse.versions import find_version, version_diff
from app.browse.views import ParagraphDetail, StatementDetail
from app.citations import bibtex, ris
from app.urls import urls
from app.web import services
from app.web.deps import BaseUrlDep, SessionDep, SettingsDep
from app.web.errors import NotFound
from app.web.hits import statement_hits
from app.web.params import StatementQuery, statement_query
from app.web.render import canonical, render
from app.web.routes import downloads

router = APIRouter(include_in_schema=False)
CITE_FORMATS = "^(bib|ris|json)$"


@router.get("/statements")
def statement_list(
    request: Request, session: SessionDep, q: Annotated[StatementQuery, Depends(statement_query)]
) -> Response:
    if (redirect := canonical(request, q.pairs())) is not None:
        return redirect
    data = services.statement_list(session, q)
    return render(
        request,
        "statements/list.html",
        nav="statements",
        data=data,
        q=q,
        pairs=q.pairs(),
        filter_pairs=q.filter_pairs(),
        kinds=_kinds(data),
        download_limit=downloads.MAX_DOWNLOAD_ROWS,
    )


def _kinds(data: services.StatementList) -> list[str]:
    return [f.value for f in data.facets.get("kind", [])]


ParagraphPage = Annotated[int, Query(ge=1, le=10_000, description="page of a long statement's paragraphs")]
SearchWords = Annotated[str | None, Query(description="a search whose matching paragraphs to mark")]


@router.get("/statements/{key}")
def statement_detail(
    request: Request,
    session: SessionDep,
    key: str,
    base: BaseUrlDep,
    settings: SettingsDep,
    page: ParagraphPage = 1,
    q: SearchWords = None,
    said: Annotated[list[str] | None, Query(max_length=20, description="the search's said: filter")] = None,
    questions: Annotated[str | None, Query(pattern="^(exclude|only)$")] = None,
) -> Response:
    """`?q=` (arriving from a search, with its paragraph filters `said`, `questions`): the
    paragraphs the search resolves in this statement are marked, each with links to the
    previous and next one, across pages (app.web.hits)."""
    found = services.load_statement(session, key, page=page)
    if isinstance(found, RedirectResponse):
        return found
    hits = None
    if q and q.strip():
        filters = tuple(("said", v.strip()) for v in said or [] if v.strip())
        filters += (("questions", questions),) if questions else ()
        hits = statement_hits(
            request.app.state.archive.searcher,
            found.key,
            q.strip(),
            found.paragraphs,
            page=found.paragraph_page,
            filters=filters,
            max_query_chars=settings.max_query_chars,
        )
    from app.browse.duplicates import places

    cite = services.cite_box(session, found, base)
    return render(
        request,
        "statements/detail.html",
        nav="statements",
        headers=services.cite_headers(cite),
        st=found,
        hits=hits,
        neighbours=browse.neighbours(session, found),
        places=places(session, found.key),
        cite=cite,
        cite_kind="statement",
    )


VersionRef = Annotated[str, Query(pattern="^([0-9]{1,6}|[0-9a-f]{16})$", description="version number or id")]


@router.get("/statements/{key}/diff")
def statement_diff(
    request: Request,
    session: SessionDep,
    key: str,
    old: Annotated[VersionRef | None, Query(alias="from")] = None,
    new: Annotated[VersionRef | None, Query(alias="to")] = None,
) -> Response:
    """A word-level diff of two versions of the statement (by number or id); by default the
    current version and the one before it."""
    found = services.load_statement(session, key)
    if isinstance(found, RedirectResponse):
        return found
    current = next((v.n for v in found.versions if v.current), 1)
    new = new or str(current)
    old = old or str(max(1, int(new) - 1) if new.isdigit() else current)
    a, b = find_version(session, found.key, old), find_version(session, found.key, new)
    if a is None or b is None:
        raise NotFound(
            f"This statement has no version {old if a is None else new} "
            f"(it has {max(1, len(found.versions))})."
        )
    return render(
        request,
        "statements/diff.html",
        nav="statements",
        st=found,
        diff=version_diff(session, found.key, a, b),
    )


@router.get("/statements/{key}/p/{n}")
def statement_paragraph(
    session: SessionDep, key: str, n: Annotated[int, Path(ge=1, le=1_000_000)]
) -> Response:
    """`/statements/<key>/p/<n>` → the paragraph's anchor on the page of the statement that
    shows it (301)."""
    found = services.load_statement(session, key)
    if isinstance(found, RedirectResponse):
        return found
    if n > found.paragraph_count:
        raise NotFound(f"This statement has no paragraph {n}.")
    return RedirectResponse(urls.statement(found.key, n), status_code=301)


@router.get("/statements/{key}/cite.{fmt}")
def statement_cite(
    session: SessionDep, key: str, base: BaseUrlDep, fmt: Annotated[str, Path(pattern=CITE_FORMATS)]
) -> Response:
    return cite_download(services.load_statement(session, key), base, fmt)


@router.get("/sources/{sha256}/capture.txt")
def source_capture(session: SessionDep, sha256: Annotated[str, Path(pattern="^[0-9a-f]{64}$")]) -> Response:
    """The stored page as captured, as plain text: it is untrusted and never rendered."""
    text = capture_text(session, sha256)
    if text is None:
        raise NotFound("No stored page has this sha256.")
    return Response(
        text,
        media_type="text/plain; charset=utf-8",
        headers={
            "x-content-type-options": "nosniff",
            "content-security-policy": "sandbox",
            "content-disposition": f'inline; filename="{sha256}.txt"',
        },
    )


def cite_download(
    found: StatementDetail | ParagraphDetail | RedirectResponse, base: str, fmt: str
) -> Response:
    """The citation file of a statement or of a paragraph (or the redirect from a retired key)."""
    if isinstance(found, RedirectResponse):
        return found
    if isinstance(found, ParagraphDetail):
        p = found.paragraph
        return citation_download(services.citation_item(found.statement, base, (p.key, p.n)), p.key, fmt)
    return citation_download(services.citation_item(found, base), found.key, fmt)


def citation_download(item: dict, name: str, fmt: str) -> Response:
    if fmt == "bib":
        body = bibtex.to_bibtex(item)
    elif fmt == "ris":
        body = ris.to_ris(item)
    else:
        body = json.dumps([close_bidi_all(item)], ensure_ascii=False, indent=1)
    media = citations.DOWNLOADS[fmt][1]
    return Response(
        body, media_type=media, headers={"content-disposition": f'attachment; filename="{name}.{fmt}"'}
    )
