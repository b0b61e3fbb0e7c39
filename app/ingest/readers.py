"""Choose the reader for a page by its file suffix: bytes in, ParsedPage out (pure)."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable

from app.ingest.decode import decode_page
from app.ingest.parse import parse_page
from app.ingest.site_chrome import lookup
from app.ingest.types import PageError, ParsedPage


def parse_text_bytes(raw: bytes, learnt: dict[str, int] | None = None) -> tuple[str, ParsedPage]:
    decoded = decode_page(raw)
    page = parse_page(decoded.text, lookup(learnt))
    page = dataclasses.replace(
        page, encoding=decoded.encoding, warnings=tuple(decoded.warnings) + tuple(page.warnings)
    )
    return decoded.text, page


# suffix -> reader: raw bytes -> (the page's text as stored, its parse)
READERS: dict[str, Callable[..., tuple[str, ParsedPage]]] = {".txt": parse_text_bytes}


def supported(suffix: str) -> bool:
    return suffix.lower() in READERS


def parse_document(raw: bytes, suffix: str, *, learnt: dict[str, int] | None = None) -> tuple[str, ParsedPage]:
    """`learnt`: chrome learnt across the page's site at ingest ({normalised line: pages})."""
    reader = READERS.get(suffix.lower())
    if reader is None:
        raise PageError(f"unsupported file type {suffix or '(none)'!r}; supported: {', '.join(READERS)}")
    return reader(raw, learnt) if learnt else reader(raw)
