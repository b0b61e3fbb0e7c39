"""Field filters and their values, shared by the query language (`speaker:lavrov`) and the
search parameters (speaker=…): names, kinds, dates, years. Raises QueryError for values
that make no sense, with a message for the user."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence

from whoosh import query as wq

from app.ingest.types import KINDS
from app.periods import period
from app.search.schema import NAME_FIELDS, exact_analyzer, fold_name, text_analyzer

FIELDS = ("speaker", "said", "kind", "venue", "topic", "date", "year", "title", "label")
MIN_PREFIX = 2
_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")

TEXT = text_analyzer()
EXACT = exact_analyzer()


TITLE_BOOST = 3.0  # a plain word found in a statement's title ...
SPEAKER_BOOST = 3.0  # ... or in its speakers' names: such statements rank high


class AlsoStatement(wq.Or):
    """A plain word's statement-level alternatives: the statement's title and its speakers'
    names. They find and rank the statement; its paragraphs match only through the other
    parts of the query, or, when nothing else picks one, the statement's first paragraph
    stands for it (resolution.resolve)."""


def leaves(q: wq.Query, skip: tuple[type, ...] = ()) -> Iterable[wq.Query]:
    """The leaves of a query (under ConstantScoreQuery, NOT and any compound query: And, Or,
    and those the parser does not build, such as Sequence, whose leaves also cost and may need
    expanding), leaving out the subtrees of the types in `skip`."""
    if isinstance(q, skip):
        return
    if isinstance(q, wq.ConstantScoreQuery):
        yield from leaves(q.child, skip)
    elif isinstance(q, wq.compound.CompoundQuery):
        for sub in q.subqueries:
            yield from leaves(sub, skip)
    elif isinstance(q, wq.Not):
        yield from leaves(q.query, skip)
    else:
        yield q


def statement_alternatives(
    stemmed: Sequence[str], exact: Sequence[str], phrase: bool
) -> AlsoStatement | None:
    """The title/speaker alternatives of a plain word (or quoted phrase, `phrase`): None when
    it has no words to look for there."""
    parts: list[wq.Query] = []
    for fieldname, words, boost in (
        ("title", list(stemmed), TITLE_BOOST),
        ("speaker", [n for n in fold_name(" ".join(exact)).split() if len(n) > 1], SPEAKER_BOOST),
    ):  # (Zakharova’s: the name without the 's')
        if len(words) == 1:
            parts.append(wq.Term(fieldname, words[0], boost=boost))
        elif words and phrase:
            parts.append(wq.Phrase(fieldname, words, boost=boost))
        elif words:
            parts.append(wq.And([wq.Term(fieldname, w) for w in words], boost=boost))
    return AlsoStatement(parts) if parts else None


class QueryError(ValueError):
    """A query (or a filter value) that cannot be understood; `message` is for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def example(name: str) -> str:
    return {
        "speaker": "speaker:lavrov",
        "said": "said:zakharova",
        "kind": "kind:interview",
        "venue": "venue:moscow",
        "topic": "topic:osce",
        "date": "date:2021-11",
        "year": "year:2021",
        "title": "title:briefing",
        "label": "label:question",
    }[name]


def tokens(analyzer, text: str) -> list[tuple[str, int, int]]:
    return [(t.text, t.startchar, t.endchar) for t in analyzer(text, chars=True, removestops=True)]


def terms(fieldname: str, words: Sequence[str], phrase: bool = True) -> wq.Query | None:
    if not words:
        return None
    if len(words) == 1:
        return wq.Term(fieldname, words[0])
    if phrase:
        return wq.Phrase(fieldname, list(words))
    return wq.And([wq.Term(fieldname, w) for w in words])


# -- field filters (in the query and as parameters) -------------------------------------------


def field_query(name: str, value: str, *, quoted: bool = False) -> wq.Query:
    """The query for one `name:value` filter; raises QueryError for a value that makes no sense."""
    value = value.strip()
    if not value:
        raise QueryError(f"'{name}:' needs a value, e.g. {example(name)}")
    if name in ("date", "year"):
        lo, hi = parse_date_range(value, name)
        return wq.NumericRange("date", lo, hi)
    if name == "kind":
        kind = re.sub(r"[\s-]+", "_", value.casefold())
        if kind not in KINDS:
            raise QueryError(f"unknown kind '{value}'; kinds: {', '.join(KINDS)}")
        return wq.Term("kind", kind)
    if name == "title":
        words = [w for w, _s, _e in tokens(TEXT, value)]
        q = terms("title", words, phrase=quoted)
    elif name in NAME_FIELDS:
        prefix = value.endswith("*") and not quoted
        words = fold_name(value).split()
        if prefix and words:
            if len(words[-1]) < MIN_PREFIX:
                raise QueryError(
                    f"'{name}:{value}' is too short: a prefix needs at least {MIN_PREFIX} letters"
                )
            rest = terms(name, words[:-1], phrase=False)
            last = wq.Prefix(name, words[-1])
            return wq.And([rest, last]) if rest is not None else last
        q = terms(name, words, phrase=quoted)
    else:  # pragma: no cover - FIELDS and this function agree
        raise QueryError(f"unknown field '{name}:'")
    if q is None:
        raise QueryError(f"'{name}:{value}' has no words to look for, e.g. {example(name)}")
    return q


