"""Which paragraphs of a statement match a search (`/statements/<key>?q=…`), for arriving from
the results: exactly the paragraphs the search itself resolves for that statement (its own
parser, filters and resolution from positions: phrases, NOT, prefixes, said:, questions),
so that "3 matching paragraphs" on the results page and the marks here agree.

The hits cover the whole statement, so "hit 3 of 12" and the next/previous links cross the
pages of a long one (a link to the right page and anchor: no script needed); only the shown
page's paragraphs are marked, by the search's highlighter (the marks of the snippets)."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.browse.views import ParagraphView
from app.urls import paragraph_anchor, paragraph_page, urls

_MARK = "<mark>"


@dataclass(frozen=True)
class Hits:
    query: str
    key: str = ""  # the statement
    page: int = 1  # the statement's page of paragraphs shown
    filters: tuple[tuple[str, str], ...] = ()  # PARAGRAPH_FILTERS given, as (name, value)
    order: tuple[int, ...] = ()  # every hit paragraph's number in the statement, in reading order
    marked: dict[int, str] = field(default_factory=dict)  # shown hit n -> text with <mark> (escaped)
    problem: str | None = None  # why nothing could be marked

    def is_hit(self, n: int) -> bool:
        return n in self._index

    @property
    def _index(self) -> dict[int, int]:
        return {n: i for i, n in enumerate(self.order)}

    def position(self, n: int) -> int:
        """1-based: hit `position` of len(order)."""
        return self._index[n] + 1

    def prev(self, n: int) -> int | None:
        i = self._index[n]
        return self.order[i - 1] if i > 0 else None

    def next(self, n: int) -> int | None:
        i = self._index[n]
        return self.order[i + 1] if i + 1 < len(self.order) else None

    def href(self, n: int) -> str:
        """Hit n: its anchor on this page, else its page of the statement, marked, at its anchor."""
        if paragraph_page(n) == self.page:
            return f"#{paragraph_anchor(n)}"
        return urls.statement_hits(self.key, self.query, n, self.filters)

    @property
    def on_page(self) -> list[int]:
        return [n for n in self.order if paragraph_page(n) == self.page]

    @property
    def search_pairs(self) -> list[tuple[str, str]]:
        """The search these hits come from (back to the results)."""
        return [("q", self.query), *self.filters]


def statement_hits(
    holder,
    key: str,
    q: str,
    paragraphs: list[ParagraphView],
    *,
    page: int = 1,
    filters: tuple[tuple[str, str], ...] = (),
    max_query_chars: int,
) -> Hits:
    """The hits of the search `q` (with `filters`, PARAGRAPH_FILTERS) in statement `key`, the
    shown `paragraphs` (page `page` of it) marked. A query that cannot be understood, or no
    search index, gives no hits and says why (the page still shows)."""
    from app.search import INDEX_DAMAGE, SearchIndexError
    from app.search.highlight import snippet
    from app.search.query import QueryError

    empty = Hits(q, key, page, filters)
    try:
        with holder.view() as view:
            numbers, marks = _resolve(view, key, q, dict(_multi(filters)), max_query_chars)
    except QueryError as e:
        return Hits(q, key, page, filters, problem=e.message)
    except (SearchIndexError, *INDEX_DAMAGE):
        return Hits(
            q,
            key,
            page,
            filters,
            problem="the search index is not available, so the matches cannot be marked",
        )
    if not numbers:
        return empty
    marked = {}
    wanted = set(numbers)
    for p in paragraphs:
        if p.n in wanted:
            html = snippet(p.text, marks, size=len(p.text) + 1) if marks else None
            if html and _MARK in html:
                marked[p.n] = html
    return Hits(q, key, page, filters, tuple(numbers), marked)


def _multi(filters: tuple[tuple[str, str], ...]) -> dict[str, list[str] | str]:
    out: dict[str, list[str] | str] = {}
    for name, value in filters:
        if name == "questions":
            out[name] = value
        else:
            out.setdefault(name, []).append(value)  # type: ignore[union-attr]
    return out


def _resolve(view, key: str, q: str, params: dict, max_query_chars: int):
    """The numbers of the paragraphs of statement `key` the search resolves as matching (as
    app.search.service.search does, the statements narrowed to this one), and the marks."""
    from whoosh import query as wq

    from app.search.budget import Deadline, plan
    from app.search.documents import paragraph_entries
    from app.search.filters import filter_queries
    from app.search.highlight import marks_for
    from app.search.planning import split_filters
    from app.search.query import parse_query
    from app.search.run import Run

    pq = parse_query(q, max_chars=max_query_chars)
    filters = filter_queries(**params)
    main, in_query = split_filters(pq.query)
    with view.lock:
        clock = Deadline(None)
        view.postings.remember(plan(pq.query, view.reader, clock=clock))
        run = Run(view, main, [wq.Term("skey", key), *filters, *in_query], "relevance", clock=clock)
        shown = run.page(0, 1)
        if not shown:
            return [], None
        d = shown[0]
        slots = run.slots.get(d, [])
        entries = paragraph_entries(view.values("paras", [d])[d])
        marks = marks_for(pq.highlight, view.reader, view.postings.expand) if pq.highlight else None
    return sorted(entries[i][0] for i in slots if i < len(entries)), marks
