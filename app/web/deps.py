"""Request dependencies: the archive's session, settings and searcher, read from app.state."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from app.config import Settings


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_session(request: Request) -> Iterator[Session]:
    session = request.app.state.archive.factory()
    try:
        yield session
    finally:
        session.close()


def get_searcher(request: Request) -> Any:
    return request.app.state.archive.searcher


def base_url(request: Request) -> str:
    """Scheme and host of absolute permalinks (citations, feeds, API): ARCHIVE_PUBLIC_URL when set,
    so citations do not depend on the Host header a client sent; else what the client used."""
    public = request.app.state.settings.public_url
    return public.rstrip("/") if public else str(request.base_url).rstrip("/")


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
SearcherDep = Annotated[Any, Depends(get_searcher)]
BaseUrlDep = Annotated[str, Depends(base_url)]
