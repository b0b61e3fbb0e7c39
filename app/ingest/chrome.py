"""Site chrome: lines that belong to the web page around a statement, not to the statement.

Rules are patterns (a city's clock, a phone number, a pager, a run of locale codes …), not
exact strings, so that other pages of the same sites are covered. `line_chrome` applies
anywhere on the page; `header_chrome` only above the title, where a bare heading or a
breadcrumb cannot be body text.
"""
from __future__ import annotations

import re

from app.ingest.dates import is_clock_time

_CONSULAR = re.compile(r"^(?:consular\b|консульск)[^:]{0,40}:.{0,80}$", re.IGNORECASE)
_PHONE = re.compile(r"^(?:(?:tel|phone|telephone|fax|тел|телефон|факс)\.?\s*:?\s*)?\+?[\d\s().\-–/]{7,30}$",
                    re.IGNORECASE)
_EMAIL = re.compile(r"^(?:e-?mail\s*:?\s*)?(?:[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\[email\s*protected\])$",
                    re.IGNORECASE)
_COUNTER = re.compile(r"^\d[\d,.]*\s+days?\s+ha(?:ve|s)\s+passed\s+since\b", re.IGNORECASE)
_LANGS = re.compile(r"^[•·*|]?\s*(?:[a-z]{2,3}-[A-Z]{2}\d*[\s|•·,]*)+$")
_PAGER = re.compile(r"^(?:pages?|страницы)\s*:[\s\d«»‹›<>:.|/…-]*$", re.IGNORECASE)
_SITE_NAME = re.compile(r"^(?:the\s+)?(?:official\s+(?:web\s*)?site\s+of|официальный\s+сайт)\b", re.IGNORECASE)
_CAPTION = re.compile(r"(?:\([^()]{0,80}\bphoto\b\s*(?:/|:|by\b)[^()]{0,80}\)$|^photo(?:\s+credit)?\s*:)",
                      re.IGNORECASE)
_SECTIONS = re.compile(r"^(?:published\s+in\s+sections?|publication\s+status|tags?)\s*:", re.IGNORECASE)
_LINK = re.compile(r"^(?:[\w ]{1,30}:\s*)?(?:https?://|www\.)\S+$", re.IGNORECASE)
_BREADCRUMB = re.compile(r"^(?:.{0,100}\s/|(?:home|главная)\s*[/>»›].{0,100})$", re.IGNORECASE)

# Site controls printed as text (Liferay portlets, the Kremlin's accessibility bar, pagers …).
_CONTROLS = frozenset("""
all messages|web content display|advanced settings|view settings|font size|site colours|site colors
asset publisher|print|print version|share|back|back to list|version for the visually impaired
text version|direct link|direct link to material|read more|more|subscribe|search|menu|skip to content
skip to main content|rss|to top|back to top|home|copy link|все сообщения|версия для печати|поделиться
""".replace("\n", "|").strip("|").split("|"))


def _is_phone(s: str) -> bool:
    """'+44 (0) 203 668 7474', 'Tel.: 8 495 244 1606' (not '1941 – 1945')."""
    if not _PHONE.match(s) or not (s[0] in "+(" or " " in s or not s[0].isdigit()):
        return False
    digits = sum(c.isdigit() for c in s)
    return (9 if s[0].isdigit() else 7) <= digits <= 16


def _is_separator(s: str) -> bool:
    return not any(c.isalnum() for c in s)


# (cheap gate on the lower-cased line, test on the line, reason); the gates keep this fast
_RULES = (
    (lambda low: low[-1].isdigit() and ":" in low, is_clock_time, "page clock"),
    (lambda low: low.startswith(("consular", "консульск")), _CONSULAR.match, "consular line"),
    (lambda low: low[0] in "+(0123456789tfpт", _is_phone, "phone line"),
    (lambda low: "@" in low or "[email" in low, _EMAIL.match, "e-mail line"),
    (lambda low: low[0].isdigit(), _COUNTER.match, "day counter"),
    (lambda low: "-" in low and len(low) < 150, _LANGS.match, "language selector"),
    (lambda low: low.startswith(("page", "стран")), _PAGER.match, "pager"),
    (lambda low: low.startswith(("official", "the official", "официальн")), _SITE_NAME.match, "site name"),
    (lambda low: "photo" in low, _CAPTION.search, "photo caption"),
    (lambda low: low.startswith(("publi", "tag")), _SECTIONS.match, "site control"),
    (lambda low: "http" in low or "www." in low, _LINK.match, "link"),
    (lambda low: len(low) <= 40, lambda s: s.lower().rstrip(":").strip() in _CONTROLS, "site control"),
)


def line_chrome(s: str) -> str | None:
    """Why the stripped line `s` is site chrome wherever it stands, or None."""
    if not s:
        return None
    if _is_separator(s):
        return "separator"
    if len(s) > 200:  # chrome lines are short; the day counters are padded with spaces
        return "day counter" if _COUNTER.match(s) else None
    low = s.lower()
    for gate, test, reason in _RULES:
        if gate(low) and test(s):
            return reason
    return None


def is_caps_heading(s: str) -> bool:
    """'SPEECHES, INTERVIEWS, ARTICLES', 'LATEST EVENTS': a section label in capitals."""
    letters = [c for c in s if c.isalpha()]
    return (4 <= len(letters) and len(s) <= 80 and len(s.split()) <= 8
            and not any(c.islower() for c in letters) and not s.endswith("."))


def header_chrome(s: str) -> str | None:
    """Chrome that only counts above the title."""
    if is_caps_heading(s):
        return "section heading"
    if len(s) <= 100 and (s.endswith("/") or _BREADCRUMB.match(s)):
        return "breadcrumb"
    if s.count(" | ") >= 2 and len(s) <= 300:
        return "navigation"
    return None
