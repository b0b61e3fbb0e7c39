"""search(): a query and filters in, the object of docs/search-json.md out (a plain dict).

Matching paragraphs are grouped under their statement; statements are ranked (best
paragraph's score, or date) and paged; each shows its best `per_statement` paragraphs
(in reading order) and counts the rest. Facets count all matching paragraphs, from
columns loaded once per searcher. Only the shown paragraphs are read from the database
(two queries per search, whatever the page size) and highlighted."""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session
from whoosh import query as wq

from app.models import Paragraph, Speaker, Statement, StatementSpeaker, Venue
from app.search.highlight import marks_for, snippet
from app.search.query import ParsedQuery, QueryError, filter_queries, parse_query
from app.search.searcher import IndexView
from app.urls import paragraph_path, statement_path

SORTS = ("relevance", "newest", "oldest")
MAX_PER_PAGE = 100
MAX_PER_STATEMENT = 20
FACET_LIMIT = 30          # speaker, venue and topic facets list the most frequent values
SUGGEST_BELOW = 3         # "did you mean" when a query finds fewer paragraphs than this
FACETS = ("speaker", "year", "kind", "venue", "topic")


def search(view: IndexView, query: str | None = None, *, session: Session,
           speaker: str | Iterable[str] | None = None, said: str | Iterable[str] | None = None,
           kind: str | Iterable[str] | None = None, venue: str | Iterable[str] | None = None,
           topic: str | Iterable[str] | None = None, year: str | int | Iterable | None = None,
           date_from=None, date_to=None, questions: str | None = None, sort: str = "relevance",
           page: int = 1, per_page: int = 20, per_statement: int = 3, max_query_chars: int = 1000,
           facet_limit: int = FACET_LIMIT) -> dict:
    """Search the index. Raises QueryError (message for the user) for a query or a parameter
    that cannot be understood; never returns silently empty for one."""
    sort = sort or "relevance"
    if sort not in SORTS:
        raise QueryError(f"sort must be one of {', '.join(SORTS)}, not '{sort}'")
    page, per_page = _int(page, "page", 1), min(_int(per_page, "per_page", 1), MAX_PER_PAGE)
    per_statement = min(_int(per_statement, "per_statement", 1), MAX_PER_STATEMENT)
    pq = parse_query(query, max_chars=max_query_chars)
    filters = filter_queries(speaker=speaker, said=said, kind=kind, venue=venue, topic=topic, year=year,
                             date_from=date_from, date_to=date_to, questions=questions)
    main, in_query = split_filters(pq.query)
    with view.lock:  # a Whoosh searcher's files are not safe for concurrent reads
        allowed = _allowed(view, filters + in_query)
        hits = _match(view, main, allowed)
        groups = _group(view, hits)
        shown = _order(groups, view.column("date"), sort)[(page - 1) * per_page: page * per_page]
        picks = _pick(view, groups, shown, per_statement)
        pkeys = view.values("pkey", [d for key in shown for _s, d in picks[key]])
        marks = marks_for(pq.highlight, view.reader)
        facets = facet_counts(view, [d for _s, d in hits], facet_limit)
        suggestion = (_suggest(view, pq, allowed, len(hits), max_query_chars)
                      if len(hits) < SUGGEST_BELOW else None)
    rows, speakers = _fetch(session, list(pkeys.values()))
    return {
        "query": pq.text, "total_paragraphs": len(hits), "total_statements": len(groups),
        "page": page, "per_page": per_page, "sort": sort,
        "results": _results(shown, picks, groups, pkeys, rows, speakers, marks),
        "facets": facets, "suggestion": suggestion,
    }


def _group(view: IndexView, hits: list[tuple[float, int]]) -> dict[str, list[tuple[float, int]]]:
    skeys = view.column("skey")
    groups: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for score, docnum in hits:
        groups[skeys[docnum]].append((score, docnum))
    return groups


