"""Candidate paragraphs for the quote finder (app/quote): which paragraphs share the most of a
quote's rarer words, read straight from the index's postings (see engine/postings.py and schema.py:
a position // STRIDE names the paragraph within its statement document).

Each word of the quote is a slot: its stemmed term in the `text` field, and the term of its
other spelling (British/American) when the index knows it. A slot weighs its idf, so rare
words count most; the quote's words that the index does not know (a misspelling) count
nothing. The rarest slots (SEED_TERMS, within SEED_POSTINGS statements) name the candidate
paragraphs; the next rarer slots, up to MAX_TERMS, add their weight to the candidates already
named (a bisect into their postings per candidate statement, never a scan of a common word).
The best `limit` paragraphs by weight are returned (ties: the earliest dated statement, so that
the first place words were said is kept when many paragraphs repeat them).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict

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


def candidates(view: IndexView, words: list[tuple[str, ...]], *, limit: int = 40) -> list[tuple[str, float]]:
    """The paragraph keys sharing most of the words' weight, best first: [(key, weight)].
    `words`: for each word of the quote, its spellings."""
    with view.lock:
        slots = _slots(view, words)
        if not slots:
            return []
        seeds, budget = [], 0
        for slot in slots:
            if len(seeds) >= SEED_TERMS or (len(seeds) >= 2 and budget + slot[1] > SEED_POSTINGS):
                break
            seeds.append(slot)
            budget += slot[1]
        weight: dict[tuple[int, int], float] = defaultdict(float)
        for idf, _df, terms in seeds:
            hit: set[tuple[int, int]] = set()
            for t in terms:
                tp = view.postings.term("text", t)
                if tp is None:
                    continue
                for i, d in enumerate(tp.ids):
                    hit.update((d, p // STRIDE) for p in tp.positions(i))
            for key in hit:
                weight[key] += idf
        docs = sorted({d for d, _i in weight})
        for idf, _df, terms in slots[len(seeds) :]:
            hit = set()
            for t in terms:
                tp = view.postings.term("text", t)
                if tp is None:
                    continue
                for d in docs:
                    j = tp.index(d)
                    if j >= 0:
                        hit.update((d, p // STRIDE) for p in tp.positions(j))
            for key in hit:
                if key in weight:
                    weight[key] += idf
        dates = view.column("date")
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
