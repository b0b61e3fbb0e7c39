"""Aligning a quote as a researcher has it with a paragraph (pure: strings in, scores and spans out).

Both sides are reduced to the same form before they are compared: words only (punctuation,
quote marks and dashes dropped), lower case, accents off, and British spellings written the
American way (colour/color, organise/organize, centre/center, dialogue/dialog, defence/defense,
travelled/traveled, programme/program, judgement/judgment). Only the comparison uses that form:
every character of the reduced paragraph maps back to the paragraph as printed, so the matched
span is highlighted in the original text.

An ellipsis ("...", "…", "[…]") in a quote stands for omitted words: the quote is cut there into
fragments, each aligned on its own (rapidfuzz's partial_ratio_alignment: the best-matching
window of the paragraph), and the score is their length-weighted mean, with a penalty when the
fragments are found out of order. A misspelt or changed word costs a few characters of the
alignment, not the match.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from app.search.tables import STOP_WORDS

WORD = re.compile(r"\w+(?:['’]\w+)*")
ELLIPSIS = re.compile(r"\[\s*(?:\.\s*){2,}\]|\[\s*…\s*\]|(?:\.\s*){3,}|…")
MIN_FRAGMENT_WORDS = 2  # a fragment shorter than this (a word left between two ellipses) is not aligned alone
OUT_OF_ORDER = 0.85  # score factor when a quote's fragments appear in the paragraph in another order

# British -> American endings (applied to both sides, so an odd word mapped too does no harm)
_SPELLING = [
    (re.compile(r"(?<=\w\w)our(s|ed|ing|ite|ites|able|ably|ful|less|er|ers)?$"), r"or\1"),
    (re.compile(r"(?<=\w\w\w)is(e|es|ed|ing|er|ers|ation|ations)$"), r"iz\1"),
    (re.compile(r"(?<=\w)ys(e|es|ed|ing)$"), r"yz\1"),
    (re.compile(r"(?<=\w\w[^aeiou\W])re(s|d)?$"), r"er\1"),
    (re.compile(r"(?<=\w\w)ogue(s)?$"), r"og\1"),
    (re.compile(r"(?<=f)ence(s)?$"), r"ense\1"),
    (re.compile(r"(?<=[aeiou])ll(ed|ing|er|ers|or|ors)$"), r"l\1"),
    (re.compile(r"(?<=\w\w)mme(s)?$"), r"m\1"),
    (re.compile(r"dgement(s)?$"), r"dgment\1"),
]


def _british(word: str) -> str:
    """The British spelling of an American word (a guess; used only if the index knows it)."""
    for pattern, repl in _TO_BRITISH:
        new = pattern.sub(repl, word)
        if new != word:
            return new
    return word


# American -> British: _SPELLING's way back (its own table: the guards differ each way)
_TO_BRITISH = [
    (re.compile(r"(?<=\w\w[^aeiou])or(s|ed|ing|ite|ites|able|ably|ful|less)?$"), r"our\1"),
    (re.compile(r"(?<=\w\w\w)iz(e|es|ed|ing|er|ers|ation|ations)$"), r"is\1"),
    (re.compile(r"(?<=\w)yz(e|es|ed|ing)$"), r"ys\1"),
    (re.compile(r"(?<=\w\w[^aeiou\W])er(s)?$"), r"re\1"),
    (re.compile(r"(?<=\w\w)og(s)?$"), r"ogue\1"),
    (re.compile(r"(?<=f)ense(s)?$"), r"ence\1"),
    (re.compile(r"(?<=[aeiou])l(ed|ing)$"), r"ll\1"),
    (re.compile(r"(?<=\w\w)gram(s)?$"), r"gramme\1"),
    (re.compile(r"dgment(s)?$"), r"dgement\1"),
]


def spellings(word: str) -> tuple[str, ...]:
    american = fold_word(word)
    return tuple(dict.fromkeys((word, american, _british(american))))


_ENDINGS = re.compile(r"(?:our|is|ys|re|ogue|ence|ll|mme|dgement)[a-z]*$")


@lru_cache(maxsize=200_000)
def fold_word(word: str) -> str:
    """One word in the compared form: 'Colour' -> 'color', 'Organised' -> 'organized'."""
    if word.isascii():
        w = word.lower().replace("'", "")
    else:
        w = unicodedata.normalize("NFKD", word.replace("’", "'")).casefold()
        w = "".join(c for c in w if not unicodedata.combining(c)).replace("'", "")
    if len(w) > 4 and _ENDINGS.search(w) and w.isalpha():
        for pattern, repl in _SPELLING:
            new = pattern.sub(repl, w)
            if new != w:
                return new
    return w


@dataclass(frozen=True)
class Folded:
    """A text in the compared form: `text` (its words folded, joined by single spaces); word k
    starts at starts[k] in `text` and is original[k] (start, end) in the text as printed."""

    text: str
    starts: tuple[int, ...]
    original_spans: tuple[tuple[int, int], ...]

    @property
    def words(self) -> int:
        return len(self.starts)

    def original(self, start: int, end: int) -> tuple[int, int]:
        """The span of the printed text covering folded characters start..end-1 (whole words)."""
        if not self.starts or end <= start:
            return (0, 0)
        i = max(0, bisect_right(self.starts, start) - 1)
        if self.text[min(start, len(self.text) - 1)] == " " and i + 1 < len(self.starts):
            i += 1  # the space before word i+1
        j = max(i, bisect_right(self.starts, end - 1) - 1)
        return self.original_spans[i][0], self.original_spans[j][1]


def fold(text: str) -> Folded:
    parts: list[str] = []
    starts: list[int] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    for m in WORD.finditer(text or ""):
        w = fold_word(m.group())
        if not w:
            continue
        starts.append(pos)
        spans.append(m.span())
        parts.append(w)
        pos += len(w) + 1
    return Folded(" ".join(parts), tuple(starts), tuple(spans))


def fragments(quote: str) -> list[Folded]:
    """The quote cut at its ellipses, each piece folded; a piece of fewer than MIN_FRAGMENT_WORDS
    words is joined to its neighbour."""
    pieces = [p for p in ELLIPSIS.split(quote or "") if fold(p).words]
    joined: list[str] = []
    for p in pieces:
        if joined and (fold(p).words < MIN_FRAGMENT_WORDS or fold(joined[-1]).words < MIN_FRAGMENT_WORDS):
            joined[-1] += " " + p
        else:
            joined.append(p)
    return [fold(p) for p in joined]


@dataclass(frozen=True)
class Alignment:
    score: float  # 0..100
    spans: tuple[tuple[int, int], ...]  # matched spans in the original paragraph text
    content: int = 0  # the quote's content words (not stop words) ...
    matched: int = 0  # ... of which this many are in the matched words (as spelt, or misspelt)


def content_words(words: list[str]) -> list[str]:
    """The words that tell one text from another: not stop words, at least 3 letters."""
    return [w for w in words if len(w) >= 3 and w not in STOP_WORDS]


def _matched(qwords: list[str], twords: list[str]) -> tuple[int, int]:
    """(content words of qwords, how many of them twords holds, as spelt or misspelt)."""
    content = content_words(qwords)
    pool = set(twords)
    found = sum(w in pool or any(_cost(w, t) == MISSPELT for t in pool) for w in content)
    return len(content), found


def char_score(quote_fragments: list[Folded], target: Folded) -> float:
    """The quick score (character level only, rapidfuzz's partial_ratio per fragment, weighted
    by length): which candidates are worth the word-level alignment of align()."""
    if not quote_fragments or not target.text:
        return 0.0
    total = sum(len(f.text) for f in quote_fragments)
    return sum(fuzz.partial_ratio(f.text, target.text) * len(f.text) for f in quote_fragments) / total


def align(quote_fragments: list[Folded], paragraph: str, folded: Folded | None = None) -> Alignment:
    """How well the quote (its fragments) matches somewhere in the paragraph: per fragment, the
    character-level best window (partial_ratio) locates it, then a word-level local alignment
    around that window (edit distance over words, a misspelt word costing MISSPELT) scores it
    and gives the matched words. Score = WORD_WEIGHT * word score + the rest * character score."""
    target = folded or fold(paragraph)
    if not quote_fragments or not target.text:
        return Alignment(0.0, ())
    twords = target.text.split(" ")
    total = sum(f.words for f in quote_fragments)
    score, spans, last_end, ordered = 0.0, [], -1, True
    content = matched = 0
    for f in quote_fragments:
        if len(f.text) >= len(target.text):  # the quote holds the whole paragraph (and more)
            r, s, e = fuzz.ratio(f.text, target.text), 0, len(target.text)
        else:
            a = fuzz.partial_ratio_alignment(f.text, target.text)
            r, s, e = a.score, a.dest_start, a.dest_end
        qwords = f.text.split(" ")
        m = len(qwords)
        ws = max(0, bisect_right(target.starts, s) - 1)
        we = bisect_right(target.starts, max(s, e - 1))
        slack = m // 4 + 2
        dist, w0, w1 = word_alignment(qwords, twords, max(0, ws - slack), min(len(twords), we + slack))
        word_score = max(0.0, 100.0 * (1 - dist / m))
        score += (WORD_WEIGHT * word_score + (1 - WORD_WEIGHT) * r) * m / total
        if w0 < last_end:
            ordered = False
        last_end = w1
        if w1 > w0:
            spans.append((target.original_spans[w0][0], target.original_spans[w1 - 1][1]))
        c, k = _matched(qwords, twords[w0:w1])
        content, matched = content + c, matched + k
    if not ordered:
        score *= OUT_OF_ORDER
    return Alignment(round(score, 1), _merge(spans), content, matched)


WORD_WEIGHT = 0.7
MISSPELT = 0.35  # the cost of a word that is a near spelling of the other (vs 1 for another word)
EXTRA_WORD = 0.6  # a paragraph word the quote left out (a quote word missing from the paragraph: 1)


@lru_cache(maxsize=500_000)
def _cost(a: str, b: str) -> float:
    if len(a) >= 4 and len(b) >= 4 and Levenshtein.normalized_similarity(a, b) >= 0.7:
        return MISSPELT
    return 1.0


def word_alignment(q: list[str], t: list[str], lo: int, hi: int) -> tuple[float, int, int]:
    """Local alignment of all of q with some run of t[lo:hi] (free start and end in t): the edit
    distance over words and the run's (start, end) in t."""
    seg = t[lo:hi]
    n = len(seg)
    prev = [0.0] * (n + 1)
    prev_start = list(range(n + 1))
    for i, qi in enumerate(q, 1):
        cur = [float(i)] + [0.0] * n
        cur_start = [0] * (n + 1)
        for j in range(1, n + 1):
            tj = seg[j - 1]
            d = prev[j - 1] + (0.0 if qi == tj else _cost(qi, tj))
            st = prev_start[j - 1]
            up = prev[j] + 1.0
            if up < d:
                d, st = up, prev_start[j]
            left = cur[j - 1] + EXTRA_WORD
            if left < d:
                d, st = left, cur_start[j - 1]
            cur[j] = d
            cur_start[j] = st
        prev, prev_start = cur, cur_start
    best = min(range(1, n + 1), key=lambda j: (prev[j], j)) if n else 0
    return (prev[best] if n else float(len(q))), lo + prev_start[best], lo + best


def _merge(spans: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    out: list[list[int]] = []
    for s, e in sorted(spans):
        if e <= s:
            continue
        if out and s <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return tuple((s, e) for s, e in out)
