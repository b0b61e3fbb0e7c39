"""Each term's postings decoded once per searcher, and their BM25F scores (read-only; the
index format is unchanged: this reads the blocks Whoosh's W3 codec writes). The statement
level built on them is ranking.statement_scores(); the paragraph level, resolution.py.

Why: Whoosh's matchers decode every postings block once to find the statements a query
matches, again to score them, and a third time (per statement, through skip_to) to read
positions; each block is one pickle of (ids, weights, position values), so every pass
pays for unpickling all positions. A phrase made Whoosh read and compare the positions
of every statement holding its words (~1 s for "international law" at 1.5M paragraphs).

Here each term's postings are decoded once per searcher (`TermPostings`: docnums, term
frequencies and the raw position values, kept in a small LRU cache) and give, for the
statement level, the set of statements and their BM25F scores (computed by Whoosh's own
BM25F scorer, so the ranking is the one Whoosh would give), and, for the paragraph level,
the positions of just the statements being resolved.
"""

from __future__ import annotations

import os
import threading
import zlib
from array import array
from bisect import bisect_left
from collections import OrderedDict
from itertools import accumulate
from pickle import loads

from whoosh import query as wq
from whoosh.formats import Positions
from whoosh.scoring import BM25FScorer
from whoosh.system import _INT_SIZE

from app.search.engine.version import fast_paths

CACHE_POSTINGS = 1_500_000  # postings kept decoded per searcher (~60 bytes each)
EXPANSIONS_KEPT = 256  # prefix/fuzzy expansions kept per searcher


class TermPostings:
    """Every posting of one term across the segments, in docnum order. `fast`: positions are
    decoded by the fast path (Whoosh's own decode_positions() otherwise)."""

    __slots__ = ("ids", "weights", "values", "fmt", "fast", "_scores", "_index")

    def __init__(self, ids: array, weights: array, values: list, fmt, fast: bool = True):
        self.ids, self.weights, self.values, self.fmt, self.fast = ids, weights, values, fmt, fast
        self._scores: array | None = None
        self._index: dict[int, int] | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def index(self, docnum: int) -> int:
        """Position of docnum in ids, or -1."""
        i = bisect_left(self.ids, docnum)
        return i if i < len(self.ids) and self.ids[i] == docnum else -1

    def positions(self, i: int) -> list[int]:
        v = self.values[i]
        if self.fast and type(self.fmt) is Positions:  # Positions.decode_positions, its loop in C
            return list(accumulate(loads(v[_INT_SIZE:] if v.endswith(b".") else v[_INT_SIZE:] + b".")))
        return self.fmt.decode_positions(v)


def read_term(reader, fieldname: str, btext) -> TermPostings | None:
    """Every posting of a term (None: not in the index), from the blocks (fast path) or through
    Whoosh's public matcher (any other Whoosh version)."""
    return (
        _read_term(reader, fieldname, btext) if fast_paths() else _read_term_public(reader, fieldname, btext)
    )


def _read_term_public(reader, fieldname: str, btext) -> TermPostings | None:
    """The slow, correct path: one posting at a time through reader.postings()."""
    if (fieldname, btext) not in reader:
        return None
    ids, weights, values = array("I"), array("d"), []
    m = reader.postings(fieldname, btext)
    while m.is_active():
        ids.append(m.id())
        weights.append(m.weight())
        values.append(m.value())
        m.next()
    return TermPostings(ids, weights, values, reader.schema[fieldname].format, fast=False)


