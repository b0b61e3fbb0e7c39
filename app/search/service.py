"""The search facade: search(view, SearchRequest) -> SearchResult, shared by the web pages,
the JSON API and the CLI (the object of docs/search-json.md is SearchResult.to_json()).

Two levels (see schema.py). The index holds one document per statement; a query is first
run on statements, relaxed so that it finds every statement that can hold a matching
paragraph, ranked by BM25F over the statement (planning.py, ranking.py). Which paragraphs
of a statement match the query itself is then resolved from the positions of its terms
(resolution.py), all of them or, beyond planning.RESOLVE_ALL statements or out of time, the
page's and a sample's, the figures then estimated (run.py). Facets (facets.py), did you
mean and speaker suggestions (suggestions.py); the page's rows and the JSON (results.py);
every matching paragraph for downloads (matches.py).

Each statement shows its best `per_statement` paragraphs (ranking.best_paragraphs), in
reading order, and counts the rest. Only the shown paragraphs are read from the database
(two queries per search, whatever the page size) and highlighted."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session

from app.search import facets as facet_counting
from app.search.budget import Deadline, plan
from app.search.documents import paragraph_entries
from app.search.highlight import marks_for
from app.search.matches import Matches, matches
from app.search.planning import month_years, split_filters, values
from app.search.query import filter_queries, parse_query
from app.search.ranking import SORTS, best_paragraphs
from app.search.results import SearchRequest, SearchResult, build_groups, fetch_paragraphs
from app.search.run import Run
from app.search.searcher import IndexView
from app.search.suggestions import SUGGEST_BELOW, did_you_mean, speaker_suggestions

FACET_LIMIT = facet_counting.FACET_LIMIT

__all__ = [
    "FACET_LIMIT",
    "SORTS",
    "Matches",
    "SearchRequest",
    "SearchResult",
    "matches",
    "search",
    "search_archive",
    "search_json",
    "search_once",
    "year_counts",
]


def search(view: IndexView, request: SearchRequest, *, session: Session) -> SearchResult:
    """Search the index. Raises QueryError (message for the user) for a query or a parameter
    that cannot be understood, or too wide to run (budget.plan); never returns silently empty
    for one. The clock (request.deadline) starts once this search has the view's lock
    (waiting for it is bounded by the searches before it, each by its deadline).

    Facets: a facet with values chosen is counted without its own filter (the other values it
    could add, OR within a facet), under every other filter (AND across facets). The month
    facet lists the months of the chosen years (or of the chosen months' years)."""
    sort, page, per_page, per_statement = request.checked()
    pq = parse_query(request.query, max_chars=request.max_query_chars)
    params = request.filters()
    filters = filter_queries(**params)
    months = month_years(request.year, request.month)
    main, in_query = split_filters(pq.query)
    with view.lock:  # a Whoosh searcher's files are not safe for concurrent reads
        clock = Deadline(request.deadline)
        view.postings.remember(plan(pq.query, view.reader, clock=clock))
        run = Run(view, main, filters + in_query, sort, clock=clock)
        start, stop = (page - 1) * per_page, page * per_page
        shown = run.page(start, stop)
        picks = {
            d: best_paragraphs(run.slots.get(d, []), run.weights.get(d, {}), per_statement) for d in shown
        }
        entries = view.values("paras", shown)
        pkeys = {
            (d, i): paras[i][1] for d in shown for paras in (paragraph_entries(entries[d]),) for i in picks[d]
        }
        marks = marks_for(pq.highlight, view.reader, view.postings.expand)
        facets, (total_p, total_s), cut = _figures(
            view, run, (main, in_query), params, request.facet_limit, months, clock
        )
        suggestion = (
            did_you_mean(view, pq, run.allowed, total_p, request.max_query_chars, clock)
            if total_p < SUGGEST_BELOW and not clock.late()
            else None
        )
        by_speaker = (
            speaker_suggestions(view, pq, run.allowed, values(request.speaker)) if not clock.late() else []
        )
    rows, speakers = fetch_paragraphs(session, list(pkeys.values()))
    return SearchResult(
        query=pq.text,
        total_paragraphs=total_p,
        total_statements=total_s,
        page=page,
        per_page=per_page,
        sort=sort,
        results=build_groups(shown, picks, run.slots, pkeys, rows, speakers, marks, clock),
        facets=facets,
        suggestion=suggestion,
        approximate=run.approximate or clock.cut or cut,
        speaker_suggestions=by_speaker,
    )


def _figures(view: IndexView, run: Run, query: tuple, params: dict, limit: int, months, clock: Deadline):
    """(facets, (total paragraphs, total statements), cut short) of a run, under the view's
    lock: memoised on the view unless cut short; each facet with values chosen recounted
    without its own filter (facets.disjunctive_facets); months only of the chosen years."""
    main, in_query = query
    key = ("figures", run.tree, limit, run.exact, bool(months))
    figures = view.memo(key, lambda: (run.facets(limit, bool(months)), run.totals(), clock.cut))
    if clock.cut and not figures[2]:  # a cut-short run: its figures are not worth keeping
        view.forget(key)
    counted, totals, cut = figures
    facets = dict(counted)  # the cached lists stay intact (their Facets are frozen)

    def recount(name: str, others: list):
        sub = Run(view, main, others + in_query, "relevance", clock=clock)
        return sub.facets(limit, bool(months))[name], sub.approximate

    cut = (
        facet_counting.disjunctive_facets(
            view, facets, params, (main, tuple(in_query), limit, bool(months)), clock, recount
        )
        or cut
    )
    facets["month"] = [f for f in facets.get("month", []) if f.value[:4] in months]
    return facets, totals, cut


def search_json(view: IndexView, query: str | None = None, *, session: Session, **params) -> dict:
    """search() with the request's fields as keyword arguments, as the object of docs/search-json.md."""
    return search(view, SearchRequest(query, **params), session=session).to_json()


def year_counts(
    view: IndexView,
    query: str | None,
    *,
    filters: list,
    max_query_chars: int = 1000,
    deadline: float | None = None,
    names: bool = True,
) -> tuple[dict[str, int], bool]:
    """Matching paragraphs per year ('undated' included) for a query under filter queries
    (filter_queries()), and whether the counts are estimates: the year facet of search().
    `names`: as parse_query()."""
    pq = parse_query(query, max_chars=max_query_chars, names=names)
    main, in_query = split_filters(pq.query)
    with view.lock:
        clock = Deadline(deadline)
        view.postings.remember(plan(pq.query, view.reader, clock=clock))
        run = Run(view, main, filters + in_query, "relevance", clock=clock)
        key = ("years", run.tree, run.exact)
        years, cut = view.memo(key, lambda: (run.facets(0, only=("year",))["year"], clock.cut))
        if clock.cut and not cut:
            view.forget(key)
    return {f.value: f.count for f in years}, run.approximate or clock.cut or cut


def search_archive(settings, factory, query: str | None = None, **params) -> dict:
    """search_once() as the object of docs/search-json.md."""
    return search_once(settings, factory, query, **params).to_json()


def search_once(settings, factory, query: str | None = None, **params) -> SearchResult:
    """One search on a searcher opened for it (the CLI; a server keeps a SearcherHolder)."""
    request = replace(SearchRequest(query, **params), max_query_chars=settings.max_query_chars)
    view = IndexView.open(settings.index_dir)
    try:
        with factory() as session:
            return search(view, request, session=session)
    finally:
        view.close()
