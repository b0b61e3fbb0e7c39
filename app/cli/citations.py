"""`archive citations fill`: render and store the citation texts of every statement that lacks
an up-to-date row (the server starts it in the background at the lowest CPU priority)."""
from __future__ import annotations

import os
import sys
import time

import typer

from app.config import get_settings

BACKGROUND_DELAY = 5.0  # seconds a background filler leaves the server's start-up alone


def fill(
    workers: int = typer.Option(1, "--workers", help="Rendering processes."),
    background: bool = typer.Option(False, "--background",
                                    help="Lowest CPU priority; exit at once when another filler holds the data directory."),
) -> None:
    """Render and store the citation texts of the archive's statements."""
    from app.db import make_engine, make_sessionmaker
    from app.locking import LockBusy, archive_lock
    from app.web.citation_store import fill as fill_citations  # the one import of the citations package

    settings = get_settings()
    try:  # one filler per archive: on PostgreSQL across every web node (a lock in the database)
        with archive_lock(settings, "citations", settings.data_dir / "citations.lock",
                          timeout=0 if background else 600, what="another citation filler"):
            if background:
                os.nice(19)
                time.sleep(BACKGROUND_DELAY)  # the first answers read a cold database: leave them the disk
            engine = make_engine(settings)
            try:
                n = fill_citations(make_sessionmaker(engine), workers=workers)
            finally:
                engine.dispose()
    except LockBusy as e:
        print(e, file=sys.stderr)
        raise typer.Exit(0 if background else 1) from None
    except Exception as e:  # e.g. the database stayed locked: pages render live, the next start fills
        if not background:
            raise
        print(f"citation texts not filled: {e}", file=sys.stderr)
        raise typer.Exit(1) from None
    print(f"citation texts written: {n}")