def _pick(view: IndexView, groups, shown: list[str], per_statement: int) -> dict[str, list[tuple[float, int]]]:
    """Each shown statement's best paragraphs (ties: the earlier), in reading order."""
    ns = view.column("n")
    return {key: sorted(sorted(groups[key], key=lambda h: (-h[0], ns[h[1]]))[:per_statement],
                        key=lambda h: ns[h[1]]) for key in shown}


def _int(value, name: str, minimum: int) -> int:
    try:
        return max(int(value), minimum)
    except (TypeError, ValueError):
        raise QueryError(f"{name} must be a whole number, not '{value}'") from None


def split_filters(q: wq.Query) -> tuple[wq.Query, list[wq.Query]]:
    """Top-level field filters of the query (speaker:…, date:…) become cached filter sets."""
    if isinstance(q, wq.ConstantScoreQuery):
        return wq.Every(), [q.child]
    if isinstance(q, wq.And):
        filters = [s.child for s in q.subqueries if isinstance(s, wq.ConstantScoreQuery)]
        rest = [s for s in q.subqueries if not isinstance(s, wq.ConstantScoreQuery)]
        if filters:
            if not rest:
                return wq.Every(), filters
            if all(isinstance(s, wq.Not) for s in rest):
                rest.insert(0, wq.Every())
            return (rest[0] if len(rest) == 1 else wq.And(rest)), filters
    return q, []


def _allowed(view: IndexView, filters: list[wq.Query]) -> set[int] | None:
    """Documents all filters allow (None: no filter)."""
    if not filters:
        return None
    sets = sorted((view.filter_docs(f) for f in filters), key=len)
    out = sets[0]
    for s in sets[1:]:
        out = out & s
    return out


def _match(view: IndexView, q: wq.Query, allowed: set[int] | None) -> list[tuple[float, int]]:
    """(score, docnum) of every matching document, best first."""
    if isinstance(q, wq.Every):
        docs = sorted(allowed) if allowed is not None else list(view.reader.all_doc_ids())
        return [(1.0, d) for d in docs]
    if allowed is not None and not allowed:
        return []
    results = view.searcher.search(q, limit=None, filter=allowed)
    return [(float(score), docnum) for score, docnum in results.top_n]


def _order(groups: dict[str, list[tuple[float, int]]], dates: list[int], sort: str) -> list[str]:
    def best(key: str) -> float:
        return max(s for s, _d in groups[key])

    def date(key: str) -> int:
        return dates[groups[key][0][1]]

    if sort == "relevance":
        return sorted(groups, key=lambda k: (-best(k), -len(groups[k]), -date(k), k))
    if sort == "newest":
        return sorted(groups, key=lambda k: (date(k) == 0, -date(k), -best(k), k))
    return sorted(groups, key=lambda k: (date(k) == 0, date(k), -best(k), k))


def facet_counts(view: IndexView, docs: list[int], limit: int = FACET_LIMIT) -> dict[str, list[dict]]:
    """Counts of matching paragraphs by speaker, year, kind, venue and topic. Year and kind
    are complete (they add up to the number of paragraphs; 'undated' included); the
    others list the `limit` most frequent values."""
    speakers, topics = view.column("speakers_f"), view.column("topics_f")
    years, kinds, venues = view.column("year"), view.column("kind"), view.column("venue_f")
    counts = {name: Counter() for name in FACETS}
    for d in docs:
        counts["speaker"].update(speakers[d])
        counts["topic"].update(topics[d])
        counts["year"][years[d]] += 1
        counts["kind"][kinds[d]] += 1
        if venues[d]:
            counts["venue"][venues[d]] += 1
    out = {}
    for name, counter in counts.items():
        if name == "year":  # newest first, undated last
            items = sorted(counter.items(), key=lambda kv: (kv[0] == "undated", -int(kv[0]) if kv[0].isdigit() else 0))
        else:
            items = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
            if name != "kind":
                items = items[:limit]
        out[name] = [{"value": v, "count": n} for v, n in items]
    return out


