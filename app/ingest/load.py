"""Write one parsed page into the database (one transaction per page, by the caller).

A page contributes statements (its main text and its teasers). Each statement is
materialised from all its contributions in a fixed order, so the archive does not
depend on the order pages arrive in: the full text beats a teaser, the longer
text beats the shorter, ties go to the smaller sha256.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.ingest.keys import name_key, paragraph_keys, statement_key
from app.ingest.speakers import get_or_create_speaker, get_or_create_topic, get_or_create_venue
from app.ingest.types import PageError, ParsedPage, statement_to_dict
from app.models import (
    Contribution, KeyAlias, Paragraph, SourceDocument, Statement, StatementSpeaker, StatementTopic,
)

PARSER_VERSION = "1"


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
    changed_keys: set[str] = field(default_factory=set)   # statements written (for the index)
    removed_keys: set[str] = field(default_factory=set)   # statements deleted


def load_failure(session: Session, *, path: str, file_name: str, raw: bytes, error: PageError,
                 now: dt.datetime) -> LoadResult:
    """Record a page that could not be parsed. A previous good version stays in place."""
    doc = session.scalar(select(SourceDocument).where(SourceDocument.path == path))
    if doc is None:
        doc = SourceDocument(path=path, file_name=file_name, sha256=hashlib.sha256(raw).hexdigest(),
                             size=len(raw), raw_text=None, encoding=None, warnings="[]")
        session.add(doc)
    doc.parser_version = PARSER_VERSION
    doc.ingested_at = now
    doc.status = "failed"
    doc.error = error.message
    doc.error_line = error.line
    return LoadResult(path=path, status="failed", error=str(error))


def load_page(session: Session, *, path: str, file_name: str, raw: bytes, text: str | None,
              page: ParsedPage, now: dt.datetime, force: bool = False) -> LoadResult:
    sha = hashlib.sha256(raw).hexdigest()
    doc = session.scalar(select(SourceDocument).where(SourceDocument.path == path))
    if (doc is not None and not force and doc.sha256 == sha and doc.status == "ok"
            and doc.parser_version == PARSER_VERSION):
        return LoadResult(path=path, status="unchanged")
    status = "new" if doc is None else "updated"
    if doc is None:
        doc = SourceDocument(path=path)
        session.add(doc)
    doc.file_name, doc.sha256, doc.size, doc.raw_text = file_name, sha, len(raw), text
    doc.encoding, doc.parser_version, doc.ingested_at = page.encoding, PARSER_VERSION, now
    doc.status, doc.error, doc.error_line = "ok", None, None
    doc.warnings = json.dumps(list(page.warnings), ensure_ascii=False)
    doc.captured = page.captured
    session.flush()

    old = session.scalars(select(Contribution).where(Contribution.source_document_id == doc.id)).all()
    old_main = next((c.statement_key for c in old if c.role == "main"), None)
    session.execute(delete(Contribution).where(Contribution.source_document_id == doc.id))

    result = LoadResult(path=path, status=status, warnings=len(page.warnings))
    new_keys: list[str] = []
    for position, st in enumerate(page.statements):
        key = statement_key(st.title, st.date or st.published)
        if key in new_keys:
            continue  # the same teaser twice on one page
        new_keys.append(key)
        session.add(Contribution(source_document_id=doc.id, position=position, statement_key=key,
                                 role=st.role, data=json.dumps(statement_to_dict(st), ensure_ascii=False)))
        result.excerpts += st.role == "excerpt"
        result.paragraphs += len(st.paragraphs)
    session.flush()

    new_main = next((k for k, st in zip(new_keys, page.statements) if st.role == "main"), None)
    for key in sorted(set(new_keys) | {c.statement_key for c in old}):
        outcome = materialise(session, key)
        if outcome == "removed":
            result.removed_keys.add(key)
        else:
            result.changed_keys.update([key] if outcome != "unchanged" else [])
            setattr(result, f"statements_{outcome}", getattr(result, f"statements_{outcome}") + 1)
    for key in sorted(result.removed_keys):
        _alias_removed(session, key, new_main if key == old_main else None)
    return result


def _ordered(contributions: list[tuple[Contribution, SourceDocument]]) -> list[tuple[dict, Contribution, SourceDocument]]:
    """Contributions best first: full text, then more paragraphs, then smaller sha256."""
    rows = [(json.loads(c.data), c, d) for c, d in contributions]
    rows.sort(key=lambda r: (r[1].role != "main", -len(r[0]["paragraphs"]), r[2].sha256, r[2].path, r[1].position))
    return rows


def _first(rows: list[tuple[dict, Contribution, SourceDocument]], name: str) -> Any:
    return next((r[0][name] for r in rows if r[0][name]), None)


def materialise(session: Session, key: str) -> str:
    """Rebuild statement `key` from its contributions. Returns new|updated|unchanged|removed."""
    pairs = session.execute(
        select(Contribution, SourceDocument).join(SourceDocument).where(Contribution.statement_key == key)
    ).all()
    statement = session.scalar(select(Statement).where(Statement.key == key))
    if not pairs:
        if statement is None:
            return "unchanged"
        _remember_paragraph_keys(session, statement)
        session.delete(statement)
        session.flush()
        return "removed"
    rows = _ordered([(c, d) for c, d in pairs])
    best, best_doc = rows[0][0], rows[0][2]
    fields = {
        "title": best["title"], "kind": best["kind"],
        "date": _first(rows, "date"), "published": _first(rows, "published"), "venue": _first(rows, "venue"),
        "speakers": best["speakers"] or _first(rows, "speakers") or [],
        "topics": best["topics"] or _first(rows, "topics") or [],
        "excerpt": rows[0][1].role == "excerpt",
        "paragraphs": _paragraph_rows(key, rows),
    }
    fingerprint = hashlib.sha1(json.dumps(fields, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]
    if statement is not None and statement.fingerprint == fingerprint:
        return "unchanged"
    outcome = "new" if statement is None else "updated"
    if statement is None:
        statement = Statement(key=key)
        session.add(statement)
    _write_statement(session, statement, fields, fingerprint, best_doc)
    session.execute(delete(KeyAlias).where(KeyAlias.old_key == key))
    return outcome


def _paragraph_rows(key: str, rows: list[tuple[dict, Contribution, SourceDocument]]) -> list[dict]:
    """Current paragraphs from the best contribution; other contributions' paragraphs whose
    text is not among them are kept as retired, so their permalinks still resolve."""
    out: list[dict] = []
    seen: set[str] = set()
    for rank, (data, _c, doc) in enumerate(rows):
        paras = data["paragraphs"]
        for pkey, p in zip(paragraph_keys(key, [p["text"] for p in paras]), paras):
            if pkey in seen:
                continue
            seen.add(pkey)
            out.append({"key": pkey, "n": p["n"], "current": rank == 0, "text": p["text"],
                        "label": p["label"], "speaker": p["speaker"], "doc": doc.sha256,
                        "doc_id": doc.id, "lines": p["lines"]})
    return out


def _write_statement(session: Session, st: Statement, fields: dict, fingerprint: str,
                     best_doc: SourceDocument) -> None:
    st.title, st.kind, st.excerpt, st.fingerprint = fields["title"], fields["kind"], fields["excerpt"], fingerprint
    st.date = dt.date.fromisoformat(fields["date"]) if fields["date"] else None
    st.published = dt.date.fromisoformat(fields["published"]) if fields["published"] else None
    st.sort_date = st.date or st.published
    st.venue = get_or_create_venue(session, fields["venue"]) if fields["venue"] else None
    st.speakers.clear()
    st.topics.clear()
    session.flush()
    speaker_by_key = {}
    for i, sp in enumerate(fields["speakers"]):
        speaker = get_or_create_speaker(session, sp["name"], sp.get("kind") or "person")
        speaker_by_key[name_key(sp["name"])] = speaker
        st.speakers.append(StatementSpeaker(position=i, speaker=speaker, role=sp.get("role")))
    for i, name in enumerate(fields["topics"]):
        st.topics.append(StatementTopic(position=i, topic=get_or_create_topic(session, name)))
    current = [p for p in fields["paragraphs"] if p["current"]]
    st.paragraph_count = len(current)
    session.flush()
    _write_paragraphs(session, st, fields["paragraphs"], speaker_by_key)


def _write_paragraphs(session: Session, st: Statement, paras: list[dict], speaker_by_key: dict) -> None:
    existing = {p.key: p for p in st.paragraphs}
    wanted = {p["key"] for p in paras}
    for key, row in existing.items():
        if key not in wanted:
            _add_alias(session, key, "paragraph", st.key, "statement")
            session.delete(row)
    session.flush()
    added = [p["key"] for p in paras if p["key"] not in existing]
    for i in range(0, len(added), 500):  # a key that exists again is no longer an alias
        session.execute(delete(KeyAlias).where(KeyAlias.old_key.in_(added[i:i + 500])))
    for p in paras:
        speaker = speaker_by_key.get(name_key(p["speaker"])) if p["speaker"] else None
        values = dict(n=p["n"], current=p["current"], text=p["text"], label=p["label"],
                      speaker_name=p["speaker"], speaker=speaker, source_document_id=p["doc_id"],
                      line_start=p["lines"][0], line_end=p["lines"][1])
        row = existing.get(p["key"])
        if row is None:
            session.add(Paragraph(key=p["key"], statement=st, **values))
        else:
            for name, value in values.items():
                setattr(row, name, value)


def _remember_paragraph_keys(session: Session, statement: Statement) -> None:
    session.info.setdefault("removed_paragraphs", {})[statement.key] = [
        (p.key, p.text) for p in statement.paragraphs
    ]


def _alias_removed(session: Session, key: str, target: str | None) -> None:
    """A statement vanished: point its key (and its paragraphs' keys) somewhere that resolves."""
    removed = session.info.get("removed_paragraphs", {}).pop(key, [])
    if target is None:
        return
    _add_alias(session, key, "statement", target, "statement")
    new_st = session.scalar(select(Statement).where(Statement.key == target))
    by_hash = {p.key.split(".", 1)[1]: p.key for p in new_st.paragraphs} if new_st else {}
    for pkey, _text in removed:
        same = by_hash.get(pkey.split(".", 1)[1])
        _add_alias(session, pkey, "paragraph", same or target, "paragraph" if same else "statement")


def _add_alias(session: Session, old: str, kind: str, new: str, new_kind: str) -> None:
    if old == new:
        return
    alias = session.get(KeyAlias, old)
    if alias is None:
        session.add(KeyAlias(old_key=old, kind=kind, new_key=new, new_kind=new_kind))
    else:
        alias.kind, alias.new_key, alias.new_kind = kind, new, new_kind
