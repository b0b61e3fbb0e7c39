"""Query-string parameters of a search and of the pages built on one (concordance, trends):
the query, its filters, sort and paging, validated and in canonical order (see app.web.params)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Annotated

from fastapi import Depends, Query

from app.web.params import (
    DEFAULT_PER_PAGE,
    MAX_VALUES,
    FromDate,
    Page,
    ParamError,
    PerPage,
    ToDate,
    check_depth,
    clean_multi,
    date_range,
    multi,
    paging_pairs,
)

SEARCH_SORTS = ("relevance", "newest", "oldest")
SEARCH_FILTERS = ("speaker", "said", "kind", "venue", "topic", "year", "month")


@dataclass(frozen=True)
class SearchQuery:
    q: str = ""
    speaker: tuple[str, ...] = ()
    said: tuple[str, ...] = ()
    kind: tuple[str, ...] = ()
    venue: tuple[str, ...] = ()
    topic: tuple[str, ...] = ()
    year: tuple[str, ...] = ()
    month: tuple[str, ...] = ()
    date_from: str | None = None
    date_to: str | None = None
    questions: str | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    def filter_pairs(self) -> list[tuple[str, str]]:
        pairs = [(name, v) for name in SEARCH_FILTERS for v in getattr(self, name)]
        pairs += [
            (k, v)
            for k, v in (("from", self.date_from), ("to", self.date_to), ("questions", self.questions))
            if v
        ]
        return pairs

    def state_pairs(self) -> list[tuple[str, str]]:
        """Query, filters and sort (no paging): what a feed or a download needs."""
        pairs = ([("q", self.q)] if self.q else []) + self.filter_pairs()
        return pairs + ([("sort", self.sort)] if self.sort != "relevance" else [])

    def pairs(self) -> list[tuple[str, str]]:
        return self.state_pairs() + paging_pairs(self.page, self.per_page)

    def paragraph_pairs(self) -> list[tuple[str, str]]:
        """The filters that decide which paragraphs of a found statement match (said,
        questions): what a statement page needs to mark the same ones (app.web.hits)."""
        return [("said", v) for v in self.said] + ([("questions", self.questions)] if self.questions else [])

    @property
    def blank(self) -> bool:
        """Nothing asked: no query and no filter."""
        return not self.q and not self.filter_pairs()

    def search_args(self) -> dict:
        """Keyword arguments of app.search.search()."""
        return {
            "speaker": list(self.speaker),
            "said": list(self.said),
            "kind": list(self.kind),
            "venue": list(self.venue),
            "topic": list(self.topic),
            "year": list(self.year),
            "month": list(self.month),
            "date_from": self.date_from,
            "date_to": self.date_to,
            "questions": self.questions,
            "sort": self.sort,
            "page": self.page,
            "per_page": self.per_page,
        }


def search_filters(
    speaker: multi("A speaker of the statement (repeatable: any of).") = None,
    said: multi("Paragraphs this person said (repeatable).") = None,
    kind: multi("Kind of statement (repeatable).") = None,
    venue: multi("Venue (repeatable).") = None,
    topic: multi("Topic (repeatable).") = None,
    year: multi("Year, or 'undated' (repeatable).") = None,
    month: multi("Month as YYYY-MM (repeatable: any of).") = None,
    date_from: FromDate = None,
    date_to: ToDate = None,
    questions: Annotated[
        str | None,
        Query(
            pattern="^(exclude|only)$",
            description="exclude: no questions put to the speakers; only: just them.",
        ),
    ] = None,
) -> SearchQuery:
    """The filters of a search (shared by search, concordance and trends), validated."""
    for v in year or []:
        if v.strip() and v.strip() != "undated" and not re.fullmatch(r"\d{4}", v.strip()):
            raise ParamError(f"'year' must be a year like 2021 (or 'undated'), not {v!r}")
    check_months(month)
    date_range(date_from, date_to)
    return SearchQuery(
        speaker=clean_multi(speaker),
        said=clean_multi(said),
        kind=clean_multi(kind),
        venue=clean_multi(venue),
        topic=clean_multi(topic),
        year=clean_multi(year),
        month=clean_multi(month),
        date_from=date_from or None,
        date_to=date_to or None,
        questions=questions or None,
    )


QueryText = Annotated[
    str | None,
    Query(
        description='The query: words, "phrases", OR, NOT/-word, (groups), prefix*, '
        "fuzzy~, speaker:, said:, kind:, venue:, topic:, date:."
    ),
]


def search_query(
    filters: Annotated[SearchQuery, Depends(search_filters)],
    q: QueryText = None,
    sort: Annotated[
        str,
        Query(pattern="^(relevance|newest|oldest)$", description="relevance (default), newest or oldest."),
    ] = "relevance",
    page: Page = 1,
    per_page: PerPage = DEFAULT_PER_PAGE,
) -> SearchQuery:
    check_depth(page, per_page)
    return replace(filters, q=(q or "").strip(), sort=sort, page=page, per_page=per_page)


def check_months(values: list[str] | None) -> None:
    for v in values or []:
        m = re.fullmatch(r"(\d{4})-(\d{2})", v.strip())
        if v.strip() and not (m and 1 <= int(m[2]) <= 12):
            raise ParamError(f"'month' must be a month like 2021-11, not {v!r}")


# Concordance and trends ----------------------------------------------------------------------
CONCORDANCE_SORTS = ("newest", "oldest", "left", "right")
CONCORDANCE_PER_PAGE, CONCORDANCE_MAX_PER_PAGE = 100, 500


@dataclass(frozen=True)
class ConcordanceQuery:
    search: SearchQuery  # the query and its filters (as a search)
    sort: str = "newest"
    page: int = 1
    per_page: int = CONCORDANCE_PER_PAGE

    def state_pairs(self) -> list[tuple[str, str]]:
        pairs = [("q", self.search.q)] + self.search.filter_pairs()
        return pairs + ([("sort", self.sort)] if self.sort != "newest" else [])

    def pairs(self) -> list[tuple[str, str]]:
        return (
            self.state_pairs()
            + ([("per_page", str(self.per_page))] if self.per_page != CONCORDANCE_PER_PAGE else [])
            + ([("page", str(self.page))] if self.page != 1 else [])
        )


def concordance_query(
    filters: Annotated[SearchQuery, Depends(search_filters)],
    q: QueryText = None,
    sort: Annotated[
        str,
        Query(
            pattern="^(newest|oldest|left|right)$",
            description="newest (default) or oldest statements first; left or right: "
            "alphabetically by the words before or after the match.",
        ),
    ] = "newest",
    page: Page = 1,
    per_page: Annotated[
        int,
        Query(
            ge=1,
            le=CONCORDANCE_MAX_PER_PAGE,
            description=f"Lines per page (at most {CONCORDANCE_MAX_PER_PAGE}).",
        ),
    ] = CONCORDANCE_PER_PAGE,
) -> ConcordanceQuery:
    check_depth(page, per_page)
    return ConcordanceQuery(
        search=replace(filters, q=(q or "").strip()), sort=sort, page=page, per_page=per_page
    )


MAX_TREND_TERMS = 6


@dataclass(frozen=True)
class TrendsQuery:
    terms: tuple[str, ...]
    search: SearchQuery  # the filters (q unused)

    def pairs(self) -> list[tuple[str, str]]:
        return [("q", t) for t in self.terms] + self.search.filter_pairs()


def trends_query(
    filters: Annotated[SearchQuery, Depends(search_filters)],
    q: Annotated[
        list[str] | None,
        Query(
            max_length=MAX_VALUES,
            description=f'A term to chart: a word, "phrase" or '
            f"any query (repeatable, at most {MAX_TREND_TERMS}).",
        ),
    ] = None,
) -> TrendsQuery:
    terms = clean_multi(q)
    if len(terms) > MAX_TREND_TERMS:
        raise ParamError(
            f"too many terms: {len(terms)} given; a trends chart compares at most {MAX_TREND_TERMS}",
            status=422,
        )
    return TrendsQuery(terms=terms, search=filters)
