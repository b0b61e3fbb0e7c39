"""Pydantic models of the analysis responses: concordance, trends and the quote finder
(documentation in /openapi.json); the archive's records and search are in schemas.py."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.web.schemas import ParagraphRef


class ConcordanceParagraph(ParagraphRef):
    url: str
    permalink: str


class ConcordanceStatement(BaseModel):
    key: str
    title: str
    date: str | None
    published: str | None
    kind: str
    speakers: list[str]
    url: str
    permalink: str


class ConcordanceLine(BaseModel):
    left: str = Field(description="The text before the match (plain text, not HTML; '…' where cut).")
    match: str = Field(description="The matched word or phrase as written.")
    right: str = Field(description="The text after the match.")
    paragraph: ConcordanceParagraph
    statement: ConcordanceStatement


class ConcordanceResult(BaseModel):
    query: str
    sort: str = Field(description="newest, oldest, left or right.")
    page: int
    per_page: int
    lines: list[ConcordanceLine]
    has_next: bool
    total_paragraphs: int = Field(
        description="Paragraphs the query matches (about this many when `approximate`)."
    )
    approximate: bool
    sorted_among: int | None = Field(
        description="Sorted by context: the number of occurrences sorted when there "
        "were more (the first, newest statements first); else null."
    )
    next: str | None
    prev: str | None


class TrendPoint(BaseModel):
    year: int
    paragraphs: int = Field(
        description="Paragraphs of that year holding the term (about, when `approximate`)."
    )
    per_10k: float = Field(
        description="The same per 10,000 paragraphs of that year (under the same filters)."
    )
    search: str = Field(description="The search behind this figure.")


class TrendTerm(BaseModel):
    term: str
    paragraphs: int
    undated: int
    years: list[TrendPoint]


class TrendYear(BaseModel):
    year: int
    paragraphs: int = Field(description="All paragraphs of that year under the filters.")


class TrendsResult(BaseModel):
    terms: list[TrendTerm]
    years: list[TrendYear]
    undated: int
    approximate: bool = Field(description='True when some counts are estimates: read them as "about N".')


class QuotePlace(BaseModel):
    key: str
    url: str
    n: int
    date: str | None
    speaker: str | None
    statement: dict[str, str]


class QuoteEarliest(BaseModel):
    date: str | None
    key: str
    url: str
    this: bool


class QuoteMatch(BaseModel):
    key: str
    url: str
    permalink: str
    score: float
    weak: bool
    words_matched: list[int]
    n: int
    speaker: str | None
    label: str | None
    date: str | None
    text: str
    spans: list[list[int]]
    highlight: str
    statement: dict
    earliest: QuoteEarliest
    quoted_later_by: list[QuotePlace]
    other_places: list[QuotePlace]
    places: int


class QuoteResult(BaseModel):
    quote: str
    fragments: list[str]
    candidates: int
    approximate: bool
    results: list[QuoteMatch]
