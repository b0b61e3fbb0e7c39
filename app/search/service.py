"""search(): a query and filters in, the object of docs/search-json.md out (a plain dict).

Two levels (see schema.py). The index holds one document per statement; a query is first
run on statements, relaxed so that it finds every statement that can hold a matching
paragraph (NOT dropped, AND across the statement), ranked by BM25 over the statement.
Which paragraphs of a statement match the query itself (AND, NOT, phrases, said:,
label:, questions within one paragraph) is then resolved from the positions of its terms.

- When the relaxed query finds at most RESOLVE_ALL statements, all are resolved: totals,
  facets (counting matching paragraphs) and paging are exact, as with one document per
  paragraph.
- Beyond that, only the statements of the page (and those ranked before it) are resolved,
  plus an even sample of SAMPLE statements found; `total_statements` is exact when every
  statement found holds a matching paragraph (a query of one word, phrase or OR of them,
  with statement filters), else estimated from the sample; `total_paragraphs` and facet
  counts are estimated from the matching paragraphs per statement of the sample;
  `approximate` is true ("about N results").
- A query of statement filters only (speaker:, kind:, date:, …) matches every paragraph of
  the statements found: exact at any size, no positions read.

Each statement shows its best `per_statement` paragraphs (most query terms; ties: the
earlier), in reading order, and counts the rest. Only the shown paragraphs are read from
the database (two queries per search, whatever the page size) and highlighted."""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session
from whoosh import query as wq

from app.models import Paragraph, Speaker, Statement, StatementSpeaker, Venue
from app.search.documents import paragraph_entries
from app.search.highlight import marks_for, snippet
from app.search.query import ParsedQuery, QueryError, filter_queries, parse_query
from app.search.schema import PARAGRAPH_FIELDS, STRIDE
from app.search.searcher import IndexView
from app.urls import paragraph_path, statement_path

SORTS = ("relevance", "newest", "oldest")
MAX_PER_PAGE = 100
MAX_PER_STATEMENT = 20
FACET_LIMIT = 30          # speaker, venue and topic facets list the most frequent values
SUGGEST_BELOW = 3         # "did you mean" when a query finds fewer paragraphs than this
FACETS = ("speaker", "year", "kind", "venue", "topic")
RESOLVE_ALL = 1500        # statements found up to which every one is resolved (exact figures)
RESOLVE_CAP = 4000        # statements resolved at most to fill a page (rare matches in common words)
SAMPLE = 200              # statements resolved, spread evenly, for the estimates beyond RESOLVE_ALL


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
        run = _Run(view, main, filters + in_query, sort)
        start, stop = (page - 1) * per_page, page * per_page
        shown = run.page(start, stop)
        picks = {d: _best(run.slots[d], run.weights.get(d, {}), per_statement) for d in shown}
        entries = view.values("paras", shown)
        skeys = view.values("skey", shown)
        pkeys = {(d, i): entry[1] for d in shown
                 for i, entry in ((i, paragraph_entries(entries[d])[i]) for i in picks[d])}
        marks = marks_for(pq.highlight, view.reader)
        facets, (total_p, total_s) = view.memo(("figures", run.tree, facet_limit),
                                               lambda: (run.facets(facet_limit), run.totals()))
        facets = {name: [dict(v) for v in values] for name, values in facets.items()}  # the cache's stay intact
        suggestion = (_suggest(view, pq, run.allowed, total_p, max_query_chars)
                      if total_p < SUGGEST_BELOW else None)
    rows, speakers = _fetch(session, list(pkeys.values()))
    return {
        "query": pq.text, "total_paragraphs": total_p, "total_statements": total_s,
        "page": page, "per_page": per_page, "sort": sort,
        "results": _results(shown, picks, run.slots, skeys, pkeys, rows, speakers, marks),
        "facets": facets, "suggestion": suggestion, "approximate": run.approximate,
    }