def _results(shown: list[str], picks, groups, pkeys: dict[int, str], rows, speakers, marks) -> list[dict]:
    out = []
    for key in shown:
        paragraphs = []
        statement = None
        for _s, d in picks[key]:
            row = rows.get(pkeys[d])
            if row is None:  # deleted from the database since the index was written
                continue
            sole = speakers.get(row.statement_id, [])
            statement = statement or _statement(row, sole)
            turn = row.turn_name or row.speaker_name or (sole[0][0] if len(sole) == 1 and not row.label else None)
            paragraphs.append({"key": row.key, "n": row.n, "speaker": turn, "label": row.label,
                               "snippet": snippet(row.text, marks), "url": paragraph_path(row.key)})
        if statement is not None:
            out.append({"statement": statement, "paragraphs": paragraphs,
                        "more_paragraphs": len(groups[key]) - len(picks[key])})
    return out


def _statement(row, speakers: list[tuple[str, str | None]]) -> dict:
    return {"key": row.statement_key, "title": row.title, "kind": row.kind,
            "date": row.date.isoformat() if row.date else None,
            "published": row.published.isoformat() if row.published else None,
            "venue": row.venue, "speakers": [{"name": n, "role": r} for n, r in speakers],
            "url": statement_path(row.statement_key)}


def _fetch(session: Session, pkeys: list[str]):
    """The shown paragraphs with their statements (one query), and those statements'
    speakers (one more)."""
    if not pkeys:
        return {}, {}
    rows = session.execute(
        select(Paragraph.key, Paragraph.n, Paragraph.text, Paragraph.label, Paragraph.speaker_name,
               Speaker.name.label("turn_name"), Paragraph.statement_id, Statement.key.label("statement_key"),
               Statement.title, Statement.kind, Statement.date, Statement.published, Venue.name.label("venue"))
        .join(Statement, Paragraph.statement_id == Statement.id)
        .outerjoin(Speaker, Paragraph.speaker_id == Speaker.id)
        .outerjoin(Venue, Statement.venue_id == Venue.id)
        .where(Paragraph.key.in_(pkeys))
    ).all()
    by_key = {r.key: r for r in rows}
    speakers: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
    for sid, name, role in session.execute(
        select(StatementSpeaker.statement_id, Speaker.name, StatementSpeaker.role).join(Speaker)
        .where(StatementSpeaker.statement_id.in_({r.statement_id for r in rows}))
        .order_by(StatementSpeaker.statement_id, StatementSpeaker.position)
    ):
        speakers[sid].append((name, role))
    return by_key, speakers


# -- did you mean -----------------------------------------------------------------------------

def _suggest(view: IndexView, pq: ParsedQuery, allowed, total: int, max_chars: int) -> str | None:
    """The query with each word the index does not know replaced by the closest frequent
    word it does know, if that finds more."""
    if pq.empty or not pq.words:
        return None
    reader, text, changed = view.reader, pq.text, False
    for w in sorted(pq.words, key=lambda w: w.start, reverse=True):
        if w.word.isdigit() or reader.doc_frequency(w.field, w.word) > 0:
            continue
        better = _closest(reader, w.field, w.word)
        if better:
            text, changed = text[:w.start] + better + text[w.end:], True
    if not changed:
        return None
    try:
        corrected = parse_query(text, max_chars=max(max_chars, len(text)))
    except QueryError:
        return None
    main, in_query = split_filters(corrected.query)
    more = _allowed(view, in_query)
    if more is not None:
        allowed = more if allowed is None else allowed & more
    return text if len(_match(view, main, allowed)) > total else None


def _closest(reader, fieldname: str, word: str) -> str | None:
    for dist in (1, 2) if len(word) > 4 else (1,):
        found = [w for w in reader.terms_within(fieldname, word, dist, prefix=1) if w != word]
        if found:
            return max(found, key=lambda w: (reader.doc_frequency(fieldname, w), w))
    return None


def search_archive(settings, factory, query: str | None = None, **params) -> dict:
    """One search on a searcher opened for it (the CLI; a server keeps a SearcherHolder)."""
    view = IndexView.open(settings.index_dir)
    try:
        with factory() as session:
            return search(view, query, session=session, max_query_chars=settings.max_query_chars, **params)
    finally:
        view.close()
