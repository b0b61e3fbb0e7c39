"""Dates as the pages print them. Only full dates (day, month and year) count: "May 30" or
"2021" alone give None. Parsing is dateutil's; the regexes here only locate candidates."""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache

from dateutil import parser as du

_INFO = du.parserinfo()
# dateutil knows English month names only; the Russian page clock needs these.
_RU_MONTHS = {
    "январ": "January",
    "феврал": "February",
    "март": "March",
    "апрел": "April",
    "ма": "May",
    "июн": "June",
    "июл": "July",
    "август": "August",
    "сентябр": "September",
    "октябр": "October",
    "ноябр": "November",
    "декабр": "December",
}
_RU_MONTH_RE = re.compile(
    r"\b(январ|феврал|март|апрел|ма|июн|июл|август|сентябр|октябр|ноябр|декабр)[а-яё]*\b", re.IGNORECASE
)

_W = r"[A-Za-z]{3,9}\.?"  # a month word candidate (validated by dateutil's parserinfo)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_DMY = rf"{_DAY}\s+{_W},?\s+\d{{4}}"
_MDY = rf"{_W},?\s+{_DAY},?\s+\d{{4}}"
_RU_W = r"(?:январ|феврал|март|апрел|ма|июн|июл|август|сентябр|октябр|ноябр|декабр)[а-яё]*"
_ISO = r"\d{4}-\d{2}-\d{2}"
DATE_RE = re.compile(
    rf"(?<![\w.])(?:{_DMY}|{_MDY}|\d{{1,2}}\s+{_RU_W}\s+\d{{4}}|{_ISO})(?![\w])", re.IGNORECASE
)
_RU_DATE_RE = re.compile(r"^\d{1,2}\s+[а-яё]+\s+\d{4}$", re.IGNORECASE)
_NUMERIC_RE = re.compile(r"^\d{1,2}\.\d{1,2}\.\d{4}$")
# mid.ru header: "23 August 202019:37" (time glued to the year) or "23 August 2020 19:37"
_DATETIME_RE = re.compile(rf"^(?P<d>{_DMY}|{_MDY})\s*(?P<t>\d{{1,2}}:\d{{2}})$")
_PREFIXED_RE = re.compile(
    r"^(?:submitted(?:\s+on)?|published(?:\s+on)?|posted(?:\s+on)?|publication\s+date|date\s+of\s+publication)"
    r"\s*:?\s*(?P<rest>.{4,60})$",
    re.IGNORECASE,
)
_CLOCK_TIME_RE = re.compile(r"^[^\W\d_][^\W\d_ .'-]*(?:[ .'-]{1,2}[^\W\d_]+){0,3}\s*:\s*\d{1,2}:\d{2}$")

_DIGIT = re.compile(r"\d")
_D1, _D2 = datetime(1901, 1, 1), datetime(1902, 2, 2)


_MONTHS = {
    m.lower(): i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        1,
    )
    for m in names
}
_FAST_DMY = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})", re.IGNORECASE)
_FAST_MDY = re.compile(r"([A-Za-z]{3,9})\.?,?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})", re.IGNORECASE)
_FAST_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def _fast(s: str) -> date | None | bool:
    """The common shapes ('18 March 2022', 'March 18, 2022', '2022-03-18') without dateutil;
    False when the text has another shape (then dateutil reads it)."""
    try:
        if m := _FAST_DMY.fullmatch(s):
            mon = _MONTHS.get(m.group(2).lower())
            return date(int(m.group(3)), mon, int(m.group(1))) if mon else None
        if m := _FAST_MDY.fullmatch(s):
            mon = _MONTHS.get(m.group(1).lower())
            return date(int(m.group(3)), mon, int(m.group(2))) if mon else None
        if m := _FAST_ISO.fullmatch(s):
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None
    return False


@lru_cache(maxsize=4096)
def parse_full_date(text: str, *, dayfirst: bool = False) -> date | None:
    """The date `text` names, when it names day, month and year; else None (never raises)."""
    s = _RU_MONTH_RE.sub(lambda m: _RU_MONTHS[m.group(1).lower()], text.strip())
    fast = _fast(s)
    if fast is not False:
        return fast if fast is None or 1800 <= fast.year <= 2200 else None
    if not s or len(s) > 80:
        return None
    try:
        a = du.parse(s, default=_D1, dayfirst=dayfirst, ignoretz=True)
        b = du.parse(s, default=_D2, dayfirst=dayfirst, ignoretz=True)
    except (ValueError, OverflowError, TypeError):
        return None
    if a.date() != b.date() or not 1800 <= a.year <= 2200:
        return None  # a part was missing (dateutil filled it from the default)
    return a.date()


