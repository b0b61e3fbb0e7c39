"""Write one parsed page into the database (one transaction per page, by the caller).

A page contributes statements (its main text and its teasers). Each statement is
materialised from all its contributions in a fixed order, so the archive does not
depend on the order pages arrive in: the full text beats a teaser, then the latest
capture wins (app.ingest.versions), then the longer text, then the smaller sha256.

Nothing ingested is forgotten: a page re-ingested at its path with another text (or
parsed anew by a changed parser) keeps its earlier document as `superseded`, so every
text a statement ever had stays a version and every paragraph key keeps its words.

Rows are written with bulk INSERT/UPDATE/DELETE statements and looked up in batches:
a page with 20,000 teasers or 50,000 paragraphs is one transaction of a few seconds.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import itertools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from app.ingest.keys import name_key, paragraph_keys, statement_key
from app.ingest.provenance import Provenance
from app.ingest.speakers import add_spelling, get_or_create_speaker, get_or_create_topic, get_or_create_venue
from app.ingest.types import PageError, ParsedPage, ParsedStatement, statement_to_dict
from app.ingest.versions import capture_of, changes, successor, suffix, text_id
from app.models import (
    Contribution,
    KeyAlias,
    Paragraph,
    SourceDocument,
    Statement,
    StatementSpeaker,
    StatementTopic,
    StatementVersion,
)
from app.outbox import enqueue

PARSER_VERSION = "2"  # 2: title by evidence, chrome learnt per site (issue 10)
BATCH = 500
SLICE = 1000  # paragraphs serialised or hashed at a time


@dataclass
class LoadResult:
    path: str
    status: str  # new | updated | unchanged | failed
    error: str | None = None
    statements_new: int = 0
    statements_updated: int = 0
    statements_unchanged: int = 0
    excerpts: int = 0
    paragraphs: int = 0
    warnings: int = 0
    changed_keys: set[str] = field(default_factory=set)  # statements written (for the index)
    removed_keys: set[str] = field(default_factory=set)  # statements deleted


class PagePara(NamedTuple):
    """A paragraph of a stored contribution, decoded (a tuple, not a dict: a statement may have
    600,000 of them)."""

    n: int
    text: str
    speaker: str | None
    label: str | None
    lines: tuple[int, int]


class Para(NamedTuple):
    """A paragraph row of a materialised statement."""

    key: str
    n: int
    current: bool
    text: str
    label: str | None
    speaker: str | None
    doc: str
    doc_id: int
    lines: tuple[int, int]


def _compact(obj: dict) -> Any:
    """json.loads' object_hook: a paragraph object becomes a PagePara as soon as it is decoded."""
    if len(obj) == 5 and "lines" in obj and "text" in obj:
        return PagePara(obj["n"], obj["text"], obj["speaker"], obj["label"], tuple(obj["lines"]))
    return obj


def decode_contribution(data: str) -> dict:
    return json.loads(data, object_hook=_compact)


class Contrib(NamedTuple):
    data: dict
    role: str
    position: int
    doc_id: int
    sha256: str
    path: str
    original_url: str | None = None
    publisher: str | None = None
    captured_at: dt.datetime | None = None
    file_name: str = ""
    captured_source: str | None = None
    page_clock: dt.date | None = None
    ingested_at: dt.datetime | None = None
    parse_seq: int = 0
    superseded: bool = False

    def capture(self):
        return capture_of(self.captured_at, self.captured_source, self.page_clock, self.ingested_at)


def chunks(items: list, size: int = BATCH) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def insert_rows(session: Session, model, rows: list[dict]) -> None:
    """INSERT the rows, BATCH per statement: a Core insert of the table, so that rows with
    NULLs in different columns stay one executemany (the ORM's bulk insert leaves None
    columns out and starts a new statement whenever the set of columns changes: ~13 round
    trips per page instead of one, which a database server over a socket pays for)."""
    for chunk in chunks(rows):
        session.execute(insert(model.__table__), chunk)


