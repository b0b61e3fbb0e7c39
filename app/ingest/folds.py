"""Folds: a page re-keyed at its path (its title corrected, say, so its statement key changed)
keeps its earlier captures as earlier versions of the statement it holds now.

The live document of a path is always its latest capture (app.ingest.source_docs); the
documents kept as its earlier captures are at "<path>@<sha256[:16]>~<parse>". The main text of
such an earlier capture under another statement key is folded into the live document's main
statement: materialised with it as one more contribution (an earlier version, its paragraphs
kept as retired rows under the live statement's key), so the old statement's keys lead to
paragraphs that hold the words they were issued for. Which captures fold where depends only on
the documents of the path, never on the order they arrived in."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Contribution, SourceDocument

_EARLIER = re.compile(r"@[0-9a-f]{16}~\d+(\.\d+)?")  # app.ingest.source_docs.superseded_path


def live_paths(session: Session, keys: list[str]) -> list[tuple[str, str]]:
    """(statement key, path) of each live document holding one of `keys` as its main text."""
    return session.execute(
        select(Contribution.statement_key, SourceDocument.path)
        .join(SourceDocument)
        .where(
            Contribution.statement_key.in_(keys),
            Contribution.role == "main",
            SourceDocument.superseded.is_(False),
        )
        .order_by(Contribution.statement_key, SourceDocument.path)
    ).all()


def _under(session: Session, prefix: str) -> tuple:
    """Paths that start with `prefix`; on SQLite also as a range, so the unique index on path
    is used (a LIKE is not: it folds case)."""
    where = (SourceDocument.path.startswith(prefix, autoescape=True),)
    if session.get_bind().dialect.name == "sqlite":  # binary order: every such path is in the range
        where += (SourceDocument.path >= prefix, SourceDocument.path < prefix[:-1] + "A")
    return where


def folded_rows(session: Session, columns: tuple, keys: list[str]) -> list[tuple[str, tuple]]:
    """(statement key it folds into, `columns` of the contribution) for each main text of an
    earlier capture of a live path of `keys` that is under another statement key."""
    out: list[tuple[str, tuple]] = []
    for key, path in live_paths(session, keys):
        for row in session.execute(
            select(SourceDocument.path, *columns)
            .join(SourceDocument)
            .where(
                SourceDocument.superseded.is_(True),
                *_under(session, path + "@"),
                Contribution.role == "main",
                Contribution.statement_key != key,
            )
            .order_by(SourceDocument.path)
        ):
            if _EARLIER.fullmatch(row[0], len(path)):
                out.append((key, tuple(row[1:])))
    return out
