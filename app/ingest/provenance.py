"""Where a source document came from: its original URL, when it was captured, and for a
WARC record the file and offset (pure values; stored on source_documents)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Provenance:
    original_url: str | None = None
    url_source: str | None = None  # WARC-Target-URI | manifest | canonical link | og:url | …
    captured_at: dt.datetime | None = None
    captured_source: str | None = None  # WARC-Date | manifest | file mtime
    warc_file: str | None = None
    warc_offset: int | None = None
    format: str = "text"  # text | html
    publisher: str | None = None  # og:site_name, citation_publisher, JSON-LD publisher
    capture: bytes | None = None  # the page as captured (zlib), for HTML pages

    def replace(self, **changes) -> Provenance:
        return dataclasses.replace(self, **changes)

    def with_page(
        self, fmt: str, url: str | None, url_source: str | None, publisher: str | None
    ) -> Provenance:
        """What the page itself says, where the capture (WARC, manifest) said nothing."""
        if self.original_url or not url:
            return self.replace(format=fmt, publisher=publisher)
        return self.replace(format=fmt, publisher=publisher, original_url=url, url_source=url_source)

    def with_capture(self, compressed: bytes) -> Provenance:
        return self.replace(capture=compressed)
