"""The versions hook of the loader: a statement's distinct texts (app.ingest.versions) built
from its contributions, and written as statement_versions rows."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from app.ingest.bulk import chunks
from app.ingest.contributions import Contrib, suffixes, text_id_of
from app.ingest.versions import changes
from app.models import Statement, StatementVersion


def build_versions(key: str, rows: list[Contrib]) -> list[dict]:
    """The statement's distinct texts (app.ingest.versions), numbered by first capture; the
    current one holds the best contribution (rows[0], the latest capture)."""
    pool = [c for c in rows if c.role == rows[0].role]
    groups: dict[str, list[Contrib]] = {}
    for c in pool:
        groups.setdefault(text_id_of(c), []).append(c)
    current = text_id_of(rows[0])

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


def write_versions(session: Session, writes: list[tuple[Statement, dict]]) -> None:
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
