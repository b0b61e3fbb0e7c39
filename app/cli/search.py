"""The commands that read the index: `archive search` and `archive quote` (the index is
brought up to date first, without waiting for an ingest that is writing it)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from app.cli.common import err, fail, open_archive, out
from app.cli.indexing import sync_index
from app.config import get_settings


def search_command(
    query: str = typer.Argument(..., help="Query, e.g. 'said:lavrov \"rule of law\" -nato date:2021'."),
    speaker: Annotated[
        list[str] | None, typer.Option("--speaker", help="A speaker of the statement (repeatable).")
    ] = None,
    said: Annotated[
        list[str] | None, typer.Option("--said", help="Paragraphs this person said (repeatable).")
    ] = None,
    date_from: str = typer.Option(None, "--from", help="From date: YYYY, YYYY-MM or YYYY-MM-DD."),
    date_to: str = typer.Option(None, "--to", help="To date: YYYY, YYYY-MM or YYYY-MM-DD."),
    kind: Annotated[
        list[str] | None, typer.Option("--kind", help="interview, remarks, briefing, … (repeatable).")
    ] = None,
    venue: Annotated[list[str] | None, typer.Option("--venue", help="Venue (repeatable).")] = None,
    topic: Annotated[list[str] | None, typer.Option("--topic", help="Topic (repeatable).")] = None,
    questions: str = typer.Option(None, "--questions", help="exclude | only"),
    sort: str = typer.Option("relevance", "--sort", help="relevance | newest | oldest"),
    page: int = typer.Option(1, "--page"),
    per_page: int = typer.Option(20, "--per-page", help="Statements per page (at most 100)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result object as JSON."),
) -> None:
    """Search the archive's paragraphs; results grouped by statement."""
    from app.search import QueryError, SearchIndexError, search_once
    from app.search.terminal import render_results

    settings = get_settings()
    factory = _indexed_archive(settings)
    try:
        result = search_once(
            settings,
            factory,
            query,
            speaker=speaker,
            said=said,
            date_from=date_from,
            date_to=date_to,
            kind=kind,
            venue=venue,
            topic=topic,
            questions=questions,
            sort=sort,
            page=page,
            per_page=per_page,
        )
    except QueryError as e:
        fail(e.message, 2)
    except SearchIndexError as e:
        fail(str(e), 1)
    if as_json:  # the object of GET /api/search: bidi controls closed in each string (app.bidi)
        from app.bidi import close_bidi_all

        sys.stdout.write(json.dumps(close_bidi_all(result.to_json()), ensure_ascii=False, indent=1) + "\n")
    else:
        render_results(out, result)


def quote_command(
    quote: str = typer.Argument(
        ..., help='The quote as you have it, e.g. "we will never accept … sanctions".'
    ),
    limit: int = typer.Option(10, "--limit", help="Results at most (1-50)."),
    as_json: bool = typer.Option(
        False, "--json", help="Print the result object as JSON (docs/quote-json.md)."
    ),
) -> None:
    """Find where a quote was said: source paragraphs ranked by how well they align with it."""
    from app.quote import QuoteError, quote_archive
    from app.quote.terminal import render_quote
    from app.search import SearchIndexError

    settings = get_settings()
    factory = _indexed_archive(settings)
    try:
        result = quote_archive(settings, factory, quote, limit=limit)
    except QuoteError as e:
        fail(e.message, 2)
    except SearchIndexError as e:
        fail(str(e), 1)
    if as_json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    else:
        render_quote(out, result)


def _indexed_archive(settings):
    """The archive's session factory, its index synced (reports on stderr: stdout is the result)."""
    _engine, factory = open_archive(settings)
    if not sync_index(settings, factory, console=err, reader=True):
        raise typer.Exit(1)
    return factory