def _is_month(word: str) -> bool:
    return _INFO.month(word.rstrip(".")) is not None


def find_dates(text: str) -> list[tuple[int, int, date]]:
    """Full English dates in `text`: (start, end, date), in order."""
    found = []
    for m in DATE_RE.finditer(text):
        g = m.group()
        if g[:4].isdigit():  # ISO 2022-03-18
            d = parse_full_date(g)
            if d:
                found.append((m.start(), m.end(), d))
            continue
        words = [w for w in re.findall(r"[A-Za-z]+", g) if w.lower() not in ("st", "nd", "rd", "th")]
        if not (words and _is_month(words[0])) and not _RU_MONTH_RE.search(g):
            continue
        d = parse_full_date(g, dayfirst=True) if g[0].isdigit() else parse_full_date(g)
        if d:
            found.append((m.start(), m.end(), d))
    return found


def date_only(s: str) -> date | None:
    """A line that is nothing but a full date ("3 December 2021", "30 сентября 2016")."""
    if len(s) > 60 or not _DIGIT.search(s):
        return None
    s = re.sub(r"\s+(?:г\.?|года)$", "", s.strip())
    if _RU_DATE_RE.match(s):
        return parse_full_date(s)
    hits = find_dates(s)
    if len(hits) == 1 and hits[0][0] == 0 and hits[0][1] == len(s):
        return hits[0][2]
    return None


def is_clock_time(s: str) -> bool:
    """'Moscow: 07:30', 'Лондон: 23:04': a city's local time in the page header."""
    return len(s) <= 40 and bool(_CLOCK_TIME_RE.match(s.strip()))


def dateline(s: str, loose: bool = True) -> date | None:
    """A publication dateline: '26.01.2018', '23 August 202019:37', 'Submitted on Fri, 11/19/2021 - 11:47';
    `loose`: also a date with a weekday or time around it ('2022-03-18 19:30', 'Friday, 18 March 2022')."""
    s = s.strip()
    if len(s) > 80:
        return None
    if _NUMERIC_RE.match(s):
        return parse_full_date(s, dayfirst=True)
    m = _DATETIME_RE.match(s)
    if m:
        return parse_full_date(m.group("d"))
    m = _PREFIXED_RE.match(s)
    if m:
        rest = re.sub(r"\s+-\s+\d{1,2}:\d{2}(?::\d{2})?\s*$", "", m.group("rest"))  # drop " - 11:47"
        return parse_full_date(rest) or _date_with_time(rest)
    return _date_with_time(s) if loose else None


_TIME_PART = re.compile(
    r"^(?:\d{1,2}[:.]\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?|[ap]\.?m\.?|(?:msk|gmt|utc|bst|est|edt|cet)"
    r"(?:[+-]\d{1,2})?|[-–—|,/•·at]+|г\.?|года)$",
    re.IGNORECASE,
)
_WEEKDAY = re.compile(
    r"^(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?$|^(?:понедельник|вторник|среда|четверг|пятница|суббота"
    r"|воскресенье|пн|вт|ср|чт|пт|сб|вс)$",
    re.IGNORECASE,
)


def _date_with_time(s: str) -> date | None:
    """A line that is one full date with a weekday, a time or separators around it:
    '2022-03-18T14:05:00', '18 March 2022 | 14:05', 'Friday, 18 march 2022, 10:00 MSK'."""
    if not _DIGIT.search(s, 0, 40):
        return None
    s2 = re.sub(r"(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})", r"\1 \2", s)
    hits = find_dates(s2)
    if len(hits) != 1:
        return None
    start, end, d = hits[0]
    rest = (s2[:start] + " " + s2[end:]).replace(",", " , ")
    if rest.strip() and all(_TIME_PART.match(w) or _WEEKDAY.match(w) for w in rest.split()):
        return d
    return None  # nothing around the date (a bare date line is read where it stands), or other words
