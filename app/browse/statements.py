"""Statements: filtered lists, facet counts, one statement with its paragraphs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.browse.duplicates import COPIES, COUNTED
from app.browse.rows import iter_rows, load_rows, statement_rows
from app.browse.versions import list_versions
from app.browse.views import (
    FilterLabel,
    Page,
    ParagraphView,
    SourceView,
    StatementDetail,
    StatementFilter,
    StatementRow,
)
from app.facets import Facet
from app.models import (
    Contribution,
    Paragraph,
    SourceDocument,
    Speaker,
    Statement,
    StatementSpeaker,
    StatementTopic,
    Topic,
    Venue,
)
from app.urls import PARAGRAPHS_PER_PAGE
from app.vocabulary import ANSWER_WORDS, QUESTION_WORDS, turn_word

FACET_LIMIT = 30
WALK_FACTOR = 20  # a statement looked up by id costs about as much as this many index entries walked


def _where(f: StatementFilter, session: Session | None = None) -> list:
    """The conditions of a filter. With a session, speaker and topic filters are planned: when
    their statements are many compared with the statements in the date range (the busiest
    speaker has 5,600 of 33,000 at 1.5M paragraphs), `id + 0 IN (…)` keeps SQLite from
    looking each of them up by id and lets it walk the (sort_date, key) index, testing each
    row against the list: a year of one speaker 9 ms → 2 ms, their newest page 9 ms → 2 ms."""
    walk = session is not None and (f.speakers or f.topics) and _walk(session, f)
    sid = (Statement.id + 0) if walk else Statement.id
    conds: list = [COUNTED]  # a duplicate group is listed once (app.browse.duplicates)
    if f.speakers:
        conds.append(
            sid.in_(select(StatementSpeaker.statement_id).join(Speaker).where(Speaker.slug.in_(f.speakers)))
        )
    if f.kinds:
        conds.append(Statement.kind.in_(f.kinds))
    if f.venues:
        conds.append(Statement.venue_id.in_(select(Venue.id).where(Venue.key.in_(f.venues))))
    if f.topics:
        conds.append(sid.in_(select(StatementTopic.statement_id).join(Topic).where(Topic.key.in_(f.topics))))
    if f.start:
        conds.append(Statement.sort_date >= f.start)
    if f.end:
        conds.append(Statement.sort_date <= f.end)
    if f.undated:
        conds.append(Statement.sort_date.is_(None))
    return conds


def _walk(session: Session, f: StatementFilter) -> bool:
    """Whether walking the statements of the date range beats looking up those of the speakers
    and topics: both sizes from indexes (a count over a few thousand index entries)."""
    linked = [
        select(func.count()).select_from(link).join(target).where(column.in_(chosen)).scalar_subquery()
        for link, target, column, chosen in (
            (StatementSpeaker, Speaker, Speaker.slug, f.speakers),
            (StatementTopic, Topic, Topic.key, f.topics),
        )
        if chosen
    ]
    if f.start or f.end:
        span = [
            c
            for c in (
                Statement.sort_date >= f.start if f.start else None,
                Statement.sort_date <= f.end if f.end else None,
            )
            if c is not None
        ]
        in_range = select(func.count()).select_from(Statement).where(*span).scalar_subquery()
    else:  # every statement: the largest id is a good enough estimate, and O(log n)
        in_range = select(func.coalesce(func.max(Statement.id), 0)).scalar_subquery()
    sizes = session.execute(select(in_range, *linked)).one()
    return min(sizes[1:]) * WALK_FACTOR > sizes[0]


def _order(sort: str) -> tuple:
    if sort == "oldest":
        return Statement.sort_date.asc().nulls_last(), Statement.key
    return Statement.sort_date.desc().nulls_last(), Statement.key


def list_statements(
    session: Session,
    f: StatementFilter,
    *,
    sort: str = "newest",
    page: int = 1,
    per_page: int = 20,
    leads: bool = True,
) -> Page[StatementRow]:
    conds = _where(f, session)
    if f.speakers and f == StatementFilter(speakers=f.speakers):  # a speaker's page: counted from the links
        total = (
            session.scalar(
                select(func.count(func.distinct(StatementSpeaker.statement_id)))
                .join(Speaker)
                .where(Speaker.slug.in_(f.speakers))
            )
            or 0
        ) - _copies_of(session, f.speakers)
    else:
        total = session.scalar(select(func.count(Statement.id)).where(*conds)) or 0
    rows = statement_rows(
        session, *conds, order=_order(sort), limit=per_page, offset=(page - 1) * per_page, leads=leads
    )
    return Page([row for _i, row in rows], total, page, per_page)


def _copies_of(session: Session, speakers: tuple[str, ...]) -> int:
    """How many of the speakers' statements are non-canonical members of a duplicate group."""
    return (
        session.scalar(
            select(func.count(func.distinct(Statement.id)))
            .join(StatementSpeaker, StatementSpeaker.statement_id == Statement.id)
            .join(Speaker)
            .where(COPIES, Speaker.slug.in_(speakers))
        )
        or 0
    )


