"""The date printed at the end of a title or byline and the place printed next to it:
", Moscow, October 2, 2021", "(13 June 2017, London)"; what reads as a place name."""

from __future__ import annotations

import re
from datetime import date

from app.ingest.dates import find_dates
from app.ingest.genres import GENRES, STOPS
from app.ingest.names import CORE, PLACES

_NOT_PLACES = frozenset(
    """foreign deputy first permanent alternate acting special presidential executive
press information ministry""".split()
)
_PLACE_WORD = re.compile(r"^[A-ZА-ЯЁ][\w’'.-]*$")


def place_name(p: str) -> str | None:
    p = p.strip(" “”\"«»’'()")
    words = p.split()
    if not 1 <= len(words) <= 4 or len(p) > 40:
        return None
    for w in words:
        if w.lower() in CORE or w.lower() in _NOT_PLACES:
            return None
        if w.lower() in GENRES or not (_PLACE_WORD.match(w) or w.lower() in ("upon", "on", "de", "am")):
            return None
    return p


def _venue_before(before: str) -> str | None:
    b = before.rstrip(" ,(")
    if re.search(r"\b(?:on|dated|of|from|since|until|published|as)$", b, re.IGNORECASE):
        return None  # "published April 19, 2017": the date belongs to a phrase, no place
    segs = b.split(",")
    last = segs[-1].strip().lstrip("(")
    if len(segs) > 1 and (p := place_name(last)):
        return p
    m = re.search(r"\bin\s+([A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*){0,2})$", last)
    if m:
        return place_name(m.group(1))
    m = re.search(r"\s((?:New|St\.?|Abu|Tel|Addis|Buenos)\s+[A-Z][\w-]+|[A-Z][\w-]+)$", last)
    if m and m.group(1).split()[-1].lower() in PLACES:  # "Interview of S.V. Lavrov Moscow, 12 March 2022"
        return m.group(1)
    # "… programme “Voskresnoye vremya” Moscow" / "… annual press conference Moscow"
    m = re.search(r"(?:[”\"»]|\b([a-z][\w-]*))\s+([A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)?)$", last)
    if m and (m.group(1) or "").lower() not in STOPS | {
        "the",
        "a",
        "an",
        "and",
        "his",
        "her",
        "its",
        "their",
    }:
        return place_name(m.group(2))
    return None


def date_and_venue(text: str) -> tuple[date | None, str | None, int]:
    """The full date at the end of `text` (", October 2, 2021", "(13 June 2017, London)") and
    the place printed next to it; and where the date starts (len(text) when none)."""
    hits = find_dates(text)
    if not hits:
        return None, None, len(text)
    start, end, d = hits[-1]
    if re.search(r"\bdated\s*$", text[:start], re.IGNORECASE):
        return None, None, len(text)  # "the letter … dated 13 March 2018": a document's date, not the event's
    after = re.fullmatch(r"\s*(?:г\.|года)?\s*((?:,\s*[^\W\d][^(),]{0,40}?){0,3})\s*\)?\s*\.?\s*", text[end:])
    if not after:
        return None, None, len(text)
    return d, _places_after(after.group(1)) or _venue_before(text[:start]), start


def _places_after(tail: str) -> str | None:
    """', The Kremlin, Moscow' -> 'The Kremlin, Moscow'; ', New York, New York' -> 'New York'."""
    parts = [p.strip() for p in tail.split(",") if p.strip()]
    if not parts or not all(place_name(p) for p in parts):
        return None
    return ", ".join(dict.fromkeys(parts))
