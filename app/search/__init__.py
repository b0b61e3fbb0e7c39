"""Full-text search over paragraphs (Whoosh; nothing outside this package imports whoosh).

    from app.search import SearcherHolder, SearchRequest, search, QueryError
    holder = SearcherHolder(settings.index_dir)          # once per server process
    with holder.view() as view, session_factory() as session:
        result = search(view, SearchRequest("said:lavrov Omsk", sort="newest"), session=session)

`result` is a SearchResult; result.to_json() is the object of docs/search-json.md. Module map:
docs/search-engine-internals.md. Index maintenance: update_index (after an ingest run),
rebuild_index (`archive reindex`), check_index; what to index comes from the outbox (app.outbox).
"""

from app.search.budget import QueryTooWide
from app.search.index import (
    INDEX_DAMAGE,
    CheckReport,
    IndexBusy,
    IndexMissing,
    IndexOutdated,
    IndexRun,
    SearchIndexError,
    check_index,
    index_state,
)
from app.search.query import QueryError, parse_query
from app.search.results import SearchRequest, SearchResult
from app.search.schema import SCHEMA_VERSION
from app.search.searcher import IndexView, SearcherHolder
from app.search.service import SORTS, search, search_archive, search_json, search_once
from app.search.writer import rebuild_index, update_index

__all__ = [
    "INDEX_DAMAGE",
    "SCHEMA_VERSION",
    "SORTS",
    "CheckReport",
    "IndexBusy",
    "IndexMissing",
    "IndexOutdated",
    "IndexRun",
    "IndexView",
    "QueryError",
    "QueryTooWide",
    "SearchIndexError",
    "SearchRequest",
    "SearchResult",
    "SearcherHolder",
    "check_index",
    "index_state",
    "parse_query",
    "rebuild_index",
    "search",
    "search_archive",
    "search_json",
    "search_once",
    "update_index",
]
