"""`archive import FILE.jsonl`: rebuild an archive from an export (app.browse.export).

Each version's captures become source documents (one per file, sha256 and parse) holding that
version's text; retired teaser leads go back to the teaser sources; then every statement is
materialised by the ingest code (app.ingest.load), so the current version, the retired
paragraphs and the versions come out as they were, and the exported redirects are restored.
Exporting the rebuilt archive gives the same lines (tests/ingest/test_versions.py)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from app.bidi import restore_stored
from app.db import session_scope
from app.ingest.aliases import add_alias
from app.ingest.bulk import chunks
from app.ingest.duplicates import after_writes
from app.ingest.load import PARSER_VERSION
from app.ingest.materialise import materialise_many
from app.models import Contribution, Paragraph, SourceDocument, Statement
from app.outbox import enqueue

REQUIRED = ("key", "title", "kind", "paragraphs")
BATCH = 500


class ImportError_(Exception):
    """A line of the export cannot be read: `file:line: what`."""


@dataclass
class ImportReport:
    statements: int = 0
    documents: int = 0
    redirects: int = 0
    keys: list[str] = field(default_factory=list)


def _lines(path: Path) -> Iterator[tuple[int, dict]]:
    with path.open(encoding="utf-8") as fh:
        for no, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                raise ImportError_(f"{path}:{no}: not JSON ({e.msg} at column {e.colno})") from None
            if not isinstance(rec, dict) or any(k not in rec for k in REQUIRED):
                raise ImportError_(f"{path}:{no}: not a statement of an export (needs {', '.join(REQUIRED)})")
            try:
                rec = restore_stored(rec)  # the words as stored, where the export closed bidi controls
            except (ValueError, KeyError, IndexError, TypeError) as e:
                raise ImportError_(f"{path}:{no}: {e}") from None
            yield no, rec


def _time(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _doc_fields(src: dict, now: dt.datetime) -> dict:
    """A source document's capture fields back from an exported capture (app.ingest.versions)."""
    how, when = src.get("captured_source"), _time(src.get("captured_at"))
    file_time = _time(src.get("file_time"))
    fields = dict(
        captured=dt.date.fromisoformat(src["page_clock"]) if src.get("page_clock") else None,
        captured_at=file_time,
        captured_source=None,
        ingested_at=now,
        original_url=src.get("original_url"),
        publisher=src.get("publisher"),
    )
    if how in ("WARC-Date", "manifest"):
        fields.update(captured_at=when, captured_source=how)
    elif file_time is not None:
        fields["captured_source"] = "file mtime"
    elif how == "ingest time" and when is not None:
        fields["ingested_at"] = when
    return fields


def _data(rec: dict, role: str, paragraphs: list[dict], page_clock: str | None) -> str:
    return json.dumps(
        {
            "role": role,
            "title": rec["title"],
            "kind": rec["kind"],
            "date": rec.get("date"),
            "published": rec.get("published"),
            "venue": rec.get("venue"),
            "speakers": [
                {"name": s["name"], "role": s.get("role"), "kind": s.get("kind") or "person"}
                for s in rec.get("speakers") or []
            ],
            "captured": page_clock,
            "topics": rec.get("topics") or [],
            "subtitle": None,
            "title_line": None,
            "paragraphs": [
                {
                    "n": p["n"],
                    "text": p["text"],
                    "speaker": p.get("speaker"),
                    "label": p.get("label"),
                    "lines": [0, 0],
                }
                for p in paragraphs
            ],
        },
        ensure_ascii=False,
    )


def _ident(src: dict) -> tuple[str, str, int]:
    return src["file"], src["sha256"], int(src.get("parse") or 0)


def _validate(path: Path) -> tuple[int, dict[tuple[str, str, int], dict]]:
    """(lines, the exported capture of each source): a source is listed bare (file and sha256)
    where it only holds a teaser of a statement, and with its capture fields in the versions of
    the statements it holds; the document is made from the latter, whichever line comes first.
    A statement of one version lists its sources without an estimated capture time (so copies of
    the same pages export the same bytes): of a source's listings, the fullest is kept (the same
    capture of a re-keyed page is listed in the versions of the statement it folded into)."""
    count = 0
    captures: dict[tuple[str, str, int], dict] = {}
    for _no, rec in _lines(path):
        count += 1
        for v in rec.get("versions") or []:
            for src in v.get("sources") or []:
                known = captures.get(_ident(src))
                if known is None or _fullness(src) > _fullness(known):
                    captures[_ident(src)] = src
    return count, captures


