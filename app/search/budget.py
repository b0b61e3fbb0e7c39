"""Bounded work per search: a deadline, and caps on what a query may expand to.

A search has one `Deadline` (SEARCH_DEADLINE seconds of index work by default). Each step
looks at it: finding candidates stops adding the parts of an OR, and a prefix or fuzzy word
stops adding words, once it has passed; resolving paragraphs, the estimates' sample, "did you
mean" and highlighting do the same. What is cut short is returned as it stands, flagged
`approximate`. Past `hard` (twice the deadline) nothing more is resolved, even to fill an
empty page.

Before any of that, `plan()` refuses (QueryError: 422 on the web, a one-line error in the
CLI) a query whose expansion would cost seconds whatever the deadline: too many search terms,
a prefix standing for too many words ("too many terms: `a*` matches 12,000 words; add
letters"), too many fuzzy words, a fuzzy word too long to expand. The words each prefix and
fuzzy leaf stands for are computed there once, and kept for the rest of the search."""

from __future__ import annotations

import time

from whoosh import query as wq

from app.search.filters import AlsoStatement, QueryError, leaves

SEARCH_DEADLINE = 0.3  # seconds of index work per search (ARCHIVE_SEARCH_DEADLINE)
MAX_CLAUSES = 64  # words, phrases, prefixes and fuzzy words in one query
MAX_PREFIX_TERMS = 500  # words one prefix may stand for
MAX_FUZZY = 4  # fuzzy words in one query
MAX_FUZZY_CHARS = 24  # letters of a fuzzy word (the automaton grows with its length)
MAX_FUZZY_TERMS = 200  # words one fuzzy word may stand for
MAX_EXPANDED = 1000  # words all the prefixes and fuzzy words of a query stand for
COUNT_PREFIX_UPTO = 100_000  # a prefix's words are counted up to this for the message


class QueryTooWide(QueryError):
    """A query refused for what it would cost (422 on the web), not for its syntax."""


class Deadline:
    """The clock of one search."""

    def __init__(self, seconds: float | None = None):
        seconds = SEARCH_DEADLINE if seconds is None else seconds
        self.start = time.perf_counter()
        self.soft = self.start + seconds
        self.hard = self.start + 2 * seconds
        self.cut = False  # something was cut short: the result is approximate

    def late(self) -> bool:
        return time.perf_counter() > self.soft

    def past_hard(self) -> bool:
        return time.perf_counter() > self.hard

    def check(self) -> bool:
        """True (and the result marked approximate) when the deadline has passed."""
        if time.perf_counter() > self.soft:
            self.cut = True
            return True
        return False


def _shown(leaf: wq.Query) -> str:
    if isinstance(leaf, wq.Prefix):
        return f"`{leaf.text}*`"
    if isinstance(leaf, wq.FuzzyTerm):
        return f"`{leaf.text}~{leaf.maxdist}`"
    return f"`{getattr(leaf, 'text', leaf)}`"


def plan(q: wq.Query, reader, lock=None, clock: Deadline | None = None) -> dict[wq.Query, list[str]]:
    """Check the query's size; return the words of the index each prefix/fuzzy leaf stands
    for (the expansions the search then uses). Raises QueryError for a query too wide."""
    # the leaves that cost: a plain word's title/speaker alternatives are part of the word
    found = [leaf for leaf in leaves(q, skip=(AlsoStatement,)) if not isinstance(leaf, wq.Every)]
    clauses = sum(len(leaf.words) if isinstance(leaf, wq.Phrase) else 1 for leaf in found)
    if clauses > MAX_CLAUSES:
        raise QueryTooWide(
            f"too many terms: the query has {clauses:,} search terms; the limit is {MAX_CLAUSES}"
        )
    fuzzy = [leaf for leaf in found if isinstance(leaf, wq.FuzzyTerm)]
    if len(fuzzy) > MAX_FUZZY:
        raise QueryTooWide(f"too many fuzzy words (~): the query has {len(fuzzy)}; the limit is {MAX_FUZZY}")
    for leaf in fuzzy:
        if len(leaf.text) > MAX_FUZZY_CHARS:
            raise QueryTooWide(
                f"a fuzzy word may have up to {MAX_FUZZY_CHARS} letters: "
                f"`{leaf.text[:40]}…~` has {len(leaf.text):,}"
            )
    expanded: dict[wq.Query, list[str]] = {}
    total = 0
    for leaf in found:
        if not isinstance(leaf, (wq.Prefix, wq.FuzzyTerm, wq.Wildcard)) or leaf in expanded:
            continue
        if clock is not None and clock.past_hard():
            raise QueryTooWide(
                "too many terms: the query's prefixes and fuzzy words take too long to look up; "
                "use fewer of them"
            )
        words = _expand(leaf, reader, lock)
        cap = MAX_FUZZY_TERMS if isinstance(leaf, wq.FuzzyTerm) else MAX_PREFIX_TERMS
        if len(words) > cap:
            n = len(words) if len(words) < COUNT_PREFIX_UPTO else COUNT_PREFIX_UPTO
            more = "+" if len(words) >= COUNT_PREFIX_UPTO else ""
            hint = "add letters" if isinstance(leaf, wq.Prefix) else "use ~1 or a longer word"
            raise QueryTooWide(f"too many terms: {_shown(leaf)} matches {n:,}{more} words; {hint}")
        total += len(words)
        if total > MAX_EXPANDED:
            raise QueryTooWide(
                f"too many terms: the query's prefixes and fuzzy words stand for more than "
                f"{MAX_EXPANDED:,} words; add letters or use fewer of them"
            )
        expanded[leaf] = words
    return expanded


def _expand(leaf: wq.Query, reader, lock) -> list[str]:
    fieldname = leaf.field()
    limit = COUNT_PREFIX_UPTO if isinstance(leaf, wq.Prefix) else MAX_FUZZY_TERMS + 1
    out: list[str] = []
    if lock is not None:
        lock.acquire()
    try:
        seen = set()
        for f, t in leaf.expanded_terms(reader):  # a generator: stops reading at the limit
            if f == fieldname and t not in seen and (f, t) in reader:
                seen.add(t)
                out.append(t.decode("utf-8") if isinstance(t, bytes) else t)
                if len(out) >= limit:
                    break
    finally:
        if lock is not None:
            lock.release()
    return out