def iter_statements(
    session: Session, f: StatementFilter, *, sort: str = "newest", limit: int, batch: int = 200
) -> Iterator[StatementRow]:
    """Rows for downloads, with their leads, batch by batch (bounded by `limit`)."""
    return iter_rows(session, *_where(f), order=_order(sort), limit=limit, batch=batch, leads=True)


def first_ingested(session: Session, keys: list[str]) -> dict[str, dt.date]:
    """The day each statement's first source page was ingested (for feeds of undated statements)."""
    if not keys:
        return {}
    rows = session.execute(
        select(Contribution.statement_key, func.min(SourceDocument.ingested_at))
        .join(SourceDocument, Contribution.source_document_id == SourceDocument.id)
        .where(Contribution.statement_key.in_(keys))
        .group_by(Contribution.statement_key)
    )
    return {
        key: when.date() if isinstance(when, dt.datetime) else dt.date.fromisoformat(str(when)[:10])
        for key, when in rows
        if when is not None
    }


def statement_facets(
    session: Session, f: StatementFilter, only: tuple[str, ...] | None = None
) -> dict[str, list[Facet]]:
    """Counts of statements by speaker, kind, venue, topic and year within the current filters
    (`only`: just these facets)."""
    ids = select(Statement.id).where(*_where(f, session)).scalar_subquery()
    n = func.count(func.distinct(Statement.id))
    year = func.extract("year", Statement.sort_date)
    specs = {
        "speaker": (
            select(Speaker.slug, Speaker.name, n)
            .select_from(Statement)
            .join(StatementSpeaker)
            .join(Speaker)
            .group_by(Speaker.id, Speaker.slug, Speaker.name),
            set(f.speakers),
        ),
        "kind": (select(Statement.kind, Statement.kind, n).group_by(Statement.kind), set(f.kinds)),
        "venue": (
            select(Venue.key, Venue.name, n)
            .select_from(Statement)
            .join(Venue)
            .group_by(Venue.id, Venue.key, Venue.name),
            set(f.venues),
        ),
        "topic": (
            select(Topic.key, Topic.name, n)
            .select_from(Statement)
            .join(StatementTopic)
            .join(Topic)
            .group_by(Topic.id, Topic.key, Topic.name),
            set(f.topics),
        ),
        "year": (select(year, year, n).where(Statement.sort_date.is_not(None)).group_by(year), set()),
    }
    out: dict[str, list[Facet]] = {}
    for name, (query, selected) in specs.items():
        if only is not None and name not in only:
            continue
        order = (year.desc(),) if name == "year" else (n.desc(), query.selected_columns[1])
        rows = session.execute(query.where(Statement.id.in_(ids)).order_by(*order).limit(FACET_LIMIT)).all()
        out[name] = [Facet(name, _str(v), _str(label), c, _str(v) in selected) for v, label, c in rows]
    return out


def _str(v) -> str:
    return str(int(v)) if isinstance(v, float) else str(v)


def filter_labels(session: Session, f: StatementFilter) -> tuple[list[FilterLabel], list[tuple[str, str]]]:
    """Display names of the filter values, and the values that match nothing (unknown)."""
    labels: list[FilterLabel] = []
    found: set[tuple[str, str]] = set()
    for name, model, col, values in (
        ("speaker", Speaker, Speaker.slug, f.speakers),
        ("venue", Venue, Venue.key, f.venues),
        ("topic", Topic, Topic.key, f.topics),
    ):
        if values:
            for value, label in session.execute(select(col, model.name).where(col.in_(values))).all():
                found.add((name, value))
                labels.append(FilterLabel(name, value, label))
    if f.kinds:
        known = set(session.scalars(select(Statement.kind).where(Statement.kind.in_(f.kinds)).distinct()))
        for k in f.kinds:
            labels.append(FilterLabel("kind", k, k.replace("_", " ")))
            if k in known:
                found.add(("kind", k))
    wanted = [
        (n, v)
        for n, vs in (("speaker", f.speakers), ("kind", f.kinds), ("venue", f.venues), ("topic", f.topics))
        for v in vs
    ]
    return labels, [w for w in wanted if w not in found]


def _turn(p_speaker_id: int | None, p_speaker: str | None, p_label: str | None) -> str:
    """question (or a host's turn), answer (a labelled turn of a statement speaker), or statement."""
    if turn_word(p_label) in QUESTION_WORDS or turn_word(p_speaker) in QUESTION_WORDS:
        return "question"
    if p_speaker_id is not None or turn_word(p_label) in ANSWER_WORDS or turn_word(p_speaker) in ANSWER_WORDS:
        return "answer" if p_label else "statement"
    return "question" if (p_speaker or p_label) else "statement"


