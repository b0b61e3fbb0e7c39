"""Query-string parsing: validate, bound and canonicalise every parameter a page accepts.

One dependency per page type declares its parameters (so the API's OpenAPI schema documents
them) and returns a frozen dataclass. HTML pages redirect to the canonical form of their query
string (no empty values, no defaults, no duplicates, fixed order), so one state has one URL.
Hostile input is refused with 400 before any work: see app.web.query_guard.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import Query, Request

from app.periods import period

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
MAX_PAGE = 500
MAX_OFFSET = 10_000  # deepest row reachable by pagination
MAX_VALUES = 20  # values of one multi-valued filter
MIN_YEAR, MAX_YEAR = 1000, 2999

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,219}$")


class ParamError(Exception):
    """A request parameter that cannot be honoured: 400 with this message."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def valid_key(key: str) -> bool:
    """A well-formed statement/paragraph key (anything else cannot exist: 404 at once)."""
    return bool(KEY_RE.match(key)) and ".." not in key


def parse_date_bound(value: str | None, name: str, *, end: bool) -> dt.date | None:
    """`2021`, `2021-11` or `2021-11-30`; a year or month stands for its first day
    (`from`) or its last day (`to`)."""
    if value is None or value == "":
        return None
    m = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", value)
    if not m:
        raise ParamError(f"{name!r} must be a date like 2021, 2021-11 or 2021-11-30, not {value!r}")
    year, month, day = int(m[1]), m[2], m[3]
    try:
        first, last = period(year, month and int(month), day and int(day))
        return last if end else first
    except ValueError:
        raise ParamError(f"{name!r} is not a real date: {value!r}") from None


def clean_multi(values: list[str] | None) -> tuple[str, ...]:
    out: list[str] = []
    for v in values or []:
        v = v.strip()
        if v and v not in out:
            out.append(v)
    return tuple(out)


def check_depth(page: int, per_page: int) -> None:
    if (page - 1) * per_page >= MAX_OFFSET:
        raise ParamError(
            f"page {page} is too deep (at most the first {MAX_OFFSET:,} results can be paged "
            "through); narrow the query or the filters"
        )


# Shared parameter declarations (documented in the OpenAPI schema) --------------------------
Page = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"1-based page number (at most {MAX_PAGE}).")]
PerPage = Annotated[
    int, Query(ge=1, le=MAX_PER_PAGE, description=f"Results per page (at most {MAX_PER_PAGE}).")
]
Multi = Annotated[list[str] | None, Query(max_length=MAX_VALUES)]
DATE_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?$"
DateParam = Annotated[str | None, Query(max_length=10, pattern=DATE_PATTERN)]
FromDate = Annotated[
    str | None,
    Query(
        alias="from",
        max_length=10,
        pattern=DATE_PATTERN,
        description="On or after: 2021, 2021-11 or 2021-11-30.",
    ),
]
ToDate = Annotated[
    str | None,
    Query(
        alias="to",
        max_length=10,
        pattern=DATE_PATTERN,
        description="On or before: 2021, 2021-11 or 2021-11-30.",
    ),
]


def multi(description: str):
    """A repeatable filter parameter (at most MAX_VALUES values), documented."""
    return Annotated[list[str] | None, Query(max_length=MAX_VALUES, description=description)]


def date_range(date_from: str | None, date_to: str | None) -> tuple[dt.date | None, dt.date | None]:
    """The days `from` and `to` stand for, checked to be in order."""
    start = parse_date_bound(date_from, "from", end=False)
    stop = parse_date_bound(date_to, "to", end=True)
    if start and stop and start > stop:
        raise ParamError(f"'from' ({date_from}) is after 'to' ({date_to})")
    return start, stop


def paging_pairs(page: int, per_page: int) -> list[tuple[str, str]]:
    """The paging part of a canonical query string: defaults left out."""
    return ([("per_page", str(per_page))] if per_page != DEFAULT_PER_PAGE else []) + (
        [("page", str(page))] if page != 1 else []
    )


