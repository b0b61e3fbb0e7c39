"""find_quote(): a quote in, the paragraphs that said it out (the object of docs/quote-json.md).

1. Candidates: the CANDIDATES paragraphs sharing most of the quote's rarer words, from the
   index (app.search.quote; each word also under its other spelling, British or American).
2. Each candidate gets the quick character-level score; the best ALIGNED are aligned with the
   quote word by word (app.quote.align): that score (0-100) ranks them (ties: the earliest date,
   then the key); results below WEAK_SCORE are not shown, those below MIN_SCORE are shown as
   weak matches (`weak`), after the others.
3. The words a result matched (its span) are looked for in every candidate: the paragraphs
   holding them (SAME_WORDS) are where those words appear; the earliest date among them is
   `earliest`, and those of other statements dated later are `quoted_later_by`.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from rapidfuzz import fuzz
from sqlalchemy.orm import Session

from app.quote.align import WORD, Folded, align, char_score, fold, fragments, spellings
from app.search.budget import Deadline
from app.search.quote import candidates as index_candidates
from app.search.quote import quote_words
from app.search.results import fetch_paragraphs
from app.urls import paragraph_path, statement_path

MAX_QUOTE_CHARS = 1000  # as long as a search query may be (ARCHIVE_MAX_QUERY_CHARS default)
MAX_LIMIT = 50
CANDIDATES = 60  # paragraphs from the index, scored quickly (character level) ...
ALIGNED = 12  # ... of which the best this many (or `limit`) are aligned word by word and ranked
MIN_SCORE = 55.0  # a match; results scoring less are weak matches, shown as such, down to ...
WEAK_SCORE = 50.0  # ... this (quotes not in the archive: benchmarks/README.md, quote finder)
SAME_WORDS = 90.0  # a paragraph holds a result's words when their span aligns with it this well
MAX_PLACES = 20  # quoted_later_by and other_places list at most this many (`places` counts them all)
MAX_SPAN_FOR_SAME = 400  # characters of a result's span looked for elsewhere (its start, when longer)


class QuoteError(Exception):
    """A quote that cannot be looked for: `message` says why; `status` 400 (no words) or 422 (too long)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def check_quote(quote: str | None) -> str:
    text = (quote or "").strip()
    if not text:
        raise QuoteError("Enter the quote to look for (a few words at least).")
    if len(text) > MAX_QUOTE_CHARS:
        raise QuoteError(
            f"The quote is too long: at most {MAX_QUOTE_CHARS:,} characters "
            f"({len(text):,} given). Paste the part you are looking for.",
            422,
        )
    words = len(WORD.findall(text))
    if words == 0:
        raise QuoteError("The quote has no words (only punctuation or symbols).")
    return text


@dataclass
class _Candidate:
    key: str
    n: int
    text: str
    label: str | None
    speaker: str | None
    statement_id: int
    statement_key: str
    title: str
    kind: str
    date: str | None  # event date, else published (ISO)
    folded: Folded
    score: float = 0.0
    spans: tuple = ()
    content: int = 0
    matched: int = 0


def _load(session: Session, keys: list[str]) -> tuple[list[_Candidate], dict[int, list[dict]]]:
    by_key, sole = fetch_paragraphs(session, keys)  # the paragraphs search shows, the same rows
    speakers = {sid: [{"name": name, "role": role} for name, role in names] for sid, names in sole.items()}
    out = []
    for r in by_key.values():
        when = r.date or r.published
        out.append(
            _Candidate(
                key=r.key,
                n=r.n,
                text=r.text,
                label=r.label,
                speaker=r.turn_name or r.speaker_name,
                statement_id=r.statement_id,
                statement_key=r.statement_key,
                title=r.title,
                kind=r.kind,
                date=when.isoformat() if when else None,
                folded=fold(r.text),
            )
        )
    return out, speakers


def highlight(text: str, spans) -> str:
    """The paragraph as HTML: escaped, the matched spans in <mark>."""
    out, pos = [], 0
    for s, e in spans:
        out += [escape(text[pos:s]), "<mark>", escape(text[s:e]), "</mark>"]
        pos = e
    out.append(escape(text[pos:]))
    return "".join(out)


def _order(c: _Candidate):
    return (-c.score, c.date or "9999-99-99", c.key)