def _read_term(reader, fieldname: str, btext) -> TermPostings | None:
    """Decode all blocks of a term once (one unpickle per block)."""
    ids, weights, values, fmt = array("I"), array("d"), [], None
    for seg, offset in reader.leaf_readers():
        if (fieldname, btext) not in seg:
            continue
        m = seg.postings(fieldname, btext)
        deleted = (getattr(seg, "deleted_docs_set", None) or None) if seg.has_deletions() else None
        if callable(deleted):
            deleted = frozenset(deleted())
        if hasattr(m, "child") and not hasattr(m, "_postfile"):  # FilterMatcher around the leaf
            if deleted is None:
                deleted = frozenset(getattr(m, "_ids", ()) or ())
            m = m.child
        fmt = m.format if hasattr(m, "format") else seg.schema[fieldname].format
        if hasattr(m, "_postfile") and hasattr(m, "_nextoffset"):  # W3LeafMatcher: whole blocks
            _will_need(m)
            for bids, bweights, bvalues in _blocks(m, offset):
                if deleted:
                    keep = [i for i, d in enumerate(bids) if d - offset not in deleted]
                    bids = [bids[i] for i in keep]
                    bweights = [bweights[i] for i in keep]
                    bvalues = [bvalues[i] for i in keep]
                ids.extend(bids)
                weights.extend(bweights)
                values.extend(bvalues)
        else:  # e.g. a term with one posting stored inline
            while m.is_active():
                d = m.id()
                if deleted is None or d not in deleted:
                    ids.append(offset + d)
                    weights.append(m.weight())
                    values.append(m.value())
                m.next()
    if fmt is None:
        return None
    return TermPostings(ids, weights, values, fmt)


def _blocks(m, offset: int):
    """(docnums + offset, weights, values) of each block of a W3 leaf matcher, through its
    private attributes (the W3 codec's block layout: docs/search-engine-internals.md)."""
    while True:
        if m._blocklength:
            b = m._postfile.get(m._dataoffset, m._nextoffset - m._dataoffset)
            if m._compression:
                b = zlib.decompress(b)
            bids, bweights, bvalues = loads(b)
            if not m._byteids:  # deltas: the first from 0
                if offset:
                    bids = list(bids)
                    bids[0] += offset
                bids = list(accumulate(bids))
            elif offset:
                bids = [offset + d for d in bids]
            n = len(bids)
            if bweights is None:
                bweights = [1.0] * n
            elif isinstance(bweights, float):
                bweights = [bweights] * n
            fixed = m._fixedsize
            if fixed is None or fixed < 0:
                pass
            elif fixed == 0:
                bvalues = [None] * n
            else:
                bvalues = [bvalues[i : i + fixed] for i in range(0, len(bvalues), fixed)]
            yield bids, bweights, bvalues
        if m._lastblock:
            break
        m._goto(m._nextoffset)


FADVISE = True


def _will_need(m) -> None:
    """Ask the kernel to read the term's whole postings range now, in large requests, rather
    than block by block as they are decoded (each a wait on a cold, busy disk)."""
    if not FADVISE:
        return
    try:
        length = m._length[0] if isinstance(m._length, tuple) else m._length
        os.posix_fadvise(m._postfile.file.fileno(), m._startoffset, length, os.POSIX_FADV_WILLNEED)
    except (AttributeError, OSError, ValueError):
        pass


