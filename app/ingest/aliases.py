"""Key aliases: a statement or paragraph key that no longer exists leads to where its words
went (a permalink once issued keeps resolving)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.ingest.bulk import chunks
from app.ingest.keys import paragraph_keys
from app.ingest.versions import successor, suffix
from app.models import Contribution, KeyAlias, Paragraph, Statement


def drop_aliases(session: Session, keys: Iterable[str]) -> None:
    """A key that exists again is no longer an alias."""
    for chunk in chunks(list(keys)):
        session.execute(delete(KeyAlias).where(KeyAlias.old_key.in_(chunk)))


def alias_removed(session: Session, key: str, target: str | None) -> None:
    """A statement vanished: point its key (and its paragraphs' keys) somewhere that resolves."""
    removed = session.info.get("removed_paragraphs", {}).pop(key, [])
    if target is not None:
        _alias_to(session, key, removed, target)


def alias_superseded(session: Session, key: str, target: str) -> None:
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
    `target` with the same text (current, or retired: an earlier version of `target`, as a
    re-keyed page's earlier captures are, app.ingest.folds), else its successor by alignment
    (app.ingest.versions)."""
    if key == target:
        return
    add_alias(session, key, "statement", target, "statement")
    rows = session.execute(
        select(Paragraph.key, Paragraph.text, Paragraph.current)
        .join(Statement)
        .where(Statement.key == target)
        .order_by(Paragraph.n, Paragraph.key)
    ).all()
    new = [(k, t) for k, t, current in rows if current]
    if not new:
        return
    # the same words under `target`, current or kept from an earlier version (a folded capture)
    by_suffix = {suffix(k): k for k, _t, _c in rows}
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
        add_alias(session, pkey, "paragraph", same or target, "paragraph" if same else "statement")


def add_alias(session: Session, old: str, kind: str, new: str, new_kind: str) -> None:
    if old == new:
        return
    alias = session.get(KeyAlias, old)
    if alias is None:
        session.add(KeyAlias(old_key=old, kind=kind, new_key=new, new_kind=new_kind))
    else:
        alias.kind, alias.new_key, alias.new_kind = kind, new, new_kind
