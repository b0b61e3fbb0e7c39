"""Candidate paragraphs for the quote finder (app/quote): which paragraphs share the most of a
quote's rarer words, read straight from the index's postings (see engine/postings.py and schema.py:
a position // STRIDE names the paragraph within its statement document).

Each word of the quote is a slot: its stemmed term in the `text` field, and the term of its
other spelling (British/American) when the index knows it. A slot weighs its idf, so rare
words count most; the quote's words that the index does not know (a misspelling) count
nothing. The rarest slots (SEED_TERMS, within SEED_POSTINGS statements) name the candidate
paragraphs; the next rarer slots, up to MAX_TERMS, add their weight to the candidates already
named. The best `limit` paragraphs by weight are returned (ties: the earliest dated statement,
so that the first place words were said is kept when many paragraphs repeat them). Every
slot's postings are read (their document ids bound each statement's weight: candidates());
positions are decoded only in the statements weighed, a bisect per term and statement.
"""

from __future__ import annotations

import heapq
import math
import re

import numpy as np

from app.search.budget import Deadline
from app.search.documents import paragraph_entries
from app.search.engine.fast_index import final_term
from app.search.schema import STRIDE, TOKEN_PATTERN
from app.search.searcher import IndexView

MAX_TERMS = 12  # slots looked up at most (the rarest)
SEED_TERMS = 5  # the rarest slots name the candidates ...
SEED_POSTINGS = 60_000  # ... as long as their statements add up to at most this (at least 2 slots)
_WORD = re.compile(TOKEN_PATTERN)
UNDATED = 99_999_999


def _slots(view: IndexView, words: list[tuple[str, ...]]) -> list[tuple[float, int, tuple[str, ...]]]:
    """(idf, statements, terms) of each distinct slot the index knows, rarest first."""
    reader = view.reader
    n = max(1, reader.doc_count())
    seen: set[tuple[str, ...]] = set()
    out = []
    for spellings in words:
        terms = tuple(sorted({t for w in spellings if (t := final_term("text", w)) is not None}))
        if not terms or terms in seen:
            continue
        seen.add(terms)
        known = [(reader.doc_frequency("text", t), t) for t in terms]
        known = [(df, t) for df, t in known if df > 0]
        if not known:
            continue
        df = sum(d for d, _t in known)
        out.append((math.log(1 + n / df), df, tuple(t for _d, t in known)))
    out.sort(key=lambda s: (s[1], s[2]))
    return out[:MAX_TERMS]


def quote_words(text: str) -> list[str]:
    return [m.group() for m in _WORD.finditer(text or "")]


def candidates(
    view: IndexView, words: list[tuple[str, ...]], *, limit: int = 40, clock: Deadline | None = None
) -> list[tuple[str, float]]:
    """The paragraph keys sharing most of the words' weight, best first: [(key, weight)].
    `words`: for each word of the quote, its spellings.

    A candidate paragraph holds a seed slot; its weight is the idf of every slot it holds. The
    statements holding a seed are ranked by the weight of the slots they hold anywhere (postings
    ids alone, in numpy: a bound on any of their paragraphs' weight), and their paragraphs are
    weighed (positions decoded) best bound first, until no statement left can beat the
    `limit`-th paragraph found: the same paragraphs as weighing every statement, with a fraction
    of the positions decoded. Past the `clock`'s deadline the weighing stops (clock.cut: the
    candidates are the best of the statements weighed, those most likely to hold the quote)."""
    with view.lock:
        slots = _slots(view, words)
        if not slots:
            return []
        seeds = _seed_count(slots)
        terms = [
            [tp for t in ts if (tp := view.postings.term("text", t)) is not None] for _i, _d, ts in slots
        ]
        idf = [s[0] for s in slots]
        docs, bound = _bounds(view.reader.doc_count_all(), terms, idf, seeds)
        dates = view.column("date")
        kept: list[float] = []  # min-heap of the best `limit` weights so far
        weight: dict[tuple[int, int], float] = {}
        for n, (d, top) in enumerate(zip(docs.tolist(), bound.tolist(), strict=True)):
            if len(kept) >= limit and round(top, 6) < kept[0]:
                break  # sorted by bound: no statement left can reach the kept weights
            if n % 16 == 15 and clock is not None and clock.check():
                break
            for i, w in _paragraph_weights(d, terms, idf, seeds):
                weight[(d, i)] = w
                heapq.heappush(kept, round(w, 6))
                if len(kept) > limit:
                    heapq.heappop(kept)
        best = sorted(weight.items(), key=lambda kv: (-round(kv[1], 6), dates[kv[0][0]] or UNDATED, kv[0]))[
            :limit
        ]
    entries = view.values("paras", sorted({d for (d, _i), _w in best}))
    out = []
    for (d, i), w in best:
        paras = paragraph_entries(entries[d])
        if i < len(paras):
            out.append((paras[i][1], w))
    return out


def _seed_count(slots) -> int:
    """How many of the rarest slots name the candidates (SEED_TERMS, within SEED_POSTINGS)."""
    seeds, budget = 0, 0
    for _idf, df, _terms in slots:
        if seeds >= SEED_TERMS or (seeds >= 2 and budget + df > SEED_POSTINGS):
            break
        seeds += 1
        budget += df
    return seeds


def _bounds(n: int, terms, idf: list[float], seeds: int):
    """The statements holding a seed slot, best bound first (ties: docnum), and their bounds:
    the idf of every slot they hold, summed in slot order (as a paragraph's weight is, so that a
    paragraph holding all of them weighs its bound to the bit)."""
    bound = np.zeros(n)
    seeded = np.zeros(n, dtype=bool)
    for s, tps in enumerate(terms):
        ids = np.unique(
            np.concatenate([np.frombuffer(tp.ids, dtype=f"u{tp.ids.itemsize}") for tp in tps] or [[]])
        )
        ids = ids.astype(np.intp)
        bound[ids] += idf[s]
        if s < seeds:
            seeded[ids] = True
    docs = np.flatnonzero(seeded)
    order = np.lexsort((docs, -bound[docs]))
    return docs[order], bound[docs[order]]


def _paragraph_weights(d: int, terms, idf: list[float], seeds: int) -> list[tuple[int, float]]:
    """(paragraph number, weight) of statement d's paragraphs that hold a seed slot."""
    paras: dict[int, set[int]] = {}
    for s, tps in enumerate(terms):
        for tp in tps:
            j = tp.index(d)
            if j >= 0:
                paras.setdefault(s, set()).update(p // STRIDE for p in tp.positions(j))
    named = set().union(*(paras[s] for s in range(seeds) if s in paras))
    held = sorted(paras)  # slot order: the same sum, to the bit, as slot by slot
    return [(i, sum(idf[s] for s in held if i in paras[s])) for i in sorted(named)]
