"""The output formats of every download and feed: renderers registered by extension (the
Datasette pattern), each turning one `Output` (an iterator of rows and what the format needs
about them) into a response. The statements list, the search, the concordance and the trends
all answer `.csv`, `.json` and `.atom` through `respond(ext, output)`.

- csv: app.formats.spreadsheet (BOM, the truncation notice as a first row, inert cells), streamed.
- json: {…head, "results": [row, …]}, written row by row (each string's bidi controls closed).
- atom: app.web.feeds over rows that are FeedEntry values."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from fastapi.responses import Response, StreamingResponse

from app.bidi import close_bidi_all
from app.formats.spreadsheet import csv_stream
from app.web.feeds import atom


@dataclass(frozen=True)
class Feed:
    """What an Atom feed says about itself (its entries are the output's rows)."""

    id: str
    title: str
    self_url: str
    html_url: str


@dataclass(frozen=True)
class Output:
    name: str  # the file's name, without its extension
    rows: Iterable  # dicts (csv, json) or FeedEntry values (atom)
    fields: list[str] = field(default_factory=list)  # csv: the header
    convert: Callable[[dict], dict] = dict  # csv: a row's cells by field
    notice: str | None = None  # csv: the first row of a truncated file
    head: dict = field(default_factory=dict)  # json: the members before "results"
    feed: Feed | None = None  # atom


Renderer = Callable[[Output], Response]
RENDERERS: dict[str, Renderer] = {}
DOWNLOADS = ("csv", "json")  # the formats of a list's full download (atom: its latest entries)


def renderer(ext: str) -> Callable[[Renderer], Renderer]:
    def register(fn: Renderer) -> Renderer:
        RENDERERS[ext] = fn
        return fn

    return register


def respond(ext: str, output: Output) -> Response:
    return RENDERERS[ext](output)


def _attachment(output: Output, ext: str) -> dict[str, str]:
    return {"content-disposition": f'attachment; filename="{output.name}.{ext}"'}


@renderer("csv")
def render_csv(output: Output) -> Response:
    return StreamingResponse(
        csv_stream(output.rows, output.fields, output.convert, notice=output.notice),
        media_type="text/csv; charset=utf-8",
        headers=_attachment(output, "csv"),
    )


@renderer("json")
def render_json(output: Output) -> Response:
    return StreamingResponse(
        json_stream(output.head, output.rows),
        media_type="application/json",
        headers=_attachment(output, "json"),
    )


@renderer("atom")
def render_atom(output: Output) -> Response:
    feed = output.feed
    body = atom(
        feed_id=feed.id, title=feed.title, self_url=feed.self_url, html_url=feed.html_url, entries=output.rows
    )
    return Response(body, media_type="application/atom+xml; charset=utf-8")


def json_stream(head: dict, rows: Iterable[dict]) -> Iterator[str]:
    """{…head, "results": [row, …]} written row by row."""
    head = close_bidi_all(head)  # (app.bidi: each string's controls closed)
    yield (json.dumps(head, ensure_ascii=False)[:-1] + ', "results": [') if head else '{"results": ['
    for i, row in enumerate(rows):
        yield ("," if i else "") + "\n" + json.dumps(close_bidi_all(row), ensure_ascii=False)
    yield "\n]}\n"


def truncation_notice(total: int, limit: int, what: str, about: bool = False) -> str | None:
    """The first row of a download that stops at its limit (None: the file is complete)."""
    if total <= limit:
        return None
    return (
        f"Truncated: this file holds the first {limit:,} of {'about ' if about else ''}{total:,} matching "
        f"{what} (the download limit); narrow the search or the filters to download the rest."
    )
