"""An exclusive lock between processes (flock on a file), waited for with a bound."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


class LockBusy(Exception):
    pass


def _holder(path: Path) -> str:
    try:
        pid = path.read_text().strip()
    except OSError:
        return "another process"
    return f"process {pid}" if pid else "another process"


@contextmanager
def exclusive_lock(
    path: Path, *, timeout: float, what: str, on_wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold `path` locked; wait up to `timeout` seconds for another holder, then raise LockBusy."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline, told = time.monotonic() + timeout, False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockBusy(
                        f"{what} is already running ({_holder(path)}); try again when it has finished"
                    ) from None
                if on_wait and not told:
                    on_wait(f"waiting for {what} ({_holder(path)}) to finish …")
                    told = True
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        os.close(fd)  # closing releases the lock


# -- locks held in the database (PostgreSQL), for archives shared by several machines --------

LOCK_CLASS = 0x41524348  # "ARCH": the first key of every advisory lock the archive takes
LOCK_IDS = {"migrate": 1, "ingest": 2, "index-writer": 3, "citations": 4}


@contextmanager
def archive_lock(
    settings,
    name: str,
    path: Path,
    *,
    timeout: float,
    what: str,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """The lock `name` of this archive: on PostgreSQL a session advisory lock in the archive's
    database, so that processes on different machines (different data dirs) exclude each other;
    on SQLite the file lock `path` (the database file is on this machine)."""
    from app.db import is_postgresql

    if is_postgresql(settings.db_url):
        with advisory_lock(settings, name, timeout=timeout, what=what, on_wait=on_wait):
            yield
    else:
        with exclusive_lock(path, timeout=timeout, what=what, on_wait=on_wait):
            yield


@contextmanager
def advisory_lock(
    settings, name: str, *, timeout: float, what: str, on_wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold PostgreSQL's advisory lock (LOCK_CLASS, LOCK_IDS[name]) on a connection of its own,
    for as long as the block runs; the server releases it if this process dies."""
    from sqlalchemy import text

    from app.db import lock_connection

    key = {"c": LOCK_CLASS, "o": LOCK_IDS[name]}
    with lock_connection(settings, name) as conn:
        deadline, told = time.monotonic() + timeout, False
        while not conn.scalar(text("SELECT pg_try_advisory_lock(:c, :o)"), key):
            holder = _advisory_holder(conn, name)
            if time.monotonic() >= deadline:
                raise LockBusy(f"{what} is already running ({holder}); try again when it has finished")
            if on_wait and not told:
                on_wait(f"waiting for {what} ({holder}) to finish …")
                told = True
            time.sleep(0.2)
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:c, :o)"), key)


def _advisory_holder(conn, name: str) -> str:
    """Who holds the lock, from the application name of its connection (app.db.lock_connection):
    'process 1234 on host-b'."""
    from sqlalchemy import text

    row = conn.execute(
        text(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = :c AND l.objid = :o "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ),
        {"c": LOCK_CLASS, "o": LOCK_IDS[name]},
    ).first()
    name = row[0] if row else ""
    return name.split(": ", 1)[1] if name.startswith("archive ") and ": " in name else "another process"


def advisory_lock_held(settings, name: str) -> bool:
    """Whether some session holds the archive's lock `name` (for tests and /healthz)."""
    from sqlalchemy import text

    from app.db import lock_connection

    with lock_connection(settings, name) as conn:
        return (
            conn.scalar(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = :c AND objid = :o "
                    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                ),
                {"c": LOCK_CLASS, "o": LOCK_IDS[name]},
            )
            > 0
        )
