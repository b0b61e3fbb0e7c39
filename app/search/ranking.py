"""Ranking, in one place: the BM25F weighting of statements, the score of a relaxed query per
statement, the order of the statements found, and which paragraphs of a statement are shown.

- Weighting: BM25F over whole statements with weak length normalisation (B=0.3), so that a
  statement dwelling on a subject (many paragraphs about it) outranks a short one that
  mentions it once. The searcher is opened with it (searcher.py); the engine's postings
  (engine/postings.py) compute each term's scores with its scorer.
- Statement scores (statement_scores): the sum over the matching leaves of their BM25F, as
  Whoosh's matchers would add them, read from the decoded postings in one pass. A prefix or
  fuzzy word scores the sum of the words it stands for (Whoosh does so above 5,000
  statements; below, it scored 1.0).
- Order (order_statements): relevance (score, then newer, then docnum), newest or oldest
  (undated last).
- Shown paragraphs (best_paragraphs): the `per_statement` paragraphs holding most query
  terms (ties: the earlier), in reading order."""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING

from whoosh import query as wq
from whoosh import scoring

if TYPE_CHECKING:
    from app.search.searcher import IndexView

WEIGHTING = scoring.BM25F(B=0.3)
SORTS = ("relevance", "newest", "oldest")


class Unsupported(Exception):
    """A query node statement_scores() does not score (the caller lets Whoosh score the query)."""


def order_statements(
    view: IndexView,
    found: set[int],
    sort: str,
    relaxed: wq.Query,
    scores: dict[int, float] | None,
    limit: int | None,
) -> list[int]:
    """The statements found in result order; for relevance with a `limit`, only the top
    `limit` (and whatever ties the last of them) are sorted. `scores`: read from the postings
    (None: Whoosh scores the statements)."""
    dates = view.column("date")
    if sort == "newest":
        return sorted(found, key=lambda d: (dates[d] == 0, -dates[d], d))
    if sort == "oldest":
        return sorted(found, key=lambda d: (dates[d] == 0, dates[d], d))
    own = scores
    if isinstance(relaxed, wq.Every):
        own = dict.fromkeys(found, 1.0)
    elif own is None:
        own = _whoosh_scores(view, relaxed, found, limit)
    key = lambda d: (-own[d], -dates[d], d)  # noqa: E731
    if limit is not None and limit * 4 < len(own):
        # the top only: the limit-th best score, then whatever scores at least that
        # (ties included) in full order
        floor = heapq.nlargest(limit, own.values())[-1]
        return sorted((d for d, s in own.items() if s >= floor), key=key)[:limit]
    return sorted(found if own is scores else own, key=key)


def _whoosh_scores(
    view: IndexView, relaxed: wq.Query, found: set[int], limit: int | None
) -> dict[int, float]:
    if not found:  # (an empty filter set would mean no filter to Whoosh)
        return {}
    results = view.searcher.search(relaxed, limit=limit, filter=found)
    return {docnum: float(score) for score, docnum in results.top_n}


def best_paragraphs(slots: list[int], weights: dict[int, int], k: int) -> list[int]:
    """The k slots that match most query terms (ties: the earlier), in reading order."""
    return sorted(sorted(slots, key=lambda i: (-weights.get(i, 0), i))[:k])


# -- statement scores from the postings -------------------------------------------------------


def statement_scores(view: IndexView, q: wq.Query, allowed, clock=None) -> dict[int, float]:
    """Statements matching the (relaxed) query within `allowed` (None: all), with the score
    Whoosh would give them (sum over the matching leaves of BM25F). Past the clock's deadline
    (budget.Deadline) an OR and a prefix/fuzzy word stop adding parts: fewer statements are
    found, and the clock says so (clock.cut). Raises Unsupported for a node it cannot score
    (the caller lets Whoosh score the query)."""
    return _Scorer(view, clock).ev(q, allowed)


class _Scorer:
    def __init__(self, view: IndexView, clock):
        self.view, self.postings, self.clock = view, view.postings, clock

    def late(self) -> bool:
        return self.clock is not None and self.clock.check()

    def ev(self, q: wq.Query, allowed) -> dict[int, float]:
        boost = getattr(q, "boost", 1.0)
        if isinstance(q, wq.Term):
            out = self.term(q.fieldname, q.text, allowed)
        elif isinstance(q, (wq.Prefix, wq.FuzzyTerm, wq.Wildcard)):
            # the sum of the BM25F of the words it stands for (what Whoosh does for an index
            # of more than 5,000 documents; below that it scores each statement 1.0)
            out = {}
            for i, text in enumerate(self.postings.expand(q)):
                if i and self.late():
                    break
                for d, s in self.term(q.fieldname, text, allowed).items():
                    out[d] = out.get(d, 0.0) + s
            return out
        elif isinstance(q, wq.And):
            out = self.conjunction(q, allowed)
        elif isinstance(q, wq.Or):
            out = {}
            for i, sub in enumerate(q.subqueries):
                if i and self.late():
                    break
                for d, s in self.ev(sub, allowed).items():
                    out[d] = out.get(d, 0.0) + s
        elif isinstance(q, wq.ConstantScoreQuery):
            docs = self.view.filter_docs(q.child)
            if allowed is not None:
                docs = docs & allowed if isinstance(allowed, set) else [d for d in allowed if d in docs]
            return dict.fromkeys(docs, q.score)
        elif isinstance(q, wq.Every):
            return self.every(allowed)
        else:
            raise Unsupported(type(q).__name__)
        if boost != 1.0:
            out = {d: s * boost for d, s in out.items()}
        return out

    def conjunction(self, q: wq.And, allowed) -> dict[int, float]:
        pos = [s for s in q.subqueries if not isinstance(s, wq.Not)]
        neg = [s.query for s in q.subqueries if isinstance(s, wq.Not)]
        out = None
        scope = allowed
        for sub in pos:
            got = self.every(scope) if isinstance(sub, wq.Every) else self.ev(sub, scope)
            out = got if out is None else {d: s + got[d] for d, s in out.items() if d in got}
            if not out:
                return {}
            scope = out.keys()
        if out is None:
            raise Unsupported("an AND of NOTs only")
        for sub, nboost in zip(neg, (s.boost for s in q.subqueries if isinstance(s, wq.Not)), strict=True):
            drop = self.ev(sub, scope)
            # (Whoosh intersects with an inverse matcher that scores its boost)
            out = {d: s + nboost for d, s in out.items() if d not in drop}
        return out

    def every(self, allowed) -> dict[int, float]:
        if allowed is None:
            return dict.fromkeys(self.view.reader.all_doc_ids(), 1.0)
        return dict.fromkeys(allowed, 1.0)

    def term(self, fieldname: str, text, allowed) -> dict[int, float]:
        tp, scores = self.postings.scores(fieldname, text)
        if scores is None:
            return {}
        if allowed is None:
            return dict(zip(tp.ids, scores, strict=True))
        if len(allowed) * 8 < len(tp):
            out = {}
            index = tp.index
            for d in allowed:
                i = index(d)
                if i >= 0:
                    out[d] = scores[i]
            return out
        if not isinstance(allowed, (set, frozenset, dict)) and not hasattr(allowed, "isdisjoint"):
            allowed = set(allowed)
        return {d: s for d, s in zip(tp.ids, scores, strict=True) if d in allowed}
