"""All configuration in one place: environment variables with the ARCHIVE_ prefix."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1", "[::1]")
SITE_NAME = "Diplomatic Statements Archive"  # in page titles, feeds and citations (the archive)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ARCHIVE_", extra="ignore")
    # (field declarations: name, default, description; alike in shape, each its own setting)

    data_dir: Path = Field(Path("data"), description="Holds archive.sqlite3 and the search index.")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default: SQLite file archive.sqlite3 in the data dir."
    )
    public_url: str | None = Field(
        None,
        description="Base URL of permalinks in citations and feeds, e.g. https://archive.example.org "
        "(default: the URL the client used).",
    )
    allowed_hosts: str | None = Field(
        None,
        description="Comma-separated host names the server answers to (any other Host header: 400), "
        "e.g. archive.example.org,www.archive.example.org. Default: the loopback names "
        "(localhost, 127.0.0.1, ::1). `serve` on another address needs this or public_url.",
    )
    max_page_bytes: int = Field(10 * 1024 * 1024, description="Pages larger than this are refused at ingest.")
    max_query_chars: int = Field(1000, description="Longest search query accepted.")
    ingest_lock_timeout: float = Field(
        600, description="Seconds an ingest waits for another running ingest before giving up."
    )
    ingest_workers: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        description="Processes that parse pages during ingest (1: parse in the loading process).",
    )

    speakers_file: Path | None = Field(
        None,
        description="A TOML file of more people for the speaker table (same shape as "
        "app/data/speakers.toml); its entries are added to the shipped ones.",
    )

    index_while_loading: bool = Field(
        True,
        description="Build the search index while an ingest of many pages loads them (a second "
        "process), instead of after.",
    )

    db_pool_size: int = Field(
        5,
        ge=1,
        description="PostgreSQL: connections each process keeps open (a web worker: one per "
        "request it serves at a time).",
    )
    db_max_overflow: int = Field(
        5,
        ge=0,
        description="PostgreSQL: extra connections a process may open beyond db_pool_size under a burst.",
    )
    db_statement_timeout: float = Field(
        60,
        ge=0,
        description="PostgreSQL: seconds one SQL statement may run before the server cancels it "
        "(0: no limit). Migrations run without it.",
    )
    db_connect_timeout: float = Field(
        10, gt=0, description="PostgreSQL: seconds to wait for the server to accept a connection."
    )

    index_publish: Path | None = Field(
        None,
        description="A directory (local, a shared mount, or a static web server's root) to which "
        "ingest and reindex publish each new search index snapshot for web nodes.",
    )
    index_follow: str | None = Field(
        None,
        description="A published snapshot directory or its http(s) URL: `serve` follows it (installs "
        "each new snapshot) instead of building the search index itself.",
    )
    index_follow_interval: float = Field(
        2.0, gt=0, description="Seconds between a follower's looks for a new snapshot."
    )

    max_requests: int = Field(
        8,
        description="Requests a server worker runs at once; one more is answered 503 with Retry-After "
        "(threads and database connections are sized from it: app.web.limits).",
    )
    max_queued: int = Field(
        8,
        description="Requests a server worker keeps waiting for a slot when all `max_requests` run; "
        "one more is answered 503 at once.",
    )
    queue_wait: float = Field(
        2.0, description="Seconds a waiting request waits for a slot before it is answered 503."
    )
    db_wait: float = Field(2.0, description="Seconds a request waits for a database connection before a 503.")
    read_timeout: float = Field(
        10.0,
        description="Seconds a client has to send a whole request (headers and body) before the "
        "connection is closed.",
    )
    search_deadline: float = Field(
        0.3,
        description="Seconds of index work a search may take; then its result is returned as it "
        "stands, marked approximate (app.search.budget).",
    )
    keepalive_timeout: float = Field(5.0, description="Seconds an idle keep-alive connection stays open.")

    @property
    def db_url(self) -> str:
        if self.database_url:
            return normalize_url(self.database_url)
        return f"sqlite:///{(self.data_dir / 'archive.sqlite3').as_posix()}"

    @property
    def host_names(self) -> list[str]:
        """The Host header values accepted (TrustedHostMiddleware)."""
        if self.allowed_hosts:
            return [h.strip() for h in self.allowed_hosts.split(",") if h.strip()]
        names = list(LOOPBACK_NAMES)
        if self.public_url:
            from urllib.parse import urlsplit

            names.append(urlsplit(self.public_url).hostname or "")
        return [n for n in names if n]

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"


def normalize_url(url: str) -> str:
    """libpq-style URLs (postgres://, postgresql://) name the driver the archive uses: psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def get_settings() -> Settings:
    return Settings()
