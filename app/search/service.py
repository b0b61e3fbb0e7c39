"""search(): a query and filters in, the object of docs/search-json.md out (a plain dict).

Two levels (see schema.py). The index holds one document per statement; a query is first
run on statements, relaxed so that it finds every statement that can hold a matching
paragraph (NOT dropped, AND across the statement), ranked by BM25 over the statement.
Which paragraphs of a statement match the query itself (AND, NOT, phrases, said:,
label:, questions within one paragraph) is then resolved from the positions of its terms.

- When the relaxed query finds at most RESOLVE_ALL statements, all are resolved: totals,
  facets (counting matching paragraphs) and paging are exact, as with one document per
  paragraph.
- Beyond that, only the statements of the page (and those ranked before it) are resolved,
  plus an even sample of SAMPLE statements found; `total_statements` is exact when every
  statement found holds a matching paragraph (a query of one word, phrase or OR of them,
  with statement filters), else estimated from the sample; `total_paragraphs` and facet
  counts are estimated from the matching paragraphs per statement of the sample;
  `approximate` is true ("about N results").
- A query of statement filters only (speaker:, kind:, date:, …) matches every paragraph of
  the statements found: exact at any size, no positions read.
- Time budget: resolving paragraphs stops after RESOLVE_BUDGET seconds (counted once the
  statements are found); figures are then estimated as beyond RESOLVE_ALL, `approximate`
  is true, and a page is never left empty for lack of time (it may be short, as at
  RESOLVE_CAP).

The statement level is read straight from the postings (postings.py): each term decoded
once per searcher, statements and BM25F scores in one pass (the scores Whoosh gives). A
phrase is relaxed to the AND of its words there (Whoosh scores a phrase as the sum of its
words, so the ranking is the same) and found per paragraph when resolving; a phrase is
therefore no longer counted exactly at the statement level beyond RESOLVE_ALL statements.
A prefix or fuzzy word scores the sum of the BM25F of the words it stands for (Whoosh does
so above 5,000 statements; below, it scored 1.0).

Each statement shows its best `per_statement` paragraphs (most query terms; ties: the
earlier), in reading order, and counts the rest. Only the shown paragraphs are read from
the database (two queries per search, whatever the page size) and highlighted."""
from __future__ import annotations

import heapq
import time
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html import escape
from itertools import chain

from sqlalchemy import select
from sqlalchemy.orm import Session
from whoosh import query as wq

from app.captured import captured_date, page_clocks
from app.models import Paragraph, Speaker, Statement, StatementSpeaker, Venue
from app.search import budget
from app.search.budget import Deadline, plan
from app.search.documents import paragraph_entries
from app.search.filters import TEXT, AlsoStatement, tokens
from app.search.highlight import marks_for, snippet
from app.search.postings import Unsupported
from app.search.query import ParsedQuery, QueryError, filter_queries, parse_query
from app.search.schema import PARAGRAPH_FIELDS, STRIDE, fold_name
from app.search.searcher import IndexView
from app.urls import paragraph_path, statement_path

SORTS = ("relevance", "newest", "oldest")
MAX_PER_PAGE = 100
MAX_PER_STATEMENT = 20
FACET_LIMIT = 30          # speaker, venue and topic facets list the most frequent values
SUGGEST_BELOW = 3         # "did you mean" when a query finds fewer paragraphs than this
FACETS = ("speaker", "year", "kind", "venue", "topic", "month")
RESOLVE_ALL = 1500        # statements found up to which every one is resolved (exact figures)
RESOLVE_CAP = 4000        # statements resolved at most to fill a page (rare matches in common words)
RESOLVE_BUDGET = 0.15     # seconds of resolving paragraphs per search; beyond, figures are estimated
RESOLVE_CHUNK = 20        # statements resolved between two looks at the clock
SAMPLE = 200              # statements resolved, spread evenly, for the estimates beyond RESOLVE_ALL
SAMPLE_CHUNK = 25         # sample statements resolved between two looks at the clock
SUGGEST_MAX_WORDS = 4     # "did you mean" looks up at most this many unknown words
SUGGEST_MAX_CHARS = 24    # ... of at most this many letters (edit distance grows with length)


