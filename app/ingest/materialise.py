"""Materialise statements: each statement is rebuilt from all its contributions in a fixed
order, so the archive does not depend on the order pages arrive in: the full text beats a
teaser, then the latest capture wins (app.ingest.versions), then the longer text, then the
smaller sha256. A statement whose fingerprint is unchanged is not written."""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.ingest.bulk import chunks
from app.ingest.contributions import SLICE, Contrib, ParagraphRows, decode_contribution
from app.ingest.folds import folded_rows
from app.ingest.statement_writes import remove_statement, write_statements
from app.ingest.version_rows import build_versions
from app.models import Contribution, SourceDocument, Statement

_COLUMNS = (
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


def materialise_many(session: Session, keys: list[str]) -> Iterator[tuple[str, str]]:
    """Rebuild the statements `keys`; rows are read and written in batches of BATCH statements."""
    for chunk in chunks(keys):
        contribs: dict[str, list[Contrib]] = {}
        for r in session.execute(
            select(Contribution.statement_key, *_COLUMNS)
            .join(SourceDocument)
            .where(Contribution.statement_key.in_(chunk))
        ):
            contribs.setdefault(r[0], []).append(Contrib(decode_contribution(r[1]), *r[2:]))
        for key, r in folded_rows(session, _COLUMNS, chunk):  # earlier captures of a re-keyed page
            contribs.setdefault(key, []).append(Contrib(decode_contribution(r[0]), *r[1:], folded=True))
        statements = {s.key: s for s in session.scalars(select(Statement).where(Statement.key.in_(chunk)))}
        writes: list[tuple[Statement, dict]] = []
        for key in chunk:  # popped: a long statement's contributions go once it is written
            outcome, fields = materialise(session, key, contribs.pop(key, []), statements.get(key))
            if fields is not None:
                writes.append((statements.get(key) or _new_statement(session, key), fields))
            yield key, outcome
        write_statements(session, writes, updated={s.id for s in statements.values()})


def _new_statement(session: Session, key: str) -> Statement:
    return Statement(key=key)  # added to the session once its fields are set


def _ordered(contribs: list[Contrib]) -> list[Contrib]:
    """Best first: full text, then the statement's own over an earlier capture folded into it
    (app.ingest.folds), then the latest capture (a later re-parse of the same capture),
    then more paragraphs, then smaller sha256, path, position."""

    def rank(c: Contrib):
        when, finer = c.capture().sort_key()
        return (
            c.role != "main",
            c.folded,
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
        remove_statement(session, statement)
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
