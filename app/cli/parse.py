"""`archive parse FILE`: what the ingestion job would extract from one page (nothing written)."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import typer

from app.cli.common import check_speaker_table, fail, out
from app.config import get_settings
from app.ingest.types import PageError, page_to_dict


def parse(
    file: Path = typer.Argument(..., help="A page to parse (nothing is written)."),
    as_json: bool = typer.Option(False, "--json", help="Print the parse as JSON."),
    explain: bool = typer.Option(False, "--explain", help="Print each line with what it was taken for."),
) -> None:
    """Parse one page and print what the ingestion job would extract."""
    from app.ingest.page_file import read_limited
    from app.ingest.parse import explain_page
    from app.ingest.readers import parse_document

    settings = get_settings()
    check_speaker_table()
    try:
        raw = read_limited(file, settings.max_page_bytes)
        doc = parse_document(raw, file.name, max_bytes=settings.max_page_bytes)
        lines = explain_page(doc.text) if explain else []
    except OSError as e:
        fail(f"{file}: cannot read: {e.strerror or e}")
    except PageError as e:
        fail(f"{file}: {e}", 1)
    if explain:
        from app.cli.render import render_explain  # (rich tables and SQLAlchemy: not for --json)

        render_explain(out, lines)
        return
    data = page_to_dict(doc.page, path=str(file), sha256=hashlib.sha256(raw).hexdigest())
    data["source"].update(format=doc.format, url=doc.url, url_source=doc.url_source, publisher=doc.publisher)
    if as_json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    else:
        from app.cli.render import render_parse

        render_parse(out, data)