def search(view: IndexView, query: str | None = None, *, session: Session,
           speaker: str | Iterable[str] | None = None, said: str | Iterable[str] | None = None,
           kind: str | Iterable[str] | None = None, venue: str | Iterable[str] | None = None,
           topic: str | Iterable[str] | None = None, year: str | int | Iterable | None = None,
           month: str | Iterable[str] | None = None,
           date_from=None, date_to=None, questions: str | None = None, sort: str = "relevance",
           page: int = 1, per_page: int = 20, per_statement: int = 3, max_query_chars: int = 1000,
           facet_limit: int = FACET_LIMIT, deadline: float | None = None) -> dict:
    """Search the index. Raises QueryError (message for the user) for a query or a parameter
    that cannot be understood, or too wide to run (budget.plan); never returns silently empty
    for one. `deadline`: seconds of index work (budget.SEARCH_DEADLINE), after which the
    result is returned as it stands, `approximate`. The clock starts once this search has the
    view's lock (waiting for it is bounded by the searches before it, each by its deadline).

    Facets: a facet with values chosen is counted without its own filter (the other values it
    could add, OR within a facet), under every other filter (AND across facets). The month
    facet lists the months of the chosen years (or of the chosen months' years)."""
    sort = sort or "relevance"
    if sort not in SORTS:
        raise QueryError(f"sort must be one of {', '.join(SORTS)}, not '{sort}'")
    page, per_page = _int(page, "page", 1), min(_int(per_page, "per_page", 1), MAX_PER_PAGE)
    per_statement = min(_int(per_statement, "per_statement", 1), MAX_PER_STATEMENT)
    pq = parse_query(query, max_chars=max_query_chars)
    params = {"speaker": speaker, "said": said, "kind": kind, "venue": venue, "topic": topic, "year": year,
              "month": month, "date_from": date_from, "date_to": date_to, "questions": questions}
    filters = filter_queries(**params)
    month_years = _month_years(year, month)
    main, in_query = split_filters(pq.query)
    with view.lock:  # a Whoosh searcher's files are not safe for concurrent reads
        clock = Deadline(deadline)
        view.postings.remember(plan(pq.query, view.reader, clock=clock))
        run = _Run(view, main, filters + in_query, sort, clock=clock)
        start, stop = (page - 1) * per_page, page * per_page
        shown = run.page(start, stop)
        picks = {d: _best(run.slots.get(d, []), run.weights.get(d, {}), per_statement) for d in shown}
        entries = view.values("paras", shown)
        skeys = view.values("skey", shown)
        pkeys = {(d, i): entry[1] for d in shown
                 for i, entry in ((i, paragraph_entries(entries[d])[i]) for i in picks[d])}
        marks = marks_for(pq.highlight, view.reader, view.postings.expand)
        key = ("figures", run.tree, facet_limit, run.exact, bool(month_years))
        figures = view.memo(key, lambda: (run.facets(facet_limit, bool(month_years)), run.totals(), clock.cut))
        if clock.cut and not figures[2]:  # a cut-short run: its figures are not worth keeping
            view.forget(key)
        facets, (total_p, total_s), cut = figures
        facets = {name: [dict(v) for v in values] for name, values in facets.items()}  # the cache's stay intact
        cut = _disjunctive_facets(view, facets, main, in_query, params, facet_limit, month_years, clock) or cut
        facets["month"] = [f for f in facets.get("month", []) if f["value"][:4] in month_years]
        suggestion = (_suggest(view, pq, run.allowed, total_p, max_query_chars, clock)
                      if total_p < SUGGEST_BELOW and not clock.late() else None)
        by_speaker = _speaker_suggestions(view, pq, run.allowed, _values(speaker)) if not clock.late() else []
    rows, speakers = _fetch(session, list(pkeys.values()))
    return {
        "query": pq.text, "total_paragraphs": total_p, "total_statements": total_s,
        "page": page, "per_page": per_page, "sort": sort,
        "results": _results(shown, picks, run.slots, skeys, pkeys, rows, speakers, marks, clock),
        "facets": facets, "suggestion": suggestion, "approximate": run.approximate or clock.cut or cut,
        "speaker_suggestions": by_speaker,
    }


FILTERED_FACETS = ("speaker", "year", "kind", "venue", "topic", "month")  # facets whose values are search parameters


def _values(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (str, int)):
        value = [value]
    return [str(v).strip() for v in value if v is not None and str(v).strip()]


def _month_years(year, month) -> set[str]:
    """The years whose months the month facet lists: the one chosen year, or the chosen months' years."""
    years = [y for y in _values(year) if y.isdigit()]
    return set(years[:1] if len(years) == 1 else []) | {m[:4] for m in _values(month)}


def _disjunctive_facets(view: IndexView, facets: dict, main: wq.Query, in_query: list[wq.Query], params: dict,
                        limit: int, month_years: set[str], clock: Deadline) -> bool:
    """Recount each facet that has values chosen without its own filter (in place). True when
    a recount is an estimate, or one was left as it was for lack of time (the result is then
    approximate)."""
    estimated = False
    for name in FILTERED_FACETS:
        if not _values(params.get(name)):
            continue
        if clock.late():
            return True
        others = filter_queries(**{k: v for k, v in params.items() if k != name})
        key = ("facet", name, main, tuple(others + in_query), limit, bool(month_years))

        def count(others=others, name=name):
            sub = _Run(view, main, others + in_query, "relevance", clock=clock)
            return sub.facets(limit, bool(month_years))[name], sub.approximate

        values, approximate = view.memo(key, count)
        if clock.cut:  # cut short: not worth keeping
            view.forget(key)
        facets[name] = [dict(v) for v in values]
        estimated = estimated or approximate
    return estimated


@dataclass
class Matches:
    """The paragraphs a search matches, for downloads: in result order (statements by the
    search's sort, paragraphs in reading order), read from the database a batch at a time
    while iterating, at most `limit` of them. `total_paragraphs` is exact unless the search
    holds more than `limit` (then `exact` is false and it is search()'s estimate, or more)."""

    query: str                            # the query as understood (search()'s "query")
    total_paragraphs: int
    total_statements: int
    exact: bool
    plan: list[tuple[int, list[str]]]     # (statement docnum, its matching paragraph keys), in result order
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
        rows, speakers = _fetch(self.session, pkeys)
        clocks = page_clocks(self.session, {r.statement_key for r in rows.values() if r.captured_at is None})
        statements: dict[int, dict] = {}
        for key in pkeys:
            row = rows.get(key)
            if row is None:  # deleted from the database since the index was written
                continue
            sole = speakers.get(row.statement_id, [])
            turn = row.turn_name or row.speaker_name or (sole[0][0] if len(sole) == 1 and not row.label else None)
            statement = statements.get(row.statement_id)
            if statement is None:
                captured = captured_date(row.captured_at, clocks.get(row.statement_key))
                statement = statements[row.statement_id] = _statement(row, sole) | {
                    "original_url": row.original_url, "publisher": row.publisher,
                    "captured": captured.isoformat() if captured else None}
            yield statement, {"key": row.key, "n": row.n, "speaker": turn, "label": row.label,
                                          "text": row.text, "url": paragraph_path(row.key)}


