"""What a search asks and answers, typed: SearchRequest in, SearchResult out (statement
groups of paragraph hits, facets, totals, `approximate`, suggestions), shared by the web
pages, the JSON API and the CLI. SearchResult.to_json() is the one place the object of
docs/search-json.md is made. build_groups() makes the page's groups from database rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from html import escape

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.facets import Facet
from app.models import Paragraph, Speaker, Statement, StatementSpeaker, Venue
from app.search.budget import Deadline
from app.search.facets import FACET_LIMIT
from app.search.highlight import snippet
from app.search.query import QueryError
from app.search.ranking import SORTS
from app.urls import paragraph_path, statement_path

MAX_PER_PAGE = 100
MAX_PER_STATEMENT = 20
FILTER_PARAMS = (
    "speaker",
    "said",
    "kind",
    "venue",
    "topic",
    "year",
    "month",
    "date_from",
    "date_to",
    "questions",
)

Values = str | int | Iterable | None


@dataclass(frozen=True)
class SearchRequest:
    """A query and its filters (each filter: one value or several, OR within it), paging and
    limits. `deadline`: seconds of index work (budget.SEARCH_DEADLINE), after which the
    result is returned as it stands, `approximate`."""

    query: str | None = None
    speaker: Values = None
    said: Values = None
    kind: Values = None
    venue: Values = None
    topic: Values = None
    year: Values = None
    month: Values = None
    date_from: str | None = None
    date_to: str | None = None
    questions: str | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    per_statement: int = 3
    max_query_chars: int = 1000
    facet_limit: int = FACET_LIMIT
    deadline: float | None = None

    def filters(self) -> dict:
        """The filter parameters (query.filter_queries()'s keyword arguments)."""
        return {name: getattr(self, name) for name in FILTER_PARAMS}

    def checked(self) -> tuple[str, int, int, int]:
        """(sort, page, per_page, per_statement), bounded; QueryError for a value that is not one."""
        sort = check_sort(self.sort)
        page, per_page = whole(self.page, "page", 1), min(whole(self.per_page, "per_page", 1), MAX_PER_PAGE)
        return sort, page, per_page, min(whole(self.per_statement, "per_statement", 1), MAX_PER_STATEMENT)


def check_sort(sort: str | None) -> str:
    sort = sort or "relevance"
    if sort not in SORTS:
        raise QueryError(f"sort must be one of {', '.join(SORTS)}, not '{sort}'")
    return sort


def whole(value, name: str, minimum: int) -> int:
    try:
        return max(int(value), minimum)
    except (TypeError, ValueError):
        raise QueryError(f"{name} must be a whole number, not '{value}'") from None


def fields_json(obj) -> dict:
    """A dataclass's fields in their order (the order of docs/search-json.md), not copied."""
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


# web/schemas.py's Search* models describe these objects for OpenAPI: the same members,
# declared again on purpose (search knows no pydantic); tests/search/test_search_json_schema.py
# checks that they agree.
@dataclass(frozen=True)
class StatementHit:
    key: str
    title: str
    kind: str
    date: str | None
    published: str | None
    venue: str | None
    speakers: list[dict]  # {"name", "role"} in the statement's order
    url: str
    title_html: str  # the title, escaped, the matched words in <mark>

    def to_json(self) -> dict:
        return fields_json(self)


@dataclass(frozen=True)
class ParagraphHit:
    key: str
    n: int
    speaker: str | None
    label: str | None
    snippet: str  # escaped text, the matched words in <mark>
    url: str

    def to_json(self) -> dict:
        return fields_json(self)


@dataclass(frozen=True)
class ResultGroup:
    statement: StatementHit
    paragraphs: list[ParagraphHit]
    more_paragraphs: int  # matching paragraphs of the statement not shown

    def to_json(self) -> dict:
        return {
            "statement": self.statement.to_json(),
            "paragraphs": [p.to_json() for p in self.paragraphs],
            "more_paragraphs": self.more_paragraphs,
        }


@dataclass(frozen=True)
class SpeakerSuggestion:
    """ "Statements by <name>": the search speaker=<name> with `query` (the query without the surname)."""

    name: str
    statements: int
    query: str

    def to_json(self) -> dict:
        return fields_json(self)


@dataclass(frozen=True)
class SearchResult:
    query: str  # the query as understood
    total_paragraphs: int
    total_statements: int
    page: int
    per_page: int
    sort: str
    results: list[ResultGroup]
    facets: dict[str, list[Facet]]
    suggestion: str | None  # did you mean
    approximate: bool  # figures estimated ("about N")
    speaker_suggestions: list[SpeakerSuggestion]
    warnings: list[str] = field(default_factory=list)  # for people, not in the JSON contract

    def to_json(self) -> dict:
        """The object of docs/search-json.md (its one maker)."""
        return {
            "query": self.query,
            "total_paragraphs": self.total_paragraphs,
            "total_statements": self.total_statements,
            "page": self.page,
            "per_page": self.per_page,
            "sort": self.sort,
            "results": [g.to_json() for g in self.results],
            "facets": {
                name: [{"value": f.value, "count": f.count} for f in values]
                for name, values in self.facets.items()
            },
            "suggestion": self.suggestion,
            "approximate": self.approximate,
            "speaker_suggestions": [s.to_json() for s in self.speaker_suggestions],
        }


# -- the page's groups from the database --------------------------------------------------------


def build_groups(
    shown: list[int],
    picks,
    slots,
    pkeys: dict[tuple[int, int], str],
    rows,
    speakers,
    marks,
    clock: Deadline | None = None,
) -> list[ResultGroup]:
    """The page's groups; past the hard deadline snippets are cut without highlighting."""
    out = []
    for d in shown:
        paragraphs = []
        statement = None
        for i in picks[d]:
            row = rows.get(pkeys[(d, i)])
            if row is None:  # deleted from the database since the index was written
                continue
            sole = speakers.get(row.statement_id, [])
            statement = statement or statement_fields(row, sole)
            paragraphs.append(
                ParagraphHit(
                    key=row.key,
                    n=row.n,
                    speaker=turn_speaker(row, sole),
                    label=row.label,
                    snippet=snippet(row.text, marks if clock is None or not _out_of_time(clock) else None),
                    url=paragraph_path(row.key),
                )
            )
        if statement is not None:
            title_html = (
                snippet(statement["title"], marks, size=len(statement["title"]) + 1)
                if marks
                else escape(statement["title"])
            )
            out.append(
                ResultGroup(
                    StatementHit(**statement, title_html=title_html),
                    paragraphs,
                    len(slots.get(d, ())) - len(picks[d]),
                )
            )
    return out


def _out_of_time(clock: Deadline) -> bool:
    if clock.past_hard():
        clock.cut = True
        return True
    return False


def turn_speaker(row, sole: list[tuple[str, str | None]]) -> str | None:
    """Who says the paragraph: its turn's speaker, else the statement's only speaker (unlabelled)."""
    return row.turn_name or row.speaker_name or (sole[0][0] if len(sole) == 1 and not row.label else None)


def statement_fields(row, speakers: list[tuple[str, str | None]]) -> dict:
    return {
        "key": row.statement_key,
        "title": row.title,
        "kind": row.kind,
        "date": row.date.isoformat() if row.date else None,
        "published": row.published.isoformat() if row.published else None,
        "venue": row.venue,
        "speakers": [{"name": n, "role": r} for n, r in speakers],
        "url": statement_path(row.statement_key),
    }


def fetch_paragraphs(session: Session, pkeys: list[str]):
    """The shown paragraphs with their statements (one query), and those statements'
    speakers (one more)."""
    if not pkeys:
        return {}, {}
    # (its own columns: browse and the index read other paragraph columns that begin alike)
    rows = session.execute(
        select(
            Paragraph.key,
            Paragraph.n,
            Paragraph.text,
            Paragraph.label,
            Paragraph.speaker_name,
            Speaker.name.label("turn_name"),
            Paragraph.statement_id,
            Statement.key.label("statement_key"),
            Statement.title,
            Statement.kind,
            Statement.date,
            Statement.published,
            Venue.name.label("venue"),
            Statement.original_url,
            Statement.publisher,
            Statement.captured_at,
        )
        .join(Statement, Paragraph.statement_id == Statement.id)
        .outerjoin(Speaker, Paragraph.speaker_id == Speaker.id)
        .outerjoin(Venue, Statement.venue_id == Venue.id)
        .where(Paragraph.key.in_(pkeys))
    ).all()
    by_key = {r.key: r for r in rows}
    speakers: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
    for sid, name, role in session.execute(
        select(StatementSpeaker.statement_id, Speaker.name, StatementSpeaker.role)
        .join(Speaker)
        .where(StatementSpeaker.statement_id.in_({r.statement_id for r in rows}))
        .order_by(StatementSpeaker.statement_id, StatementSpeaker.position)
    ):
        speakers[sid].append((name, role))
    return by_key, speakers
