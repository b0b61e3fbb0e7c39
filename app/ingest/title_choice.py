"""Which line near the top of a page is the statement's title: chosen by evidence, not position.

The candidates are the text lines left above the first body paragraph (a prose line, or a
turn). Each is scored by what it looks like:

    + a kind noun ("remarks", "press conference"), a speaker (more with a role), a date, a venue
    + a title's length; printed twice with the body right after the last copy
    + nearness to the body, the first line after the chrome
    - a section heading in capitals, a breadcrumb or menu, a site or institution header
      ("Permanent Mission of … to the United Nations"), a genre label ("Speech", "News story")
    - one of a run of short lines (a menu), indented, in another script than the page
    - a sentence, a salutation, a line ending in a comma or colon

The best wins; the lines above it are chrome. When the runner-up is close the choice is
reported in the warnings. Pure functions over the page's lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from app.ingest.chrome import header_chrome
from app.ingest.genres import genre_only
from app.ingest.names import CORE, INSTITUTIONS, MODIFIERS, split_role_name
from app.ingest.titles import TitleInfo, analyse_title
from app.ingest.turns import split_turn

MAX_CANDIDATES = 14
_HEADER_WORDS = INSTITUTIONS | MODIFIERS
CLOSE = 1.5  # a runner-up within this many points is reported
_SALUTATION = re.compile(
    r"^(?:dear|ladies|mr\.?|mrs\.?|ms\.?|madam|your\s+(?:excellenc|majest|royal|highness)|"
    r"excellenc|colleagues|friends|distinguished|good\s+(?:morning|afternoon|evening)|"
    r"thank\s+you|уважаем|дорог)",
    re.IGNORECASE,
)
_ADDRESSEE = re.compile(r"^(?:to|attn|attention|кому)\s*:\s", re.IGNORECASE)
_SENTENCE_END = (".", "!", "?", "…", '."', ".”", "»")


def is_body_line(s: str) -> bool:
    """A line the body starts at: prose, or a turn ("Q.: Ambassador, how …")."""
    if len(s) > 200:
        return True
    if len(s) >= 40 and s.endswith(_SENTENCE_END) and len(s.split()) >= 7:
        return True
    t = split_turn(s)
    return t is not None and len(t.text) >= 20


_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_CYRILLIC = re.compile(r"[\u0400-\u052f]")
_OTHER = re.compile(
    "[\u0530-\u08ff\u0900-\u0dff\u0e00-\u0e7f\u10a0-\u10ff\u1100-\u11ff\u3040-\u30ff"
    "\u3400-\u9fff\uac00-\ud7af]"
)  # Armenian … Arabic, Indic, Thai, Georgian, Hangul, kana, CJK


def script_of(s: str) -> str | None:
    """'latin', 'cyrillic', 'other' for the letters of `s` (None: no letters)."""
    lat = len(_LATIN.findall(s))
    cyr = len(_CYRILLIC.findall(s))
    oth = len(_OTHER.findall(s))
    n = lat + cyr + oth
    if not n:
        return None
    best = max((lat, "latin"), (cyr, "cyrillic"), (oth, "other"))
    return best[1] if best[0] >= 0.8 * n else "mixed"


@dataclass(frozen=True)
class Candidate:
    line: int  # 0-based index into the page's lines
    score: float
    why: tuple[str, ...]  # the features that made the score, for --explain
    chrome: str | None = None  # what it is taken for when not the title


@lru_cache(maxsize=4096)
def _intrinsic(s: str) -> tuple[float, tuple[str, ...], str | None]:
    """The score a line earns on its own (cached: site headers recur on every page): what it says,
    then what shape it has."""
    hc = header_chrome(s)
    if hc in ("breadcrumb", "navigation", "site name"):
        return -8.0, (hc,), hc
    info = analyse_title(s)
    people = [p for p in info.speakers if p.kind == "person"]
    said, why, chrome = _what_it_says(info, people, hc)
    shape, why_shape, chrome_shape = _shape(s, bool(info.kind) and bool(people))
    return said + shape, why + why_shape, chrome_shape or chrome


def _what_it_says(info: TitleInfo, people: list, hc: str | None) -> tuple[float, tuple[str, ...], str | None]:
    """Points for a kind, speakers, a date and a venue; a section heading loses them unless it
    names a kind and a person."""
    score, why, chrome = 0.0, [], None
    if hc == "section heading" and not (info.kind and people):
        score -= 3 if info.date or people else 4
        why.append("section heading")
        chrome = "section heading"
    if info.kind:
        score += 3
        why.append(f"kind {info.kind}")
    if people:
        score += 3 if any(p.role for p in people) else 2
        why.append("speaker with role" if any(p.role for p in people) else "speaker")
        why += [
            f"speaker {p.printed} in the genitive, read as {p.name}"
            for p in people
            if getattr(p, "printed", None)
        ]
    elif info.speakers or info.unnamed:
        score += 1
        why.append("institution" if info.speakers else "role")
    if info.date:
        score += 2
        why.append("date")
    if info.venue:
        score += 0.5
        why.append("venue")
    return score, tuple(why), chrome


def _shape(s: str, titled: bool) -> tuple[float, tuple[str, ...], str | None]:
    """Points for a title's shape: a genre label or institution header, its length, how it ends,
    an addressee or a salutation. `titled`: it names a kind and a person (a sentence may be a title)."""
    score, why, chrome = 0.0, [], None
    if genre_only(s):
        score -= 7  # its kind point given back and more: "Speech", "Security Council: Press Conference"
        why.append("genre label")
        chrome = "genre label"
    elif _institution_only(s):
        score -= 4
        why.append("institution or site header")
        chrome = "site header"
    n = len(s.split())
    if n <= 2:
        score -= 2
        why.append("very short")
    elif n <= 40:
        score += 1
        why.append("title length")
    elif n > 50:
        score -= 2
        why.append("too long")
    if s.endswith((",", ";")):
        score -= 3
        why.append("ends with a comma")
    elif s.endswith(":"):
        score -= 2
        why.append("ends with a colon")
    elif s.endswith(_SENTENCE_END) and not titled and (n > 12 or s.endswith(".")):
        score -= 2 if n > 12 else 1
        why.append("reads as a sentence")
    if _ADDRESSEE.match(s):
        score -= 4
        why.append("addressee line")
        chrome = "addressee"
    if _SALUTATION.match(s) and n <= 8:
        score -= 3
        why.append("salutation")
    return score, tuple(why), chrome


def _institution_only(s: str) -> bool:
    """The whole line names an institution and nothing else."""
    words = s.split()
    if len(words) < 2 or len(words) > 16 or not any(w.lower().strip(",.") in _HEADER_WORDS for w in words):
        return False
    a = split_role_name(s)
    if a.end < len(words) or a.name:
        return False
    return bool(a.institution) or (
        bool(a.role) and not any(w.lower() in CORE for w in (a.role or "").split())
    )


def choose(
    lines: Sequence[str],
    order: Sequence[int],
    indent: Sequence[int],
    page_script: str | None,
    learned: Callable[[str], int] | None = None,
    body_found: bool = True,
) -> tuple[Candidate | None, list[Candidate]]:
    """Score the candidate lines `order` (indexes, top to bottom); the best and all of them.
    `body_found`: the body starts right after the last candidate (else no nearness bonus)."""
    if not order:
        return None, []
    texts = [lines[i] for i in order]
    norms = [" ".join(t.split()).casefold() for t in texts]
    short = [len(t) <= 40 and len(t.split()) <= 5 for t in texts]
    cands: list[Candidate] = []
    n = len(order)
    for k, i in enumerate(order):
        s = texts[k]
        score, why, chrome = _intrinsic(s)
        why = list(why)
        if short[k] and _short_run(order, short, k) >= 4:
            score -= 3
            why.append("one of many short lines")
            chrome = chrome or "navigation menu"
        if indent[i] >= 2 and short[k]:
            score -= 2
            why.append("indented")
            chrome = chrome or "navigation menu"
        sc = script_of(s)
        if page_script and sc and sc != page_script and sc != "mixed" and len(s) <= 80:
            score -= 6
            why.append(f"{sc} script on a {page_script} page")
            chrome = chrome or "another script"
        if learned is not None and (pages := learned(s)):
            score -= 8
            why.append(f"recurs on {pages} pages of the site")
            chrome = f"recurs on {pages} pages of the site"
        g0, g1 = _copies(norms, k)
        if g1 > g0:
            if g1 + 1 < n and max(_intrinsic(texts[m])[0] for m in range(g1 + 1, n)) > _intrinsic(s)[0]:
                score -= 2
                why.append("printed twice above other lines")
                chrome = chrome or "repeated header line"
            elif k == g1:
                score += 1
                why.append("printed twice")
            else:
                score -= 0.5  # the last copy stands for them all
        near, why_near = _position(k, n, g0 == 0 and g1 >= k, body_found)
        score += near
        why += why_near
        cands.append(Candidate(i, round(score, 2), tuple(why), chrome))
    best = max(cands, key=lambda c: (c.score, -c.line))
    return best, cands


def _position(k: int, n: int, first_copies: bool, body_found: bool) -> tuple[float, list[str]]:
    """Points for where candidate k of n stands: next to the body, or first after the chrome
    (`first_copies`: it is one of identical lines that open the candidates)."""
    score, why = 0.0, []
    d = n - 1 - k
    if d == 0 and not body_found and n > 1:
        score -= 3
        why.append("no text below it")
    if d <= 1 and body_found:
        score += 2 - d
        why.append("next to the body" if d == 0 else "near the body")
    if k == 0 or first_copies:
        score += 1 if body_found else 2.5  # no body in sight: a short page, read top down
        why.append("first line after the chrome")
    return score, why


def _short_run(order: Sequence[int], short: list[bool], k: int) -> int:
    """How many short lines stand one under the other around candidate k (a menu)."""
    run, n = 1, len(order)
    j = k - 1
    while j >= 0 and short[j] and order[j] == order[j + 1] - 1:
        run, j = run + 1, j - 1
    j = k + 1
    while j < n and short[j] and order[j] == order[j - 1] + 1:
        run, j = run + 1, j + 1
    return run


def _copies(norms: list[str], k: int) -> tuple[int, int]:
    """The run of identical candidates candidate k is in (first and last, inclusive)."""
    g0, g1 = k, k
    while g0 > 0 and norms[g0 - 1] == norms[k]:
        g0 -= 1
    while g1 + 1 < len(norms) and norms[g1 + 1] == norms[k]:
        g1 += 1
    return g0, g1
