"""Choose the reader for a page by its file suffix: bytes in, ParsedPage out (pure)."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable

from app.ingest.decode import decode_page
from app.ingest.parse import parse_page
from app.ingest.types import PageError, ParsedPage


def parse_text_bytes(raw: bytes) -> tuple[str, ParsedPage]:
    decoded = decode_page(raw)
    page = parse_page(decoded.text)
    page = dataclasses.replace(
        page, encoding=decoded.encoding, warnings=tuple(decoded.warnings) + tuple(page.warnings)
    )
    return decoded.text, page


# suffix -> reader: raw bytes -> (the page's text as stored, its parse)
READERS: dict[str, Callable[[bytes], tuple[str, ParsedPage]]] = {".txt": parse_text_bytes}


def supported(suffix: str) -> bool:
    return suffix.lower() in READERS


def parse_document(raw: bytes, suffix: str) -> tuple[str, ParsedPage]:
    reader = READERS.get(suffix.lower())
    if reader is None:
        raise PageError(f"unsupported file type {suffix or '(none)'!r}; supported: {', '.join(READERS)}")
    return reader(raw)
