"""Request dependencies: the archive's session, settings and base URL, read from app.state."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.config import Settings


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_session(request: Request) -> Iterator[Session]:
    """The request's session. It takes no connection here: the first query takes one, in the
    endpoint's thread, and it is given back when the endpoint returns (SessionDep's scope is
    "function"), never held while the request waits for a thread or for its client
    (app.web.limits)."""
    session = read_snapshot(request.app.state.archive.factory())
    try:
        yield session
    finally:
        session.close()


def read_snapshot(session: Session) -> Session:
    """Make every query of this (read-only) session see one snapshot of the archive, so a page
    shows the archive before or after an ingest's commit, never a mixture of both. pysqlite
    opens a transaction only before a write: without this each SELECT would see the latest
    commit. PostgreSQL's default, READ COMMITTED, takes a snapshot per statement: there the
    transaction is made REPEATABLE READ (one snapshot, taken by its first query) and READ ONLY.
    The BEGIN is sent when the session first takes its connection."""
    event.listen(session, "after_begin", _begin_snapshot)
    return session


def _begin_snapshot(_session: Session, _transaction, connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN")  # deferred: the snapshot is taken by the first read
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")


def base_url(request: Request) -> str:
    """Scheme and host of absolute permalinks (citations, feeds, API): ARCHIVE_PUBLIC_URL when set,
    so citations do not depend on the Host header a client sent; else what the client used."""
    public = request.app.state.settings.public_url
    return public.rstrip("/") if public else str(request.base_url).rstrip("/")


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
BaseUrlDep = Annotated[str, Depends(base_url)]
