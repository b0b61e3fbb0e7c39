"""The archive as JSON Lines: one statement per line, sorted by key, byte-identical for the
same pages whatever the order or number of ingest runs (no ids, timestamps or paths).

Each line also carries what rebuilds the statement's permanence (`archive import`, app.ingest.restore):
its versions (every distinct text with its captures), its retired paragraphs (teaser leads), and
the retired keys that redirect to it or to its paragraphs."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.bidi import export_line
from app.browse.paragraphs import resolve_alias
from app.browse.rows import load_rows
from app.browse.views import StatementRow
from app.ingest.folds import folded_rows
from app.models import Contribution, KeyAlias, Paragraph, SourceDocument, Statement, StatementVersion
from app.urls import statement_path

BATCH = 500


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def statement_head(st: StatementRow) -> dict:
    """The fields every statement object begins with, in this order: the export's line and the
    API's statement (app.web.render.statement_json)."""
    return {
        "key": st.key,
        "title": st.title,
        "kind": st.kind,
        "date": _iso(st.date),
        "published": _iso(st.published),
        "venue": st.venue.name if st.venue else None,
    }


def statement_record(
    st: StatementRow, sources: list[tuple[str, str]], paragraphs: list[dict], extra: dict | None = None
) -> dict:
    """A statement's line: its row (app.browse.rows), sources and current paragraphs, then `extra`."""
    return {
        **statement_head(st),
        "speakers": [{"name": s.name, "role": s.role} for s in st.speakers],
        "topics": [t.name for t in st.topics],
        "excerpt": st.excerpt,
        "original_url": st.original_url,
        "publisher": st.publisher,
        "captured_at": st.captured_at.isoformat() if st.captured_at else None,
        "captured": _iso(st.captured),
        "url": statement_path(st.key),
        "sources": [{"file": f, "sha256": h} for f, h in sources],
        "paragraphs": paragraphs,
    } | (extra or {})


def _sources(session: Session, keys: list[str]) -> dict[str, list[tuple[str, str]]]:
    rows = session.execute(
        select(Contribution.statement_key, SourceDocument.file_name, SourceDocument.sha256)
        .join(SourceDocument)
        .where(Contribution.statement_key.in_(keys))
    ).all()
    out: dict[str, set[tuple[str, str]]] = {}
    for key, name, sha in rows:
        out.setdefault(key, set()).add((name, sha))
    # an earlier capture of a re-keyed page is a source of the statement it folded into, as it
    # is once an import has made it one of its contributions
    columns = (Contribution.role, SourceDocument.file_name, SourceDocument.sha256)
    for key, (_role, name, sha) in folded_rows(session, columns, keys):
        out.setdefault(key, set()).add((name, sha))
    return {k: sorted(v) for k, v in out.items()}


def _paragraphs(session: Session, ids: list[int]) -> dict[int, list[tuple[dict, bool]]]:
    """Every paragraph of the statements (current and retired), as (record, current)."""
    out: dict[int, list[tuple[dict, bool]]] = {i: [] for i in ids}
    for sid, key, n, text, speaker, label, current in session.execute(
        select(
            Paragraph.statement_id,
            Paragraph.key,
            Paragraph.n,
            Paragraph.text,
            Paragraph.speaker_name,
            Paragraph.label,
            Paragraph.current,
        )
        .where(Paragraph.statement_id.in_(ids))
        .order_by(Paragraph.id)
    ):
        out[sid].append(({"key": key, "n": n, "text": text, "speaker": speaker, "label": label}, current))
    return out


