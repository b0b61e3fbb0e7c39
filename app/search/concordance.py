"""Concordance (key word in context): every occurrence of a word or phrase in the paragraphs a
search matches, as a line of left context | match | right context.

The paragraphs are the search's (matches.matches: the same query language and filters, the
same paragraph resolution), read from the database a batch at a time; the occurrences in each
are what highlighting marks (highlight.py: the query's positive words and phrases, stemmed
words in any form). Lines come in the order of the paragraphs (statements newest or oldest
first, paragraphs in reading order, occurrences left to right), read only as far as the page
needs; sorted by the words before (`left`) or after (`right`) the match, the first
MAX_SORTED occurrences (in date order) are gathered and sorted, and the result says so when
there were more (`sorted_among`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.search.highlight import Marks, marks_for, match_spans
from app.search.matches import Matches, matches
from app.search.query import QueryError, parse_query
from app.search.results import fields_json
from app.search.searcher import IndexView

SORTS = ("newest", "oldest", "left", "right")
CONTEXT_CHARS = 80  # characters of context on each side (cut at a word boundary)
MAX_SORTED = 20_000  # occurrences gathered to sort by their context
MAX_PER_PAGE = 500
SORT_WORDS = 5  # words of context a sort compares
_WORD = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Line:
    left: str
    match: str
    right: str
    paragraph: dict  # key, n, speaker, url
    statement: dict  # key, title, date, published, kind, speakers, url

    def as_dict(self) -> dict:
        return fields_json(self)


def _squash(text: str) -> str:
    return _SPACE.sub(" ", text)


def lines_of(text: str, marks: Marks, context: int = CONTEXT_CHARS) -> list[tuple[str, str, str]]:
    """(left, match, right) for each marked occurrence in text, left to right."""
    out = []
    for s, e in match_spans(text, marks):
        lo, hi = max(0, s - context), min(len(text), e + context)
        if lo > 0:  # start at a word
            space = text.find(" ", lo, s)
            lo = space + 1 if space != -1 else lo
        if hi < len(text):
            space = text.rfind(" ", e, hi)
            hi = space if space != -1 else hi
        out.append(
            (
                ("…" if lo > 0 else "") + _squash(text[lo:s]),
                text[s:e],
                _squash(text[e:hi]) + ("…" if hi < len(text) else ""),
            )
        )
    return out


def _sort_key(line: Line, side: str) -> tuple:
    if side == "right":
        words = _WORD.findall(line.right.casefold())[:SORT_WORDS]
    else:
        words = _WORD.findall(line.left.casefold())[::-1][:SORT_WORDS]
    return (words, line.match.casefold(), line.statement["date"] or "", line.paragraph["n"])


def concordance(
    view: IndexView,
    query: str | None,
    *,
    session: Session,
    sort: str = "newest",
    page: int = 1,
    per_page: int = 100,
    max_query_chars: int = 1000,
    **filters,
) -> dict:
    """The lines of one page. Raises QueryError (a query that cannot be understood, too wide,
    or with no word or phrase to line up) as search() does."""
    sort = sort or "newest"
    if sort not in SORTS:
        raise QueryError(f"sort must be one of {', '.join(SORTS)}, not '{sort}'")
    per_page = min(max(int(per_page), 1), MAX_SORTED)  # (pages ask at most MAX_PER_PAGE; a download more)
    page = max(int(page), 1)
    pq = parse_query(query, max_chars=max_query_chars)
    with view.lock:
        marks = marks_for(pq.highlight, view.reader, view.postings.expand) if not pq.empty else Marks()
    if not marks:
        raise QueryError(
            'the concordance needs a word or "phrase" to line up, e.g. sanctions or "rule of law"'
        )
    start, stop = (page - 1) * per_page, page * per_page
    order = sort if sort in ("newest", "oldest") else "newest"
    by_context = sort in ("left", "right")
    want = MAX_SORTED if by_context else stop + 1
    lines, found = _gather(view, query, marks, session, order, want, max_query_chars, filters)
    more_unread = len(lines) >= want or found.truncated
    sorted_among = None
    if by_context:
        lines = lines[:MAX_SORTED]
        lines.sort(key=lambda line: _sort_key(line, sort))
        sorted_among = len(lines) if more_unread else None
    shown = lines[start:stop]
    return {
        "query": pq.text,
        "sort": sort,
        "page": page,
        "per_page": per_page,
        "lines": [line.as_dict() for line in shown],
        "has_next": len(lines) > stop,
        "total_paragraphs": found.total_paragraphs,
        "approximate": not found.exact,
        "sorted_among": sorted_among,
    }


def _gather(
    view: IndexView,
    query,
    marks: Marks,
    session: Session,
    order: str,
    want: int,
    max_query_chars: int,
    filters,
) -> tuple[list[Line], Matches]:
    """At least `want` lines (or all there are), from matching paragraphs in `order`: read
    a batch of paragraphs, more if too few of them hold a marked occurrence."""
    limit = min(max(want, 100), MAX_SORTED)
    while True:
        found = matches(
            view,
            query,
            session=session,
            sort=order,
            max_query_chars=max_query_chars,
            limit=limit,
            names=False,
            **filters,
        )
        lines: list[Line] = []
        for st, p in found:
            statement = {k: st[k] for k in ("key", "title", "date", "published", "kind", "url")} | {
                "speakers": [s["name"] for s in st["speakers"]]
            }
            paragraph = {"key": p["key"], "n": p["n"], "speaker": p["speaker"], "url": p["url"]}
            for left, match, right in lines_of(p["text"], marks):
                lines.append(Line(left, match, right, paragraph, statement))
            if len(lines) >= want:
                break
        if len(lines) >= want or not found.truncated or limit >= MAX_SORTED:
            return lines, found
        # paragraphs without a marked occurrence (a NOT's, a said:'s): read on
        limit = min(limit * 4, MAX_SORTED)
