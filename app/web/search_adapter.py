"""The web side of the search layer (app.search): the long-lived searcher of a server process
and one function to run a search. Routes never touch the search engine directly."""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.config import Settings
from app.search import SearchRequest, SearchResult, search
from app.web.search_params import SearchQuery

log = logging.getLogger("app.web")


class SearchUnavailable(Exception):
    """No usable search index (missing, being built for the first time, unreadable): 503."""

    def __init__(
        self,
        message: str = "Search is not available right now: the search index is missing or being rebuilt.",
    ):
        super().__init__(message)
        self.message = message


DAMAGED = (
    "Search is not available right now: the search index is damaged, and is being rebuilt from the "
    "database. Browsing and permalinks work meanwhile; retry search in a few minutes."
)
REBUILD_EVERY = 600.0  # seconds: a worker starts at most one rebuild of a damaged index this often
_rebuild: dict = {"proc": None, "at": -REBUILD_EVERY}
_rebuild_lock = threading.Lock()


def schedule_rebuild() -> bool:
    """Rebuild the search index from the database in the background (`archive reindex`, at low
    priority, same environment): the index is derived data. True if one was started."""
    with _rebuild_lock:
        proc = _rebuild["proc"]
        if proc is not None and proc.poll() is None:
            return False  # one is running
        if time.monotonic() - _rebuild["at"] < REBUILD_EVERY:
            return False
        _rebuild["at"] = time.monotonic()
        try:
            _rebuild["proc"] = subprocess.Popen(
                [sys.executable, "-m", "app", "reindex"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=(lambda: os.nice(10)) if hasattr(os, "nice") else None,
            )
        except OSError as e:  # pragma: no cover - logged; the next damaged search tries again later
            log.error("could not start a rebuild of the search index: %s", e)
            return False
        log.warning("search index damaged: rebuilding it from the database (pid %s)", _rebuild["proc"].pid)
        return True


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


@contextlib.contextmanager
def index_errors() -> Iterator[None]:
    """The search layer's errors as the web's: SearchQueryError (400, or 422 for a query too wide
    to run), SearchUnavailable (503; a damaged index is rebuilt in the background)."""
    from app.search import INDEX_DAMAGE, QueryError, QueryTooWide, SearchIndexError

    try:
        yield
    except QueryError as e:
        raise SearchQueryError(e.message, 422 if isinstance(e, QueryTooWide) else 400) from None
    except SearchIndexError as e:
        log.warning("search unavailable: %s", e)
        raise SearchUnavailable() from None
    except SQLAlchemyError:
        raise  # the database's own (app.web.limits answers those)
    except INDEX_DAMAGE:
        log.exception("search index damaged: a search failed reading it")
        schedule_rebuild()
        raise SearchUnavailable(DAMAGED) from None


def run_search(
    holder: Any,
    session: Session,
    sq: SearchQuery,
    *,
    max_query_chars: int,
    per_statement: int = 3,
    **overrides: Any,
) -> SearchResult:
    """The SearchResult for this query (overrides: page, per_page, sort, facet_limit);
    .to_json() is the object of docs/search-json.md."""
    args = {"deadline": getattr(holder, "deadline", None)} | sq.search_args() | overrides
    request = SearchRequest(
        sq.q or None, per_statement=per_statement, max_query_chars=max_query_chars, **args
    )
    with index_errors(), holder.view() as view:
        return search(view, request, session=session)


def _filter_args(sq: SearchQuery) -> dict:
    return {k: v for k, v in sq.search_args().items() if k not in ("page", "per_page", "sort")}


def run_concordance(
    holder: Any,
    session: Session,
    sq: SearchQuery,
    *,
    sort: str,
    page: int,
    per_page: int,
    max_query_chars: int,
) -> dict:
    """One page of the concordance (app.search.concordance) of sq's query under its filters."""
    from app.search.concordance import concordance

    with index_errors(), holder.view() as view:
        return concordance(
            view,
            sq.q or None,
            session=session,
            sort=sort,
            page=page,
            per_page=per_page,
            max_query_chars=max_query_chars,
            **_filter_args(sq),
        )


def run_trends(holder: Any, terms: list[str], sq: SearchQuery, *, max_query_chars: int) -> dict:
    """Paragraphs per year of each term under sq's filters (app.search.trends)."""
    from app.search.trends import trends

    with index_errors(), holder.view() as view:
        return trends(
            view,
            terms,
            max_query_chars=max_query_chars,
            deadline=getattr(holder, "deadline", None),
            **_filter_args(sq),
        )


DOWNLOAD_BUDGET = 30.0  # seconds a download's searches may take in all; then it ends where it is


def all_matches(holder: Any, session: Session, sq: SearchQuery, *, max_query_chars: int, limit: int):
    """The paragraphs the search matches, up to `limit` (app.search.service.Matches: totals,
    then the (statement, paragraph) pairs in result order, read from the database while iterating)."""
    from app.search.service import matches

    args = {k: v for k, v in sq.search_args().items() if k not in ("page", "per_page")}
    with index_errors(), holder.view() as view:  # a query too wide: 422, as on the page and in the API
        return matches(
            view, sq.q or None, session=session, max_query_chars=max_query_chars, limit=limit, **args
        )


def run_quote(holder: Any, session: Session, q: str | None, *, limit: int) -> dict:
    """The object of docs/quote-json.md (app.quote). SearchQueryError for a quote that cannot be
    looked for (400 no words, 422 too long), SearchUnavailable without a usable index."""
    from app.quote import QuoteError, find_quote
    from app.search import INDEX_DAMAGE, SearchIndexError

    try:
        with holder.view() as view:
            return find_quote(view, session, q, limit=limit, deadline=getattr(holder, "deadline", None))
    except QuoteError as e:
        raise SearchQueryError(e.message, e.status) from None
    except SearchIndexError as e:
        log.warning("quote finder unavailable: %s", e)
        raise SearchUnavailable() from None
    except SQLAlchemyError:
        raise
    except INDEX_DAMAGE:
        log.exception("search index damaged: a quote look-up failed reading it")
        schedule_rebuild()
        raise SearchUnavailable(DAMAGED) from None
