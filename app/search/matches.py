"""The paragraphs a search matches, for downloads and the concordance: every one (up to a
limit) in result order, read from the database a batch at a time."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from app.captured import captured_date, page_clocks
from app.search import budget, planning
from app.search.documents import paragraph_entries
from app.search.planning import split_filters
from app.search.query import filter_queries, parse_query
from app.search.results import check_sort, fetch_paragraphs, statement_fields, turn_speaker
from app.search.run import Run
from app.urls import paragraph_path

if TYPE_CHECKING:
    from app.search.searcher import IndexView


@dataclass
class Matches:
    """The paragraphs a search matches, for downloads: in result order (statements by the
    search's sort, paragraphs in reading order), read from the database a batch at a time
    while iterating, at most `limit` of them. `total_paragraphs` is exact unless the search
    holds more than `limit` (then `exact` is false and it is search()'s estimate, or more)."""

    query: str  # the query as understood (search()'s "query")
    total_paragraphs: int
    total_statements: int
    exact: bool
    plan: list[tuple[int, list[str]]]  # (statement docnum, its matching paragraph keys), in result order
    session: Session

    @property
    def truncated(self) -> bool:
        return sum(len(keys) for _d, keys in self.plan) < self.total_paragraphs

    def __iter__(self) -> Iterator[tuple[dict, dict]]:
        """(statement, paragraph) pairs; the paragraph with its full `text` (no snippet: highlighting
        took 70% of a download's time, and the text is all there)."""
        batch: list[str] = []
        for _docnum, pkeys in self.plan:
            batch += pkeys
            if len(batch) >= MATCH_BATCH:
                yield from self._read(batch)
                batch = []
        yield from self._read(batch)

    def _read(self, pkeys: list[str]) -> Iterator[tuple[dict, dict]]:
        rows, speakers = fetch_paragraphs(self.session, pkeys)
        clocks = page_clocks(self.session, {r.statement_key for r in rows.values() if r.captured_at is None})
        statements: dict[int, dict] = {}
        for key in pkeys:
            row = rows.get(key)
            if row is None:  # deleted from the database since the index was written
                continue
            sole = speakers.get(row.statement_id, [])
            turn = turn_speaker(row, sole)
            statement = statements.get(row.statement_id)
            if statement is None:
                captured = captured_date(row.captured_at, clocks.get(row.statement_key))
                statement = statements[row.statement_id] = statement_fields(row, sole) | {
                    "original_url": row.original_url,
                    "publisher": row.publisher,
                    "captured": captured.isoformat() if captured else None,
                }
            yield (
                statement,
                {
                    "key": row.key,
                    "n": row.n,
                    "speaker": turn,
                    "label": row.label,
                    "text": row.text,
                    "url": paragraph_path(row.key),
                },
            )


MATCH_BATCH = 500


def matches(
    view: IndexView,
    query: str | None = None,
    *,
    session: Session,
    sort: str = "relevance",
    max_query_chars: int = 1000,
    limit: int = 50_000,
    names: bool = True,
    **filters,
) -> Matches:
    """The paragraphs search() counts for this query and filters (its keyword arguments,
    without paging), up to `limit`, in search()'s order. Statements are resolved in result
    order, without the page's time budget, a chunk per hold of the searcher's lock, until
    `limit` paragraphs are planned. Raises QueryError as search() does. `names`: as parse_query()."""
    sort = check_sort(sort)
    pq = parse_query(query, max_chars=max_query_chars, names=names)
    main, in_query = split_filters(pq.query)
    with view.lock:
        # a query too wide to run is refused here too
        view.postings.remember(budget.plan(pq.query, view.reader))
        run = Run(view, main, filter_queries(**filters) + in_query, sort, budget=float("inf"))
        resolved_all = run.exact
        run.exact = True  # rank every statement found (the order does not depend on resolving)
        order = run.ranked(len(run.found))
    plan: list[tuple[int, list[str]]] = []
    planned = statements = 0
    for i in range(0, len(order), planning.RESOLVE_CHUNK):
        chunk = order[i : i + planning.RESOLVE_CHUNK]
        if run.positional:
            with view.lock:
                run._resolve(chunk)
        entries = view.values("paras", chunk)
        for d in chunk:
            slots = run.slots.get(d, []) if run.positional else range(run.counts[d])
            paras = paragraph_entries(entries[d])
            keys = [paras[k][1] for k in slots if k < len(paras)]
            if not keys:
                continue
            statements += 1
            keep = keys[: max(0, limit - planned)]
            if keep:
                plan.append((d, keep))
                planned += len(keep)
            if len(keep) < len(keys):  # over the limit: the rest is counted as search() counts it
                return _over_limit(view, run, resolved_all, pq.text, plan, session, limit)
    return Matches(  # (alike in shape to service.search's SearchResult: another record)
        query=pq.text,
        total_paragraphs=planned,
        total_statements=statements,
        exact=True,
        plan=plan,
        session=session,
    )


def _over_limit(view, run: Run, resolved_all: bool, query: str, plan, session, limit: int) -> Matches:
    exact = not run.positional or resolved_all
    with view.lock:
        run.exact = exact
        total_p, total_s = run.totals()
    return Matches(
        query=query,
        total_paragraphs=max(total_p, limit + 1),
        total_statements=total_s,
        exact=exact,
        plan=plan,
        session=session,
    )
