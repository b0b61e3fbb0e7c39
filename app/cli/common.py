"""What every command shares: the two consoles, one-line errors, opening the archive, the
ingest lock and the progress bar. (The database layer is imported when a command opens the
archive, as each command imports its subsystem when it runs: `archive parse`, run once per
page by scripts, starts without SQLAlchemy, Alembic, Whoosh or FastAPI.)"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from app.config import Settings
from app.locking import LockBusy, archive_lock

err = Console(stderr=True)
out = Console()
T = TypeVar("T")


def printable(text: str) -> str:
    """A file name on one line: control characters (a newline in a name) escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def fail(message: str, code: int = 2) -> None:
    err.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def note(message: str, prefix: str = "note") -> None:
    err.print(f"{prefix}: {message}", markup=False, highlight=False, soft_wrap=True)


def open_archive(settings: Settings):
    """(engine, session factory), migrated; a clear one-line error (and exit status) if not."""
    from sqlalchemy.exc import DBAPIError

    from app.db import DatabaseUnavailable, describe_error, open_database, shown_url
    from app.storage import database_damage, database_file_problem, disk_full, disk_full_message

    if problem := database_file_problem(settings):  # never migrate an empty file over an archive's index
        fail(problem, 1)
    try:
        return open_database(settings)
    except (DBAPIError, DatabaseUnavailable) as e:  # unreachable server, no rights, a damaged file…
        if disk_full(e):
            fail(disk_full_message(settings), 4)
        fail(database_damage(e) or f"cannot open the archive: {describe_error(e, settings.db_url)}", 1)
    except Exception as e:  # unwritable data dir, damaged file, full disk…
        if disk_full(e):
            fail(disk_full_message(settings), 4)
        fail(database_damage(e) or f"cannot open the archive at {shown_url(settings.db_url)}: {e}", 1)


def guarded(run: Callable[[], T], settings: Settings) -> T:
    """run(); a database error (server gone, rights missing, …) ends the command with one line."""
    from sqlalchemy.exc import DBAPIError

    from app.db import DatabaseUnavailable, describe_error

    try:
        return run()
    except (DBAPIError, DatabaseUnavailable) as e:
        fail(describe_error(e, settings.db_url), 1)


def check_speaker_table() -> None:
    """A bad ARCHIVE_SPEAKERS_FILE stops the command before any page is read, naming the file."""
    from app.ingest.speaker_table import TableError, default_table

    try:
        default_table()
    except TableError as e:
        fail(str(e), 2)


@contextlib.contextmanager
def ingest_lock(settings: Settings, what: str) -> Iterator[None]:
    """The archive's ingest lock for the block (one writer of pages at a time); busy past
    ARCHIVE_INGEST_LOCK_TIMEOUT: the command fails with status 1."""
    try:
        with archive_lock(
            settings,
            "ingest",
            settings.data_dir / "ingest.lock",
            timeout=settings.ingest_lock_timeout,
            what=what,
            on_wait=lambda msg: err.print(msg, markup=False),
        ):
            yield
    except LockBusy as e:
        fail(str(e), 1)


def progress_bar(label: str) -> Progress:
    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    )


def bar_progress(bar: Progress, label: str) -> Callable[[int, int], None]:
    """A `progress(i, n)` callback driving a new task of `bar`."""
    task = bar.add_task(label, total=None)
    return lambda i, n: bar.update(task, completed=i, total=n)
