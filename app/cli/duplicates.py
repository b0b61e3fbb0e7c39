"""`archive duplicates`: the groups of statements that are one text published at several
places (app.ingest.duplicates decides them)."""

from __future__ import annotations

import json

import typer

from app.cli.common import fail, ingest_lock, open_archive, out
from app.cli.indexing import sync_index
from app.config import get_settings


def duplicates(
    regroup: bool = typer.Option(
        False,
        "--regroup",
        help="Recompute every group from the statements' "
        "texts first (after an upgrade to migration 0010), then update the index.",
    ),
    as_json: bool = typer.Option(
        False, "--json", help="As JSON: [{canonical, members, links[[a, b, similarity]]}]."
    ),
) -> None:
    """The same text published at several places: groups of statements, each with its canonical
    statement (the one search counts) and the similarity of each decided pair."""
    from app.db import session_scope
    from app.ingest.duplicates import groups, regroup_all
    from app.locking import LockBusy
    from app.outbox import enqueue

    settings = get_settings()
    _engine, factory = open_archive(settings)
    if regroup:
        try:
            with ingest_lock(settings, "an ingest"):
                with session_scope(factory) as session:
                    enqueue(session, regroup_all(session))
                if not sync_index(settings, factory):
                    raise typer.Exit(1)
        except LockBusy as e:
            fail(str(e), 1)
    with factory() as session:
        found = groups(session)
    if as_json:
        out.print_json(
            json.dumps(
                [
                    {"canonical": g.canonical, "members": g.members, "links": [list(x) for x in g.links]}
                    for g in found
                ],
                ensure_ascii=False,
            )
        )
        return
    for g in found:
        out.print(f"{g.canonical}  ({len(g.members)} places)", markup=False, highlight=False, soft_wrap=True)
        for a, b, sim in g.links:
            out.print(f"  {sim:.3f}  {a}  =  {b}", markup=False, highlight=False, soft_wrap=True)
    out.print(
        f"{len(found):,} groups of duplicates, {sum(len(g.members) - 1 for g in found):,} statements "
        "counted under another",
        markup=False,
        highlight=False,
    )