class Postings:
    """Per searcher: decoded terms (LRU), field lengths, and the statement-level
    evaluation of a relaxed query. Use under the view's lock."""

    def __init__(self, view, weighting, cache_postings: int = CACHE_POSTINGS):
        self.view = view
        self.searcher = view.searcher
        self.reader = view.reader
        self.weighting = weighting
        self.cache_postings = cache_postings
        self._terms: OrderedDict[tuple[str, object], TermPostings | None] = OrderedDict()
        self._size = 0
        self._lengths: dict[object, list] = {}
        self._expanded: OrderedDict[wq.Query, list] = OrderedDict()  # prefix/fuzzy leaf -> its words
        self._lock = threading.Lock()

    # -- terms --------------------------------------------------------------------------------

    def term(self, fieldname: str, text) -> TermPostings | None:
        if isinstance(text, bool):
            text = "yes" if text else "no"
        key = (fieldname, text)
        with self._lock:
            if key in self._terms:
                self._terms.move_to_end(key)
                return self._terms[key]
        tp = read_term(self.reader, fieldname, text) if key in self.reader else None
        with self._lock:
            self._terms[key] = tp
            self._size += len(tp) if tp is not None else 0
            while self._size > self.cache_postings and len(self._terms) > 1:
                _k, old = self._terms.popitem(last=False)
                self._size -= len(old) if old is not None else 0
        return tp

    def lengths(self, fieldname: str) -> list[int]:
        """Field length of every document, as Whoosh's scorer sees it (length bytes decoded)."""
        got = self._lengths.get(fieldname)
        if got is None:
            got = []
            for seg, _offset in self.reader.leaf_readers():
                dfl = seg.doc_field_length
                got.extend(dfl(d, fieldname, 1) for d in range(seg.doc_count_all()))
            self._lengths[fieldname] = got
        return got

    def scores(self, fieldname: str, text) -> tuple[TermPostings | None, array | None]:
        """The term's postings and the BM25F score of each (Whoosh's scorer)."""
        tp = self.term(fieldname, text)
        if tp is None or not len(tp):
            return tp, None
        if tp._scores is None:
            field = self.searcher.schema[fieldname]
            if not field.scorable:
                tp._scores = array("d", tp.weights)
                return tp, tp._scores
            scorer = self.weighting.scorer(self.searcher, fieldname, text)
            if not fast_paths():  # Whoosh's public scorer, one posting at a time
                m, got = self.reader.postings(fieldname, text), {}
                while m.is_active():
                    got[m.id()] = scorer.score(m)
                    m.next()
                tp._scores = array("d", map(got.__getitem__, tp.ids))
            elif type(scorer) is BM25FScorer:
                # scoring.bm25() with its per-document part computed once per field; the same
                # operations in the same order, so the same floats
                idf, k1p1, norms = scorer.idf, scorer.K1 + 1, self._norms(fieldname, scorer)
                tp._scores = array(
                    "d",
                    [idf * ((tf * k1p1) / (tf + norms[d])) for tf, d in zip(tp.weights, tp.ids, strict=True)],
                )
            else:
                score, lengths = scorer._score, self.lengths(fieldname)
                tp._scores = array("d", map(score, tp.weights, map(lengths.__getitem__, tp.ids)))
        return tp, tp._scores

    def _norms(self, fieldname: str, scorer) -> list[float]:
        """K1 * ((1 - B) + B * fl / avgfl) of every document (bm25's length part)."""
        key = (fieldname, scorer.K1, scorer.B, scorer.avgfl)
        got = self._lengths.get(key)
        if got is None:
            K1, B, avgfl = scorer.K1, scorer.B, scorer.avgfl
            got = self._lengths[key] = [
                K1 * ((1 - B) + B * fl / avgfl) if fl is not None else 0.0 for fl in self.lengths(fieldname)
            ]
        return got

    def expand(self, leaf: wq.Query) -> list:
        """The index terms a prefix/fuzzy/wildcard leaf stands for (text form; those found by
        budget.plan() for this searcher when it planned the query)."""
        with self._lock:
            got = self._expanded.get(leaf)
        if got is not None:
            return got
        fieldname = leaf.field()
        return [
            t.decode("utf-8") if isinstance(t, bytes) else t
            for f, t in leaf.existing_terms(self.reader, expand=True)
            if f == fieldname
        ]

    def remember(self, expanded: dict[wq.Query, list]) -> None:
        with self._lock:
            for leaf, words in expanded.items():
                self._expanded[leaf] = words
                self._expanded.move_to_end(leaf)
            while len(self._expanded) > EXPANSIONS_KEPT:
                self._expanded.popitem(last=False)

    def doc_positions(self, fieldname: str, text, d: int) -> list[int]:
        """Positions of the term in document d ([] if none)."""
        tp = self.term(fieldname, text)
        if tp is None:
            return []
        i = tp.index(d)
        return tp.positions(i) if i >= 0 else []

    def doc_slots(self, fieldname: str, text, d: int, stride: int) -> set[int]:
        """{position // stride} of the term in document d: the paragraphs holding it."""
        tp = self.term(fieldname, text)
        if tp is None:
            return set()
        i = tp.index(d)
        if i < 0:
            return set()
        return {p // stride for p in tp.positions(i)}