def _fullness(src: dict) -> int:
    return sum(v is not None for v in src.values())


def import_export(factory: sessionmaker[Session], path: Path) -> ImportReport:
    """Rebuild the (empty) archive from the export at `path`; every line is checked first,
    so a bad line writes nothing."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    count, captures = _validate(path)  # every line checked before anything is written
    with factory() as session:
        if session.scalar(select(func.count(Statement.id))):
            raise ImportError_("the archive is not empty: import into a new archive (set ARCHIVE_DATA_DIR)")
    report = ImportReport(statements=count)
    docs: dict[tuple[str, str, int], int] = {}
    positions: dict[int, int] = {}

    def doc_id(session: Session, src: dict) -> int:
        ident = _ident(src)
        if ident not in docs:
            doc = SourceDocument(
                path=f"import/{ident[0]}@{ident[1][:16]}~{ident[2]}",
                file_name=ident[0],
                sha256=ident[1],
                size=0,
                raw_text=None,
                encoding=None,
                parser_version=PARSER_VERSION,
                status="ok",
                warnings="[]",
                format="text",
                parse_seq=ident[2],
                superseded=False,
                **_doc_fields(captures.get(ident, src), now),
            )
            session.add(doc)
            session.flush()
            docs[ident] = doc.id
        return docs[ident]

    def contribute(session: Session, rows: list[dict], doc: int, key: str, role: str, data: str) -> None:
        positions[doc] = positions.get(doc, -1) + 1
        rows.append(
            dict(source_document_id=doc, position=positions[doc], statement_key=key, role=role, data=data)
        )

    batch: list[tuple[int, dict]] = []
    for item in _lines(path):
        batch.append(item)
        if len(batch) >= BATCH:
            _write(factory, batch, doc_id, contribute, report)
            batch = []
    if batch:
        _write(factory, batch, doc_id, contribute, report)
    with session_scope(factory) as session:  # redirects last: their targets exist now
        for _no, rec in _lines(path):
            for r in rec.get("redirects") or []:
                model = Paragraph if r["kind"] == "paragraph" else Statement
                if session.scalar(select(model.id).where(model.key == r["from"])) is None:
                    add_alias(session, r["from"], r["kind"], r["to"], r["to_kind"])
                    report.redirects += 1
    report.documents = len(docs)
    return report


def _write(factory, batch, doc_id, contribute, report: ImportReport) -> None:
    with session_scope(factory) as session:
        rows: list[dict] = []
        keys = []
        for _no, rec in batch:
            key = rec["key"]
            keys.append(key)
            in_versions: set[tuple[str, str]] = set()
            for v in rec.get("versions") or [
                {
                    "current": True,
                    "sources": rec.get("sources") or [],
                    "role": "excerpt" if rec.get("excerpt") else "main",
                }
            ]:
                paragraphs = (
                    rec["paragraphs"] if v.get("current") or v.get("paragraphs") is None else v["paragraphs"]
                )
                for src in v.get("sources") or []:
                    in_versions.add((src["file"], src["sha256"]))
                    contribute(
                        session,
                        rows,
                        doc_id(session, src),
                        key,
                        v.get("role") or "main",
                        _data(rec, v.get("role") or "main", paragraphs, src.get("page_clock")),
                    )
            retired = list(rec.get("retired") or [])
            for src in rec.get("sources") or []:
                if (src["file"], src["sha256"]) in in_versions:
                    continue
                contribute(
                    session, rows, doc_id(session, src), key, "excerpt", _data(rec, "excerpt", retired, None)
                )
                retired = []
        for chunk in chunks(rows):
            session.execute(insert(Contribution), chunk)
        for _key, _outcome in materialise_many(session, sorted(keys)):
            pass
        enqueue(session, set(keys))
        after_writes(session, set(keys))
        report.keys += keys