def find_quote(
    view,
    session: Session,
    quote: str | None,
    *,
    limit: int = 10,
    min_score: float | None = None,
    deadline: float | None = None,
) -> dict:
    """Raises QuoteError for a quote that cannot be looked for (message for the user).
    `min_score` (benchmarks only): show results down to this score instead of WEAK_SCORE.
    `deadline`: seconds of index work (the server's ARCHIVE_SEARCH_DEADLINE); past it the
    candidates are those found so far and the result says `approximate`. None: no deadline."""
    text = check_quote(quote)
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
        raise QuoteError(f"limit must be a whole number from 1 to {MAX_LIMIT}")
    frags = fragments(text)
    words = [spellings(w) for w in quote_words(text)]
    clock = Deadline(deadline) if deadline is not None else None
    keys = [k for k, _w in index_candidates(view, words, limit=CANDIDATES, clock=clock)]
    found, speakers = _load(session, keys)
    rank = {k: i for i, k in enumerate(keys)}
    found.sort(key=lambda c: rank[c.key])  # the index's order: the likeliest scored first
    # Scoring costs with the paragraphs' length (a 200 KB paragraph: ~0.5 s): past the clock's
    # hard limit the candidates not yet scored are left out (and the result is approximate).
    found = found[: _within(clock, found, lambda c: _quick_score(c, frags))]
    found.sort(key=_order)
    aligned = found[: max(limit, ALIGNED)]
    aligned = aligned[: _within(clock, aligned, lambda c: _align(c, frags))]
    aligned.sort(key=_order)
    floor = WEAK_SCORE if min_score is None else min_score
    shown = [c for c in aligned if c.score >= floor][:limit]
    results = [_result(c, found, speakers, clock) for c in shown]
    return {
        "quote": text,
        "fragments": [f.text for f in frags],
        "candidates": len(found),
        "approximate": bool(clock and clock.cut),
        "results": results,
    }


def _within(clock: Deadline | None, items: list, step) -> int:
    """Apply `step` to the items in order until the clock's hard limit; how many it reached."""
    for i, item in enumerate(items):
        if clock is not None and clock.past_hard():
            clock.cut = True
            return i
        step(item)
    return len(items)


def _quick_score(c: _Candidate, frags) -> None:
    c.score = char_score(frags, c.folded)


def _align(c: _Candidate, frags) -> None:
    a = align(frags, c.text, c.folded)
    c.score, c.spans, c.content, c.matched = a.score, a.spans, a.content, a.matched


def _brief(c: _Candidate, speakers: dict[int, list[dict]]) -> dict:
    return {
        "key": c.key,
        "url": paragraph_path(c.key),
        "n": c.n,
        "date": c.date,
        "speaker": _speaker(c, speakers),
        "statement": {"key": c.statement_key, "title": c.title, "url": statement_path(c.statement_key)},
    }


def _speaker(c: _Candidate, speakers: dict[int, list[dict]]) -> str | None:
    if c.speaker:
        return c.speaker
    names = [s["name"] for s in speakers.get(c.statement_id, [])]
    return ", ".join(names) or None


def _result(c: _Candidate, found: list[_Candidate], speakers: dict[int, list[dict]], clock=None) -> dict:
    same = _holding_words(c, found, clock)
    dated = sorted((o for o in same if o.date), key=lambda o: (o.date, o.key))
    earliest = dated[0] if dated and (not c.date or dated[0].date < c.date) else c
    later = [o for o in dated if c.date and o.date > c.date and o.statement_id != c.statement_id]
    others = [o for o in same if o is not c]
    return {
        "key": c.key,
        "url": paragraph_path(c.key),
        "score": c.score,
        "weak": c.score < MIN_SCORE,
        "words_matched": [c.matched, c.content],
        "n": c.n,
        "speaker": _speaker(c, speakers),
        "label": c.label,
        "date": c.date,
        "text": c.text,
        "spans": [list(s) for s in c.spans],
        "highlight": highlight(c.text, c.spans),
        "statement": {
            "key": c.statement_key,
            "title": c.title,
            "kind": c.kind,
            "date": c.date,
            "speakers": speakers.get(c.statement_id, []),
            "url": statement_path(c.statement_key),
        },
        "earliest": {
            "date": earliest.date,
            "key": earliest.key,
            "url": paragraph_path(earliest.key),
            "this": earliest is c,
        },
        "quoted_later_by": [_brief(o, speakers) for o in later[:MAX_PLACES]],
        "other_places": [
            _brief(o, speakers) for o in sorted(others, key=lambda o: (o.date or "9999", o.key))[:MAX_PLACES]
        ],
        "places": len(same),
    }


def _holding_words(c: _Candidate, found: list[_Candidate], clock: Deadline | None = None) -> list[_Candidate]:
    """The candidates (c among them) whose text holds the words c matched (those looked at
    before the clock's hard limit)."""
    if not c.spans:
        return [c]
    words = fold(" ".join(c.text[s:e] for s, e in c.spans)[:MAX_SPAN_FOR_SAME])
    out = []
    for o in found:
        if o is c:
            out.append(o)
        elif clock is not None and clock.past_hard():
            clock.cut = True
        elif fuzz.partial_ratio(words.text, o.folded.text) >= SAME_WORDS:
            out.append(o)
    return out


def quote_archive(settings, factory, quote: str | None, *, limit: int = 10) -> dict:
    """One quote look-up on a searcher opened for it (the CLI; a server keeps a SearcherHolder)."""
    from app.search.searcher import IndexView

    view = IndexView.open(settings.index_dir)
    try:
        with factory() as session:
            return find_quote(view, session, quote, limit=limit)
    finally:
        view.close()