def load_failure(
    session: Session, *, path: str, file_name: str, raw: bytes, error: PageError, now: dt.datetime
) -> LoadResult:
    """Record a page that could not be parsed. A previous good version stays in place."""
    doc = session.scalar(select(SourceDocument).where(SourceDocument.path == path))
    if doc is None:
        doc = SourceDocument(
            path=path,
            file_name=file_name,
            sha256=hashlib.sha256(raw).hexdigest(),
            size=len(raw),
            raw_text=None,
            encoding=None,
            warnings="[]",
        )
        session.add(doc)
    doc.parser_version = PARSER_VERSION
    doc.ingested_at = now
    doc.status = "failed"
    doc.error = error.message
    doc.error_line = error.line
    return LoadResult(path=path, status="failed", error=str(error))


def load_page(
    session: Session,
    *,
    path: str,
    file_name: str,
    raw: bytes,
    text: str | None,
    page: ParsedPage,
    now: dt.datetime,
    force: bool = False,
    provenance: Provenance | None = None,
    sha256: str | None = None,
) -> LoadResult:
    """`sha256`: the source's own, when `raw` is its stored text rather than its bytes (reparse)."""
    sha = sha256 or hashlib.sha256(raw).hexdigest()
    provenance = provenance or Provenance()
    doc = session.scalar(select(SourceDocument).where(SourceDocument.path == path))
    if (
        doc is not None
        and not force
        and doc.sha256 == sha
        and doc.status == "ok"
        and doc.parser_version == PARSER_VERSION
    ):
        return LoadResult(path=path, status="unchanged")
    rows = _contribution_rows(page)
    if doc is not None and not force and _known_earlier(session, path, sha, rows):
        return LoadResult(path=path, status="unchanged")
    result = LoadResult(
        path=path,
        status="new" if doc is None else "updated",
        warnings=len(page.warnings),
        paragraphs=sum(len(st.paragraphs) for st in page.statements),
        excerpts=sum(r["role"] == "excerpt" for r in rows.values()),
    )
    warnings, encoding, captured = page.warnings, page.encoding, page.captured
    del page  # serialised in `rows`: a long page's parse objects go before its statements are built
    old: list[tuple[str, str]] = []
    earlier_main = None  # the main statement of the capture of this path that is kept as superseded
    if doc is not None:
        kept = session.execute(
            select(Contribution.statement_key, Contribution.role, Contribution.data).where(
                Contribution.source_document_id == doc.id
            )
        ).all()
        old = [(k, role) for k, role, _d in kept]
        if kept and _differs(doc, sha, kept, rows):
            live = doc
            doc = _supersede(
                session,
                doc,
                path,
                sha,
                capture_of(provenance.captured_at, provenance.captured_source, captured, now),
            )
            if live.superseded:
                earlier_main = next((k for k, role in old if role == "main"), None)
            else:  # the page arriving is the older capture
                earlier_main = next((k for k, r in rows.items() if r["role"] == "main"), None)
                old = []
    if doc is None:
        doc = SourceDocument(path=path)
        session.add(doc)
    doc.file_name, doc.sha256, doc.size, doc.raw_text = file_name, sha, len(raw), text
    doc.encoding, doc.parser_version, doc.ingested_at = encoding, PARSER_VERSION, now
    doc.status, doc.error, doc.error_line = "ok", None, None
    doc.warnings = json.dumps(list(warnings), ensure_ascii=False)
    doc.captured = captured
    _set_provenance(doc, provenance)
    session.flush()

    old_main = next((k for k, role in old if role == "main"), None)
    session.execute(delete(Contribution).where(Contribution.source_document_id == doc.id))

    insert_rows(session, Contribution, [dict(source_document_id=doc.id, **r) for r in rows.values()])
    keys = set(rows)
    del rows  # the page's JSON is in the database now (read back, compactly, to materialise)

    live_main = _live_main(session, path)
    for key, outcome in materialise_many(session, sorted(keys | {k for k, _ in old})):
        if outcome == "removed":
            result.removed_keys.add(key)
        elif outcome != "unchanged":
            result.changed_keys.add(key)
        if outcome not in ("removed", "gone"):
            setattr(result, f"statements_{outcome}", getattr(result, f"statements_{outcome}") + 1)
    for key in sorted(result.removed_keys):
        _alias_removed(session, key, live_main if key == old_main else None)
    if earlier_main and live_main and earlier_main != live_main:
        _alias_superseded(session, earlier_main, live_main)
    enqueue(session, result.changed_keys | result.removed_keys)  # for the search index, same transaction
    return result


