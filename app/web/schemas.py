"""Pydantic models of the API's responses (documentation in /openapi.json, and validation)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Error(BaseModel):
    error: str = Field(description="What was wrong, for a person to read.")
    detail: list[str] | None = None


# The errors of an endpoint that runs a search: a query not understood (400), too wide (422),
# no index (503).
SEARCH_ERRORS = {status: {"model": Error} for status in (400, 422, 503)}


class SpeakerOut(BaseModel):
    name: str
    role: str | None
    slug: str
    kind: str
    name_parts: dict[str, str | bool] | None = None  # CSL-JSON name object
    url: str
    api: str


class StatementBase(BaseModel):
    """The members a statement has in every response (pages' API, search)."""

    key: str
    title: str
    kind: str
    date: str | None
    published: str | None
    venue: str | None


class StatementOut(StatementBase):
    venue_key: str | None
    speakers: list[SpeakerOut]
    topics: list[str]
    topic_keys: list[str]
    excerpt: bool
    paragraph_count: int
    original_url: str | None = Field(
        None,
        description="Where the statement was published (WARC-Target-URI, "
        "manifest, canonical link or og:url).",
    )
    publisher: str | None = Field(None, description="The site that published it (og:site_name, …).")
    captured_at: str | None = Field(None, description="When that page was captured (ISO date-time, UTC).")
    url: str = Field(description="Permalink path of the statement page.")
    permalink: str = Field(description="Absolute permalink.")
    api: str
    captured: str | None = Field(
        None,
        description="The day the page was captured (ISO date): that of "
        "`captured_at`, else the date the page printed when it was "
        "rendered (its clock); null when unknown.",
    )


class StatementListItem(StatementOut):
    lead: str | None = Field(None, description="The beginning of the first paragraph.")


class SourceRef(BaseModel):
    file: str
    lines: list[int]


class ParagraphOut(BaseModel):
    key: str
    n: int
    text: str
    speaker: str | None
    label: str | None
    turn: str = Field(description="statement, question or answer")
    current: bool
    url: str
    permalink: str
    source: SourceRef


class SourceOut(BaseModel):
    file: str
    sha256: str
    role: str
    lines: list[int] | None


class Neighbours(BaseModel):
    speaker: str
    prev: str | None
    next: str | None


class ParagraphsPage(BaseModel):
    page: int
    pages: int
    per_page: int
    next: str | None
    prev: str | None


class VersionSource(BaseModel):
    file: str
    sha256: str


class VersionOut(BaseModel):
    n: int = Field(
        description="Number by first capture (1 = earliest); may shift when an older capture turns up later."
    )
    id: str = Field(description="Stable id: hash of the version's normalised paragraph texts.")
    current: bool
    captured_at: str = Field(description="Its first capture (ISO date-time, UTC).")
    captured_source: str = Field(description="WARC-Date | manifest | page clock | file mtime | ingest time")
    estimated: bool = Field(
        description="The capture time is a file or ingest time, not a record of the capture."
    )
    reparse: bool = Field(description="A new parse of sources an earlier version was read from.")
    paragraph_count: int
    changes: dict[str, int] | None = Field(description="Paragraphs changed/added/removed since version n-1.")
    summary: str
    sources: list[VersionSource]
    diff: str | None = Field(description="Word-level diff from version n-1 (HTML page).")


class Revision(BaseModel):
    revised_on: str | None
    version: int | None = Field(description="The version this paragraph's words are quoted from.")
    successor: str | None = Field(description="Key of its successor in the current text (by alignment).")
    successor_url: str | None


class StatementFull(StatementOut):
    paragraphs: list[ParagraphOut] = Field(description="This page's paragraphs (all, up to 500).")
    sources: list[SourceOut]
    neighbours: list[Neighbours]
    cite: dict[str, str] = Field(description="Citation downloads: bibtex, ris, csl-json.")
    paragraphs_page: ParagraphsPage = Field(
        description="A long statement's paragraphs, a page at a time (?page=k)."
    )
    versions: list[VersionOut] = Field(
        default_factory=list,
        description="Every distinct text ingested (empty: one, before versions were kept).",
    )


class ParagraphFull(ParagraphOut):
    revision: Revision | None = Field(
        None,
        description="For a paragraph no longer in the current text: when it was revised and its successor.",
    )
    statement: StatementOut
    before: ParagraphOut | None
    after: ParagraphOut | None
    cite: dict[str, str]


class FacetValue(BaseModel):
    value: str
    label: str
    count: int
    selected: bool


class Paged(BaseModel):
    """The paging members of a list (app.web.routes.api._links)."""

    total: int
    page: int
    per_page: int
    pages: int
    next: str | None
    prev: str | None


class StatementPage(Paged):
    results: list[StatementListItem]
    facets: dict[str, list[FacetValue]] | None = None


class SpeakerRowOut(BaseModel):
    slug: str
    name: str
    kind: str
    statements: int
    first: str | None
    last: str | None
    url: str
    api: str


class SpeakerPage(Paged):
    results: list[SpeakerRowOut]


class SpeakerFull(SpeakerRowOut):
    aliases: list[str]
    name_parts: dict[str, str | bool] | None
    roles: list[dict[str, str | int]]
    years: list[dict[str, int]]
    statements_api: str
    feed: str


class CountOut(BaseModel):
    key: str
    name: str
    count: int
    url: str


class DateCount(BaseModel):
    value: int
    count: int
    url: str
    statements: str


class DateArchive(BaseModel):
    results: list[DateCount]
    undated: int | None = None


class SearchSpeaker(BaseModel):
    name: str
    role: str | None


class SearchStatement(StatementBase):
    speakers: list[SearchSpeaker]
    url: str
    title_html: str = Field(description="The title, HTML-escaped, with the matched words in <mark>.")


class ParagraphRef(BaseModel):
    """The members a paragraph has wherever a response lists one."""

    key: str
    n: int
    speaker: str | None


class SearchParagraph(ParagraphRef):
    label: str | None
    snippet: str = Field(description="HTML-escaped text with the matched terms in <mark>.")
    url: str


class SearchGroup(BaseModel):
    statement: SearchStatement
    paragraphs: list[SearchParagraph]
    more_paragraphs: int


class SearchFacet(BaseModel):
    value: str
    count: int


class SpeakerSuggestion(BaseModel):
    name: str = Field(description="A speaker whose name holds a word of the query (use it as speaker=…).")
    statements: int = Field(description="Their statements within the filters.")
    query: str = Field(description="The query without that word, to go with the speaker filter.")


class SearchResult(BaseModel):
    query: str
    total_paragraphs: int = Field(description="Matching paragraphs (about this many when `approximate`).")
    total_statements: int = Field(description="Statements holding them (about this many when `approximate`).")
    page: int
    per_page: int
    sort: str
    results: list[SearchGroup]
    facets: dict[str, list[SearchFacet]] = Field(
        description="speaker, year, kind, venue, topic, month (YYYY-MM: "
        "the months of the chosen year, else empty)."
    )
    suggestion: str | None
    approximate: bool = Field(
        description="True when the totals, more_paragraphs and the facet counts are "
        'estimates: show them as "about N".'
    )
    speaker_suggestions: list[SpeakerSuggestion] = Field(
        description='"Statements by <name>" for a query word that is part of a speaker\'s name.'
    )
