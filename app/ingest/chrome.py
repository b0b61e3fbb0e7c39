"""Site chrome: lines that belong to the web page around a statement, not to the statement.

Rules are patterns (a city's clock, a phone number, a pager, a run of locale codes …), not
exact strings, so that other pages of the same sites are covered. `line_chrome` applies
anywhere on the page; `header_chrome` only above the title, where a bare heading or a
breadcrumb cannot be body text.
"""

from __future__ import annotations

import re

from app.ingest.dates import is_clock_time, parse_full_date

# One pattern per kind of chrome line (declarations alike in shape only; the rules are in _RULES).
_CONSULAR = re.compile(r"^(?:consular\b|консульск)[^:]{0,40}:.{0,80}$", re.IGNORECASE)
_PHONE = re.compile(
    r"^(?:(?:tel|phone|telephone|fax|тел|телефон|факс)\.?\s*:?\s*)?\+?[\d\s().\-–/]{7,30}$", re.IGNORECASE
)
_EMAIL = re.compile(
    r"^(?:e-?mail\s*:?\s*)?(?:[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\[email\s*protected\])$", re.IGNORECASE
)
# an address (or Cloudflare's "[email protected]") glued to other words of a contact line
_EMAIL_IN = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\[email\s*protected\]", re.IGNORECASE)
_COUNTER = re.compile(r"^\d[\d,.]*\s+days?\s+ha(?:ve|s)\s+passed\s+since\b", re.IGNORECASE)
_LANGS = re.compile(r"^[•·*|]?\s*(?:[a-z]{2,3}-[A-Z]{2}\d*[\s|•·,]*)+$")
_PAGER = re.compile(r"^(?:pages?|страницы)\s*:[\s\d«»‹›<>:.|/…-]*$", re.IGNORECASE)
_SITE_NAME = re.compile(
    r"^(?:the\s+)?(?:official\s+(?:web\s*)?site\s+of|официальный\s+сайт)\b", re.IGNORECASE
)
_CAPTION = re.compile(
    r"(?:\([^()]{0,80}\bphoto\b\s*(?:/|:|by\b)[^()]{0,80}\)$|^photo(?:\s+credit)?\s*:)", re.IGNORECASE
)
_SECTIONS = re.compile(r"^(?:published\s+in\s+sections?|publication\s+status|tags?)\s*:", re.IGNORECASE)
_LINK = re.compile(r"^(?:[\w ]{1,30}:\s*)?(?:https?://|www\.)\S+$", re.IGNORECASE)
_BREADCRUMB = re.compile(r"^(?:.{0,100}\s[/\\>»›]|(?:home|main|главная)\s*[/\\>»›|].{0,100})$", re.IGNORECASE)
_CRUMB_SEP = re.compile(r"\s[/\\>»›|]\s")
_DATE_OR_TIME = re.compile(r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}:\d{2}\b|\b\d{1,2}\.\d{1,2}\.\d{4}\b")
_HOURS = re.compile(r"\b\d{1,2}[:.]\d{2}\s*(?:[-–—]|to|до)\s*\d{1,2}[:.]\d{2}\b", re.IGNORECASE)
_HOURS_WORDS = re.compile(
    r"^(?:opening|office|working|business|reception|consular)\s+hours\b|^часы\s+(?:работы|приёма|приема)"
    r"|\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b|\b(?:пн|вт|ср|чт|пт|сб|вс|понедельник|пятница)",
    re.IGNORECASE,
)
_PHONE_LABELS = re.compile(
    r"\b(?:tel|telephone|phone|fax|mob|mobile|hotline|hot line|helpline|duty phone|emergency|"
    r"consular|reception|тел|телефон|факс|моб)\b\.?",
    re.IGNORECASE,
)
_READ_IN = re.compile(
    r"^(?:(?:read|view|see|open)(?:\s+(?:this|the|it))?(?:\s+(?:page|article|text|statement|document|"
    r"version))?\s+in\s+\w+|(?:this\s+(?:page|article|text)\s+is\s+)?(?:also\s+)?available\s+in\b.{0,60}"
    r"|(?:читать|смотреть|открыть|версия)\s+на\s+\w+(?:\s+языке)?|\w+\s+(?:version|версия))[.:]?$",
    re.IGNORECASE,
)
_DOMAIN = re.compile(
    r"^(?:[\w-]+\.)+(?:ru|com|org|gov|uk|net|int|info|eu|us|de|fr|cn|in|by|kz|ua|su|рф)/?$", re.IGNORECASE
)
_DOC_NUMBER = re.compile(r"^\d{1,6}(?:[-/]\d{1,6}){2,4}$|^(?:no|№|#)\.?\s*\d[\d\-/]{0,20}$", re.IGNORECASE)
_SITE_HEADER = re.compile(
    r"\bofficial\s+(?:web\s*)?(?:site|website|portal|page)\b|\bофициальный\s+(?:сайт|портал)\b", re.IGNORECASE
)