class _Run:
    """One search: the statements found, ranked; the paragraphs resolved so far."""

    def __init__(self, view: IndexView, main: wq.Query, filters: list[wq.Query], sort: str):
        self.view, self.sort = view, sort
        self.allowed = _allowed(view, filters)
        self.tree = main if not filters else wq.And([main, *filters]) if not isinstance(main, wq.Every) \
            else (filters[0] if len(filters) == 1 else wq.And(filters))
        self.positional = _has_positional(self.tree)
        self.relaxed = _relax(main)
        self.counts = view.column("count")
        self.found = _candidates(view, self.relaxed, self.allowed)   # statement docnums (unordered)
        # every statement found holds a match: counting statements needs no resolution
        self.statement_exact = not self.positional or _statement_exact(self.tree)
        self.exact = not self.positional or len(self.found) <= RESOLVE_ALL
        self.slots: dict[int, list[int]] = {}          # docnum -> matching paragraph slots
        self.weights: dict[int, dict[int, int]] = {}   # docnum -> slot -> query terms matched
        self._ranked: list[int] | None = None
        self._resolved_upto = 0
        self._sampled: list[int] | None = None
        if self.positional and self.exact:
            self._resolve(sorted(self.found))
            self.found = {d for d in self.found if self.slots.get(d)}
        self.approximate = not self.exact

    # -- ranking ----------------------------------------------------------------------------

    def ranked(self, upto: int) -> list[int]:
        """The statements found in result order, at least the first `upto` (all when exact)."""
        if self._ranked is not None and (len(self._ranked) >= upto or len(self._ranked) == len(self.found)):
            return self._ranked
        dates = self.view.column("date")
        if self.sort == "relevance":
            if isinstance(self.relaxed, wq.Every):
                scores = dict.fromkeys(self.found, 1.0)
            else:
                limit = None if self.exact else min(len(self.found), max(upto * 2, 200))
                scores = self._score(limit)
            order = sorted(scores, key=lambda d: (-scores[d], -dates[d], d))
        elif self.sort == "newest":
            order = sorted(self.found, key=lambda d: (dates[d] == 0, -dates[d], d))
        else:
            order = sorted(self.found, key=lambda d: (dates[d] == 0, dates[d], d))
        self._ranked = order
        return order

    def _score(self, limit: int | None) -> dict[int, float]:
        if not self.found:  # (an empty filter set would mean no filter to Whoosh)
            return {}
        results = self.view.searcher.search(self.relaxed, limit=limit, filter=self.found)
        return {docnum: float(score) for score, docnum in results.top_n}

    def page(self, start: int, stop: int) -> list[int]:
        """Docnums of the statements of this page (each with at least one matching paragraph)."""
        if self.exact:
            order = self.ranked(stop)
            shown = order[start:stop]
            if not self.positional:
                for d in shown:
                    self.slots[d] = list(range(self.counts[d]))
            return shown
        want = stop
        while True:
            order = self.ranked(want)
            if self.statement_exact:  # every statement found matches: resolve the page only
                shown = order[start:stop]
                self._resolve(shown)
                return shown
            upto = min(len(order), want + per_page_slack(stop - start))
            self._resolve(order[self._resolved_upto:upto])
            self._resolved_upto = upto
            matched = [d for d in order[:upto] if self.slots.get(d)]
            if len(matched) >= stop or upto >= min(len(self.found), RESOLVE_CAP):
                return matched[start:stop]
            want = upto * 2

    def _resolve(self, docs: list[int]) -> None:
        todo = sorted(d for d in docs if d not in self.slots)
        if todo:
            slots, weights = _resolve(self.view, self.tree, todo, self.counts)
            self.slots.update(slots)
            self.weights.update(weights)

    # -- figures ----------------------------------------------------------------------------

    def _sample(self) -> list[int]:
        """An even sample of the statements found (by docnum), resolved for the estimates."""
        if self._sampled is None:
            found = sorted(self.found)
            step = max(1, len(found) // SAMPLE)
            self._sampled = found[::step][:SAMPLE]
            self._resolve(self._sampled)
        return self._sampled

    def _per_statement(self) -> float:
        """Matching paragraphs per statement found (estimated from the sample)."""
        sample = self._sample()
        return sum(len(self.slots[d]) for d in sample) / len(sample) if sample else 0.0

    def totals(self) -> tuple[int, int]:
        if not self.positional:
            return sum(self.counts[d] for d in self.found), len(self.found)
        if self.exact:
            return sum(len(self.slots[d]) for d in self.found), len(self.found)
        sample = self._sample()
        matched = sum(1 for d in sample if self.slots[d])
        statements = len(self.found) if self.statement_exact else round(len(self.found) * matched / len(sample))
        return round(len(self.found) * self._per_statement()), statements

    def facets(self, limit: int) -> dict[str, list[dict]]:
        if not self.positional:
            weight = self.counts
            return facet_counts(self.view, self.found, weight.__getitem__, limit)
        if self.exact:
            return facet_counts(self.view, self.found, lambda d: len(self.slots[d]), limit)
        scale = self._per_statement()
        return facet_counts(self.view, self.found, None, limit, scale)


def per_page_slack(n: int) -> int:
    return n + 10


def _best(slots: list[int], weights: dict[int, int], k: int) -> list[int]:
    """The k slots that match most query terms (ties: the earlier), in reading order."""
    return sorted(sorted(slots, key=lambda i: (-weights.get(i, 0), i))[:k])


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


def _candidates(view: IndexView, relaxed: wq.Query, allowed: set[int] | None) -> set[int]:
    """Statements the relaxed query finds within the filters."""
    if isinstance(relaxed, wq.Every):
        return set(allowed) if allowed is not None else set(view.reader.all_doc_ids())
    if allowed is not None and not allowed:
        return set()
    docs = view.filter_docs(relaxed) if _cacheable(relaxed) else set(view.searcher.docs_for_query(relaxed))
    return docs & allowed if allowed is not None else set(docs)


def _cacheable(q: wq.Query) -> bool:
    return q.is_leaf() and not isinstance(q, (wq.Prefix, wq.FuzzyTerm, wq.Wildcard))


def _leaves(q: wq.Query) -> Iterable[wq.Query]:
    if isinstance(q, wq.ConstantScoreQuery):
        yield from _leaves(q.child)
    elif isinstance(q, (wq.And, wq.Or)):
        for sub in q.subqueries:
            yield from _leaves(sub)
    elif isinstance(q, wq.Not):
        yield from _leaves(q.query)
    else:
        yield q


def _is_positional(leaf: wq.Query) -> bool:
    return not isinstance(leaf, wq.Every) and leaf.field() in PARAGRAPH_FIELDS


def _has_positional(q: wq.Query) -> bool:
    return any(_is_positional(leaf) for leaf in _leaves(q))


def _relax(q: wq.Query) -> wq.Query:
    """A statement-level query finding every statement that may hold a paragraph matching q
    (a NOT of paragraph-level terms can only be judged per paragraph: dropped; AND then
    spans the statement)."""
    if isinstance(q, wq.Not):  # a statement-level NOT (-speaker:lavrov) is exact: kept
        return wq.Every() if _has_positional(q.query) else q
    if isinstance(q, wq.ConstantScoreQuery):
        inner = _relax(q.child)
        return inner if isinstance(inner, wq.Every) else wq.ConstantScoreQuery(inner, q.score)
    if isinstance(q, wq.And):
        subs = [r for r in (_relax(s) for s in q.subqueries) if not isinstance(r, wq.Every)]
        if subs and all(isinstance(r, wq.Not) for r in subs):
            subs.insert(0, wq.Every())
        return wq.Every() if not subs else subs[0] if len(subs) == 1 else wq.And(subs)
    if isinstance(q, wq.Or):
        subs = [_relax(s) for s in q.subqueries]
        return wq.Every() if any(isinstance(r, wq.Every) for r in subs) else wq.Or(subs)
    return q


def _statement_exact(q: wq.Query) -> bool:
    """Does every statement the relaxed query finds hold a paragraph matching q? True for
    one paragraph-level leaf (word, phrase, prefix, said:…) under statement filters, and for
    an OR of such."""
    if isinstance(q, wq.ConstantScoreQuery):
        return _statement_exact(q.child)
    if isinstance(q, wq.Not):
        return not _has_positional(q.query)
    if isinstance(q, wq.Or):
        return all(_statement_exact(s) for s in q.subqueries)
    if isinstance(q, wq.And):
        positional = [s for s in q.subqueries if _has_positional(s)]
        return len(positional) <= 1 and all(_statement_exact(s) for s in positional)
    return True


# -- resolving paragraphs --------------------------------------------------------------------

def _resolve(view: IndexView, tree: wq.Query, docs: list[int], counts: list[int]):
    """For each statement docnum (sorted), the paragraph slots matching `tree`, and per slot
    how many positive query terms it holds."""
    cache: dict[wq.Query, dict[int, set[int]]] = {}
    weights: dict[int, dict[int, int]] = defaultdict(Counter)

    def leaf_slots(leaf: wq.Query, negated: bool) -> dict[int, set[int]]:
        got = cache.get(leaf)
        if got is None:
            got = cache[leaf] = _positions(view, leaf, docs)
        if not negated:
            for d, slots in got.items():
                w = weights[d]
                for i in slots:
                    w[i] += 1
        return got

    def ev(q: wq.Query, d: int, negated: bool) -> set[int]:
        if isinstance(q, wq.ConstantScoreQuery):
            return ev(q.child, d, negated)
        if isinstance(q, wq.And):
            out = None
            for sub in q.subqueries:
                got = ev(sub, d, negated)
                out = got if out is None else out & got
                if not out:
                    return set()
            return out if out is not None else set()
        if isinstance(q, wq.Or):
            out: set[int] = set()
            for sub in q.subqueries:
                out |= ev(sub, d, negated)
            return out
        if isinstance(q, wq.Not):
            return set(range(counts[d])) - ev(q.query, d, not negated)
        if isinstance(q, wq.Every):
            return set(range(counts[d]))
        if _is_positional(q):
            return set(per_leaf[(q, negated)].get(d, ()))
        return set(range(counts[d])) if d in view.filter_docs(q) else set()

    per_leaf: dict[tuple[wq.Query, bool], dict[int, set[int]]] = {}

    def collect(q: wq.Query, negated: bool) -> None:
        if isinstance(q, wq.ConstantScoreQuery):
            collect(q.child, negated)
        elif isinstance(q, (wq.And, wq.Or)):
            for sub in q.subqueries:
                collect(sub, negated)
        elif isinstance(q, wq.Not):
            collect(q.query, not negated)
        elif _is_positional(q) and (q, negated) not in per_leaf:
            per_leaf[(q, negated)] = leaf_slots(q, negated)

    collect(tree, False)
    slots = {d: sorted(ev(tree, d, False)) for d in docs}
    return slots, {d: dict(weights[d]) for d in docs}


def _positions(view: IndexView, leaf: wq.Query, docs: list[int]) -> dict[int, set[int]]:
    """The paragraph slots of each statement (docs, sorted) that hold this leaf."""
    reader, fieldname = view.reader, leaf.field()
    if isinstance(leaf, wq.Phrase):
        words = list(leaf.words)
        per_word = [_term_positions(reader, fieldname, w, docs) for w in words]
        out: dict[int, set[int]] = {}
        for d in set.intersection(*(set(p) for p in per_word)) if per_word else ():
            rest = [set(p[d]) for p in per_word[1:]]
            hits = {pos // STRIDE for pos in per_word[0][d]
                    if all(pos + k + 1 in r for k, r in enumerate(rest))}
            if hits:
                out[d] = hits
        return out
    if isinstance(leaf, wq.Term):
        texts = [leaf.text]
    else:  # prefix, fuzzy: the words of the index it stands for
        texts = [t.decode("utf-8") if isinstance(t, bytes) else t
                 for f, t in leaf.existing_terms(reader, expand=True) if f == fieldname]
    out = defaultdict(set)
    for text in texts:
        for d, poses in _term_positions(reader, fieldname, text, docs).items():
            out[d].update(p // STRIDE for p in poses)
    return out


def _term_positions(reader, fieldname: str, text, docs: list[int]) -> dict[int, list[int]]:
    if isinstance(text, bool):
        text = "yes" if text else "no"
    if (fieldname, text) not in reader:
        return {}
    m = reader.postings(fieldname, text)
    out = {}
    for d in docs:
        if not m.is_active():
            break
        if m.id() < d:
            m.skip_to(d)
            if not m.is_active():
                break
        if m.id() == d:
            out[d] = m.value_as("positions")
    return out


def facet_counts(view: IndexView, docs: Iterable[int], weight=None, limit: int = FACET_LIMIT,
                 scale: float = 1.0) -> dict[str, list[dict]]:
    """Counts of matching paragraphs by speaker, year, kind, venue and topic: each statement
    found counts `weight(docnum)` paragraphs (estimated: `scale` each). Year and kind are
    complete (they add up to the number of paragraphs; 'undated' included); the others
    list the `limit` most frequent values."""
    speakers, topics = view.column("speakers_f"), view.column("topics_f")
    years, kinds, venues = view.column("year"), view.column("kind"), view.column("venue_f")
    counts = {name: Counter() for name in FACETS}
    c_speaker, c_topic, c_year, c_kind, c_venue = (counts[n] for n in ("speaker", "topic", "year", "kind", "venue"))
    for d in docs:
        w = weight(d) if weight is not None else 1
        for name in speakers[d]:
            c_speaker[name] += w
        for name in topics[d]:
            c_topic[name] += w
        c_year[years[d]] += w
        c_kind[kinds[d]] += w
        if venues[d]:
            c_venue[venues[d]] += w
    out = {}
    for name, counter in counts.items():
        if scale != 1.0:
            counter = Counter({k: max(1, round(v * scale)) for k, v in counter.items()})
        if name == "year":  # newest first, undated last
            items = sorted(counter.items(), key=lambda kv: (kv[0] == "undated", -int(kv[0]) if kv[0].isdigit() else 0))
        else:
            items = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
            if name != "kind":
                items = items[:limit]
        out[name] = [{"value": v, "count": n} for v, n in items]
    return out


def _results(shown: list[int], picks, slots, skeys, pkeys: dict[tuple[int, int], str], rows, speakers,
             marks) -> list[dict]:
    out = []
    for d in shown:
        paragraphs = []
        statement = None
        for i in picks[d]:
            row = rows.get(pkeys[(d, i)])
            if row is None:  # deleted from the database since the index was written
                continue
            sole = speakers.get(row.statement_id, [])
            statement = statement or _statement(row, sole)
            turn = row.turn_name or row.speaker_name or (sole[0][0] if len(sole) == 1 and not row.label else None)
            paragraphs.append({"key": row.key, "n": row.n, "speaker": turn, "label": row.label,
                               "snippet": snippet(row.text, marks), "url": paragraph_path(row.key)})
        if statement is not None:
            out.append({"statement": statement, "paragraphs": paragraphs,
                        "more_paragraphs": len(slots[d]) - len(picks[d])})
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
    word it does know, if that finds more (statements that may match)."""
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
    return text if len(_candidates(view, _relax(main), allowed)) > total else None


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