def _period(text: str, what: str) -> tuple[dt.date, dt.date]:
    """'2021' -> (2021-01-01, 2021-12-31); '2021-11' -> the month; '2021-11-03' -> that day."""
    m = _DATE_RE.match(text.strip())
    try:
        if not m:
            raise ValueError
        y, mo, d = int(m.group(1)), m.group(2), m.group(3)
        return period(y, mo and int(mo), d and int(d))
    except ValueError:
        raise QueryError(f"{what}: '{text.strip()}' is not a date; use YYYY, YYYY-MM or YYYY-MM-DD") from None


def _ymd(d: dt.date) -> int:
    return d.year * 10000 + d.month * 100 + d.day


def parse_date_range(value: str, name: str = "date") -> tuple[int, int]:
    """'2021', '2021-11', '2021-01-01..2021-06-30', '2020..', '..2019-06' -> (lo, hi) as yyyymmdd."""
    what = f"{name}:{value}"
    if ".." in value:
        a, _, b = value.partition("..")
        if not a.strip() and not b.strip():
            raise QueryError(f"{what}: a range needs a start or an end, e.g. date:2021-01-01..2021-06-30")
        lo = _ymd(_period(a, what)[0]) if a.strip() else 1
        hi = _ymd(_period(b, what)[1]) if b.strip() else 99991231
    else:
        start, end = _period(value, what)
        lo, hi = _ymd(start), _ymd(end)
    if lo > hi:
        raise QueryError(f"{what}: the range ends before it starts")
    return lo, hi


def date_bound(value: str | dt.date | None, *, end: bool, name: str) -> int | None:
    """A from/to parameter: a date, or YYYY / YYYY-MM / YYYY-MM-DD (to= takes the period's end)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return _ymd(value)
    start, stop = _period(str(value), name)
    return _ymd(stop if end else start)


def year_query(value: str) -> wq.Query:
    """A year parameter (a year facet's value): '2021' or 'undated'."""
    value = value.strip()
    if value != "undated" and not re.fullmatch(r"\d{4}", value):
        raise QueryError(f"year must be a year such as 2021, or 'undated', not '{value}'")
    return wq.Term("year", value)


def month_query(value: str) -> wq.Query:
    """A month parameter (a month facet's value): '2021-11'."""
    value = value.strip()
    if not re.fullmatch(r"\d{4}-\d{2}", value) or not 1 <= int(value[5:]) <= 12:
        raise QueryError(f"month must be a month such as 2021-11, not '{value}'")
    lo, hi = parse_date_range(value, "month")
    return wq.NumericRange("date", lo, hi)


def _values(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value.strip() else []
    return [v for v in value if v is not None and str(v).strip()]


def filter_queries(
    *,
    speaker=None,
    said=None,
    kind=None,
    venue=None,
    topic=None,
    year=None,
    month=None,
    date_from=None,
    date_to=None,
    questions: str | None = None,
) -> list[wq.Query]:
    """The search parameters as filter queries (ANDed). A parameter given several values
    matches any of them (OR within a facet, AND across facets)."""
    out: list[wq.Query] = []
    special = {"year": year_query, "month": month_query}
    for name, value in (
        ("speaker", speaker),
        ("said", said),
        ("kind", kind),
        ("venue", venue),
        ("topic", topic),
        ("year", year),
        ("month", month),
    ):
        qs = [special[name](str(v)) if name in special else field_query(name, str(v)) for v in _values(value)]
        if qs:
            out.append(qs[0] if len(qs) == 1 else wq.Or(qs))
    lo = date_bound(date_from, end=False, name="from")
    hi = date_bound(date_to, end=True, name="to")
    if lo is not None or hi is not None:
        if lo is not None and hi is not None and lo > hi:
            raise QueryError("the date range ends before it starts (from is after to)")
        out.append(wq.NumericRange("date", lo or 1, hi or 99991231))
    if questions not in (None, "", "include", "all"):
        if questions not in ("exclude", "only"):
            raise QueryError(f"questions must be 'exclude' or 'only', not '{questions}'")
        out.append(wq.Term("question", "yes" if questions == "only" else "no"))
    return out