MATCH_BATCH = 500


def matches(view: IndexView, query: str | None = None, *, session: Session, sort: str = "relevance",
            max_query_chars: int = 1000, limit: int = 50_000, names: bool = True, **filters) -> Matches:
    """The paragraphs search() counts for this query and filters (its keyword arguments,
    without paging), up to `limit`, in search()'s order. Statements are resolved in result
    order, without the page's time budget, a chunk per hold of the searcher's lock, until
    `limit` paragraphs are planned. Raises QueryError as search() does. `names`: as parse_query()."""
    sort = sort or "relevance"
    if sort not in SORTS:
        raise QueryError(f"sort must be one of {', '.join(SORTS)}, not '{sort}'")
    pq = parse_query(query, max_chars=max_query_chars, names=names)
    main, in_query = split_filters(pq.query)
    with view.lock:
        view.postings.remember(budget.plan(pq.query, view.reader))  # a query too wide to run is refused here too
        run = _Run(view, main, filter_queries(**filters) + in_query, sort, budget=float("inf"))
        resolved_all = run.exact
        run.exact = True  # rank every statement found (the order does not depend on resolving)
        order = run.ranked(len(run.found))
    plan: list[tuple[int, list[str]]] = []
    planned = statements = 0
    for i in range(0, len(order), RESOLVE_CHUNK):
        chunk = order[i:i + RESOLVE_CHUNK]
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
            keep = keys[:max(0, limit - planned)]
            if keep:
                plan.append((d, keep))
                planned += len(keep)
            if len(keep) < len(keys):  # over the limit: the rest is counted as search() counts it
                return _over_limit(view, run, resolved_all, pq.text, plan, session, limit)
    return Matches(query=pq.text, total_paragraphs=planned, total_statements=statements, exact=True,
                   plan=plan, session=session)


def _over_limit(view, run: _Run, resolved_all: bool, query: str, plan, session, limit: int) -> Matches:
    with view.lock:
        if not run.positional or resolved_all:
            run.exact = True
            total_p, total_s = run.totals()
            exact = True
        else:
            run.exact = False
            total_p, total_s = run.totals()
            exact = False
    return Matches(query=query, total_paragraphs=max(total_p, limit + 1), total_statements=total_s, exact=exact,
                   plan=plan, session=session)


