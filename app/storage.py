"""Storage faults, recognised and said in one line: a full disk, an empty or damaged database
file, a damaged search index. (What to do about each is the caller's: the CLI exits with
DISK_FULL_EXIT or fails with the message, the server answers 503 and rebuilds the index.)"""

from __future__ import annotations

import errno
import pickle
import struct
import zlib
from pathlib import Path

from app.config import Settings

DISK_FULL_EXIT = 4  # `archive ingest`/`reindex` exit status when the disk is full

# what reading damaged files raises (truncated or overwritten segments, postings, columns);
# app.search.INDEX_DAMAGE adds the search engine's own
FILE_DAMAGE = (
    EOFError,
    struct.error,
    zlib.error,
    pickle.UnpicklingError,
    ValueError,
    IndexError,
    KeyError,
    OSError,
    AssertionError,
    TypeError,
    AttributeError,
    UnicodeDecodeError,
    MemoryError,
    OverflowError,
)


def disk_full(exc: BaseException) -> bool:
    """Is this (or what caused it) the disk being full?"""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            return True
        text = str(exc).lower()
        if "database or disk is full" in text or "no space left on device" in text:
            return True
        exc = exc.__cause__ or exc.__context__ or getattr(exc, "orig", None)
        seen += 1
    return False


def disk_full_message(settings: Settings) -> str:
    return (
        f"the disk holding {settings.data_dir} is full: nothing more was written (what was committed "
        "is kept); free some space and run the command again"
    )


def _has_index(settings: Settings) -> bool:
    index = settings.index_dir
    try:
        return index.is_dir() and any(
            p.name.startswith("gen-") or p.name == "CURRENT" for p in index.iterdir()
        )
    except OSError:
        return False


def database_file_problem(settings: Settings) -> str | None:
    """What is wrong with the SQLite file before anything opens it (None: nothing seen, or not
    SQLite). An empty file next to an existing index is never migrated into a new, empty
    archive: the database is the archive, the index only derived from it."""
    if not settings.db_url.startswith("sqlite:///"):
        return None
    path = Path(settings.db_url.removeprefix("sqlite:///"))
    try:
        if not path.exists():
            return None
        size = path.stat().st_size
        if size == 0:
            if _has_index(settings):
                return (
                    f"the database file {path} is empty (0 bytes) but a search index of an archive is next "
                    "to it: restore the database from a backup (or move the data directory away to start "
                    "a new archive)"
                )
            return None
    except OSError as e:
        return f"the database file {path} cannot be read: {e.strerror or e}"
    # read through SQLite itself, never open()/close() on the file: closing any descriptor of it
    # drops the process's POSIX locks on it, under the feet of the connections it already has
    import sqlite3

    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            conn.execute("PRAGMA schema_version").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as e:
        if "locked" in str(e) or "busy" in str(e):
            return None
        return f"the database file {path} is damaged or not a SQLite database ({e}): restore it from a backup"
    return None


def database_damage(exc: BaseException) -> str | None:
    """The one-line reason when a database error means a damaged file (else None)."""
    text = str(getattr(exc, "orig", None) or exc).splitlines()[0] if str(exc) else type(exc).__name__
    low = text.lower()
    if any(
        s in low
        for s in ("malformed", "not a database", "disk i/o error", "file is encrypted", "database corrupt")
    ):
        return f"the database is damaged ({text}): restore it from a backup"
    return None