def _contribution_rows(page: ParsedPage) -> dict[str, dict]:
    """The page's contributions (each statement as JSON), by statement key."""
    rows: dict[str, dict] = {}
    for position, st in enumerate(page.statements):
        key = statement_key(st.title, st.date or st.published)
        if key not in rows:  # the same teaser twice on one page: once
            rows[key] = dict(position=position, statement_key=key, role=st.role, data=statement_json(st))
    return rows


def statement_json(st: ParsedStatement) -> str:
    """`json.dumps(statement_to_dict(st), ensure_ascii=False)`, the paragraphs serialised a slice
    at a time (600,000 paragraphs are never 600,000 dicts at once). Same string: stored
    contributions are compared with it to tell an unchanged page."""
    head = json.dumps(statement_to_dict(dataclasses.replace(st, paragraphs=())), ensure_ascii=False)
    end = '"paragraphs": []}'
    if not head.endswith(end):  # pragma: no cover - statement_to_dict put another key last
        return json.dumps(statement_to_dict(st), ensure_ascii=False)
    parts = [head[:-2]]
    paras = st.paragraphs
    for i in range(0, len(paras), SLICE):
        part = json.dumps(
            [
                {
                    "n": p.n,
                    "text": p.text,
                    "speaker": p.speaker,
                    "label": p.label,
                    "lines": [p.line_start, p.line_end],
                }
                for p in paras[i : i + SLICE]
            ],
            ensure_ascii=False,
        )
        parts.append((", " if i else "") + part[1:-1])
    parts.append("]}")
    return "".join(parts)


def _known_earlier(session: Session, path: str, sha: str, rows: dict[str, dict]) -> bool:
    """This text, parsed the same, is already kept as an earlier capture of the path."""
    for doc in session.scalars(
        select(SourceDocument).where(
            SourceDocument.superseded.is_(True),
            SourceDocument.sha256 == sha,
            SourceDocument.path.startswith(path + "@", autoescape=True),
        )
    ):
        kept = session.execute(
            select(Contribution.statement_key, Contribution.role, Contribution.data).where(
                Contribution.source_document_id == doc.id
            )
        ).all()
        if not _differs(doc, sha, kept, rows):
            return True
    return False


def _differs(doc: SourceDocument, sha: str, kept, rows: dict[str, dict]) -> bool:
    """Another text, or the same text parsed differently (a parser change)."""
    return doc.sha256 != sha or sorted((k, r, d) for k, r, d in kept) != sorted(
        (r["statement_key"], r["role"], r["data"]) for r in rows.values()
    )


def superseded_path(session: Session, path: str, sha: str, seq: int) -> str:
    base = f"{path}@{sha[:16]}~{seq}"
    candidate, i = base, 1
    while session.scalar(select(SourceDocument.id).where(SourceDocument.path == candidate)) is not None:
        i += 1
        candidate = f"{base}.{i}"
    return candidate


