"""Statements: filtered lists, facet counts, one statement with its paragraphs, neighbours."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from app.browse.views import (
    Facet,
    FilterLabel,
    NamedRef,
    Neighbour,
    Overview,
    Page,
    ParagraphView,
    SourceView,
    SpeakerRef,
    StatementDetail,
    StatementFilter,
    StatementRow,
)
from app.captured import page_clocks
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
LEAD_CHARS = 400
NEIGHBOUR_SPEAKERS = 3
_MIN_DATE = dt.date(1, 1, 1)


WALK_FACTOR = 20  # a statement looked up by id costs about as much as this many index entries walked


def _where(f: StatementFilter, session: Session | None = None) -> list:
    """The conditions of a filter. With a session, speaker and topic filters are planned: when
    their statements are many compared with the statements in the date range (the busiest
    speaker has 5,600 of 33,000 at 1.5M paragraphs), `id + 0 IN (…)` keeps SQLite from
    looking each of them up by id and lets it walk the (sort_date, key) index, testing each
    row against the list: a year of one speaker 9 ms → 2 ms, their newest page 9 ms → 2 ms."""
    walk = session is not None and (f.speakers or f.topics) and _walk(session, f)
    sid = (Statement.id + 0) if walk else Statement.id
    conds: list = []
    if f.speakers:
        conds.append(sid.in_(
            select(StatementSpeaker.statement_id).join(Speaker).where(Speaker.slug.in_(f.speakers))))
    if f.kinds:
        conds.append(Statement.kind.in_(f.kinds))
    if f.venues:
        conds.append(Statement.venue_id.in_(select(Venue.id).where(Venue.key.in_(f.venues))))
    if f.topics:
        conds.append(sid.in_(
            select(StatementTopic.statement_id).join(Topic).where(Topic.key.in_(f.topics))))
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
    linked = []
    if f.speakers:
        linked.append(select(func.count()).select_from(StatementSpeaker).join(Speaker)
                      .where(Speaker.slug.in_(f.speakers)).scalar_subquery())
    if f.topics:
        linked.append(select(func.count()).select_from(StatementTopic).join(Topic)
                      .where(Topic.key.in_(f.topics)).scalar_subquery())
    if f.start or f.end:
        span = [c for c in (Statement.sort_date >= f.start if f.start else None,
                            Statement.sort_date <= f.end if f.end else None) if c is not None]
        in_range = select(func.count()).select_from(Statement).where(*span).scalar_subquery()
    else:  # every statement: the largest id is a good enough estimate, and O(log n)
        in_range = select(func.coalesce(func.max(Statement.id), 0)).scalar_subquery()
    sizes = session.execute(select(in_range, *linked)).one()
    return min(sizes[1:]) * WALK_FACTOR > sizes[0]


def _order(sort: str) -> tuple:
    if sort == "oldest":
        return Statement.sort_date.asc().nulls_last(), Statement.key
    return Statement.sort_date.desc().nulls_last(), Statement.key


def _ordered(query: Select, sort: str) -> Select:
    return query.order_by(*_order(sort))


def _row_options():
    return (joinedload(Statement.venue),
            selectinload(Statement.speakers).joinedload(StatementSpeaker.speaker),
            selectinload(Statement.topics).joinedload(StatementTopic.topic))


def _row(st: Statement, lead: str | None = None, cls=StatementRow, **extra) -> StatementRow:
    return cls(
        key=st.key, title=st.title, kind=st.kind, date=st.date, published=st.published,
        venue=NamedRef(st.venue.key, st.venue.name) if st.venue else None,
        speakers=[SpeakerRef(s.speaker.name, s.speaker.slug, s.role, s.speaker.kind, s.speaker.name_parts)
                  for s in st.speakers],
        topics=[NamedRef(t.topic.key, t.topic.name) for t in st.topics],
        excerpt=st.excerpt, paragraph_count=st.paragraph_count, lead=lead,
        original_url=st.original_url, publisher=st.publisher, captured_at=st.captured_at, **extra,
    )


def _rows(session: Session, *where, order=(), limit: int | None = None, offset: int = 0,
          ) -> list[tuple[int, dict]]:
    """(id, StatementRow fields) of the statements matching `where`, in three Core queries
    (statements with their venue, speakers, topics): the ORM's identity map and eager loaders
    cost more than the queries on the pages that show a few statements."""
    query = (select(Statement.id, Statement.key, Statement.title, Statement.kind, Statement.date,
                    Statement.published, Venue.key, Venue.name, Statement.excerpt, Statement.paragraph_count,
                    Statement.original_url, Statement.publisher, Statement.captured_at)
             .outerjoin(Venue, Venue.id == Statement.venue_id).where(*where).order_by(*order))
    if limit is not None:
        query = query.offset(offset).limit(limit)
    rows = session.execute(query).all()
    ids = [r[0] for r in rows]
    speakers: dict[int, list[SpeakerRef]] = {i: [] for i in ids}
    topics: dict[int, list[NamedRef]] = {i: [] for i in ids}
    if ids:
        for sid, name, slug, role, kind, parts in session.execute(
                select(StatementSpeaker.statement_id, Speaker.name, Speaker.slug, StatementSpeaker.role, Speaker.kind,
                       Speaker.name_parts)
                .join(Speaker, Speaker.id == StatementSpeaker.speaker_id)
                .where(StatementSpeaker.statement_id.in_(ids))
                .order_by(StatementSpeaker.statement_id, StatementSpeaker.position)):
            speakers[sid].append(SpeakerRef(name, slug, role, kind, parts))
        for sid, key, name in session.execute(
                select(StatementTopic.statement_id, Topic.key, Topic.name).join(Topic, Topic.id == StatementTopic.topic_id)
                .where(StatementTopic.statement_id.in_(ids))
                .order_by(StatementTopic.statement_id, StatementTopic.position)):
            topics[sid].append(NamedRef(key, name))
    clocks = page_clocks(session, [r[1] for r in rows if r[12] is None])
    return [(r[0], dict(key=r[1], title=r[2], kind=r[3], date=r[4], published=r[5],
                        venue=NamedRef(r[6], r[7]) if r[6] is not None else None, speakers=speakers[r[0]],
                        topics=topics[r[0]], excerpt=r[8], paragraph_count=r[9], original_url=r[10],
                        publisher=r[11], captured_at=r[12], page_clock=clocks.get(r[1]))) for r in rows]


def _leads(session: Session, ids: list[int]) -> dict[int, str]:
    """The first current paragraph of each statement, in one query."""
    if not ids:
        return {}
    first = (select(Paragraph.statement_id, func.min(Paragraph.n).label("n"))
             .where(Paragraph.statement_id.in_(ids), Paragraph.current.is_(True))
             .group_by(Paragraph.statement_id).subquery())
    rows = session.execute(
        select(Paragraph.statement_id, func.substr(Paragraph.text, 1, LEAD_CHARS + 1))
        .join(first, and_(first.c.statement_id == Paragraph.statement_id, first.c.n == Paragraph.n))
        .where(Paragraph.current.is_(True))
    ).all()
    out: dict[int, str] = {}
    for sid, text in rows:
        if sid not in out:
            out[sid] = text if len(text) <= LEAD_CHARS else text[:LEAD_CHARS].rsplit(" ", 1)[0] + " …"
    return out


def list_statements(session: Session, f: StatementFilter, *, sort: str = "newest", page: int = 1,
                    per_page: int = 20, leads: bool = True) -> Page[StatementRow]:
    conds = _where(f, session)
    if f.speakers and f == StatementFilter(speakers=f.speakers):  # a speaker's page: counted from the links
        total = session.scalar(select(func.count(func.distinct(StatementSpeaker.statement_id))).join(Speaker)
                               .where(Speaker.slug.in_(f.speakers))) or 0
    else:
        total = session.scalar(select(func.count(Statement.id)).where(*conds)) or 0
    rows = _rows(session, *conds, order=_order(sort), limit=per_page, offset=(page - 1) * per_page)
    lead = _leads(session, [i for i, _f in rows]) if leads else {}
    return Page([StatementRow(**f, lead=lead.get(i)) for i, f in rows], total, page, per_page)


def iter_statements(session: Session, f: StatementFilter, *, sort: str = "newest", limit: int,
                    batch: int = 200):
    """Rows for downloads, batch by batch (bounded by `limit`)."""
    done = 0
    while done < limit:
        size = min(batch, limit - done)
        query = _ordered(select(Statement).where(*_where(f)), sort).options(*_row_options())
        chunk = session.scalars(query.offset(done).limit(size)).unique().all()
        if not chunk:
            return
        lead = _leads(session, [s.id for s in chunk])
        clocks = page_clocks(session, [s.key for s in chunk if s.captured_at is None])
        for st in chunk:
            yield _row(st, lead.get(st.id), page_clock=clocks.get(st.key))
        done += len(chunk)
        session.expunge_all()
        if len(chunk) < size:
            return


def first_ingested(session: Session, keys: list[str]) -> dict[str, dt.date]:
    """The day each statement's first source page was ingested (for feeds of undated statements)."""
    if not keys:
        return {}
    rows = session.execute(
        select(Contribution.statement_key, func.min(SourceDocument.ingested_at))
        .join(SourceDocument, Contribution.source_document_id == SourceDocument.id)
        .where(Contribution.statement_key.in_(keys)).group_by(Contribution.statement_key))
    return {key: when.date() if isinstance(when, dt.datetime) else dt.date.fromisoformat(str(when)[:10])
            for key, when in rows if when is not None}


