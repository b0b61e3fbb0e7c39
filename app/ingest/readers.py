"""Choose the reader for a page by its bytes (then its name): bytes in, Document out (pure).

Text pages go to the statement parser as they are; HTML pages (also gzipped, also under a
`.txt` name) through app.ingest.html_reader. WARC files hold many pages: app.ingest.warc.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from app.ingest.decode import decode_page
from app.ingest.parse import parse_page
from app.ingest.site_chrome import lookup
from app.ingest.sniff import gunzip, sniff
from app.ingest.types import PageError, ParsedPage


@dataclass(frozen=True)
class Document:
    text: str  # the page's text as stored (paragraph line numbers refer to it)
    page: ParsedPage
    format: str = "text"  # text | html
    url: str | None = None  # the page's own idea of its URL (canonical link, og:url)
    url_source: str | None = None
    publisher: str | None = None

    def __iter__(self):  # `text, page = parse_document(...)`
        return iter((self.text, self.page))


def parse_text_bytes(raw: bytes, learnt: dict[str, int] | None = None) -> tuple[str, ParsedPage]:
    """`learnt`: chrome learnt across the page's site at ingest ({normalised line: pages})."""
    decoded = decode_page(raw)
    page = parse_page(decoded.text, lookup(learnt))
    page = dataclasses.replace(
        page, encoding=decoded.encoding, warnings=tuple(decoded.warnings) + tuple(page.warnings)
    )
    return decoded.text, page


def parse_html_bytes(raw: bytes, http_charset: str | None = None) -> Document:
    from app.ingest.html_reader import read_html

    read = read_html(raw, http_charset)
    return Document(read.text, read.page, "html", read.meta.url, read.meta.url_source, read.meta.publisher)


def parse_document(
    raw: bytes,
    name: str,
    *,
    max_bytes: int | None = None,
    http_charset: str | None = None,
    learnt: dict[str, int] | None = None,
) -> Document:
    """The parse of one page file (not a WARC: see app.ingest.warc). Raises PageError."""
    kind = sniff(raw[:8192], name)
    if kind.startswith("gzip-"):
        try:
            raw, problem = gunzip(raw, max_bytes or 50 * len(raw) + 1_000_000)
        except (ValueError, OverflowError) as e:
            raise PageError(str(e)) from None
        kind = kind[len("gzip-") :]
        if problem and not raw:
            raise PageError(problem)
    if kind == "warc":
        raise PageError("a WARC file: read it with `archive ingest` (it holds many pages)")
    if kind == "html":
        return parse_html_bytes(raw, http_charset)
    if kind == "text":
        text, page = parse_text_bytes(raw, learnt)
        return Document(text, page)
    raise PageError(kind.removeprefix("unsupported: "))
