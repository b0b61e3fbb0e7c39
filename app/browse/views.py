"""The values the read side returns: frozen dataclasses, safe to hand to templates.

Several records have the shape of others (here, in app/search) and `duplicates` pairs them:
distinct concepts, kept apart on purpose."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from app.captured import captured_date

T = TypeVar("T")


@dataclass(frozen=True)
class StatementFilter:
    """Which statements: any of the values within one filter, all filters together."""

    speakers: tuple[str, ...] = ()  # speaker slugs
    kinds: tuple[str, ...] = ()
    venues: tuple[str, ...] = ()  # venue keys
    topics: tuple[str, ...] = ()  # topic keys
    start: dt.date | None = None  # on or after (statement date, else publication date)
    end: dt.date | None = None  # on or before
    undated: bool = False  # only the statements with neither a date nor a publication date


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1


@dataclass(frozen=True)
class SpeakerRef:
    name: str
    slug: str
    role: str | None = None
    kind: str = "person"
    # CSL-JSON name object (app/ingest/name_parts.py): {"family", "given", …} or {"literal"};
    # None only for a row not filled yet (then name_parts(name, kind=kind) gives it)
    name_parts: dict | None = field(default=None, compare=False)


@dataclass(frozen=True)
class NamedRef:
    key: str
    name: str


@dataclass(frozen=True)
class StatementRow:
    key: str
    title: str
    kind: str
    date: dt.date | None
    published: dt.date | None
    venue: NamedRef | None
    speakers: list[SpeakerRef]
    topics: list[NamedRef]
    excerpt: bool
    paragraph_count: int
    lead: str | None = None  # the first paragraph, for list pages
    original_url: str | None = None  # provenance of the page (HTML/WARC ingest): where it was published,
    publisher: str | None = None  # by whom,
    captured_at: dt.datetime | None = None  # and when it was captured
    page_clock: dt.date | None = None  # the date the page printed when it was rendered

    @property
    def sort_date(self) -> dt.date | None:
        return self.date or self.published

    @property
    def captured(self) -> dt.date | None:
        """When the page was captured (app.captured): the capture's day, else the page clock."""
        return captured_date(self.captured_at, self.page_clock)


@dataclass(frozen=True)
class ParagraphView:
    key: str
    n: int
    text: str
    label: str | None
    speaker: str | None
    speaker_slug: str | None
    turn: str  # "statement" | "question" | "answer"
    current: bool
    source_file: str
    line_start: int
    line_end: int


@dataclass(frozen=True)
class SourceView:
    file_name: str
    sha256: str
    role: str  # main | excerpt
    line_start: int | None = None  # span of this statement's current paragraphs in the file
    line_end: int | None = None
    original_url: str | None = None
    captured_at: dt.datetime | None = None
    captured_source: str | None = None  # WARC-Date | manifest | file mtime
    warc_file: str | None = None
    warc_offset: int | None = None
    format: str = "text"


@dataclass(frozen=True)
class StatementDetail(StatementRow):
    paragraphs: list[ParagraphView] = field(default_factory=list)  # those of paragraph_page
    sources: list[SourceView] = field(default_factory=list)
    paragraph_page: int = 1  # a long statement is shown PARAGRAPHS_PER_PAGE paragraphs a page
    paragraph_pages: int = 1
    versions: list = field(default_factory=list)  # app.browse.versions.VersionView, by first capture


@dataclass(frozen=True)
class ParagraphDetail:
    paragraph: ParagraphView
    statement: StatementRow
    before: ParagraphView | None
    after: ParagraphView | None
    revision: object | None = None  # app.browse.versions.Revision of a paragraph no longer current


@dataclass(frozen=True)
class Neighbour:
    speaker: SpeakerRef
    prev: StatementRow | None
    next: StatementRow | None


@dataclass(frozen=True)
class FilterLabel:
    name: str
    value: str
    label: str


@dataclass(frozen=True)
class SpeakerRow:
    slug: str
    name: str
    kind: str
    statements: int
    first: dt.date | None
    last: dt.date | None


@dataclass(frozen=True)
class SpeakerDetail(SpeakerRow):
    aliases: list[str] = field(default_factory=list)  # the spellings met, besides `name`
    roles: list[tuple[str, int]] = field(default_factory=list)
    name_parts: dict | None = None  # CSL-JSON name object (see SpeakerRef)


@dataclass(frozen=True)
class CountRow:
    key: str
    name: str
    count: int


@dataclass(frozen=True)
class Overview:
    statements: int
    excerpts: int
    paragraphs: int
    speakers: int
    first_date: dt.date | None
    last_date: dt.date | None
    latest: list[StatementRow]
    top_speakers: list[SpeakerRow]