class _Run:
    """One search: the statements found, ranked; the paragraphs resolved so far."""

    def __init__(self, view: IndexView, main: wq.Query, filters: list[wq.Query], sort: str,
                 budget: float | None = None, clock: Deadline | None = None):
        self.view, self.sort = view, sort
        self.clock = clock = clock or Deadline()
        self.allowed = _allowed(view, filters)
        self.tree = main if not filters else wq.And([main, *filters]) if not isinstance(main, wq.Every) \
            else (filters[0] if len(filters) == 1 else wq.And(filters))
        self.positional = _has_positional(self.tree)
        self.relaxed = _relax(main)
        self.counts = view.column("count")
        # statement docnums found (unordered) and, when read from the postings, their scores
        self.found, self._scores = _candidates_scored(view, self.relaxed, self.allowed, clock)
        # the clock for resolving paragraphs starts now (the terms are read and decoded),
        # within the search's deadline
        self.deadline = min(time.perf_counter() + (RESOLVE_BUDGET if budget is None else budget), clock.soft)
        # every statement found holds a match: counting statements needs no resolution
        self.statement_exact = not self.positional or _statement_exact(self.tree)
        self.exact = not self.positional or len(self.found) <= RESOLVE_ALL
        self.slots: dict[int, list[int]] = {}          # docnum -> matching paragraph slots
        self.weights: dict[int, dict[int, int]] = {}   # docnum -> slot -> query terms matched
        self._ranked: list[int] | None = None
        self._resolved_upto = 0
        self._sampled: list[int] | None = None
        if self.positional and self.exact:
            if self._resolve_within(sorted(self.found)):
                self.found = {d for d in self.found if self.slots.get(d)}
            else:  # out of time: estimated as beyond RESOLVE_ALL (what is resolved is kept)
                self.exact = False
        self.approximate = not self.exact

    # -- ranking ----------------------------------------------------------------------------

    def ranked(self, upto: int) -> list[int]:
        """The statements found in result order, at least the first `upto` (all when exact)."""
        if self._ranked is not None and (len(self._ranked) >= upto or len(self._ranked) == len(self.found)):
            return self._ranked
        dates = self.view.column("date")
        if self.sort == "relevance":
            limit = None if self.exact else min(len(self.found), max(upto * 2, 200))
            if isinstance(self.relaxed, wq.Every):
                scores = dict.fromkeys(self.found, 1.0)
            elif self._scores is not None:
                scores = self._scores
            else:
                scores = self._score(limit)
            key = lambda d: (-scores[d], -dates[d], d)  # noqa: E731
            if limit is not None and limit * 4 < len(scores):
                # the top only: the limit-th best score, then whatever scores at least that
                # (ties included) in full order
                floor = heapq.nlargest(limit, scores.values())[-1]
                order = sorted((d for d, s in scores.items() if s >= floor), key=key)[:limit]
            else:
                order = sorted(self.found if scores is self._scores else scores, key=key)
        elif self.sort == "newest":
            order = sorted(self.found, key=lambda d: (dates[d] == 0, -dates[d], d))
        else:
            order = sorted(self.found, key=lambda d: (dates[d] == 0, dates[d], d))
        self._ranked = order
        return order

    def _score(self, limit: int | None) -> dict[int, float]:
        if not self.found:  # (an empty filter set would mean no filter to Whoosh)
            return {}
        results = self.view.searcher.search(self.relaxed, limit=limit, filter=self.found)
        return {docnum: float(score) for score, docnum in results.top_n}

    def page(self, start: int, stop: int) -> list[int]:
        """Docnums of the statements of this page (each with at least one matching paragraph)."""
        if self.exact:
            order = self.ranked(stop)
            shown = order[start:stop]
            if not self.positional:
                for d in shown:
                    self.slots[d] = list(range(self.counts[d]))
            return shown
        want = stop
        while True:
            order = self.ranked(want)
            if self.statement_exact:  # every statement found matches: resolve the page only
                shown = order[start:stop]
                self._resolve(shown)
                return shown
            upto = min(len(order), want + per_page_slack(stop - start))
            matched = [d for d in order[:self._resolved_upto] if self.slots.get(d)]
            while self._resolved_upto < upto and len(matched) < stop:
                if self.late() and (len(matched) > start or self.clock.past_hard()):
                    break  # out of time, the page not empty (or out of all the time there is)
                chunk = order[self._resolved_upto:self._resolved_upto + RESOLVE_CHUNK]
                self._resolve(chunk)
                self._resolved_upto += len(chunk)
                matched += [d for d in chunk if self.slots.get(d)]
            if len(matched) >= stop or self._resolved_upto >= min(len(self.found), RESOLVE_CAP) \
                    or (self.late() and (len(matched) > start or self.clock.past_hard())):
                # short when out of statements, of RESOLVE_CAP or of time: estimated figures
                return matched[start:stop]
            want = upto * 2

    def late(self) -> bool:
        if time.perf_counter() > self.deadline:
            self.clock.cut = self.clock.cut or self.clock.late()
            return True
        return False

    def _resolve_within(self, docs: list[int]) -> bool:
        """Resolve docs, a chunk at a time, while the time budget lasts; True if all were."""
        for i in range(0, len(docs), RESOLVE_CHUNK):
            if i and self.late():
                return False
            self._resolve(docs[i:i + RESOLVE_CHUNK])
        return True

    def _resolve(self, docs: list[int]) -> None:
        """Resolve docs; past the hard deadline the rest are left unresolved (shown without
        paragraphs, left out of the figures: the result is approximate)."""
        todo = sorted(d for d in docs if d not in self.slots)
        if todo:
            slots, weights = _resolve(self.view, self.tree, todo, self.counts, self.clock)
            self.slots.update(slots)
            self.weights.update(weights)

    # -- figures ----------------------------------------------------------------------------

    def _sample(self) -> list[int]:
        """An even sample of the statements found (by docnum), resolved for the estimates."""
        if self._sampled is None:
            found = sorted(self.found)
            step = max(1, len(found) // SAMPLE)
            sample = found[::step][:SAMPLE]
            done = 0
            for i in range(0, len(sample), SAMPLE_CHUNK):  # a smaller sample when out of time
                if i and self.clock.check():
                    break
                self._resolve(sample[i:i + SAMPLE_CHUNK])
                done = i + SAMPLE_CHUNK
            self._sampled = [d for d in sample[:done] if d in self.slots] or sample[:0]
        return self._sampled

    def _per_statement(self) -> float:
        """Matching paragraphs per statement found (estimated from the sample)."""
        sample = self._sample()
        return sum(len(self.slots.get(d, ())) for d in sample) / len(sample) if sample else 0.0

    def totals(self) -> tuple[int, int]:
        if not self.positional:
            return sum(self.counts[d] for d in self.found), len(self.found)
        if self.exact:
            return sum(len(self.slots.get(d, ())) for d in self.found), len(self.found)
        sample = self._sample()
        matched = sum(1 for d in sample if self.slots.get(d))
        if not sample:
            return 0, 0
        statements = len(self.found) if self.statement_exact else round(len(self.found) * matched / len(sample))
        return round(len(self.found) * self._per_statement()), statements

    def facets(self, limit: int, months: bool = False, only: tuple[str, ...] | None = None) -> dict[str, list[dict]]:
        if not self.positional:
            weight = self.counts
            return facet_counts(self.view, self.found, weight.__getitem__, limit, months=months, only=only)
        if self.exact:
            return facet_counts(self.view, self.found, lambda d: len(self.slots.get(d, ())), limit, months=months,
                                only=only)
        scale = self._per_statement()
        return facet_counts(self.view, self.found, None, limit, scale, months=months, only=only)


def per_page_slack(n: int) -> int:
    return n + 10


def _best(slots: list[int], weights: dict[int, int], k: int) -> list[int]:
    """The k slots that match most query terms (ties: the earlier), in reading order."""
    return sorted(sorted(slots, key=lambda i: (-weights.get(i, 0), i))[:k])


def _int(value, name: str, minimum: int) -> int:
    try:
        return max(int(value), minimum)
    except (TypeError, ValueError):
        raise QueryError(f"{name} must be a whole number, not '{value}'") from None


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


def _allowed(view: IndexView, filters: list[wq.Query]) -> set[int] | None:
    """Documents all filters allow (None: no filter)."""
    if not filters:
        return None
    sets = sorted((view.filter_docs(f) for f in filters), key=len)
    out = sets[0]
    for s in sets[1:]:
        out = out & s
    return out


def _candidates_scored(view: IndexView, relaxed: wq.Query, allowed: set[int] | None, clock: Deadline | None = None
                       ) -> tuple[set[int], dict[int, float] | None]:
    """Statements the relaxed query finds within the filters, with their scores when they
    could be read from the postings in the same pass (else None: Whoosh scores them)."""
    if isinstance(relaxed, wq.Every) or (allowed is not None and not allowed):
        return _candidates(view, relaxed, allowed), None
    try:
        scores = view.postings.evaluate(relaxed, allowed, clock)
    except Unsupported:
        return _candidates(view, relaxed, allowed), None
    return set(scores), scores


def _candidates(view: IndexView, relaxed: wq.Query, allowed: set[int] | None) -> set[int]:
    """Statements the relaxed query finds within the filters."""
    if isinstance(relaxed, wq.Every):
        return set(allowed) if allowed is not None else set(view.reader.all_doc_ids())
    if allowed is not None and not allowed:
        return set()
    docs = view.filter_docs(relaxed) if _cacheable(relaxed) else set(view.searcher.docs_for_query(relaxed))
    return docs & allowed if allowed is not None else set(docs)


def _cacheable(q: wq.Query) -> bool:
    return q.is_leaf() and not isinstance(q, (wq.Prefix, wq.FuzzyTerm, wq.Wildcard))


def _leaves(q: wq.Query) -> Iterable[wq.Query]:
    if isinstance(q, wq.ConstantScoreQuery):
        yield from _leaves(q.child)
    elif isinstance(q, (wq.And, wq.Or)):
        for sub in q.subqueries:
            yield from _leaves(sub)
    elif isinstance(q, wq.Not):
        yield from _leaves(q.query)
    else:
        yield q


def _is_positional(leaf: wq.Query) -> bool:
    return not isinstance(leaf, wq.Every) and leaf.field() in PARAGRAPH_FIELDS


def _has_positional(q: wq.Query) -> bool:
    return any(_is_positional(leaf) for leaf in _leaves(q))


def _relax(q: wq.Query) -> wq.Query:
    """A statement-level query finding every statement that may hold a paragraph matching q
    (a NOT of paragraph-level terms can only be judged per paragraph: dropped; AND then
    spans the statement)."""
    if isinstance(q, wq.Not):  # a statement-level NOT (-speaker:lavrov) is exact: kept
        return wq.Every() if _has_positional(q.query) else q
    if isinstance(q, wq.ConstantScoreQuery):
        inner = _relax(q.child)
        return inner if isinstance(inner, wq.Every) else wq.ConstantScoreQuery(inner, q.score)
    if isinstance(q, wq.And):
        subs = [r for r in (_relax(s) for s in q.subqueries) if not isinstance(r, wq.Every)]
        if subs and all(isinstance(r, wq.Not) for r in subs):
            subs.insert(0, wq.Every())
        return wq.Every() if not subs else subs[0] if len(subs) == 1 else wq.And(subs)
    if isinstance(q, wq.Or):
        subs = [_relax(s) for s in q.subqueries]
        return wq.Every() if any(isinstance(r, wq.Every) for r in subs) else wq.Or(subs)
    if isinstance(q, wq.Phrase) and not _is_positional(q):
        # a title/speaker phrase (AlsoStatement): its words find the statements, the phrase
        # itself is checked when resolving (Whoosh would be asked to score it otherwise)
        return wq.And([wq.Term(q.fieldname, w) for w in q.words], boost=q.boost)
    if isinstance(q, wq.Phrase) and _is_positional(q):
        # the statements holding every word: whether they stand together is resolved per
        # paragraph (reading the positions of every statement holding the words to find the
        # phrase at the statement level cost ~1 s at 1.5M paragraphs). Whoosh scores a phrase
        # as the sum of its words' scores, so the ranking is unchanged.
        return wq.And([wq.Term(q.fieldname, w, boost=q.boost) for w in q.words])
    return q


def _statement_exact(q: wq.Query) -> bool:
    """Does every statement the relaxed query finds hold a paragraph matching q? True for
    one paragraph-level leaf (word, phrase, prefix, said:…) under statement filters, and for
    an OR of such."""
    if isinstance(q, wq.ConstantScoreQuery):
        return _statement_exact(q.child)
    if isinstance(q, wq.Not):
        return not _has_positional(q.query)
    if isinstance(q, wq.Or):
        return all(_statement_exact(s) for s in q.subqueries)
    if isinstance(q, wq.And):
        positional = [s for s in q.subqueries if _has_positional(s)]
        return len(positional) <= 1 and all(_statement_exact(s) for s in positional)
    if isinstance(q, wq.Phrase):  # relaxed to its words (see _relax)
        return not _is_positional(q) or len(q.words) <= 1
    return True


# -- resolving paragraphs --------------------------------------------------------------------

def _resolve(view: IndexView, tree: wq.Query, docs: list[int], counts: list[int], clock: Deadline | None = None):
    """For each statement docnum (sorted), the paragraph slots matching `tree`, and per slot
    how many positive query terms it holds (for the statements that match).

    Evaluated statement by statement, lazily: an AND stops at its first part that no
    paragraph matches, so the positions of the other terms are not read for a statement
    that cannot match (a rare phrase among common words)."""
    memo: dict[wq.Query, dict[int, set[int]]] = {}
    expanded: dict[wq.Query, list] = {}

    def leaf_slots(leaf: wq.Query, d: int) -> set[int]:
        per_doc = memo.get(leaf)
        if per_doc is None:
            per_doc = memo[leaf] = {}
        got = per_doc.get(d)
        if got is None:
            got = per_doc[d] = _doc_slots(view, leaf, d, expanded)
        return got

    def ev(q: wq.Query, d: int) -> tuple[set[int], bool]:
        """(paragraph slots matching q, whether q matches through the statement itself: a
        plain word found in the title or a speaker's name, filters.AlsoStatement)."""
        if isinstance(q, wq.ConstantScoreQuery):
            return ev(q.child, d)
        if isinstance(q, AlsoStatement):
            return set(), any(d in view.filter_docs(sub) for sub in q.subqueries)
        if isinstance(q, wq.And):
            # a slot matches when every part holds it or matches through the statement, and
            # at least one part holds it; all parts through the statement: the statement matches
            must: set[int] | None = None
            held: set[int] = set()
            weak_all = True
            for sub in q.subqueries:
                got, weak = ev(sub, d)
                if not weak:
                    must = set(got) if must is None else must & got
                    weak_all = False
                    if not must:
                        return set(), False
                elif not got and must is None:
                    continue
                held |= got
            return (held if must is None else must), weak_all
        if isinstance(q, wq.Or):
            out: set[int] = set()
            weak_any = False
            for sub in q.subqueries:
                got, weak = ev(sub, d)
                out |= got
                weak_any = weak_any or weak
            return out, weak_any
        if isinstance(q, wq.Not):
            return set(range(counts[d])) - ev(q.query, d)[0], False
        if isinstance(q, wq.Every):
            return set(range(counts[d])), False
        if _is_positional(q):
            return leaf_slots(q, d), False
        return (set(range(counts[d])) if d in view.filter_docs(q) else set()), False

    def matched(d: int) -> set[int]:
        got, weak = ev(tree, d)
        return got if got or not weak or not counts[d] else {0}  # the statement's first paragraph stands for it

    positive: list[wq.Query] = []

    def collect(q: wq.Query, negated: bool) -> None:
        if isinstance(q, wq.ConstantScoreQuery):
            collect(q.child, negated)
        elif isinstance(q, (wq.And, wq.Or)):
            for sub in q.subqueries:
                collect(sub, negated)
        elif isinstance(q, wq.Not):
            collect(q.query, not negated)
        elif not negated and _is_positional(q) and q not in positive:
            positive.append(q)

    collect(tree, False)
    slots, weights = {}, {}
    for i, d in enumerate(docs):
        if clock is not None and i % 8 == 7 and clock.past_hard():
            clock.cut = True
            break
        got = slots[d] = sorted(matched(d))
        if got:
            w: Counter = Counter()
            for leaf in positive:
                w.update(leaf_slots(leaf, d))
            weights[d] = dict(w)
    return slots, weights


def _doc_slots(view: IndexView, leaf: wq.Query, d: int, expanded: dict) -> set[int]:
    """The paragraph slots of statement d that hold this leaf."""
    postings, fieldname = view.postings, leaf.field()
    if isinstance(leaf, wq.Phrase):
        words = list(leaf.words)
        per_word = []
        for w in words:
            got = postings.doc_positions(fieldname, w, d)
            if not got:
                return set()
            per_word.append(got)
        return _phrase_slots(per_word)
    if isinstance(leaf, wq.Term):
        return postings.doc_slots(fieldname, leaf.text, d, STRIDE)
    texts = expanded.get(leaf)
    if texts is None:  # prefix, fuzzy: the words of the index it stands for
        texts = expanded[leaf] = postings.expand(leaf)
    out: set[int] = set()
    for text in texts:
        out |= postings.doc_slots(fieldname, text, d, STRIDE)
    return out


def _phrase_slots(per_word: list[list[int]]) -> set[int]:
    """Paragraph slots where the words stand in order: anchored on the rarest word's
    positions, the others looked up by bisection in their sorted positions (a phrase of
    common words costs the rarest word's positions, not the commonest's)."""
    a = min(range(len(per_word)), key=lambda k: len(per_word[k]))
    starts = [p - a for p in per_word[a]]
    for k in sorted(range(len(per_word)), key=lambda k: len(per_word[k])):
        if k == a:
            continue
        pos = per_word[k]
        n = len(pos)
        kept = []
        for s in starts:
            i = bisect_left(pos, s + k)
            if i < n and pos[i] == s + k:
                kept.append(s)
        starts = kept
        if not starts:
            return set()
    return {s // STRIDE for s in starts}


def facet_counts(view: IndexView, docs: Iterable[int], weight=None, limit: int = FACET_LIMIT,
                 scale: float = 1.0, months: bool = False, only: tuple[str, ...] | None = None) -> dict[str, list[dict]]:
    """Counts of matching paragraphs by speaker, year, kind, venue and topic (and month, as
    YYYY-MM, when `months`): each statement found counts `weight(docnum)` paragraphs
    (estimated: `scale` each). Year and kind are complete (they add up to the number of
    paragraphs; 'undated' included); the others list the `limit` most frequent values.
    `only`: just these facets (the others come back empty)."""
    if only is not None:
        return _year_counts(view, docs, weight, scale) if only == ("year",) else \
            {k: v for k, v in facet_counts(view, docs, weight, limit, scale, months).items() if k in only}
    speakers, topics = view.column("speakers_f"), view.column("topics_f")
    years, kinds, venues = view.column("year"), view.column("kind"), view.column("venue_f")
    counts = {name: Counter() for name in FACETS}
    c_speaker, c_topic, c_year, c_kind, c_venue = (counts[n] for n in ("speaker", "topic", "year", "kind", "venue"))
    c_month = counts["month"]
    dates = view.column("date") if months else None
    if weight is None:  # one per statement: counted in C (~30k statements at 1.5M paragraphs)
        docs = list(docs)
        c_speaker.update(chain.from_iterable(map(speakers.__getitem__, docs)))
        c_topic.update(chain.from_iterable(map(topics.__getitem__, docs)))
        c_year.update(map(years.__getitem__, docs))
        c_kind.update(map(kinds.__getitem__, docs))
        c_venue.update(filter(None, map(venues.__getitem__, docs)))
        if dates is not None:
            c_month.update(filter(None, (dates[d] // 100 for d in docs)))
        docs = ()
    for d in docs:
        w = weight(d) if weight is not None else 1
        for name in speakers[d]:
            c_speaker[name] += w
        for name in topics[d]:
            c_topic[name] += w
        c_year[years[d]] += w
        c_kind[kinds[d]] += w
        if venues[d]:
            c_venue[venues[d]] += w
        if dates is not None and dates[d]:
            c_month[dates[d] // 100] += w
    out = {}
    for name, counter in counts.items():
        if scale != 1.0:
            counter = Counter({k: max(1, round(v * scale)) for k, v in counter.items()})
        if name == "year":  # newest first, undated last
            items = sorted(counter.items(), key=lambda kv: (kv[0] == "undated", -int(kv[0]) if kv[0].isdigit() else 0))
        elif name == "month":  # in calendar order
            items = [(f"{m // 100:04d}-{m % 100:02d}", n) for m, n in sorted(counter.items())]
        else:
            items = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
            if name != "kind":
                items = items[:limit]
        out[name] = [{"value": v, "count": n} for v, n in items]
    return out


def _year_counts(view: IndexView, docs: Iterable[int], weight, scale: float) -> dict[str, list[dict]]:
    years = view.column("year")
    counter: Counter = Counter()
    if weight is None:
        counter.update(map(years.__getitem__, docs))
    else:
        for d in docs:
            counter[years[d]] += weight(d)
    if scale != 1.0:
        counter = Counter({k: max(1, round(v * scale)) for k, v in counter.items()})
    items = sorted(counter.items(), key=lambda kv: (kv[0] == "undated", -int(kv[0]) if kv[0].isdigit() else 0))
    return {"year": [{"value": v, "count": n} for v, n in items]}


def year_counts(view: IndexView, query: str | None, *, filters: list, max_query_chars: int = 1000,
                deadline: float | None = None, names: bool = True) -> tuple[dict[str, int], bool]:
    """Matching paragraphs per year ('undated' included) for a query under filter queries
    (filter_queries()), and whether the counts are estimates: the year facet of search().
    `names`: as parse_query()."""
    pq = parse_query(query, max_chars=max_query_chars, names=names)
    main, in_query = split_filters(pq.query)
    with view.lock:
        clock = Deadline(deadline)
        view.postings.remember(plan(pq.query, view.reader, clock=clock))
        run = _Run(view, main, filters + in_query, "relevance", clock=clock)
        key = ("years", run.tree, run.exact)
        years, cut = view.memo(key, lambda: (run.facets(0, only=("year",))["year"], clock.cut))
        if clock.cut and not cut:
            view.forget(key)
    return {f["value"]: f["count"] for f in years}, run.approximate or clock.cut or cut


def _results(shown: list[int], picks, slots, skeys, pkeys: dict[tuple[int, int], str], rows, speakers,
             marks, clock: Deadline | None = None) -> list[dict]:
    """The page's groups; past the hard deadline snippets are cut without highlighting."""
    out = []
    for d in shown:
        paragraphs = []
        statement = None
        for i in picks[d]:
            row = rows.get(pkeys[(d, i)])
            if row is None:  # deleted from the database since the index was written
                continue
            sole = speakers.get(row.statement_id, [])
            statement = statement or _statement(row, sole)
            turn = row.turn_name or row.speaker_name or (sole[0][0] if len(sole) == 1 and not row.label else None)
            paragraphs.append({"key": row.key, "n": row.n, "speaker": turn, "label": row.label,
                               "snippet": snippet(row.text, marks if clock is None or not _out_of_time(clock)
                                                  else None), "url": paragraph_path(row.key)})
        if statement is not None:
            statement = dict(statement, title_html=snippet(statement["title"], marks, size=len(statement["title"]) + 1)
                             if marks else escape(statement["title"]))
            out.append({"statement": statement, "paragraphs": paragraphs,
                        "more_paragraphs": len(slots.get(d, ())) - len(picks[d])})
    return out


def _out_of_time(clock: Deadline) -> bool:
    if clock.past_hard():
        clock.cut = True
        return True
    return False


def _statement(row, speakers: list[tuple[str, str | None]]) -> dict:
    return {"key": row.statement_key, "title": row.title, "kind": row.kind,
            "date": row.date.isoformat() if row.date else None,
            "published": row.published.isoformat() if row.published else None,
            "venue": row.venue, "speakers": [{"name": n, "role": r} for n, r in speakers],
            "url": statement_path(row.statement_key)}


def _fetch(session: Session, pkeys: list[str]):
    """The shown paragraphs with their statements (one query), and those statements'
    speakers (one more)."""
    if not pkeys:
        return {}, {}
    rows = session.execute(
        select(Paragraph.key, Paragraph.n, Paragraph.text, Paragraph.label, Paragraph.speaker_name,
               Speaker.name.label("turn_name"), Paragraph.statement_id, Statement.key.label("statement_key"),
               Statement.title, Statement.kind, Statement.date, Statement.published, Venue.name.label("venue"),
               Statement.original_url, Statement.publisher, Statement.captured_at)
        .join(Statement, Paragraph.statement_id == Statement.id)
        .outerjoin(Speaker, Paragraph.speaker_id == Speaker.id)
        .outerjoin(Venue, Statement.venue_id == Venue.id)
        .where(Paragraph.key.in_(pkeys))
    ).all()
    by_key = {r.key: r for r in rows}
    speakers: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
    for sid, name, role in session.execute(
        select(StatementSpeaker.statement_id, Speaker.name, StatementSpeaker.role).join(Speaker)
        .where(StatementSpeaker.statement_id.in_({r.statement_id for r in rows}))
        .order_by(StatementSpeaker.statement_id, StatementSpeaker.position)
    ):
        speakers[sid].append((name, role))
    return by_key, speakers


# -- did you mean -----------------------------------------------------------------------------

def _suggest(view: IndexView, pq: ParsedQuery, allowed, total: int, max_chars: int,
             clock: Deadline | None = None) -> str | None:
    """The query with each word the index does not know replaced by the closest frequent
    word it does know, if that finds more (statements that may match). Bounded: at most
    SUGGEST_MAX_WORDS unknown words of up to SUGGEST_MAX_CHARS letters, within the deadline."""
    if pq.empty or not pq.words:
        return None
    reader, text, changed = view.reader, pq.text, False
    unknown = [w for w in pq.words if not w.word.isdigit() and not _known(reader, w)]
    if len(unknown) > SUGGEST_MAX_WORDS or any(len(w.word) > SUGGEST_MAX_CHARS for w in unknown):
        return None
    for w in sorted(unknown, key=lambda w: w.start, reverse=True):
        if clock is not None and clock.check():
            return None
        better = _closest(reader, w.field, w.word)
        if better:
            text, changed = text[:w.start] + better + text[w.end:], True
    if not changed:
        return None
    try:
        corrected = parse_query(text, max_chars=max(max_chars, len(text)))
    except QueryError:
        return None
    main, in_query = split_filters(corrected.query)
    more = _allowed(view, in_query)
    if more is not None:
        allowed = more if allowed is None else allowed & more
    return text if len(_candidates(view, _relax(main), allowed)) > total else None


def _known(reader, w) -> bool:
    """Is the word in the text, a title or a speaker's name?"""
    if reader.doc_frequency(w.field, w.word):
        return True
    names = fold_name(w.word).split()
    stems = [t for t, _s, _e in tokens(TEXT, w.word)]
    return bool(names and all(reader.doc_frequency("speaker", n) for n in names)) or \
        bool(stems and all(reader.doc_frequency("title", t) for t in stems))


def _closest(reader, fieldname: str, word: str) -> str | None:
    """The most frequent word of the text (`fieldname`) or of the speakers' names within one
    edit (two for longer words)."""
    folded = fold_name(word)
    for dist in (1, 2) if len(word) > 4 else (1,):
        found = [(reader.doc_frequency(f, w), w) for f, q in ((fieldname, word), ("speaker", folded)) if q
                 for w in reader.terms_within(f, q, dist, prefix=1) if w not in (word, folded)]
        if found:
            return max(found)[1]
    return None


SPEAKER_SUGGESTIONS = 3


def _speaker_suggestions(view: IndexView, pq: ParsedQuery, allowed, chosen: Iterable[str]) -> list[dict]:
    """"Statements by <Full Name>": for each plain word of the query that is part of a
    speaker's name (a surname), the speakers so named, with how many statements (within the
    filters) they have, and the query without that word (to go with the speaker filter)."""
    if pq.empty:
        return []
    taken = {fold_name(c) for c in chosen}
    speakers = view.column("speakers_f")
    out: dict[str, dict] = {}
    for w in pq.words:
        folded = fold_name(w.word)
        if not w.plain or not folded or " " in folded or folded.isdigit() or len(folded) < 3:
            continue
        docs = view.filter_docs(wq.Term("speaker", folded))
        if allowed is not None:
            docs = docs & allowed
        every = Counter(chain.from_iterable(map(speakers.__getitem__, docs)))  # counted in C
        counts = Counter({name: n for name, n in every.items()
                          if folded in (f := fold_name(name)).split() and f not in taken})
        rest = " ".join((pq.text[:w.start] + pq.text[w.end:]).split())
        for name, n in counts.most_common(SPEAKER_SUGGESTIONS):
            out.setdefault(name, {"name": name, "statements": n, "query": rest})
    return sorted(out.values(), key=lambda s: -s["statements"])[:SPEAKER_SUGGESTIONS]


def search_archive(settings, factory, query: str | None = None, **params) -> dict:
    """One search on a searcher opened for it (the CLI; a server keeps a SearcherHolder)."""
    view = IndexView.open(settings.index_dir)
    try:
        with factory() as session:
            return search(view, query, session=session, max_query_chars=settings.max_query_chars, **params)
    finally:
        view.close()