def _supersede(
    session: Session, doc: SourceDocument, path: str, sha: str, new_capture
) -> SourceDocument | None:
    """Keep the live document of `path` as an earlier capture, or (when the page arriving is
    the older capture) keep the arriving page beside it: the document to write the page into
    (None: a new live document at `path`). The live document of a path is always its latest
    capture, whatever the order pages arrive in."""
    live = capture_of(doc.captured_at, doc.captured_source, doc.captured, doc.ingested_at)
    if doc.sha256 != sha and (new_capture.sort_key(), sha) < (live.sort_key(), doc.sha256):
        older = SourceDocument(path=superseded_path(session, path, sha, 0), superseded=True, parse_seq=0)
        session.add(older)
        return older
    seq = doc.parse_seq + 1 if doc.sha256 == sha else 0
    doc.path = superseded_path(session, path, doc.sha256, doc.parse_seq)
    doc.superseded = True
    session.flush()
    fresh = SourceDocument(path=path, parse_seq=seq, superseded=False)
    session.add(fresh)
    return fresh


def _live_main(session: Session, path: str) -> str | None:
    return session.scalar(
        select(Contribution.statement_key)
        .join(SourceDocument)
        .where(SourceDocument.path == path, Contribution.role == "main")
    )


def _set_provenance(doc: SourceDocument, p: Provenance) -> None:
    doc.format, doc.original_url, doc.url_source, doc.publisher = (
        p.format,
        p.original_url,
        p.url_source,
        p.publisher,
    )
    doc.captured_at, doc.captured_source = p.captured_at, p.captured_source
    doc.warc_file, doc.warc_offset, doc.capture = p.warc_file, p.warc_offset, p.capture


def materialise_many(session: Session, keys: list[str]) -> Iterator[tuple[str, str]]:
    """Rebuild the statements `keys`; rows are read and written in batches of BATCH statements."""
    for chunk in chunks(keys):
        contribs: dict[str, list[Contrib]] = {}
        for r in session.execute(
            select(
                Contribution.statement_key,
                Contribution.data,
                Contribution.role,
                Contribution.position,
                SourceDocument.id,
                SourceDocument.sha256,
                SourceDocument.path,
                SourceDocument.original_url,
                SourceDocument.publisher,
                SourceDocument.captured_at,
                SourceDocument.file_name,
                SourceDocument.captured_source,
                SourceDocument.captured,
                SourceDocument.ingested_at,
                SourceDocument.parse_seq,
                SourceDocument.superseded,
            )
            .join(SourceDocument)
            .where(Contribution.statement_key.in_(chunk))
        ):
            contribs.setdefault(r[0], []).append(Contrib(decode_contribution(r[1]), *r[2:]))
        statements = {s.key: s for s in session.scalars(select(Statement).where(Statement.key.in_(chunk)))}
        writes: list[tuple[Statement, dict]] = []
        for key in chunk:  # popped: a long statement's contributions go once it is written
            outcome, fields = materialise(session, key, contribs.pop(key, []), statements.get(key))
            if fields is not None:
                writes.append((statements.get(key) or _new_statement(session, key), fields))
            yield key, outcome
        _write_statements(session, writes, updated={s.id for s in statements.values()})


def _new_statement(session: Session, key: str) -> Statement:
    return Statement(key=key)  # added to the session once its fields are set


def _ordered(contribs: list[Contrib]) -> list[Contrib]:
    """Best first: full text, then the latest capture (a later re-parse of the same capture),
    then more paragraphs, then smaller sha256, path, position."""

    def rank(c: Contrib):
        when, finer = c.capture().sort_key()
        return (
            c.role != "main",
            -when,
            -finer,
            -c.parse_seq,
            -len(c.data["paragraphs"]),
            c.sha256,
            c.path,
            c.position,
        )

    return sorted(contribs, key=rank)


def _first(rows: list[Contrib], name: str) -> Any:
    return next((c.data[name] for c in rows if c.data[name]), None)