def statement_rows_for_keys(session: Session, keys: list[str]) -> dict[str, StatementRow]:
    statements = session.scalars(select(Statement).where(Statement.key.in_(keys)).options(*_row_options())).unique()
    clocks = page_clocks(session, keys)
    return {s.key: _row(s, page_clock=clocks.get(s.key)) for s in statements}


def statement_facets(session: Session, f: StatementFilter) -> dict[str, list[Facet]]:
    """Counts of statements by speaker, kind, venue, topic and year within the current filters."""
    ids = select(Statement.id).where(*_where(f, session)).scalar_subquery()
    n = func.count(func.distinct(Statement.id))
    year = func.extract("year", Statement.sort_date)
    specs = {
        "speaker": (select(Speaker.slug, Speaker.name, n).select_from(Statement).join(StatementSpeaker)
                    .join(Speaker).group_by(Speaker.id, Speaker.slug, Speaker.name), set(f.speakers)),
        "kind": (select(Statement.kind, Statement.kind, n).group_by(Statement.kind), set(f.kinds)),
        "venue": (select(Venue.key, Venue.name, n).select_from(Statement).join(Venue)
                  .group_by(Venue.id, Venue.key, Venue.name), set(f.venues)),
        "topic": (select(Topic.key, Topic.name, n).select_from(Statement).join(StatementTopic).join(Topic)
                  .group_by(Topic.id, Topic.key, Topic.name), set(f.topics)),
        "year": (select(year, year, n).where(Statement.sort_date.is_not(None)).group_by(year), set()),
    }
    out: dict[str, list[Facet]] = {}
    for name, (query, selected) in specs.items():
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
    for name, model, col, values in (("speaker", Speaker, Speaker.slug, f.speakers),
                                     ("venue", Venue, Venue.key, f.venues), ("topic", Topic, Topic.key, f.topics)):
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
    wanted = [(n, v) for n, vs in (("speaker", f.speakers), ("kind", f.kinds), ("venue", f.venues),
                                   ("topic", f.topics)) for v in vs]
    return labels, [w for w in wanted if w not in found]


