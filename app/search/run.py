"""One search's run: the statements found (planning.py) and ranked (ranking.py), the
paragraphs resolved so far (resolution.py), and the figures, exact or estimated.

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
  RESOLVE_CAP)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from whoosh import query as wq

from app.search import planning
from app.search.budget import Deadline
from app.search.facets import facet_counts
from app.search.ranking import order_statements
from app.search.resolution import resolve

if TYPE_CHECKING:
    from app.search.searcher import IndexView


class Run:
    """One search: the statements found, ranked; the paragraphs resolved so far."""

    def __init__(
        self,
        view: IndexView,
        main: wq.Query,
        filters: list[wq.Query],
        sort: str,
        budget: float | None = None,
        clock: Deadline | None = None,
    ):
        self.view, self.sort = view, sort
        self.clock = clock = clock or Deadline()
        self.allowed = planning.allowed_docs(view, filters)
        self.tree = (
            main
            if not filters
            else wq.And([main, *filters])
            if not isinstance(main, wq.Every)
            else (filters[0] if len(filters) == 1 else wq.And(filters))
        )
        self.positional = planning.has_positional(self.tree)
        self.relaxed = planning.relax(main)
        self.counts = view.column("count")
        # statement docnums found (unordered) and, when read from the postings, their scores
        self.found, self._scores = planning.candidates_scored(view, self.relaxed, self.allowed, clock)
        # the clock for resolving paragraphs starts now (the terms are read and decoded),
        # within the search's deadline
        self.deadline = min(
            time.perf_counter() + (planning.RESOLVE_BUDGET if budget is None else budget), clock.soft
        )
        # every statement found holds a match: counting statements needs no resolution
        self.statement_exact = not self.positional or planning.statement_exact(self.tree)
        self.exact = not self.positional or len(self.found) <= planning.RESOLVE_ALL
        self.slots: dict[int, list[int]] = {}  # docnum -> matching paragraph slots
        self.weights: dict[int, dict[int, int]] = {}  # docnum -> slot -> query terms matched
        self._ranked: list[int] | None = None
        self._resolved_upto = 0
        self._sampled: list[int] | None = None
        if self.positional and self.exact:
            if self._resolve_within(sorted(self.found)):
                self.found = {d for d in self.found if self.slots.get(d)}
            else:  # out of time: estimated as beyond planning.RESOLVE_ALL (what is resolved is kept)
                self.exact = False
        self.approximate = not self.exact

    # -- ranking ----------------------------------------------------------------------------

    def ranked(self, upto: int) -> list[int]:
        """The statements found in result order, at least the first `upto` (all when exact)."""
        if self._ranked is not None and (len(self._ranked) >= upto or len(self._ranked) == len(self.found)):
            return self._ranked
        limit = None if self.sort != "relevance" or self.exact else min(len(self.found), max(upto * 2, 200))
        order = order_statements(self.view, self.found, self.sort, self.relaxed, self._scores, limit)
        self._ranked = order
        return order

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
            matched = [d for d in order[: self._resolved_upto] if self.slots.get(d)]
            while self._resolved_upto < upto and len(matched) < stop:
                if self.late() and (len(matched) > start or self.clock.past_hard()):
                    break  # out of time, the page not empty (or out of all the time there is)
                chunk = order[self._resolved_upto : self._resolved_upto + planning.RESOLVE_CHUNK]
                self._resolve(chunk)
                self._resolved_upto += len(chunk)
                matched += [d for d in chunk if self.slots.get(d)]
            if (
                len(matched) >= stop
                or self._resolved_upto >= min(len(self.found), planning.RESOLVE_CAP)
                or (self.late() and (len(matched) > start or self.clock.past_hard()))
            ):
                # short when out of statements, of planning.RESOLVE_CAP or of time: estimated figures
                return matched[start:stop]
            want = upto * 2

    def late(self) -> bool:
        if time.perf_counter() > self.deadline:
            self.clock.cut = self.clock.cut or self.clock.late()
            return True
        return False

    def _resolve_within(self, docs: list[int]) -> bool:
        """Resolve docs, a chunk at a time, while the time budget lasts; True if all were."""
        for i in range(0, len(docs), planning.RESOLVE_CHUNK):
            if i and self.late():
                return False
            self._resolve(docs[i : i + planning.RESOLVE_CHUNK])
        return True

    def _resolve(self, docs: list[int]) -> None:
        """Resolve docs; past the hard deadline the rest are left unresolved (shown without
        paragraphs, left out of the figures: the result is approximate)."""
        todo = sorted(d for d in docs if d not in self.slots)
        if todo:
            slots, weights = resolve(self.view, self.tree, todo, self.counts, self.clock)
            self.slots.update(slots)
            self.weights.update(weights)

    # -- figures ----------------------------------------------------------------------------

    def _sample(self) -> list[int]:
        """An even sample of the statements found (by docnum), resolved for the estimates."""
        if self._sampled is None:
            found = sorted(self.found)
            step = max(1, len(found) // planning.SAMPLE)
            sample = found[::step][: planning.SAMPLE]
            done = 0
            for i in range(0, len(sample), planning.SAMPLE_CHUNK):  # a smaller sample when out of time
                if i and self.clock.check():
                    break
                self._resolve(sample[i : i + planning.SAMPLE_CHUNK])
                done = i + planning.SAMPLE_CHUNK
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
        statements = (
            len(self.found) if self.statement_exact else round(len(self.found) * matched / len(sample))
        )
        return round(len(self.found) * self._per_statement()), statements

    def facets(
        self, limit: int, months: bool = False, only: tuple[str, ...] | None = None
    ) -> dict[str, list[dict]]:
        if not self.positional:
            weight = self.counts
            return facet_counts(self.view, self.found, weight.__getitem__, limit, months=months, only=only)
        if self.exact:
            return facet_counts(
                self.view, self.found, lambda d: len(self.slots.get(d, ())), limit, months=months, only=only
            )
        scale = self._per_statement()
        return facet_counts(self.view, self.found, None, limit, scale, months=months, only=only)


def per_page_slack(n: int) -> int:
    return n + 10