def export_lines(session: Session) -> Iterator[str]:
    keys = session.scalars(select(Statement.key).order_by(Statement.key)).all()
    redirects = _redirects(session)
    for i in range(0, len(keys), BATCH):
        chunk = keys[i : i + BATCH]
        rows = load_rows(session, Statement.key.in_(chunk), order=(Statement.key,))
        paragraphs = _paragraphs(session, [sid for sid, _f in rows])
        sources = _sources(session, chunk)
        versions = _versions(session, chunk)
        for sid, fields in rows:
            st = StatementRow(**fields)
            paras = paragraphs[sid]
            current = sorted((p for p, cur in paras if cur), key=lambda p: p["n"])
            extra = {
                "versions": _version_records(st, paras, versions.get(st.key, []), sources.get(st.key, [])),
                "retired": [],
                "redirects": redirects.get(st.key, []),
            }
            in_versions = {f"{st.key}.{k}" for v in versions.get(st.key, []) for k in json.loads(v.keys)}
            extra["retired"] = [
                p
                for p in sorted((p for p, cur in paras if not cur), key=lambda p: (p["n"], p["key"]))
                if p["key"] not in in_versions
            ]
            record = statement_record(st, sources.get(st.key, []), current, extra)
            yield export_line(record) + "\n"
        session.expunge_all()


def _versions(session: Session, keys: list[str]) -> dict[str, list[StatementVersion]]:
    out: dict[str, list[StatementVersion]] = {}
    for v in session.scalars(
        select(StatementVersion)
        .where(StatementVersion.statement_key.in_(keys))
        .order_by(StatementVersion.statement_key, StatementVersion.n)
    ):
        out.setdefault(v.statement_key, []).append(v)
    return out


def _version_records(
    st: StatementRow,
    paragraphs: list[tuple[dict, bool]],
    versions: list[StatementVersion],
    sources: list[tuple[str, str]],
) -> list[dict]:
    """The versions: each with its captures; the paragraphs of all but the current one (the
    statement's own `paragraphs` are the current version's). A statement of an archive made
    before versions were kept (migration 0009) and not written since is one version."""
    if not versions:
        return [
            {
                "n": 1,
                "id": None,
                "current": True,
                "role": "excerpt" if st.excerpt else "main",
                "captured_at": None,
                "captured_source": None,
                "estimated": True,
                "reparse": False,
                "changes": None,
                "sources": [{"file": f, "sha256": h} for f, h in sources],
                "paragraphs": None,
            }
        ]
    by_key = {p["key"]: p for p, _current in paragraphs}
    single = len(versions) == 1  # nothing to order: an estimated time (a file's mtime) is left out, so
    out = []  # the same pages copied elsewhere export the same bytes
    for v in versions:
        paras = None
        if not v.current:
            paras = [
                by_key[k] | {"n": i}
                for i, k in enumerate((f"{st.key}.{s}" for s in json.loads(v.keys)), 1)
                if k in by_key
            ]
        hide = single and v.estimated
        out.append(
            {
                "n": v.n,
                "id": v.vid,
                "current": v.current,
                "role": v.role,
                "captured_at": None if hide else v.captured_at.isoformat(),
                "captured_source": None if hide else v.captured_source,
                "estimated": v.estimated,
                "reparse": v.reparse,
                "changes": json.loads(v.changes),
                "sources": [_source(src, single) for src in json.loads(v.sources)],
                "paragraphs": paras,
            }
        )
    return out


def _source(src: dict, single: bool) -> dict:
    if single and not src.get("original_url"):
        src = src | {"file_time": None}
        if src.get("estimated"):
            src |= {"captured_at": None, "captured_source": None}
    return src


def _redirects(session: Session) -> dict[str, list[dict]]:
    """Retired keys by the statement they lead to (itself or one of its paragraphs), chains followed."""
    out: dict[str, list[dict]] = {}
    for old, kind in session.execute(select(KeyAlias.old_key, KeyAlias.kind).order_by(KeyAlias.old_key)):
        target = resolve_alias(session, old)
        if target is None:
            continue
        new_kind, new = target
        owner = (
            new
            if new_kind == "statement"
            else session.scalar(select(Statement.key).join(Paragraph).where(Paragraph.key == new))
        )
        if owner is not None:
            out.setdefault(owner, []).append({"from": old, "kind": kind, "to": new, "to_kind": new_kind})
    return out
