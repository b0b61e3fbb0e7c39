"""Rendering helpers shared by the routes: templates, canonical redirects, row → JSON."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.browse.export import statement_head
from app.browse.views import ParagraphView, SpeakerRef, StatementFilter, StatementRow
from app.periods import period
from app.urls import absolute, urls
from app.web.deps import base_url
from app.web.params import StatementQuery, canonical_redirect_target


def render(
    request: Request,
    template: str,
    *,
    status: int = 200,
    nav: str | None = None,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    env = request.app.state.env
    body = env.get_template(template).render(
        request_path=request.url.path,
        request_query=request.url.query,
        nav=nav,
        base_url=base_url(request),
        **context,
    )
    return HTMLResponse(body, status_code=status, headers=headers)


def canonical(request: Request, pairs: list[tuple[str, str]]) -> RedirectResponse | None:
    """A redirect to the canonical form of this page's query string, when it is not already."""
    sent = request.scope.get("sent_query_string")  # set when empty fields were dropped (security.py)
    actual = (
        parse_qsl(sent.decode("latin-1"), keep_blank_values=True)
        if sent is not None
        else request.query_params.multi_items()
    )
    target = canonical_redirect_target(request.url.path, actual, pairs)
    return RedirectResponse(target, status_code=302) if target is not None else None


def bare_page(request: Request, template: str, context) -> Response:
    """A page that takes no query parameters: any query string redirects to the bare address.
    `context`: a function giving the template's variables (not called for a redirect)."""
    if (redirect := canonical(request, [])) is not None:
        return redirect
    return render(request, template, **context())


def query_filter(q: StatementQuery):
    """The browse filter for a statement query: year/month and from/to intersected."""
    start, end = q.date_from, q.date_to
    if q.year is not None:
        ys, ye = period(q.year, q.month)
        start = max(start, ys) if start else ys
        end = min(end, ye) if end else ye
    return StatementFilter(
        speakers=q.speakers, kinds=q.kinds, venues=q.venues, topics=q.topics, start=start, end=end
    )


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def speaker_json(s: SpeakerRef, base: str) -> dict:
    # The *_json builders look alike (field: value literals) on purpose: each is a JSON contract
    # spelt out field by field, so that a change to one is visible in review.
    return {
        "name": s.name,
        "role": s.role,
        "slug": s.slug,
        "kind": s.kind,
        "name_parts": s.name_parts,
        "url": urls.speaker(s.slug),
        "api": absolute(base, urls.api_speaker(s.slug)),
    }


def statement_json(st: StatementRow, base: str) -> dict:
    """A statement row: the export's field names, plus slugs and absolute permalinks."""
    return {
        **statement_head(st),
        "venue_key": st.venue.key if st.venue else None,
        "speakers": [speaker_json(s, base) for s in st.speakers],
        "topics": [t.name for t in st.topics],
        "topic_keys": [t.key for t in st.topics],
        "excerpt": st.excerpt,
        "paragraph_count": st.paragraph_count,
        "original_url": st.original_url,
        "publisher": st.publisher,
        "captured_at": st.captured_at.isoformat() if st.captured_at else None,
        "url": urls.statement(st.key),
        "permalink": absolute(base, urls.statement(st.key)),
        "api": absolute(base, urls.api_statement(st.key)),
        "captured": _iso(st.captured),
    }


def paragraph_json(p: ParagraphView, base: str) -> dict:
    return {
        "key": p.key,
        "n": p.n,
        "text": p.text,
        "speaker": p.speaker,
        "label": p.label,
        "turn": p.turn,
        "current": p.current,
        "url": urls.paragraph(p.key),
        "permalink": absolute(base, urls.paragraph(p.key)),
        "source": {"file": p.source_file, "lines": [p.line_start, p.line_end]},
    }
