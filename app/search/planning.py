"""Planning a search: which part of the query finds statements, which part filters them, and
how much of the paragraph resolution a search pays for (the RESOLVE_* and SAMPLE tunables,
read by run.py at each search, so that tests may lower them).

A query is first run on statements, relaxed (relax()) so that it finds every statement that
can hold a matching paragraph (a NOT of paragraph words dropped, AND across the statement);
which paragraphs match the query itself is then resolved from positions (resolution.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from whoosh import query as wq

from app.search.budget import Deadline
from app.search.filters import leaves
from app.search.ranking import Unsupported, statement_scores
from app.search.schema import PARAGRAPH_FIELDS

if TYPE_CHECKING:
    from app.search.searcher import IndexView

RESOLVE_ALL = 1500  # statements found up to which every one is resolved (exact figures)
RESOLVE_CAP = 4000  # statements resolved at most to fill a page (rare matches in common words)
RESOLVE_BUDGET = 0.15  # seconds of resolving paragraphs per search; beyond, figures are estimated
RESOLVE_CHUNK = 20  # statements resolved between two looks at the clock
SAMPLE = 200  # statements resolved, spread evenly, for the estimates beyond RESOLVE_ALL
SAMPLE_CHUNK = 25  # sample statements resolved between two looks at the clock


def values(value) -> list[str]:
    """A parameter's values (one, several or none) as stripped strings."""
    if value is None:
        return []
    if isinstance(value, (str, int)):
        value = [value]
    return [str(v).strip() for v in value if v is not None and str(v).strip()]


def split_filters(q: wq.Query) -> tuple[wq.Query, list[wq.Query]]:
    """Top-level field filters of the query (speaker:…, date:…) become cached filter sets."""
    if isinstance(q, wq.ConstantScoreQuery):
        return wq.Every(), [q.child]
    if isinstance(q, wq.And):
        filters = [s.child for s in q.subqueries if isinstance(s, wq.ConstantScoreQuery)]
        rest = [s for s in q.subqueries if not isinstance(s, wq.ConstantScoreQuery)]
        if filters:
            if not rest:
                return wq.Every(), filters
            if all(isinstance(s, wq.Not) for s in rest):
                rest.insert(0, wq.Every())
            return (rest[0] if len(rest) == 1 else wq.And(rest)), filters
    return q, []


def allowed_docs(view: IndexView, filters: list[wq.Query]) -> set[int] | None:
    """Documents all filters allow (None: no filter)."""
    if not filters:
        return None
    sets = sorted((view.filter_docs(f) for f in filters), key=len)
    out = sets[0]
    for s in sets[1:]:
        out = out & s
    return out


def candidates_scored(
    view: IndexView, relaxed: wq.Query, allowed: set[int] | None, clock: Deadline | None = None
) -> tuple[set[int], dict[int, float] | None]:
    """Statements the relaxed query finds within the filters, with their scores when they
    could be read from the postings in the same pass (else None: Whoosh scores them)."""
    if isinstance(relaxed, wq.Every) or (allowed is not None and not allowed):
        return candidates(view, relaxed, allowed), None
    try:
        scores = statement_scores(view, relaxed, allowed, clock)
    except Unsupported:
        return candidates(view, relaxed, allowed), None
    return set(scores), scores


def candidates(view: IndexView, relaxed: wq.Query, allowed: set[int] | None) -> set[int]:
    """Statements the relaxed query finds within the filters."""
    if isinstance(relaxed, wq.Every):
        return set(allowed) if allowed is not None else set(view.reader.all_doc_ids())
    if allowed is not None and not allowed:
        return set()
    docs = view.filter_docs(relaxed) if cacheable(relaxed) else set(view.searcher.docs_for_query(relaxed))
    return docs & allowed if allowed is not None else set(docs)


def cacheable(q: wq.Query) -> bool:
    return q.is_leaf() and not isinstance(q, (wq.Prefix, wq.FuzzyTerm, wq.Wildcard))


def is_positional(leaf: wq.Query) -> bool:
    return not isinstance(leaf, wq.Every) and leaf.field() in PARAGRAPH_FIELDS


def has_positional(q: wq.Query) -> bool:
    return any(is_positional(leaf) for leaf in leaves(q))


def relax(q: wq.Query) -> wq.Query:
    """A statement-level query finding every statement that may hold a paragraph matching q
    (a NOT of paragraph-level terms can only be judged per paragraph: dropped; AND then
    spans the statement)."""
    if isinstance(q, wq.Not):  # a statement-level NOT (-speaker:lavrov) is exact: kept
        return wq.Every() if has_positional(q.query) else q
    if isinstance(q, wq.ConstantScoreQuery):
        inner = relax(q.child)
        return inner if isinstance(inner, wq.Every) else wq.ConstantScoreQuery(inner, q.score)
    if isinstance(q, wq.And):
        subs = [r for r in (relax(s) for s in q.subqueries) if not isinstance(r, wq.Every)]
        if subs and all(isinstance(r, wq.Not) for r in subs):
            subs.insert(0, wq.Every())
        return wq.Every() if not subs else subs[0] if len(subs) == 1 else wq.And(subs)
    if isinstance(q, wq.Or):
        subs = [relax(s) for s in q.subqueries]
        return wq.Every() if any(isinstance(r, wq.Every) for r in subs) else wq.Or(subs)
    if isinstance(q, wq.Phrase) and not is_positional(q):
        # a title/speaker phrase (AlsoStatement): its words find the statements, the phrase
        # itself is checked when resolving (Whoosh would be asked to score it otherwise)
        return wq.And([wq.Term(q.fieldname, w) for w in q.words], boost=q.boost)
    if isinstance(q, wq.Phrase) and is_positional(q):
        # the statements holding every word: whether they stand together is resolved per
        # paragraph (reading the positions of every statement holding the words to find the
        # phrase at the statement level cost ~1 s at 1.5M paragraphs). Whoosh scores a phrase
        # as the sum of its words' scores, so the ranking is unchanged.
        return wq.And([wq.Term(q.fieldname, w, boost=q.boost) for w in q.words])
    return q


def statement_exact(q: wq.Query) -> bool:
    """Does every statement the relaxed query finds hold a paragraph matching q? True for
    one paragraph-level leaf (word, phrase, prefix, said:…) under statement filters, and for
    an OR of such."""
    if isinstance(q, wq.ConstantScoreQuery):
        return statement_exact(q.child)
    if isinstance(q, wq.Not):
        return not has_positional(q.query)
    if isinstance(q, wq.Or):
        return all(statement_exact(s) for s in q.subqueries)
    if isinstance(q, wq.And):
        positional = [s for s in q.subqueries if has_positional(s)]
        return len(positional) <= 1 and all(statement_exact(s) for s in positional)
    if isinstance(q, wq.Phrase):  # relaxed to its words (see relax)
        return not is_positional(q) or len(q.words) <= 1
    return True


def month_years(year, month) -> set[str]:
    """The years whose months the month facet lists: the one chosen year, or the chosen months' years."""
    years = [y for y in values(year) if y.isdigit()]
    return set(years[:1] if len(years) == 1 else []) | {m[:4] for m in values(month)}