def _turn(p_speaker_id: int | None, p_speaker: str | None, p_label: str | None) -> str:
    """question (or a host's turn), answer (a labelled turn of a statement speaker), or statement."""
    if turn_word(p_label) in QUESTION_WORDS or turn_word(p_speaker) in QUESTION_WORDS:
        return "question"
    if p_speaker_id is not None or turn_word(p_label) in ANSWER_WORDS or turn_word(p_speaker) in ANSWER_WORDS:
        return "answer" if p_label else "statement"
    return "question" if (p_speaker or p_label) else "statement"


def paragraph_views(session: Session, where) -> list[ParagraphView]:
    rows = session.execute(
        select(Paragraph.key, Paragraph.n, Paragraph.text, Paragraph.label, Paragraph.speaker_name,
               Paragraph.speaker_id, Speaker.slug, Paragraph.current, SourceDocument.file_name,
               Paragraph.line_start, Paragraph.line_end)
        .join(SourceDocument, SourceDocument.id == Paragraph.source_document_id)
        .outerjoin(Speaker, Speaker.id == Paragraph.speaker_id)
        .where(*where).order_by(Paragraph.n, Paragraph.key)
    ).all()
    return [ParagraphView(key=r[0], n=r[1], text=r[2], label=r[3], speaker=r[4], speaker_slug=r[6],
                          turn=_turn(r[5], r[4], r[3]), current=r[7], source_file=r[8],
                          line_start=r[9], line_end=r[10]) for r in rows]


