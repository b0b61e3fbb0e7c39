"""Which paragraphs of a statement page match a search (`/statements/<key>?q=…`), for arriving
from the results: each shown paragraph's text with the query's words marked, by the search
layer's own parser and highlighter (app.search), so the marks are those of the snippets.

A paragraph counts as a hit when one of the query's positive words or phrases is in it (the
statement was found by the whole query; a page only needs to show where its words are)."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.browse.views import ParagraphView

_MARK = "<mark>"


@dataclass(frozen=True)
class Hits:
    query: str
    marked: dict[int, str] = field(default_factory=dict)  # paragraph n -> text with <mark> (escaped HTML)
    order: list[int] = field(default_factory=list)  # the hit paragraphs' numbers, in reading order
    problem: str | None = None  # why nothing could be marked

    def prev(self, n: int) -> int | None:
        i = self.order.index(n)
        return self.order[i - 1] if i > 0 else None

    def next(self, n: int) -> int | None:
        i = self.order.index(n)
        return self.order[i + 1] if i + 1 < len(self.order) else None

    def position(self, n: int) -> int:
        return self.order.index(n) + 1


def statement_hits(holder, q: str, paragraphs: list[ParagraphView], *, max_query_chars: int) -> Hits:
    """The hits of `q` among `paragraphs` (one page of a statement). A query that cannot be
    understood, or no search index, gives no hits and says why (the page still shows)."""
    from app.search import INDEX_DAMAGE, SearchIndexError
    from app.search.highlight import marks_for, snippet
    from app.search.query import QueryError, parse_query

    try:
        pq = parse_query(q, max_chars=max_query_chars)
    except QueryError as e:
        return Hits(q, problem=e.message)
    if not pq.highlight:
        return Hits(q)
    try:
        with holder.view() as view, view.lock:
            marks = marks_for(pq.highlight, view.reader)
    except (SearchIndexError, *INDEX_DAMAGE):
        return Hits(q, problem="the search index is not available, so the matches cannot be marked")
    marked = {}
    for p in paragraphs:
        html = snippet(p.text, marks, size=len(p.text) + 1)
        if _MARK in html:
            marked[p.n] = html
    return Hits(q, marked, sorted(marked))
