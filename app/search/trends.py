"""Trends: how often each of a few terms occurs per year, as matching paragraphs (a paragraph
holding the term counts once), absolute and per 10,000 paragraphs of that year under the same
filters. Each term is any query (a word, a "phrase", an OR …) and is counted as search()
counts it (its year facet: exact up to planning.RESOLVE_ALL statements, estimated beyond,
`approximate` then), in the paragraphs' text only: a statement whose title or speaker's name
holds the word, and no paragraph, is not counted (the search a point links to lists it)."""

from __future__ import annotations

from app.search.budget import QueryTooWide
from app.search.filters import filter_queries
from app.search.query import QueryError
from app.search.searcher import IndexView
from app.search.service import year_counts

MAX_TERMS = 6
PER = 10_000


def trends(
    view: IndexView,
    terms: list[str],
    *,
    max_query_chars: int = 1000,
    deadline: float | None = None,
    **filters,
) -> dict:
    """{"terms": [...], "years": [{"year", "paragraphs"}], "undated", "approximate"}: per term,
    per year from the first to the last year of the archive under the filters, its paragraphs
    and the rate per 10,000. Raises QueryError for a term that cannot be understood (naming
    it), QueryTooWide for too many terms."""
    terms = [t.strip() for t in terms if t and t.strip()]
    if not terms:
        raise QueryError("give at least one term to chart, e.g. q=sanctions&q=cooperation")
    if len(terms) > MAX_TERMS:
        raise QueryTooWide(f"too many terms: {len(terms)} given; a trends chart compares at most {MAX_TERMS}")
    fq = filter_queries(**filters)
    base, approximate = year_counts(
        view, None, filters=fq, max_query_chars=max_query_chars, deadline=deadline
    )
    years = sorted(int(y) for y in base if y.isdigit())
    span = list(range(years[0], years[-1] + 1)) if years else []
    out = []
    for term in terms:
        try:
            counts, approx = year_counts(
                view, term, filters=fq, max_query_chars=max_query_chars, deadline=deadline, names=False
            )
        except QueryError as e:
            raise type(e)(f"term '{term[:80]}': {e.message}") from None
        approximate = approximate or approx
        points = []
        for y in span:
            n, total = counts.get(str(y), 0), base.get(str(y), 0)
            points.append(
                {"year": y, "paragraphs": n, "per_10k": round(n * PER / total, 2) if total else 0.0}
            )
        out.append(
            {
                "term": term,
                "paragraphs": sum(counts.values()),
                "undated": counts.get("undated", 0),
                "years": points,
            }
        )
    return {
        "terms": out,
        "years": [{"year": y, "paragraphs": base.get(str(y), 0)} for y in span],
        "undated": base.get("undated", 0),
        "approximate": approximate,
    }
