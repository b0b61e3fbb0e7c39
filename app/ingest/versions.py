"""Versions of a statement (pure): when each source captured it, which distinct texts exist,
how two texts align paragraph by paragraph, and a word-level diff.

A version is one distinct text: the sequence of its paragraphs' normalised texts (the same
normalisation as paragraph keys, so a typographic reprint is not a new version). A source
page contributes its text at its capture time; the current version is the one holding the
latest capture, so the order pages are ingested in never matters.

Capture time of a source, best evidence first:
  WARC-Date or the manifest's `captured` (a record of the capture),
  the page clock (the date the page says it was rendered; same-day captures then ordered by
  the file's modification time),
  the file's modification time (estimated),
  the ingest time (estimated).
Ties: a later re-parse of the same source (parse_seq), then the full text over a teaser,
more paragraphs, then the smaller sha256.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from app.ingest.keys import normalise_text, short_hash

EXPLICIT = ("WARC-Date", "manifest")
_EPOCH = dt.datetime(1970, 1, 1)


@dataclass(frozen=True)
class Capture:
    when: dt.datetime
    source: str  # WARC-Date | manifest | page clock | file mtime | ingest time
    estimated: bool  # file mtime or ingest time: no record of when the page was captured
    finer: dt.datetime | None = None  # same-day page clocks: the file time orders them

    def sort_key(self) -> tuple[float, float]:
        return (
            (self.when - _EPOCH).total_seconds(),
            (self.finer - _EPOCH).total_seconds() if self.finer else 0.0,
        )


def capture_of(
    captured_at: dt.datetime | None,
    captured_source: str | None,
    page_clock: dt.date | None,
    ingested_at: dt.datetime | None,
) -> Capture:
    """When a source document captured its page, from the best evidence it has."""
    if captured_at is not None and captured_source in EXPLICIT:
        return Capture(captured_at, captured_source, False)
    if page_clock is not None:
        return Capture(dt.datetime.combine(page_clock, dt.time()), "page clock", False, captured_at)
    if captured_at is not None:
        return Capture(captured_at, captured_source or "file mtime", True)
    return Capture(ingested_at or _EPOCH, "ingest time", True)


def text_id(texts: Sequence[str]) -> str:
    """A version's identity: hash of its paragraphs' normalised texts, in order."""
    return short_hash("\n\u2029".join(normalise_text(t) for t in texts), 16)


def suffix(paragraph_key: str) -> str:
    """The part of a paragraph key after the statement key (text hash and occurrence)."""
    return paragraph_key.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class Changes:
    changed: int = 0
    added: int = 0
    removed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"changed": self.changed, "added": self.added, "removed": self.removed}


def changes(old: Sequence[str], new: Sequence[str]) -> Changes:
    """Paragraphs changed, added and removed from `old` to `new` (sequences of paragraph keys or
    hashes): a replaced run of k old and m new paragraphs is min(k, m) changed and the rest
    added or removed; a moved paragraph keeps its key and counts as nothing."""
    moved = set(old) & set(new)
    a, b = list(old), list(new)
    c = ad = rm = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        olds = [x for x in a[i1:i2] if x not in moved]
        news = [x for x in b[j1:j2] if x not in moved]
        k, m = len(olds), len(news)
        c += min(k, m)
        ad += max(0, m - k)
        rm += max(0, k - m)
    return Changes(c, ad, rm)


def successor(old_keys: Sequence[str], old_index: int, new_keys: Sequence[str], text_of) -> tuple[int, bool]:
    """Where paragraph `old_index` of an earlier version went in a later one: (index in
    `new_keys`, whether its words are still there). Aligned by difflib on the keys; a changed,
    split or merged paragraph goes to the most similar new paragraph of its replaced run
    (rapidfuzz: partial ratio, so a half of a split or the whole of a merge scores high), else
    of the whole new text; a paragraph deleted outright goes to the paragraph that now follows
    its place (never to the top of the statement). `text_of(key)` gives a paragraph's text."""
    key = old_keys[old_index]
    if key in new_keys:
        return list(new_keys).index(key), True
    if not new_keys:
        return -1, False
    opcodes = difflib.SequenceMatcher(None, list(old_keys), list(new_keys), autojunk=False).get_opcodes()
    block = next(op for op in opcodes if op[1] <= old_index < op[2])
    _tag, _i1, _i2, j1, j2 = block
    present = set(old_keys)
    candidates = [j for j in range(j1, j2) if new_keys[j] not in present]
    best = _most_similar(text_of(key), candidates, new_keys, text_of)
    if best is None:  # deleted here: look for its words anywhere new (a paragraph moved and edited)
        pool = [j for j in range(len(new_keys)) if new_keys[j] not in present][:2000]
        best = _most_similar(text_of(key), pool, new_keys, text_of)
    if best is not None:
        return best, False
    return min(j1, len(new_keys) - 1), False


SIMILAR = 60  # partial ratio (0-100) for "the same paragraph, revised"


def _most_similar(text: str, candidates: list[int], keys: Sequence[str], text_of) -> int | None:
    """The candidate most like `text` (the first of equals: the head of a split paragraph)."""
    target = normalise_text(text)
    best, score = None, -1
    for j in candidates:
        s = round(fuzz.partial_ratio(target, normalise_text(text_of(keys[j]))))
        if s > score:
            best, score = j, s
    return best if best is not None and score >= SIMILAR else None


_WORDS = re.compile(r"\s+|[^\s]+")


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Word-level diff of two texts: [(op, text)] with op "same", "del" or "ins"; white space
    travels with the words around it. The caller escapes the text for HTML."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    out: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.append(("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(("del", "".join(a[i1:i2])))
        if j2 > j1:
            out.append(("ins", "".join(b[j1:j2])))
    return out


def paragraph_pairs(old_keys: Sequence[str], new_keys: Sequence[str]) -> list[tuple[int | None, int | None]]:
    """The two versions' paragraphs side by side for a diff: (old index, new index), None for
    a paragraph only on one side; a replaced run is paired in order."""
    out: list[tuple[int | None, int | None]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(
        None, list(old_keys), list(new_keys), autojunk=False
    ).get_opcodes():
        if tag == "equal":
            out += [(i1 + d, j1 + d) for d in range(i2 - i1)]
            continue
        k, m = i2 - i1, j2 - j1
        for d in range(max(k, m)):
            out.append((i1 + d if d < k else None, j1 + d if d < m else None))
    return out