def paragraph_views(session: Session, where) -> list[ParagraphView]:
    # A page's paragraphs with their source lines. search/results.py and search/documents.py
    # select columns that begin alike for other ends: each query lists its own, on purpose.
    rows = session.execute(
        select(
            Paragraph.key,
            Paragraph.n,
            Paragraph.text,
            Paragraph.label,
            Paragraph.speaker_name,
            Paragraph.speaker_id,
            Speaker.slug,
            Paragraph.current,
            SourceDocument.file_name,
            Paragraph.line_start,
            Paragraph.line_end,
        )
        .join(SourceDocument, SourceDocument.id == Paragraph.source_document_id)
        .outerjoin(Speaker, Speaker.id == Paragraph.speaker_id)
        .where(*where)
        .order_by(Paragraph.n, Paragraph.key)
    ).all()
    return [
        ParagraphView(  # (keyword for keyword like rows.load_rows' fields: another record)
            key=r[0],
            n=r[1],
            text=r[2],
            label=r[3],
            speaker=r[4],
            speaker_slug=r[6],
            turn=_turn(r[5], r[4], r[3]),
            current=r[7],
            source_file=r[8],
            line_start=r[9],
            line_end=r[10],
        )
        for r in rows
    ]


def _sources(session: Session, statement_id: int, key: str, paragraphs: int = 0) -> list[SourceView]:
    """The statement's source documents with the lines its current paragraphs span in each.
    For a long statement (more than a page of paragraphs) the span of its main document is
    read from its first and last paragraph (lines follow paragraph order on a page) instead of
    aggregating every paragraph (7 s at 600,000)."""
    if paragraphs > PARAGRAPHS_PER_PAGE:
        spans = _long_spans(session, statement_id)
    else:
        spans = dict(
            (doc_id, (lo, hi))
            for doc_id, lo, hi in session.execute(
                select(
                    Paragraph.source_document_id, func.min(Paragraph.line_start), func.max(Paragraph.line_end)
                )
                .where(Paragraph.statement_id == statement_id, Paragraph.current.is_(True))
                .group_by(Paragraph.source_document_id)
            ).all()
        )
    rows = session.execute(
        select(
            SourceDocument.id,
            SourceDocument.file_name,
            SourceDocument.sha256,
            Contribution.role,
            SourceDocument.original_url,
            SourceDocument.captured_at,
            SourceDocument.captured_source,
            SourceDocument.warc_file,
            SourceDocument.warc_offset,
            SourceDocument.format,
        )
        .join(Contribution, Contribution.source_document_id == SourceDocument.id)
        .where(Contribution.statement_key == key, SourceDocument.superseded.is_(False))
        .order_by(Contribution.role != "main", SourceDocument.file_name, SourceDocument.sha256)
    ).all()
    seen: set[int] = set()
    out = []
    for doc_id, name, sha, role, *prov in rows:
        if doc_id in seen:
            continue
        seen.add(doc_id)
        lo, hi = spans.get(doc_id, (None, None))
        out.append(SourceView(name, sha, role, lo, hi, *prov))
    return out


def _long_spans(session: Session, statement_id: int) -> dict[int, tuple[int, int]]:
    same = (Paragraph.statement_id == statement_id, Paragraph.current.is_(True))
    first = session.execute(
        select(Paragraph.source_document_id, Paragraph.line_start).where(*same).order_by(Paragraph.n).limit(1)
    ).first()
    if first is None:
        return {}
    doc = first[0]
    last = session.execute(
        select(Paragraph.line_end)
        .where(*same, Paragraph.source_document_id == doc)
        .order_by(Paragraph.n.desc())
        .limit(1)
    ).scalar()
    return {doc: (first[1], last)}


def get_statement(
    session: Session, key: str, page: int = 1, per_page: int = PARAGRAPHS_PER_PAGE
) -> StatementDetail | None:
    """A statement with one page of its paragraphs (numbered 1..paragraph_count: page k holds
    (k-1)*per_page+1 … k*per_page), so that a request's memory does not grow with the
    statement. A page beyond the last has no paragraphs (the caller says 404)."""
    found = load_rows(session, Statement.key == key)
    if not found:
        return None
    sid, fields = found[0]
    lo = (max(1, page) - 1) * per_page + 1
    paragraphs = paragraph_views(
        session,
        [
            Paragraph.statement_id == sid,
            Paragraph.current.is_(True),
            Paragraph.n >= lo,
            Paragraph.n < lo + per_page,
        ],
    )
    pages = max(1, -(-fields["paragraph_count"] // per_page))
    return StatementDetail(
        **fields,
        paragraphs=paragraphs,
        sources=_sources(session, sid, key, fields["paragraph_count"]),
        paragraph_page=page,
        paragraph_pages=pages,
        versions=list_versions(session, key),
    )
