"""The archive's tables (SQLAlchemy 2.0 declarative). Keys are deterministic strings
computed from content (app.ingest.keys); integer ids are internal only."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base


class SourceDocument(Base):
    """One ingested page file: provenance for everything parsed from it."""

    __tablename__ = "source_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(String(1024), unique=True)
    file_name: Mapped[str] = mapped_column(String(512))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    raw_text: Mapped[str | None] = mapped_column(Text)
    encoding: Mapped[str | None] = mapped_column(String(64))
    parser_version: Mapped[str] = mapped_column(String(32))
    ingested_at: Mapped[dt.datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16), index=True)  # ok | failed
    error: Mapped[str | None] = mapped_column(Text)
    error_line: Mapped[int | None] = mapped_column(Integer)
    warnings: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of strings
    captured: Mapped[dt.date | None] = mapped_column(Date)
    # provenance (migration 0008): where the page came from and when it was captured
    format: Mapped[str] = mapped_column(String(16), default="text", server_default="text")  # text | html
    original_url: Mapped[str | None] = mapped_column(String(2048))
    url_source: Mapped[str | None] = mapped_column(
        String(32)
    )  # WARC-Target-URI | manifest | canonical link | og:url
    publisher: Mapped[str | None] = mapped_column(String(300))
    captured_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    captured_source: Mapped[str | None] = mapped_column(String(32))  # WARC-Date | manifest | file mtime
    warc_file: Mapped[str | None] = mapped_column(String(1024))
    warc_offset: Mapped[int | None] = mapped_column(BigInteger)
    capture: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # the HTML as captured (zlib)
    # versions (migration 0009): a document replaced at its path by a later capture, or by a
    # re-parse, is kept (its path then "<path>@<sha256[:16]>~<parse_seq>") so its text stays a version
    superseded: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    parse_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # re-parses of this sha256


class Speaker(Base):
    """A person or institution: a person of the speaker table (app/data/speakers.toml) whatever
    the spelling, else matched across pages by a normalised name key."""

    __tablename__ = "speakers"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16))  # person | institution
    # CSL-JSON name object: {"family", "given", …} or {"literal"} (app/ingest/name_parts.py)
    name_parts: Mapped[dict | None] = mapped_column(JSON)
    person: Mapped[str | None] = mapped_column(String(300))  # the speaker table's name, for its people

    aliases: Mapped[list[SpeakerAlias]] = relationship(back_populates="speaker", cascade="all, delete-orphan")


class SpeakerRedirect(Base):
    """Slugs that lead to a speaker's page with a 301: the slugs of the spellings met
    (/speakers/sergei-lavrov) and of speakers merged into this one (permanence)."""

    __tablename__ = "speaker_redirects"

    slug: Mapped[str] = mapped_column(String(200), primary_key=True)
    speaker_id: Mapped[int] = mapped_column(ForeignKey("speakers.id", ondelete="CASCADE"), index=True)


class SpeakerAlias(Base):
    """Every spelling of a speaker's name met in the pages (Sergey/Sergei Lavrov)."""

    __tablename__ = "speaker_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    speaker_id: Mapped[int] = mapped_column(ForeignKey("speakers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)

    speaker: Mapped[Speaker] = relationship(back_populates="aliases")


class Venue(Base):
    __tablename__ = "venues"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(300))


class Topic(Base):
    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(500))