def materialise(
    session: Session, key: str, contribs: list[Contrib], statement: Statement | None
) -> tuple[str, dict | None]:
    """What statement `key` becomes from its contributions: (new|updated|unchanged|removed|gone, fields to
    write). Only full texts of earlier captures of pages that now say something else (superseded
    documents; a corrected title): the statement is gone (its keys are aliased to where the page went)."""
    if all(c.superseded and c.role == "main" for c in contribs):
        contribs = []  # a teaser of an earlier capture keeps its statement: only a page's own text moves
    if not contribs and statement is None:
        return "gone", None
    if not contribs:
        if statement is None:
            return "unchanged", None
        _remove_statement(session, statement)
        return "removed", None
    rows = _ordered(contribs)
    best = rows[0].data
    fields = {
        "title": best["title"],
        "kind": best["kind"],
        "date": _first(rows, "date"),
        "published": _first(rows, "published"),
        "venue": _first(rows, "venue"),
        "speakers": best["speakers"] or _first(rows, "speakers") or [],
        "topics": best["topics"] or _first(rows, "topics") or [],
        "excerpt": rows[0].role == "excerpt",
        "paragraphs": ParagraphRows(key, rows),
        "versions": build_versions(key, rows),
    }
    origin = next((c for c in rows if c.original_url), None)
    if origin is not None:  # only when known: a text-only statement keeps its fingerprint
        fields["original_url"] = origin.original_url
        fields["publisher"] = origin.publisher
        fields["captured_at"] = origin.captured_at.isoformat() if origin.captured_at else None
    fields["fingerprint"] = fingerprint(fields)
    if statement is not None and statement.fingerprint == fields["fingerprint"]:
        return "unchanged", None
    return ("new" if statement is None else "updated"), fields


def build_versions(key: str, rows: list[Contrib]) -> list[dict]:
    """The statement's distinct texts (app.ingest.versions), numbered by first capture; the
    current one holds the best contribution (rows[0], the latest capture)."""
    pool = [c for c in rows if c.role == rows[0].role]
    groups: dict[str, list[Contrib]] = {}
    for c in pool:
        groups.setdefault(text_id([p.text for p in c.data["paragraphs"]]), []).append(c)
    current = text_id([p.text for p in rows[0].data["paragraphs"]])

    def first(cs: list[Contrib]):
        return min((c.capture().sort_key(), c.parse_seq, c.sha256) for c in cs)

    out: list[dict] = []
    seen_shas: set[str] = set()
    previous: list[str] | None = None
    for n, (vid, cs) in enumerate(sorted(groups.items(), key=lambda kv: (first(kv[1]), kv[0])), 1):
        cs = sorted(cs, key=lambda c: (c.capture().sort_key(), c.parse_seq, c.sha256, c.path))
        cap = cs[0].capture()
        keys = suffixes(key, cs[0])
        sources, listed = [], set()
        for c in cs:
            if (c.file_name, c.sha256) in listed:
                continue
            listed.add((c.file_name, c.sha256))
            cc = c.capture()
            sources.append(
                {
                    "file": c.file_name,
                    "sha256": c.sha256,
                    "captured_at": cc.when.isoformat(),
                    "captured_source": cc.source,
                    "estimated": cc.estimated,
                    "page_clock": c.page_clock.isoformat() if c.page_clock else None,
                    "file_time": c.captured_at.isoformat() if c.captured_at else None,
                    "parse": c.parse_seq,
                    "original_url": c.original_url,
                    "publisher": c.publisher,
                }
            )
        shas = {c.sha256 for c in cs}
        out.append(
            {
                "n": n,
                "id": vid,
                "current": vid == current,
                "role": cs[0].role,
                "captured_at": cap.when.isoformat(),
                "captured_source": cap.source,
                "estimated": cap.estimated,
                "reparse": bool(shas) and shas <= seen_shas,
                "paragraph_count": len(keys),
                "changes": changes(previous, keys).as_dict() if previous is not None else None,
                "keys": keys,
                "sources": sources,
                "doc_id": cs[0].doc_id,
            }
        )
        seen_shas |= shas
        previous = keys
    return out


