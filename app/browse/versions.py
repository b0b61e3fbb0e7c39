"""A statement's versions (read side): the list, a word-level diff of two, and where a
retired paragraph went (its revision date and its successor in the current text)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.ingest.versions import paragraph_pairs, successor, suffix, word_diff
from app.models import Paragraph, Statement, StatementVersion


@dataclass(frozen=True)
class VersionView:
    n: int
    id: str
    current: bool
    captured_at: dt.datetime
    captured_source: str
    estimated: bool
    reparse: bool
    paragraph_count: int
    changes: dict | None  # {"changed", "added", "removed"} since version n-1
    sources: list[dict] = field(default_factory=list)

    @property
    def summary(self) -> str:
        """'revised 12 March 2021: 3 paragraphs changed, 1 added' (the first: 'first captured …')."""
        day = f"{self.captured_at.day} {self.captured_at:%B %Y}"
        if self.changes is None:
            return f"first captured {day}"
        parts = [f"{self.changes[k]} {k}" for k in ("changed", "added", "removed") if self.changes.get(k)]
        if parts:
            count, rest = parts[0].split(" ", 1)
            parts[0] = f"{count} paragraph{'' if count == '1' else 's'} {rest}"
        what = "re-parsed" if self.reparse else "revised"
        return f"{what} {day}: " + (", ".join(parts) if parts else "the same paragraphs, other details")


def _view(v) -> VersionView:  # a StatementVersion or a row of _LISTED
    return VersionView(
        v.n,
        v.vid,
        v.current,
        v.captured_at,
        v.captured_source,
        v.estimated,
        v.reparse,
        v.paragraph_count,
        json.loads(v.changes),
        json.loads(v.sources),
    )


_LISTED = (  # what the list shows: not `keys` (every paragraph's key, read only by a diff)
    StatementVersion.n,
    StatementVersion.vid,
    StatementVersion.current,
    StatementVersion.captured_at,
    StatementVersion.captured_source,
    StatementVersion.estimated,
    StatementVersion.reparse,
    StatementVersion.paragraph_count,
    StatementVersion.changes,
    StatementVersion.sources,
)


def list_versions(session: Session, key: str) -> list[VersionView]:
    """The versions of a statement, from their stored summaries (the changes since the version
    before are counted at ingest): one indexed query, no paragraph read."""
    return [
        _view(v)
        for v in session.execute(
            select(*_LISTED).where(StatementVersion.statement_key == key).order_by(StatementVersion.n)
        )
    ]


def find_version(session: Session, key: str, ref: str) -> StatementVersion | None:
    """A version by its number (1, 2, …) or its id (16 hex digits, stable when an older capture
    arriving later renumbers the versions)."""
    where = StatementVersion.n == int(ref) if ref.isdigit() else StatementVersion.vid == ref
    return session.scalar(select(StatementVersion).where(StatementVersion.statement_key == key, where))


@dataclass(frozen=True)
class DiffRow:
    old_n: int | None
    new_n: int | None
    old_key: str | None
    new_key: str | None
    segments: list[tuple[str, str]]  # (same|del|ins, text); the template escapes the text

    @property
    def changed(self) -> bool:
        return any(op != "same" for op, _t in self.segments)


@dataclass(frozen=True)
class VersionDiff:
    old: VersionView
    new: VersionView
    rows: list[DiffRow]


def _texts(session: Session, key: str, suffixes: set[str]) -> dict[str, str]:
    keys = [f"{key}.{s}" for s in suffixes]
    out: dict[str, str] = {}
    for i in range(0, len(keys), 500):
        out.update(
            (suffix(k), t)
            for k, t in session.execute(
                select(Paragraph.key, Paragraph.text).where(Paragraph.key.in_(keys[i : i + 500]))
            )
        )
    return out


def version_diff(session: Session, key: str, a: StatementVersion, b: StatementVersion) -> VersionDiff:
    """Paragraphs of version `a` and `b` aligned, each pair diffed word by word."""
    ka, kb = json.loads(a.keys), json.loads(b.keys)
    texts = _texts(session, key, set(ka) | set(kb))
    rows = []
    for i, j in paragraph_pairs(ka, kb):
        old = texts.get(ka[i], "") if i is not None else ""
        new = texts.get(kb[j], "") if j is not None else ""
        segs = [("same", old)] if i is not None and j is not None and ka[i] == kb[j] else word_diff(old, new)
        rows.append(
            DiffRow(
                i + 1 if i is not None else None,
                j + 1 if j is not None else None,
                f"{key}.{ka[i]}" if i is not None else None,
                f"{key}.{kb[j]}" if j is not None else None,
                [s for s in segs if s[1]],
            )
        )
    return VersionDiff(_view(a), _view(b), rows)


@dataclass(frozen=True)
class Revision:
    """Where a paragraph that is no longer in the current text went."""

    revised_on: dt.datetime | None  # capture of the first version without it
    version: int | None  # the (last) version it belongs to
    successor_key: str | None  # its successor in the current text
    successor_n: int | None
    kept: bool  # its words are still in the current text (under the same key)


def paragraph_revision(session: Session, statement_key: str, paragraph_key: str) -> Revision | None:
    """The revision of a retired paragraph: the version it was issued in, when that text was
    replaced, and its successor in the current version found by aligning the two versions."""
    versions = session.scalars(
        select(StatementVersion)
        .where(StatementVersion.statement_key == statement_key)
        .order_by(StatementVersion.n)
    ).all()
    current = next((v for v in versions if v.current), None)
    s = suffix(paragraph_key)
    holding = [v for v in versions if s in json.loads(v.keys)]
    if current is None or not holding:
        return None
    mine = holding[-1]
    later = [v for v in versions if v.n > mine.n and s not in json.loads(v.keys)]
    revised = later[0].captured_at if later else current.captured_at
    old_keys, new_keys = json.loads(mine.keys), json.loads(current.keys)
    rows = session.execute(
        select(Paragraph.key, Paragraph.text, Paragraph.n)
        .join(Statement)
        .where(Statement.key == statement_key)
    ).all()
    texts = {k: t for k, t, _n in rows}
    numbers = {k: n for k, _t, n in rows}
    text_of = lambda k: texts.get(f"{statement_key}.{k}", "")  # noqa: E731
    j, kept = successor(old_keys, old_keys.index(s), new_keys, text_of)
    if j < 0:
        return Revision(revised, mine.n, None, None, False)
    target = f"{statement_key}.{new_keys[j]}"
    return Revision(revised, mine.n, target, numbers.get(target, j + 1), kept)
