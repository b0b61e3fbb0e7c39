"""What a page and its API twin both need, computed once: thin glue between params, the read
side (app.browse) and the citation builders. Raises ParamError/NotFound; returns values."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from app import browse, citations
from app.browse.views import FilterLabel, Page, ParagraphDetail, StatementDetail, StatementRow
from app.citations import citeproc_js, metadata, store
from app.config import SITE_NAME
from app.facets import Facet
from app.urls import absolute, urls
from app.web.errors import NotFound, check_page
from app.web.params import ParamError, StatementQuery, valid_key
from app.web.render import query_filter


@dataclass(frozen=True)
class StatementList:
    query: StatementQuery
    page: Page[StatementRow]
    facets: dict[str, list[Facet]]
    labels: list[FilterLabel]


def statement_list(session: Session, q: StatementQuery, *, facets: bool = True) -> StatementList:
    f = query_filter(q)
    if f.speakers:  # a spelling's or a merged speaker's slug (?speaker=sergei-lavrov) filters by the speaker
        f = replace(f, speakers=browse.resolve_speaker_slugs(session, f.speakers))
    labels, unknown = browse.filter_labels(session, f)
    if unknown:
        name, value = unknown[0]
        raise ParamError(f"unknown {name}: {value!r}")
    page = browse.list_statements(session, f, sort=q.sort, page=q.page, per_page=q.per_page)
    check_page(q.page, page.pages)
    return StatementList(q, page, or_counted_facets(session, f, labels) if facets else {}, labels)


# A facet's parameter -> the StatementFilter field its values go to
MULTI_FACETS = {"speaker": "speakers", "kind": "kinds", "venue": "venues", "topic": "topics"}


def or_counted_facets(
    session: Session, f: browse.StatementFilter, labels: list[FilterLabel] = ()
) -> dict[str, list[Facet]]:
    """Facet counts as on /search: a facet with values chosen is counted under every other
    filter but not its own (the values it could add: OR within a facet, AND across facets).
    A chosen value is listed even when nothing is left under the other filters (to remove it)."""
    out = browse.statement_facets(session, f)
    names = {(lb.name, lb.value): lb.label for lb in labels}
    for name, field in MULTI_FACETS.items():
        picked = getattr(f, field)
        if not picked:
            continue
        values = browse.statement_facets(session, replace(f, **{field: ()}), only=(name,))[name]
        values = [replace(v, selected=v.value in picked) for v in values]
        listed = {v.value for v in values}
        values += [Facet(name, v, names.get((name, v), v), 0, True) for v in picked if v not in listed]
        out[name] = values
    return out


def redirect_alias(session: Session, key: str, *, api: bool = False) -> RedirectResponse | None:
    """301 to where a retired statement/paragraph key went now, if anywhere."""
    target = browse.resolve_alias(session, key)
    if target is None:
        return None
    kind, new_key = target
    if api:
        url = urls.api_statement(new_key) if kind == "statement" else urls.api_paragraph(new_key)
    else:
        url = urls.statement(new_key) if kind == "statement" else urls.paragraph(new_key)
    return RedirectResponse(url, status_code=301)


def load_statement(
    session: Session, key: str, *, api: bool = False, page: int = 1
) -> StatementDetail | RedirectResponse:
    """The statement with its paragraphs' page `page` (404 beyond the last page)."""
    found = _load(
        session,
        key,
        lambda s, k: browse.get_statement(s, k, page=page),
        "There is no statement with this key in the archive.",
        api,
    )
    if isinstance(found, StatementDetail) and page > found.paragraph_pages:
        raise NotFound(
            f"page {page} does not exist: this statement's paragraphs end on page {found.paragraph_pages}"
        )
    return found


def load_paragraph(session: Session, key: str, *, api: bool = False) -> ParagraphDetail | RedirectResponse:
    return _load(
        session, key, browse.get_paragraph, "There is no paragraph with this permalink in the archive.", api
    )


def _load(session: Session, key: str, get, missing: str, api: bool):
    """The row for `key`; else a 301 to where an aliased key went; else a 404 offering a search."""
    if valid_key(key):
        detail = get(session, key)
        if detail is not None:
            return detail
        moved = redirect_alias(session, key, api=api)
        if moved is not None:
            return moved
    raise NotFound(missing, search=_search_hint(key))


def _search_hint(key: str) -> str:
    """Words of a key's slug, for the 404 page's search box ("2021-10-02-lavrov-remarks-ab12cd34")."""
    words = [w for w in key.split(".")[0].split("-") if w.isalpha() and len(w) > 1]
    return " ".join(words[:8])


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def citation_item(st: StatementRow, base: str, paragraph: tuple[str, int] | None = None) -> dict:
    path = urls.paragraph(paragraph[0]) if paragraph else urls.statement(st.key)
    return citations.csl_item(
        st,
        url=absolute(base, path),
        accessed=today(),
        archive=SITE_NAME,
        paragraph_n=paragraph[1] if paragraph else None,
    )


def cite_box(
    session: Session, st: StatementRow, base: str, paragraph: tuple[str, int] | None = None
) -> citations.CitationSet:
    """The Cite box: texts from the stored rendering when it is up to date (app.citations.store),
    else from the cache of live texts, else rendered now; the same texts either way. A page
    never waits for citeproc-js: a style it would need while the engine is busy (another
    request's rendering, the worker's set-up) is listed as being prepared."""
    item = citation_item(st, base, paragraph)
    meta = metadata.embedded(
        item,
        paragraph=paragraph[1] if paragraph else None,
        statement_url=absolute(base, urls.statement(st.key)),
    )
    return citations.citation_set(
        item,
        date=st.sort_date,
        accessed=citations.accessed(item),
        captured=st.captured,
        texts=store.citation_texts(session, st.key, item, wait=citeproc_js.PAGE_WAIT),
        meta=meta,
    )


def cite_headers(cite: citations.CitationSet) -> dict[str, str] | None:
    """A page whose Cite box is still being prepared is not to be kept by any cache."""
    return {"cache-control": "no-store"} if cite.pending else None