def suffixes(key: str, c: Contrib) -> list[str]:
    """The paragraph keys of a contribution, without the statement key (computed once per contribution)."""
    got = c.data.get("_suffixes")  # kept beside the decoded JSON, which is never written back
    if got is None:
        got = c.data["_suffixes"] = [
            suffix(k) for k in paragraph_keys(key, [p.text for p in c.data["paragraphs"]])
        ]
    return got


class ParagraphRows:
    """A statement's paragraph rows, made as they are iterated (each pass anew, never all held):
    current paragraphs from the best contribution; other contributions' paragraphs whose text
    is not among them are kept as retired, so their permalinks still resolve."""

    def __init__(self, key: str, rows: list[Contrib]):
        self.key, self.rows = key, rows

    def __iter__(self) -> Iterator[Para]:
        seen: set[str] = set()
        for rank, c in enumerate(self.rows):
            for sfx, p in zip(suffixes(self.key, c), c.data["paragraphs"], strict=True):
                if sfx in seen:
                    continue
                seen.add(sfx)
                yield Para(
                    f"{self.key}.{sfx}",
                    p.n,
                    rank == 0,
                    p.text,
                    p.label,
                    p.speaker,
                    c.sha256,
                    c.doc_id,
                    p.lines,
                )


def fingerprint(fields: dict) -> str:
    """sha1 of `json.dumps(fields, sort_keys=True, ensure_ascii=False)` with each paragraph row
    as a dict (how stored fingerprints were made, so a re-ingest finds an unchanged statement
    unchanged), fed to the hash a slice of paragraphs at a time instead of as one string."""
    head = json.dumps(dict(fields, paragraphs=None), sort_keys=True, ensure_ascii=False)
    before, after = head.split('"paragraphs": null', 1)  # a key: quotes inside a value are escaped
    h = hashlib.sha1(before.encode())
    h.update(b'"paragraphs": [')
    first = True
    for part in _slices(iter(fields["paragraphs"])):
        text = json.dumps([p._asdict() for p in part], sort_keys=True, ensure_ascii=False)
        h.update(((", " if not first else "") + text[1:-1]).encode())
        first = False
    h.update(b"]" + after.encode())
    return h.hexdigest()[:16]


def _slices(items: Iterator, size: int = SLICE) -> Iterator[list]:
    while part := list(itertools.islice(items, size)):
        yield part


def _write_statements(session: Session, writes: list[tuple[Statement, dict]], updated: set[int]) -> None:
    if not writes:
        return
    for st, f in writes:
        venue_id = get_or_create_venue(session, f["venue"]).id if f["venue"] else None
        st.venue_id = venue_id
        st.title, st.kind, st.excerpt, st.fingerprint = f["title"], f["kind"], f["excerpt"], f["fingerprint"]
        st.date = dt.date.fromisoformat(f["date"]) if f["date"] else None
        st.published = dt.date.fromisoformat(f["published"]) if f["published"] else None
        st.sort_date = st.date or st.published
        st.original_url, st.publisher = f.get("original_url"), f.get("publisher")
        st.captured_at = dt.datetime.fromisoformat(f["captured_at"]) if f.get("captured_at") else None
        st.paragraph_count = sum(p.current for p in f["paragraphs"])
        session.add(st)
    session.flush()
    rewritten = [st.id for st, _ in writes if st.id in updated]
    existing: dict[int, dict[str, int]] = {}
    for chunk in chunks(rewritten):
        for model in (StatementSpeaker, StatementTopic):
            session.execute(delete(model).where(model.statement_id.in_(chunk)))
        for sid, key, pid in session.execute(
            select(Paragraph.statement_id, Paragraph.key, Paragraph.id).where(
                Paragraph.statement_id.in_(chunk)
            )
        ):
            existing.setdefault(sid, {})[key] = pid
    speakers, topics, paragraphs = [], [], _ParagraphWrites()
    for st, f in writes:
        speaker_ids: dict[str, int] = {}
        when = st.date or st.published
        for i, sp in enumerate(f["speakers"]):
            speaker = get_or_create_speaker(
                session, sp["name"], sp.get("kind") or "person", sp.get("role"), when
            )
            if sp.get("as_printed"):  # the page's spelling of a name the parse gave canonically
                add_spelling(session, speaker, sp["as_printed"])
            speaker_ids[name_key(sp["name"])] = speaker.id
            speaker_ids.setdefault(name_key(speaker.name), speaker.id)  # a turn printed in another spelling
            speakers.append(dict(statement_id=st.id, position=i, speaker_id=speaker.id, role=sp.get("role")))
        topics += [
            dict(statement_id=st.id, position=i, topic_id=get_or_create_topic(session, name).id)
            for i, name in enumerate(f["topics"])
        ]
        paragraphs.plan(session, st, f["paragraphs"], speaker_ids, existing.get(st.id, {}))
        session.expire(st, ["speakers", "topics", "paragraphs"])
    insert_rows(session, StatementSpeaker, speakers)
    insert_rows(session, StatementTopic, topics)
    paragraphs.execute(session)
    _write_versions(session, writes)
    _drop_aliases(session, [st.key for st, _ in writes])