@dataclass(frozen=True)
class StatementQuery:
    speakers: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    venues: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    year: int | None = None
    month: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: str = "newest"
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    raw_from: str | None = field(default=None, compare=False)
    raw_to: str | None = field(default=None, compare=False)

    def filter_pairs(self) -> list[tuple[str, str]]:
        """Filters only (no sort/paging), in canonical order."""
        pairs = [("speaker", s) for s in self.speakers] + [("kind", k) for k in self.kinds]
        pairs += [("venue", v) for v in self.venues] + [("topic", t) for t in self.topics]
        if self.year is not None:
            pairs.append(("year", str(self.year)))
        if self.month is not None:
            pairs.append(("month", str(self.month)))
        if self.raw_from:
            pairs.append(("from", self.raw_from))
        if self.raw_to:
            pairs.append(("to", self.raw_to))
        return pairs

    def pairs(self) -> list[tuple[str, str]]:
        """The canonical query string, as pairs: defaults left out."""
        pairs = self.filter_pairs() + ([("sort", self.sort)] if self.sort != "newest" else [])
        return pairs + paging_pairs(self.page, self.per_page)

    def with_page(self, page: int) -> StatementQuery:
        return replace(self, page=page)


STATEMENT_SORTS = ("newest", "oldest")


def statement_query(
    request: Request,
    speaker: multi("Speaker slug (repeatable: any of).") = None,
    kind: multi("Kind, e.g. remarks, interview (repeatable).") = None,
    venue: multi("Venue key (repeatable).") = None,
    topic: multi("Topic key (repeatable).") = None,
    year: Annotated[int | None, Query(ge=MIN_YEAR, le=MAX_YEAR, description="Year of the statement.")] = None,
    month: Annotated[int | None, Query(ge=1, le=12, description="Month (1-12); needs `year`.")] = None,
    date_from: FromDate = None,
    date_to: ToDate = None,
    sort: Annotated[
        str, Query(pattern="^(newest|oldest)$", description="newest (default) or oldest.")
    ] = "newest",
    page: Page = 1,
    per_page: PerPage = DEFAULT_PER_PAGE,
) -> StatementQuery:
    if len(request.query_params.getlist("year")) > 1:
        raise ParamError("parameter 'year' given more than once (use from/to for a range of years)")
    if month is not None and year is None:
        raise ParamError("'month' needs a 'year'")
    start, stop = date_range(date_from, date_to)
    check_depth(page, per_page)
    return StatementQuery(
        speakers=clean_multi(speaker),
        kinds=clean_multi(kind),
        venues=clean_multi(venue),
        topics=clean_multi(topic),
        year=year,
        month=month,
        date_from=start,
        date_to=stop,
        sort=sort,
        page=page,
        per_page=per_page,
        raw_from=date_from or None,
        raw_to=date_to or None,
    )


@dataclass(frozen=True)
class ListQuery:
    """Paging (and sort) for simple lists: speakers, a speaker's statements."""

    page: int = 1
    per_page: int = 50
    sort: str = "count"

    def pairs(self, default_sort: str = "count", default_per_page: int = 50) -> list[tuple[str, str]]:
        pairs = []
        if self.sort != default_sort:
            pairs.append(("sort", self.sort))
        if self.per_page != default_per_page:
            pairs.append(("per_page", str(self.per_page)))
        if self.page != 1:
            pairs.append(("page", str(self.page)))
        return pairs


def speaker_list_query(
    sort: Annotated[
        str, Query(pattern="^(count|name|recent)$", description="count (default), name or recent.")
    ] = "count",
    page: Page = 1,
    per_page: PerPage = 50,
) -> ListQuery:
    check_depth(page, per_page)
    return ListQuery(page=page, per_page=per_page, sort=sort)


def canonical_redirect_target(
    path: str, actual: list[tuple[str, str]], canonical: list[tuple[str, str]]
) -> str | None:
    """Where to redirect when the query string is not in canonical form, else None."""
    if actual == canonical:
        return None
    path = "/" + quote(path).lstrip("/")  # never `//host`: a redirect stays on this site
    return path + (f"?{urlencode(canonical)}" if canonical else "")