# Site controls printed as text (Liferay portlets, the Kremlin's accessibility bar, pagers …).
# Languages as a switcher prints them: each in its own script (and English names, ISO codes).
LANGUAGE_NAMES = frozenset(
    """
english русский français francais español espanol deutsch italiano português portugues 中文 简体中文 繁體中文 العربية
عربي 日本語 한국어 türkçe turkce polski українська қазақша srpski српски български čeština magyar română ελληνικά
tiếng việt فارسی हिन्दी bahasa indonesia nederlands svenska norsk suomi dansk eesti latviešu lietuvių հայերեն ქართული
azərbaycan o'zbek oʻzbekcha тоҷикӣ кыргызча монгол עברית ไทย беларуская slovenčina slovenščina hrvatski
russian french spanish german chinese arabic portuguese italian japanese korean turkish ukrainian
en ru fr es de zh ar pt it ja ko tr pl uk kk sr bg cs hu ro el vi fa hi id nl sv no fi da et lv lt hy ka az uz be
eng rus fra esp deu
""".split()
)
# Share, print and social links printed as text, in the languages of these sites.
_SOCIAL = frozenset(
    """
share print tweet facebook twitter x telegram vk vkontakte whatsapp viber linkedin pinterest reddit odnoklassniki
youtube instagram rss email e-mail mail copy link links version printable send friend comments comment bookmark
imprimir impressão impressao versão versao imprimer imprimable drucken druckversion stampa condividi compartir
partager teilen печать печати версия поделиться отправить ссылка ссылку копировать распечатать follow subscribe
подписаться
""".split()
)
_FILLER = frozenset(
    """de la le du des на для the a this page on to via by with in of for и по в us our social
networks network media channel channels нас""".split()
)
_CONTROLS = frozenset(
    """
all messages|web content display|advanced settings|view settings|font size|site colours|site colors
asset publisher|print|print version|share|back|back to list|version for the visually impaired
text version|direct link|direct link to material|read more|more|subscribe|search|menu|skip to content
skip to main content|rss|to top|back to top|home|copy link|все сообщения|версия для печати|поделиться
""".replace("\n", "|")
    .strip("|")
    .split("|")
)


def _is_phone(s: str) -> bool:
    """'+44 (0) 203 668 7474', 'Tel.: 8 495 244 1606' (not '1941 – 1945')."""
    if not _PHONE.match(s) or not (s[0] in "+(" or " " in s or not s[0].isdigit()):
        return False
    digits = sum(c.isdigit() for c in s)
    return (9 if s[0].isdigit() else 7) <= digits <= 16


def _is_phones(s: str) -> bool:
    """'Tel.: +7 495 123-45-67, +7 495 765-43-21; Fax: (495) 111 2233': only labels and numbers."""
    rest = _PHONE_LABELS.sub(" ", s)
    if any(c.isalpha() for c in rest) or _DATE_OR_TIME.search(s):
        return False
    digits = sum(c.isdigit() for c in rest)
    return digits >= 9 and (s[0] in "+(" or not s[0].isdigit() or " " in s) and not _HOURS.search(s)


def _is_contact(s: str) -> bool:
    """A short line made of e-mail addresses, phone numbers and their labels."""
    if len(s) > 120:
        return False
    rest = _EMAIL_IN.sub(" ", s)
    words = [w for w in re.split(r"[\s,;:|/]+", _PHONE_LABELS.sub(" ", rest)) if any(c.isalpha() for c in w)]
    return rest != s and len(words) <= 3 and not s.endswith(".")


def _is_doc_number(s: str) -> bool:
    """'2432-20-10-2014', 'No. 123-10-2020' (not a date such as '11/19/2021')."""
    return (
        bool(_DOC_NUMBER.match(s))
        and parse_full_date(s) is None
        and parse_full_date(s, dayfirst=True) is None
    )


def _is_hours(s: str) -> bool:
    return len(s) <= 120 and bool(_HOURS.search(s)) and bool(_HOURS_WORDS.search(s))


_READ_IN_STARTS = frozenset("read view see open this also available читать смотреть открыть версия".split())


