"""The fast index() of paragraph-level fields (schema.ParagraphText), byte-identical to the
analyser chain it replaces.

Whoosh runs every token through a chain of generators (tokeniser, lowercase, stop, stem,
accent folding) one Token object at a time: most of an index build. fast_postings() gives the
same postings -- (term bytes, frequency, weight, encoded positions), in the same order -- from
one regex pass and a per-process cache word -> final term (None: a stop or too short word),
positions following ParagraphTokenizer's rule (token j of paragraph i at i*STRIDE + j, clamped
to the paragraph's last position). Queries and highlighting keep using the analysers.
tests/search/test_fast_index.py compares both paths on every corpus paragraph and on generated text.

Private Whoosh name used: StemFilter._stem (the stemmer function with its cache). On an
untested Whoosh (version.fast_paths() false) fast_index() declines and final_term() runs the
public analyser chain."""

from __future__ import annotations

import re
from collections.abc import Iterator

from whoosh import formats
from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.support.charset import accent_map

from app.search.engine.version import fast_paths
from app.search.tables import PARA_SEP, STOP_WORDS, STRIDE, TOKEN_PATTERN

_STEM = None
_TERM_CACHE: dict[str, dict[str, str | None]] = {"text": {}, "exact": {}, "name": {}}
_CACHE_MAX = 500_000  # words per kind; the cache is cleared when it grows past this
_PATTERNS = {
    "text": re.compile(TOKEN_PATTERN),
    "exact": re.compile(TOKEN_PATTERN),
    "name": re.compile(r"\w+"),
}


def _fast_final_term(kind: str, word: str) -> str | None:
    """What the analyser chain of `kind` makes of one token (None: dropped)."""
    global _STEM
    low = word.lower()
    if kind == "name":
        return low
    if kind == "exact":
        return low.translate(accent_map)
    if len(low) < 2 or low in STOP_WORDS:
        return None
    if _STEM is None:
        _STEM = StemFilter(cachesize=100_000)._stem
    return _STEM(low).translate(accent_map)


def fast_postings(kind: str, value: str, format_encode) -> Iterator[tuple[bytes, int, float, bytes]]:
    """The postings of a paragraph-level field value, as Positions.word_values() + TEXT.index()
    give them, in their order. Yielded (Whoosh's writer adds each to its pool as it comes), and
    each term's positions let go once encoded: a statement of 600,000 paragraphs holds its
    term -> positions table once, not beside a list of its encoded postings."""
    items = list(_positions(kind, value).items())
    for i, (term, pl) in enumerate(items):
        items[i] = None  # type: ignore[call-overload]
        yield term.encode("utf-8"), len(pl), float(len(pl)), format_encode(pl)


def _positions(kind: str, value: str) -> dict[str, list[int]]:
    """term -> positions of a field value (ParagraphTokenizer's rule), terms in first-seen order."""
    cache = _TERM_CACHE[kind]
    if len(cache) > _CACHE_MAX:
        cache.clear()
    findall = _PATTERNS[kind].finditer
    short = 2 if kind == "text" else 1  # a shorter token is dropped (StopFilter's minsize)
    poses: dict[str, list[int]] = {}
    base = 0
    limit = STRIDE - 1
    for text in value.split(PARA_SEP):
        if text:
            pos = base
            last = base + limit
            for m in findall(text):
                word = m.group()
                if word.isdigit() and word.isascii():
                    # a number is its own term (no case, accent, stop word or stem): not cached,
                    # so that a page of many distinct numbers does not fill the cache
                    term = word if len(word) >= short else None
                else:
                    try:
                        term = cache[word]
                    except KeyError:
                        term = cache[word] = _fast_final_term(kind, word)
                if term is not None:
                    lst = poses.get(term)
                    if lst is None:
                        poses[term] = [pos if pos < last else last]
                    else:
                        lst.append(pos if pos < last else last)
                pos += 1
        base += STRIDE
    return poses


def fast_index(field, value, kwargs: dict) -> Iterator | None:
    """The postings of a ParagraphText field for a plain string value, or None when the
    analysers must run (another value type, index options, a boost, another format, or an
    untested Whoosh)."""
    if (
        type(value) is not str
        or kwargs
        or field.format.field_boost != 1.0
        or type(field.format) is not formats.Positions
        or not fast_paths()
    ):
        return None
    return fast_postings(field.paragraph_kind, value, field.format.encode)


_CHAINS: dict[str, object] = {}


def final_term(kind: str, word: str) -> str | None:
    """What the analyser chain of `kind` ("text", "exact", "name") makes of one token (None:
    dropped): the fast path's cached answer, or the analysers' own on an untested Whoosh."""
    if fast_paths():
        return _fast_final_term(kind, word)
    chain = _CHAINS.get(kind)
    if chain is None:
        chain = RegexTokenizer(r"\w+" if kind == "name" else TOKEN_PATTERN) | LowercaseFilter()
        if kind == "text":
            chain = chain | StopFilter(stoplist=STOP_WORDS, minsize=2) | StemFilter(cachesize=100_000)
        if kind != "name":
            chain = chain | CharsetFilter(accent_map)
        _CHAINS[kind] = chain
    got = [t.text for t in chain(word)]
    return got[0] if got else None