def _write_versions(session: Session, writes: list[tuple[Statement, dict]]) -> None:
    keys = [st.key for st, _ in writes]
    for chunk in chunks(keys):
        session.execute(delete(StatementVersion).where(StatementVersion.statement_key.in_(chunk)))
    rows = [
        dict(
            statement_key=st.key,
            n=v["n"],
            vid=v["id"],
            current=v["current"],
            role=v["role"],
            captured_at=dt.datetime.fromisoformat(v["captured_at"]),
            captured_source=v["captured_source"],
            estimated=v["estimated"],
            reparse=v["reparse"],
            paragraph_count=v["paragraph_count"],
            source_document_id=v["doc_id"],
            keys=json.dumps(v["keys"]),
            sources=json.dumps(v["sources"], ensure_ascii=False),
            changes=json.dumps(v["changes"]),
        )
        for st, f in writes
        for v in f["versions"]
    ]
    for chunk in chunks(rows):
        session.execute(insert(StatementVersion), chunk)


class _ParagraphWrites:
    """Paragraph inserts, updates and deletes collected over many statements, run in bulk every
    FLUSH rows (a long statement's rows are never all held as dicts) and at the end. A key
    inserted is no longer an alias (dropped as it is written)."""

    FLUSH = 10 * BATCH

    def __init__(self) -> None:
        self.inserts: list[dict] = []
        self.updates: list[dict] = []
        self.deletes: list[int] = []

    def plan(
        self,
        session: Session,
        st: Statement,
        paras: Iterable[Para],
        speaker_ids: dict[str, int],
        existing: dict[str, int],
    ) -> None:
        wanted: set[str] = set()  # (only when the statement had paragraphs)
        for p in paras:
            if existing:
                wanted.add(p.key)
            values = dict(
                n=p.n,
                current=p.current,
                text=p.text,
                label=p.label,
                speaker_name=p.speaker,
                speaker_id=speaker_ids.get(name_key(p.speaker)) if p.speaker else None,
                source_document_id=p.doc_id,
                line_start=p.lines[0],
                line_end=p.lines[1],
            )
            if p.key in existing:
                self.updates.append(dict(id=existing[p.key], **values))
            else:
                self.inserts.append(dict(key=p.key, statement_id=st.id, **values))
            if len(self.inserts) + len(self.updates) >= self.FLUSH:
                self.execute(session)
        for key in sorted(k for k in existing if k not in wanted):
            # a paragraph whose text changed: its old permalink leads to the statement
            _add_alias(session, key, "paragraph", st.key, "statement")
            self.deletes.append(existing[key])

    def execute(self, session: Session) -> None:
        for chunk in chunks(self.deletes):
            session.execute(delete(Paragraph).where(Paragraph.id.in_(chunk)))
        insert_rows(session, Paragraph, self.inserts)
        for chunk in chunks(self.updates):
            session.execute(update(Paragraph), chunk)
        _drop_aliases(session, [p["key"] for p in self.inserts])
        self.deletes, self.inserts, self.updates = [], [], []