def _first_word(s: str) -> str:
    parts = s.lower().split(None, 1)
    return parts[0].strip("|/•·,;:()[]") if parts else ""


def _words(s: str) -> list[str]:
    return [w for w in re.split(r"[\s|/•·,;:()\[\]]+", s.lower()) if w and any(c.isalnum() for c in w)]


def is_language_switcher(s: str) -> bool:
    """'English | Русский | Français', 'EN RU FR', 'English version', 'Читать на русском'."""
    if len(s) > 120:
        return False
    first = _first_word(s)
    if (
        first not in LANGUAGE_NAMES
        and first not in _READ_IN_STARTS
        and " version" not in s.lower()
        and " версия" not in s.lower()
    ):
        return False
    if _READ_IN.match(s):
        m = _READ_IN.match(s)
        return any(
            w in LANGUAGE_NAMES
            or w.startswith(("русск", "английск", "французск", "испанск", "немецк", "китайск"))
            for w in _words(m.group())
        )
    ws = _words(s)
    if not ws:
        return False
    joined = " ".join(ws)
    names = sum(w in LANGUAGE_NAMES for w in ws) + (joined in LANGUAGE_NAMES)
    return (
        (len(ws) >= 2 and all(w in LANGUAGE_NAMES for w in ws))
        or (
            len(ws) == 1
            and names
            and ws[0] not in ("en", "de", "it", "no", "id", "be", "a", "x")
            and not ws[0].isascii()
        )
        or joined in ("tiếng việt", "bahasa indonesia")
    )


def is_social(s: str) -> bool:
    """'Share', 'Print version', 'Facebook Twitter Telegram', 'Versão de impressão'."""
    if len(s) > 80:
        return False
    first = _first_word(s)
    if first not in _SOCIAL and first not in _FILLER:
        return False
    ws = _words(s)
    return bool(ws) and all(w in _SOCIAL or w in _FILLER for w in ws) and any(w in _SOCIAL for w in ws)


_PHONE_STARTS = (
    "tel",
    "phone",
    "fax",
    "mob",
    "hot",
    "help",
    "duty",
    "emergency",
    "reception",
    "тел",
    "факс",
    "моб",
)
_SENTENCE = (".", "?", "!", ",", ";", "…")


_ALNUM = re.compile(r"[^\W_]")


def _is_separator(s: str) -> bool:
    return _ALNUM.search(s) is None


# (cheap gate on the lower-cased line, test on the line, reason); the gates keep this fast
_RULES = (
    (lambda low: low[-1].isdigit() and ":" in low, is_clock_time, "page clock"),
    (lambda low: low.startswith(("consular", "консульск")), _CONSULAR.match, "consular line"),
    (lambda low: low[0] in "+(0123456789tfpт", _is_phone, "phone line"),
    (lambda low: "@" in low or "[email" in low, lambda s: _EMAIL.match(s) or _is_contact(s), "e-mail line"),
    (
        lambda low: len(low) <= 120 and (low[0] in "+(0123456789" or low.startswith(_PHONE_STARTS)),
        _is_phones,
        "phone line",
    ),
    (lambda low: len(low) <= 120 and (":" in low or "." in low), _is_hours, "opening hours"),
    (lambda low: len(low) <= 30 and (low[0].isdigit() or low[0] in "n№#"), _is_doc_number, "document number"),
    (
        lambda low: len(low) <= 120 and not low.endswith(_SENTENCE) and low.count(" ") < 12,
        is_language_switcher,
        "language selector",
    ),
    (
        lambda low: len(low) <= 80 and not low.endswith(_SENTENCE) and low.count(" ") < 8,
        is_social,
        "share or print link",
    ),
    (lambda low: "." in low and " " not in low, _DOMAIN.match, "site name"),
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
    if len(s) > 80 or s.endswith(".") or not s.isupper():
        return False
    return len(s.split()) <= 8 and sum(c.isalpha() for c in s) >= 4


def header_chrome(s: str) -> str | None:
    """Chrome that only counts above the title."""
    if is_caps_heading(s):
        return "section heading"
    if len(s) <= 100 and (s.endswith(("/", "\\")) or _BREADCRUMB.match(s)):
        return "breadcrumb"
    if (
        len(s) <= 160
        and len(_CRUMB_SEP.findall(s)) >= 2
        and all(len(p.split()) <= 6 for p in _CRUMB_SEP.split(s))
    ):
        return "breadcrumb"
    if len(s) <= 120 and _SITE_HEADER.search(s):
        return "site name"
    if s.count(" | ") >= 2 and len(s) <= 300:
        return "navigation"
    return None