class Statement(Base):
    """A statement as materialised from all its contributions (full text and teasers)."""

    __tablename__ = "statements"
    # neighbours of a statement (previous/next by date, then key) walk this index instead of
    # sorting every statement of a speaker (5,600 rows for the busiest speaker at 1.5M paragraphs)
    __table_args__ = (
        Index("ix_statements_sort_date_key", "sort_date", "key"),
        # covers the home page's totals (statements, excerpts, paragraphs) without reading the table
        Index("ix_statements_excerpt_paragraph_count", "excerpt", "paragraph_count"),
        # a duplicate group's other members (few) by their canonical. Partial (migration 0011): every
        # list takes `duplicate_of IS NULL`, and a full index on it made SQLite walk all the
        # canonical statements and sort them instead of walking (sort_date, key) above.
        Index(
            "ix_statements_duplicate_of",
            "duplicate_of",
            sqlite_where=text("duplicate_of IS NOT NULL"),
            postgresql_where=text("duplicate_of IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    published: Mapped[dt.date | None] = mapped_column(Date)
    sort_date: Mapped[dt.date | None] = mapped_column(Date, index=True)  # date, else published
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venues.id"), index=True)
    excerpt: Mapped[bool] = mapped_column(Boolean)
    paragraph_count: Mapped[int] = mapped_column(Integer, default=0)
    fingerprint: Mapped[str] = mapped_column(String(16))  # hash of the exported form
    # from the best source document that has them (migration 0008)
    original_url: Mapped[str | None] = mapped_column(String(2048))
    publisher: Mapped[str | None] = mapped_column(String(300))
    captured_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # the canonical statement of its group of duplicates across sites (app.ingest.duplicates);
    # None: the statement is canonical (or has no duplicates). Migration 0010.
    duplicate_of: Mapped[str | None] = mapped_column(String(200))

    venue: Mapped[Venue | None] = relationship()
    speakers: Mapped[list[StatementSpeaker]] = relationship(
        back_populates="statement", cascade="all, delete-orphan", order_by="StatementSpeaker.position"
    )
    topics: Mapped[list[StatementTopic]] = relationship(
        cascade="all, delete-orphan", order_by="StatementTopic.position"
    )
    paragraphs: Mapped[list[Paragraph]] = relationship(
        back_populates="statement", cascade="all, delete-orphan", order_by="Paragraph.id"
    )


class StatementSpeaker(Base):
    """Who made a statement, with the role the title gives them at that time."""

    __tablename__ = "statement_speakers"

    statement_id: Mapped[int] = mapped_column(
        ForeignKey("statements.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    speaker_id: Mapped[int] = mapped_column(ForeignKey("speakers.id"), index=True)
    role: Mapped[str | None] = mapped_column(String(300))

    statement: Mapped[Statement] = relationship(back_populates="speakers")
    speaker: Mapped[Speaker] = relationship()


class StatementTopic(Base):
    """A statement's topic tags, in order. (Its key has the shape of StatementSpeaker's: each
    ordered association table declares its own columns, as its migration does.)"""

    __tablename__ = "statement_topics"

    statement_id: Mapped[int] = mapped_column(
        ForeignKey("statements.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id"), index=True)

    topic: Mapped[Topic] = relationship()


class Contribution(Base):
    """What one source page says about one statement (its full text or a teaser).

    Statements are materialised from their contributions, so the result does not
    depend on the order in which pages are ingested."""

    __tablename__ = "contributions"
    __table_args__ = (UniqueConstraint("source_document_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_document_id: Mapped[int] = mapped_column(
        ForeignKey("source_documents.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)  # order on the page
    statement_key: Mapped[str] = mapped_column(String(200), index=True)
    role: Mapped[str] = mapped_column(String(16))  # main | excerpt
    data: Mapped[str] = mapped_column(Text)  # the parsed statement as JSON

    source: Mapped[SourceDocument] = relationship()


class Paragraph(Base):
    """A paragraph of a statement. `current` paragraphs make up the statement's text;
    retired ones (a teaser lead not found verbatim in the full text) still resolve."""

    __tablename__ = "paragraphs"
    __table_args__ = (Index("ix_paragraphs_statement_current_n", "statement_id", "current", "n"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(220), unique=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id", ondelete="CASCADE"))
    n: Mapped[int] = mapped_column(Integer)
    current: Mapped[bool] = mapped_column(Boolean)
    text: Mapped[str] = mapped_column(Text)
    label: Mapped[str | None] = mapped_column(String(300))
    speaker_name: Mapped[str | None] = mapped_column(String(300))
    speaker_id: Mapped[int | None] = mapped_column(ForeignKey("speakers.id"), index=True)
    source_document_id: Mapped[int] = mapped_column(ForeignKey("source_documents.id"), index=True)
    line_start: Mapped[int] = mapped_column(Integer)
    line_end: Mapped[int] = mapped_column(Integer)

    statement: Mapped[Statement] = relationship(back_populates="paragraphs")
    source: Mapped[SourceDocument] = relationship()
    speaker: Mapped[Speaker | None] = relationship()


class DuplicateBand(Base):
    """One MinHash LSH band key of a statement's text: statements sharing one are candidate
    duplicates (app.ingest.duplicates). Derived data, rebuilt from the texts."""

    __tablename__ = "duplicate_bands"

    statement_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    band: Mapped[int] = mapped_column(BigInteger, primary_key=True, index=True)


class DuplicateLink(Base):
    """Two statements decided to be one text (exact shingle Jaccard >= the threshold);
    key_a < key_b. A group of duplicates is a connected component of links."""

    __tablename__ = "duplicate_links"

    key_a: Mapped[str] = mapped_column(String(200), primary_key=True)
    key_b: Mapped[str] = mapped_column(String(200), primary_key=True, index=True)
    similarity: Mapped[float] = mapped_column(Float)


class KeyAlias(Base):
    """A key that no longer exists and where it went (permalinks never break)."""

    __tablename__ = "key_aliases"

    old_key: Mapped[str] = mapped_column(String(220), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # statement | paragraph
    new_key: Mapped[str] = mapped_column(String(220))
    new_kind: Mapped[str] = mapped_column(String(16))  # statement | paragraph


class StatementVersion(Base):
    """One distinct text of a statement (app.ingest.versions), rebuilt with the statement from
    its contributions: `n` counts versions by first capture (1 = earliest); `keys` are the
    paragraph key suffixes of the text in order (JSON), `sources` the captures holding it
    (JSON list of {file, sha256, captured_at, captured_source, estimated}), `changes` the
    paragraphs changed/added/removed since version n-1 (JSON)."""

    __tablename__ = "statement_versions"
    __table_args__ = (UniqueConstraint("statement_key", "n"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_key: Mapped[str] = mapped_column(String(200), index=True)
    n: Mapped[int] = mapped_column(Integer)
    vid: Mapped[str] = mapped_column(String(16))
    current: Mapped[bool] = mapped_column(Boolean)
    role: Mapped[str] = mapped_column(String(16))  # main | excerpt
    captured_at: Mapped[dt.datetime] = mapped_column(DateTime)  # its first capture
    captured_source: Mapped[str] = mapped_column(String(32))
    estimated: Mapped[bool] = mapped_column(Boolean)
    reparse: Mapped[bool] = mapped_column(Boolean)  # the same source text as an earlier version, parsed anew
    paragraph_count: Mapped[int] = mapped_column(Integer)
    source_document_id: Mapped[int] = mapped_column(Integer)  # a source holding this text (its contribution)
    keys: Mapped[str] = mapped_column(Text)
    sources: Mapped[str] = mapped_column(Text)
    changes: Mapped[str] = mapped_column(Text)


class IndexQueue(Base):
    """Statements written to the database but not yet (re)indexed: the search index's outbox.

    Rows are added in the same transaction as the statement, and deleted only after the
    index has committed them, so a crash between the two never leaves the index behind."""

    __tablename__ = "index_queue"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_key: Mapped[str] = mapped_column(String(200), index=True)


class CitationText(Base):
    """The Chicago, APA and MLA texts of a statement, rendered ahead of time by citeproc-py
    (app.citations.store): `texts` is a JSON object {style: text or null}, rendered with a
    placeholder URL and a sentinel access date that are replaced when a page is served.
    `fingerprint` hashes the citation's inputs (title, speakers, dates, venue, kind, renderer
    versions): a row whose fingerprint no longer matches is ignored and rendered anew."""

    __tablename__ = "citation_texts"

    statement_id: Mapped[int] = mapped_column(
        ForeignKey("statements.id", ondelete="CASCADE"), primary_key=True
    )
    fingerprint: Mapped[str] = mapped_column(String(40))
    texts: Mapped[str] = mapped_column(Text)


class SiteChrome(Base):
    """A line learnt as chrome of a site (its source folder) at ingest: it recurs at the top or
    bottom of `pages` distinct pages of that site (app.ingest.site_chrome)."""

    __tablename__ = "site_chrome"

    site: Mapped[str] = mapped_column(String(1024), primary_key=True)
    line: Mapped[str] = mapped_column(String(512), primary_key=True)  # normalised (spaces, case)
    pages: Mapped[int] = mapped_column(Integer)
