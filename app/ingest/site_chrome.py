"""Chrome learnt across the pages of one site at ingest.

A line printed near the top or the bottom of many pages from the same site ("Embassy of
Utopia in London", "Follow us", a menu item) is site chrome even when no rule knows it. The
site of a page is its source folder: scrapers save a site's pages together, and a mixed
folder only makes the evidence weaker, not wrong (a line must recur on many pages).

`learn` is pure: page texts in, {normalised line: number of pages} out. A line counts once
per distinct page (pages are told apart by their longest line, so several snapshots of one
statement do not make its title "recur"); lines that carry a date, a turn label or end a
sentence are never learnt. The parser uses what was learnt as evidence (title_choice: a
recurring line is not the title; a recurring line at the end of the page is dropped).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from app.ingest.dates import date_only, dateline, find_dates
from app.ingest.turns import split_turn

HEAD_LINES = 15  # text lines read at the top of a page
TAIL_LINES = 10  # and at the bottom
MIN_PAGES = 3  # a line must recur on at least this many distinct pages
MIN_SHARE = 0.1  # and on this share of the site's distinct pages


def norm_line(s: str) -> str:
    return " ".join(s.split()).casefold()


def _learnable(s: str) -> bool:
    if not s or len(s) > 150 or s.endswith((",", "?", "!", ";")):
        return False
    if s.endswith(".") and "©" not in s and "rights reserved" not in s.lower():
        return False  # "Thank you." ends many speeches: body text, not chrome
    if split_turn(s) is not None or find_dates(s) or dateline(s) or date_only(s):
        return False
    return any(c.isalpha() for c in s)


def page_lines(text: str) -> tuple[str, set[str]]:
    """A page's signature (its longest line) and the learnable lines at its top and bottom."""
    lines = [s.strip() for s in text.split("\n")]
    lines = [s for s in lines if s]
    if not lines:
        return "", set()
    edge = lines[:HEAD_LINES] + lines[-TAIL_LINES:]
    return max(lines, key=len), {norm_line(s) for s in edge if _learnable(s)}


def learn(texts: Iterable[str]) -> dict[str, int]:
    """{normalised line: distinct pages} for the lines that recur on enough pages of one site."""
    seen: dict[str, set[str]] = {}
    signatures: set[str] = set()
    for text in texts:
        sig, lines = page_lines(text)
        if not sig:
            continue
        signatures.add(sig)
        for line in lines:
            seen.setdefault(line, set()).add(sig)
    need = max(MIN_PAGES, math.ceil(MIN_SHARE * len(signatures)))
    return {line: len(sigs) for line, sigs in sorted(seen.items()) if len(sigs) >= need}


def lookup(learnt: Mapping[str, int] | None):
    """The parser's `learned(line) -> pages` over a learnt table (None when nothing was learnt)."""
    if not learnt:
        return None
    return lambda line: learnt.get(norm_line(line), 0)
