"""The web side of the search layer (app.search): the long-lived searcher of a server process
and one function to run a search. Routes never touch the search engine directly."""
from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session

from app.config import Settings
from app.web.params import SearchQuery

log = logging.getLogger("app.web")


class SearchUnavailable(Exception):
    """No usable search index (missing, being built for the first time, unreadable): 503."""


class SearchQueryError(Exception):
    """The query cannot be understood (400) or is too wide to run (422): this message."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def open_searcher(settings: Settings, factory) -> Any:
    """A SearcherHolder for the index directory, opening the index in the background."""
    from app.search import SearcherHolder

    holder = SearcherHolder(settings.index_dir)
    holder.deadline = settings.search_deadline  # seconds of index work per search (app.search.budget)
    holder.warm_in_background()  # open the index and load its columns before the first search
    return holder


def run_search(holder: Any, session: Session, sq: SearchQuery, *, max_query_chars: int,
               per_statement: int = 3, **overrides: Any) -> dict:
    """The object of docs/search-json.md for this query (overrides: page, per_page, sort)."""
    from app.search import QueryError, QueryTooWide, SearchIndexError, search

    args = {"deadline": getattr(holder, "deadline", None)} | sq.search_args() | overrides
    try:
        with holder.view() as view:
            return search(view, sq.q or None, session=session, per_statement=per_statement,
                          max_query_chars=max_query_chars, **args)
    except QueryError as e:
        raise SearchQueryError(e.message, 422 if isinstance(e, QueryTooWide) else 400) from None
    except SearchIndexError as e:
        log.warning("search unavailable: %s", e)
        raise SearchUnavailable(str(e)) from None


DOWNLOAD_BUDGET = 30.0  # seconds a download's searches may take in all; then it ends where it is


def iter_search(holder: Any, session: Session, sq: SearchQuery, *, max_query_chars: int, limit: int,
                per_page: int = 100, per_statement: int = 20,
                budget: float = DOWNLOAD_BUDGET) -> Iterator[tuple[dict, dict]]:
    """(statement, paragraph) pairs of every matching statement, page by page, up to `limit`
    paragraphs (at most `per_statement` per statement: the search layer's cap), for at most
    `budget` seconds (each page's search has its own deadline as well)."""
    done = 0
    page = 1
    ends = time.monotonic() + budget
    while done < limit and time.monotonic() < ends:
        result = run_search(holder, session, sq, max_query_chars=max_query_chars, per_statement=per_statement,
                            page=page, per_page=per_page)
        for group in result["results"]:
            for para in group["paragraphs"]:
                yield group["statement"], para
                done += 1
                if done >= limit:
                    return
        if page * per_page >= result["total_statements"]:
            return
        page += 1
