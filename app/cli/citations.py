"""`archive citations fill`: render and store the citation texts of every statement that lacks
an up-to-date row (the server starts it in the background at the lowest CPU priority)."""

from __future__ import annotations

import typer


def fill(
    workers: int = typer.Option(1, "--workers", help="Rendering processes."),
    background: bool = typer.Option(
        False,
        "--background",
        help="Lowest CPU priority; exit at once when another filler holds the data directory.",
    ),
) -> None:
    """Render and store the citation texts of the archive's statements."""
    from app.citations.store import fill_command

    status = fill_command(workers=workers, background=background)
    if status:
        raise typer.Exit(status)
