"""Query examples taken from the archive itself, for the Help and home pages: words, a phrase,
a surname, a month and a kind from one real statement of the archive's busiest speaker, each
kept only if it finds something (run through the search like any query). Cached per process
for a few minutes: a page view costs nothing once they are known."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass

from sqlalchemy.orm import Session

CACHE_SECONDS = 300.0
_WORD = re.compile(r"[^\W\d_]{4,}")
_COMMON = frozenset(
    """about after again against also been before being between both could does down
during each from further have having here into itself more most much must only other over same
should some such than that their them then there these they this those through under until very
were what when where which while will with would your""".split()
)
_cache: dict[str, tuple[float, list]] = {}  # archive (data dir) -> (when, examples)
_lock = threading.Lock()


@dataclass(frozen=True)
class Example:
    query: str
    says: str  # what it finds, in words


def _surname(name: str) -> str:
    words = _WORD.findall(name)
    return words[-1].lower() if words else ""


def _candidates(session: Session) -> list[Example]:
    from app import browse
    from app.browse.views import StatementFilter

    top = browse.list_speakers(session, per_page=1).items
    if not top:
        return []
    speaker = top[0]
    rows = browse.list_statements(session, StatementFilter(speakers=(speaker.slug,)), per_page=5).items
    for row in rows:
        st = browse.get_statement(session, row.key)
        paras = [p for p in (st.paragraphs if st else []) if p.turn != "question" and len(p.text) > 80]
        if paras:
            break
    else:
        return []
    text = paras[0].text
    words = [w for w in _WORD.findall(text) if w.lower() not in _COMMON and w.islower()]
    out: list[Example] = []
    surname = _surname(speaker.name)
    if words:
        word = max(words[:40], key=len)
        out.append(Example(word, f"paragraphs with “{word}” (any form of the word)"))
        pair = re.search(r"\b([^\W\d_]{4,}) ([^\W\d_]{4,})\b", text)
        if pair:
            out.append(Example(f'"{pair[0]}"', "the exact phrase"))
        if len(word) >= 7:
            out.append(Example(word[:5] + "*", f"words beginning with “{word[:5]}”"))
        if surname:
            out.append(Example(f"speaker:{surname} {word}", f"“{word}” in statements by {speaker.name}"))
    if surname:
        out.append(Example(f"said:{surname}", f"what {speaker.name} said (not the questions put to them)"))
    if st.date:
        out.append(
            Example(
                f"speaker:{surname} date:{st.date:%Y-%m}" if surname else f"date:{st.date:%Y-%m}",
                f"statements of {st.date:%B %Y}" + (f" by {speaker.name}" if surname else ""),
            )
        )
    if words and st.kind:
        out.append(
            Example(
                f"kind:{st.kind} {words[0]}",
                f"“{words[0]}” in statements of the kind {st.kind.replace('_', ' ')}",
            )
        )
    if len(words) > 1:
        out.append(Example(f"{words[0]} OR {words[-1]}", "either word"))
    return out


def archive_examples(session: Session, finds, archive: str) -> list[Example]:
    """The examples that find something now in `archive` (its data dir, the cache's key);
    `finds(query) -> bool` runs one search."""
    with _lock:
        at, examples = _cache.get(archive, (-CACHE_SECONDS, []))
        if time.monotonic() - at < CACHE_SECONDS:
            return examples
    kept = [e for e in _candidates(session) if _finds(finds, e.query)]
    with _lock:
        _cache[archive] = (time.monotonic(), kept)
    return kept


def _finds(finds, query: str) -> bool:
    try:
        return finds(query)
    except Exception:  # noqa: BLE001 - an example that cannot run is simply not offered
        return False