def _drop_aliases(session: Session, keys: Iterable[str]) -> None:
    """A key that exists again is no longer an alias."""
    for chunk in chunks(list(keys)):
        session.execute(delete(KeyAlias).where(KeyAlias.old_key.in_(chunk)))


def _remove_statement(session: Session, statement: Statement) -> None:
    rows = session.execute(
        select(Paragraph.key, Paragraph.text)
        .where(Paragraph.statement_id == statement.id)
        .order_by(Paragraph.current.desc(), Paragraph.n, Paragraph.key)
    ).all()
    session.info.setdefault("removed_paragraphs", {})[statement.key] = [tuple(r) for r in rows]
    for model in (Paragraph, StatementSpeaker, StatementTopic):
        session.execute(delete(model).where(model.statement_id == statement.id))
    session.execute(delete(StatementVersion).where(StatementVersion.statement_key == statement.key))
    session.execute(delete(Statement).where(Statement.id == statement.id))
    session.expunge(statement)


def _alias_removed(session: Session, key: str, target: str | None) -> None:
    """A statement vanished: point its key (and its paragraphs' keys) somewhere that resolves."""
    removed = session.info.get("removed_paragraphs", {}).pop(key, [])
    if target is not None:
        _alias_to(session, key, removed, target)


def _alias_superseded(session: Session, key: str, target: str) -> None:
    """A statement known only from earlier captures of a page that now holds `target` (its
    title was corrected, say): its keys lead to `target`, each paragraph to its aligned successor,
    whether or not this archive ever showed it (so the order pages arrive in does not matter)."""
    if session.scalar(select(Statement.id).where(Statement.key == key)) is not None:
        return
    datas = session.scalars(
        select(Contribution.data).where(Contribution.statement_key == key).order_by(Contribution.id)
    ).all()
    if not datas:
        return
    old: dict[str, str] = {}
    for data in datas:
        texts = [p["text"] for p in json.loads(data)["paragraphs"]]
        for pkey, text in zip(paragraph_keys(key, texts), texts, strict=True):
            old.setdefault(pkey, text)
    _alias_to(session, key, list(old.items()), target)


def _alias_to(session: Session, key: str, old: list[tuple[str, str]], target: str) -> None:
    """Alias statement `key` to `target` and each old paragraph (key, text) to the paragraph of
    `target` with the same text, else its successor by alignment (app.ingest.versions)."""
    if key == target:
        return
    _add_alias(session, key, "statement", target, "statement")
    new = session.execute(
        select(Paragraph.key, Paragraph.text)
        .join(Statement)
        .where(Statement.key == target, Paragraph.current.is_(True))
        .order_by(Paragraph.n)
    ).all()
    if not new:
        return
    by_suffix = {suffix(k): k for k, _ in new}
    old_suffixes = [suffix(k) for k, _ in old]
    new_suffixes = [suffix(k) for k, _ in new]
    text_of = {**{suffix(k): t for k, t in old}, **{suffix(k): t for k, t in new}}.__getitem__
    for i, (pkey, _text) in enumerate(old):
        if session.scalar(select(Paragraph.id).where(Paragraph.key == pkey)) is not None:
            continue
        same = by_suffix.get(old_suffixes[i])
        if same is None:
            j, _kept = successor(old_suffixes, i, new_suffixes, text_of)
            same = new[j][0] if j >= 0 else None
        _add_alias(session, pkey, "paragraph", same or target, "paragraph" if same else "statement")


def _add_alias(session: Session, old: str, kind: str, new: str, new_kind: str) -> None:
    if old == new:
        return
    alias = session.get(KeyAlias, old)
    if alias is None:
        session.add(KeyAlias(old_key=old, kind=kind, new_key=new, new_kind=new_kind))
    else:
        alias.kind, alias.new_key, alias.new_kind = kind, new, new_kind