def _sources(session: Session, statement_id: int, key: str, paragraphs: int = 0) -> list[SourceView]:
    """The statement's source documents with the lines its current paragraphs span in each.
    For a long statement (more than a page of paragraphs) the span of its main document is
    read from its first and last paragraph (lines follow paragraph order on a page) instead of
    aggregating every paragraph (7 s at 600,000)."""
    if paragraphs > PARAGRAPHS_PER_PAGE:
        spans = _long_spans(session, statement_id)
    else:
        spans = dict(
            (doc_id, (lo, hi)) for doc_id, lo, hi in session.execute(
                select(Paragraph.source_document_id, func.min(Paragraph.line_start), func.max(Paragraph.line_end))
                .where(Paragraph.statement_id == statement_id, Paragraph.current.is_(True))
                .group_by(Paragraph.source_document_id)).all())
    rows = session.execute(
        select(SourceDocument.id, SourceDocument.file_name, SourceDocument.sha256, Contribution.role,
               SourceDocument.original_url, SourceDocument.captured_at, SourceDocument.captured_source,
               SourceDocument.warc_file, SourceDocument.warc_offset, SourceDocument.format)
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
    first = session.execute(select(Paragraph.source_document_id, Paragraph.line_start).where(*same)
                            .order_by(Paragraph.n).limit(1)).first()
    if first is None:
        return {}
    doc = first[0]
    last = session.execute(select(Paragraph.line_end).where(*same, Paragraph.source_document_id == doc)
                           .order_by(Paragraph.n.desc()).limit(1)).scalar()
    return {doc: (first[1], last)}


def get_statement(session: Session, key: str, page: int = 1,
                  per_page: int = PARAGRAPHS_PER_PAGE) -> StatementDetail | None:
    """A statement with one page of its paragraphs (numbered 1..paragraph_count: page k holds
    (k-1)*per_page+1 … k*per_page), so that a request's memory does not grow with the
    statement. A page beyond the last has no paragraphs (the caller says 404)."""
    found = _rows(session, Statement.key == key)
    if not found:
        return None
    sid, fields = found[0]
    lo = (max(1, page) - 1) * per_page + 1
    paragraphs = paragraph_views(session, [Paragraph.statement_id == sid, Paragraph.current.is_(True),
                                           Paragraph.n >= lo, Paragraph.n < lo + per_page])
    pages = max(1, -(-fields["paragraph_count"] // per_page))
    from app.browse.versions import list_versions

    return StatementDetail(**fields, paragraphs=paragraphs,
                           sources=_sources(session, sid, key, fields["paragraph_count"]),
                           paragraph_page=page, paragraph_pages=pages, versions=list_versions(session, key))


SMALL_SPEAKER = 300  # statements: up to this many, a speaker's neighbours are found among all of them


def neighbours(session: Session, detail: StatementRow) -> list[Neighbour]:
    """Previous and next statement of each of the first few speakers (by date, then key; undated
    statements come first), then one load of all the neighbours.

    A speaker with few statements: all of them (id, date, key) in one query, compared here. One
    with many: the index on statements (sort_date, key) is walked from this statement, checking
    the speaker of each (about total/count rows). Either way the cost stays small for the 5,600
    statements of the busiest speaker at 1.5M paragraphs (sorting them all took 20-60 ms)."""
    found: list[tuple[SpeakerRef, int | None, int | None]] = []
    shown = detail.speakers[:NEIGHBOUR_SPEAKERS]
    counts = dict(session.execute(
        select(Speaker.slug, Speaker.id).where(Speaker.slug.in_([sp.slug for sp in shown]))).all())
    sizes = dict(session.execute(
        select(StatementSpeaker.speaker_id, func.count()).where(StatementSpeaker.speaker_id.in_(counts.values()))
        .group_by(StatementSpeaker.speaker_id)).all()) if counts else {}
    for sp in shown:
        sid = counts.get(sp.slug)
        if sid is None:
            found.append((sp, None, None))
        elif sizes.get(sid, 0) <= SMALL_SPEAKER:
            found.append((sp, *_neighbours_among_all(session, sid, detail)))
        else:
            found.append((sp, *_neighbours_by_index(session, sid, detail)))
    ids = {i for _sp, p, n in found for i in (p, n) if i is not None}
    rows = {i: StatementRow(**f) for i, f in _rows(session, Statement.id.in_(ids))} if ids else {}
    return [Neighbour(sp, rows.get(p) if p else None, rows.get(n) if n else None) for sp, p, n in found]


def _position(day: dt.date | None, key: str) -> tuple[dt.date, str]:
    return (day or _MIN_DATE, key)


def _neighbours_among_all(session: Session, speaker_id: int, detail: StatementRow) -> tuple[int | None, int | None]:
    here = _position(detail.sort_date, detail.key)
    prev = nxt = None
    for sid, day, key in session.execute(
            select(Statement.id, Statement.sort_date, Statement.key)
            .join(StatementSpeaker, StatementSpeaker.statement_id == Statement.id)
            .where(StatementSpeaker.speaker_id == speaker_id)).all():
        pos = _position(day, key)
        if pos < here and (prev is None or pos > prev[0]):
            prev = (pos, sid)
        elif pos > here and (nxt is None or pos < nxt[0]):
            nxt = (pos, sid)
    return (prev[1] if prev else None), (nxt[1] if nxt else None)


def _neighbours_by_index(session: Session, speaker_id: int, detail: StatementRow) -> tuple[int | None, int | None]:
    by = (select(StatementSpeaker.statement_id)
          .where(StatementSpeaker.statement_id == Statement.id,
                 StatementSpeaker.speaker_id + 0 == speaker_id).exists())  # "+ 0": probe by statement, not by speaker
    day, key = detail.sort_date, detail.key

    def first(*where, desc: bool) -> int | None:
        order = (Statement.sort_date.desc(), Statement.key.desc()) if desc else (Statement.sort_date, Statement.key)
        return session.scalar(select(Statement.id).where(by, *where).order_by(*order).limit(1))

    undated = Statement.sort_date.is_(None)
    if day is None:  # undated statements come before every dated one
        prev = first(undated, Statement.key < key, desc=True)
        nxt = first(undated, Statement.key > key, desc=False) or first(Statement.sort_date.is_not(None), desc=False)
    else:
        prev = (first(Statement.sort_date <= day, or_(Statement.sort_date < day, Statement.key < key), desc=True)
                or first(undated, desc=True))
        nxt = first(Statement.sort_date >= day, or_(Statement.sort_date > day, Statement.key > key), desc=False)
    return prev, nxt


def home_overview(session: Session, *, latest: int = 8, speakers: int = 10) -> Overview:
    from app.browse.entities import list_speakers
    from app.queries import archive_summary

    s = archive_summary(session)
    return Overview(
        statements=s.statements, excerpts=s.excerpts, paragraphs=s.paragraphs, speakers=s.speakers,
        first_date=dt.date.fromisoformat(s.first_date) if s.first_date else None,
        last_date=dt.date.fromisoformat(s.last_date) if s.last_date else None,
        latest=list_statements(session, StatementFilter(), per_page=latest).items,
        top_speakers=list_speakers(session, per_page=speakers).items,
    )
