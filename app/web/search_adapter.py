"""The web side of the search layer (app.search): the long-lived searcher of a server process
and one function to run a search. Routes never touch the search engine directly."""
from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from app.config import Settings
from app.web.params import SearchQuery

log = logging.getLogger("app.web")


class SearchUnavailable(Exception):
    """No usable search index (missing, being built for the first time, unreadable): 503."""


class SearchQueryError(Exception):
    """The query cannot be understood: 400 with this message."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def open_searcher(settings: Settings, factory) -> Any:
    """A SearcherHolder for the index directory, opening the index in the background."""
    from app.search import SearcherHolder

    holder = SearcherHolder(settings.index_dir)
    holder.warm_in_background()  # open the index and load its columns before the first search
    return holder


def run_search(holder: Any, session: Session, sq: SearchQuery, *, max_query_chars: int,
               per_statement: int = 3, **overrides: Any) -> dict:
    """The object of docs/search-json.md for this query (overrides: page, per_page, sort)."""
    from app.search import QueryError, SearchIndexError, search

    args = sq.search_args() | overrides
    try:
        with holder.view() as view:
            return search(view, sq.q or None, session=session, per_statement=per_statement,
                          max_query_chars=max_query_chars, **args)
    except QueryError as e:
        raise SearchQueryError(e.message) from None
    except SearchIndexError as e:
        log.warning("search unavailable: %s", e)
        raise SearchUnavailable(str(e)) from None


def all_matches(holder: Any, session: Session, sq: SearchQuery, *, max_query_chars: int, limit: int):
    """The paragraphs the search matches, up to `limit` (app.search.service.Matches: totals,
    then the (statement, paragraph) pairs in result order, read from the database while iterating)."""
    from app.search import QueryError, SearchIndexError
    from app.search.service import matches

    args = {k: v for k, v in sq.search_args().items() if k not in ("page", "per_page")}
    try:
        with holder.view() as view:
            return matches(view, sq.q or None, session=session, max_query_chars=max_query_chars, limit=limit,
                           **args)
    except QueryError as e:
        raise SearchQueryError(e.message) from None
    except SearchIndexError as e:
        log.warning("search unavailable: %s", e)
        raise SearchUnavailable(str(e)) from None
