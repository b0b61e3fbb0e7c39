"""Suggestions: "did you mean" (each word the index does not know replaced by the closest
frequent word it does know, if that finds more) and "statements by <Full Name>" for a
surname in the query."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from itertools import chain
from typing import TYPE_CHECKING

from whoosh import query as wq

from app.search.budget import Deadline
from app.search.filters import TEXT, tokens
from app.search.planning import allowed_docs, candidates, relax, split_filters
from app.search.query import ParsedQuery, QueryError, parse_query
from app.search.results import SpeakerSuggestion
from app.search.schema import fold_name

if TYPE_CHECKING:
    from app.search.searcher import IndexView

SUGGEST_BELOW = 3  # "did you mean" when a query finds fewer paragraphs than this
SUGGEST_MAX_WORDS = 4  # "did you mean" looks up at most this many unknown words
SUGGEST_MAX_CHARS = 24  # ... of at most this many letters (edit distance grows with length)


def did_you_mean(
    view: IndexView, pq: ParsedQuery, allowed, total: int, max_chars: int, clock: Deadline | None = None
) -> str | None:
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
            text, changed = text[: w.start] + better + text[w.end :], True
    if not changed:
        return None
    try:
        corrected = parse_query(text, max_chars=max(max_chars, len(text)))
    except QueryError:
        return None
    main, in_query = split_filters(corrected.query)
    more = allowed_docs(view, in_query)
    if more is not None:
        allowed = more if allowed is None else allowed & more
    return text if len(candidates(view, relax(main), allowed)) > total else None


def _known(reader, w) -> bool:
    """Is the word in the text, a title or a speaker's name?"""
    if reader.doc_frequency(w.field, w.word):
        return True
    names = fold_name(w.word).split()
    stems = [t for t, _s, _e in tokens(TEXT, w.word)]
    return bool(names and all(reader.doc_frequency("speaker", n) for n in names)) or bool(
        stems and all(reader.doc_frequency("title", t) for t in stems)
    )


def _closest(reader, fieldname: str, word: str) -> str | None:
    """The most frequent word of the text (`fieldname`) or of the speakers' names within one
    edit (two for longer words)."""
    folded = fold_name(word)
    for dist in (1, 2) if len(word) > 4 else (1,):
        found = [
            (reader.doc_frequency(f, w), w)
            for f, q in ((fieldname, word), ("speaker", folded))
            if q
            for w in reader.terms_within(f, q, dist, prefix=1)
            if w not in (word, folded)
        ]
        if found:
            return max(found)[1]
    return None


SPEAKER_SUGGESTIONS = 3


def speaker_suggestions(
    view: IndexView, pq: ParsedQuery, allowed, chosen: Iterable[str]
) -> list[SpeakerSuggestion]:
    """ "Statements by <Full Name>": for each plain word of the query that is part of a
    speaker's name (a surname), the speakers so named, with how many statements (within the
    filters) they have, and the query without that word (to go with the speaker filter)."""
    if pq.empty:
        return []
    taken = {fold_name(c) for c in chosen}
    speakers = view.column("speakers_f")
    out: dict[str, SpeakerSuggestion] = {}
    for w in pq.words:
        folded = fold_name(w.word)
        if not w.plain or not folded or " " in folded or folded.isdigit() or len(folded) < 3:
            continue
        docs = view.filter_docs(wq.Term("speaker", folded))
        if allowed is not None:
            docs = docs & allowed
        every = Counter(chain.from_iterable(map(speakers.__getitem__, docs)))  # counted in C
        counts = Counter(
            {
                name: n
                for name, n in every.items()
                if folded in (f := fold_name(name)).split() and f not in taken
            }
        )
        rest = " ".join((pq.text[: w.start] + pq.text[w.end :]).split())
        for name, n in counts.most_common(SPEAKER_SUGGESTIONS):
            out.setdefault(name, SpeakerSuggestion(name, n, rest))
    return sorted(out.values(), key=lambda s: -s.statements)[:SPEAKER_SUGGESTIONS]
