"""WARC files (Heritrix, wget --warc-file, Browsertrix, the Internet Archive) -> HTML pages.

Streamed record by record (warcio): a 2 GB WARC is never in memory. Every `response`
record with an HTML payload is a page; request, metadata, revisit, warcinfo and non-HTML
records are skipped and counted. A corrupt record or a truncated gzip member is reported
with its offset, and reading resumes at the next record found after it.
"""

from __future__ import annotations

import datetime as dt
import os
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from app.ingest.html_decode import charset_from_content_type
from app.ingest.page_file import open_page
from app.ingest.sniff import looks_like_html

_HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xhtml")
_RESYNC_CHUNK = 1 << 20


@dataclass(frozen=True)
class WarcPage:
    offset: int  # of the record in the WARC file
    url: str | None
    captured_at: dt.datetime | None
    http_charset: str | None
    payload: bytes | None  # None when too large (error says why)
    error: str | None = None


@dataclass
class WarcStats:
    skipped: Counter = field(default_factory=Counter)  # reason -> records
    problems: list[tuple[int, str]] = field(default_factory=list)  # (offset, reason)


def parse_warc_date(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        d = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if d.tzinfo is not None:
        d = d.astimezone(dt.UTC).replace(tzinfo=None)
    return d.replace(microsecond=0)


def _skip_reason(record) -> str | None:
    kind = record.rec_type
    if kind != "response":
        return f"{kind} record"
    if record.http_headers is None:
        return "response record without HTTP headers"
    status = record.http_headers.get_statuscode()
    if status and not status.startswith("2"):
        return f"HTTP {status} response"
    ctype = (record.http_headers.get_header("Content-Type") or "").split(";")[0].strip().lower()
    if ctype and ctype not in _HTML_TYPES:
        return f"non-HTML response ({ctype})"
    return None


def _truncated(record, payload: bytes) -> bool:
    """The record's block is shorter than its WARC Content-Length says."""
    try:
        expected = int(record.rec_headers.get_header("Content-Length") or 0)
    except ValueError:
        return False
    head = len(record.http_headers.to_bytes()) if record.http_headers is not None else 0
    return expected > 0 and len(payload) + head < expected - 64


def _next_record_start(fh: BinaryIO, after: int) -> int | None:
    """Where the next record may start after a corrupt one: a gzip member or a WARC header."""
    pos = after + 1
    fh.seek(pos)
    carry = b""
    while chunk := fh.read(_RESYNC_CHUNK):
        buf = carry + chunk
        hits = [i for i in (buf.find(b"\x1f\x8b\x08"), buf.find(b"WARC/1.")) if i >= 0]
        if hits:
            return pos - len(carry) + min(hits)
        carry = buf[-8:]
        pos += len(chunk)
    return None


def read_warc(path: str, max_bytes: int, stats: WarcStats) -> Iterator[WarcPage]:
    """The HTML pages of a WARC file, in file order."""
    with open_page(path) as fh:
        size = os.fstat(fh.fileno()).st_size
        base = 0
        while base is not None and base < size:
            fh.seek(base)
            end = base  # where the next record starts (the end of the last one read)
            try:
                it = ArchiveIterator(fh, no_record_parse=False, arc2warc=True)
                for record in it:
                    reason = _skip_reason(record)
                    payload = None
                    if not reason:
                        payload = record.content_stream().read(max_bytes + 1)
                    offset = base + it.get_record_offset()  # (reads the rest of the record)
                    end = offset + it.get_record_length()
                    if reason:
                        stats.skipped[reason] += 1
                        continue
                    url = record.rec_headers.get_header("WARC-Target-URI")
                    when = parse_warc_date(record.rec_headers.get_header("WARC-Date"))
                    ctype = record.http_headers.get_header("Content-Type")
                    if len(payload) > max_bytes:
                        yield WarcPage(
                            offset,
                            url,
                            when,
                            charset_from_content_type(ctype),
                            None,
                            f"page too large (over {max_bytes:,} bytes); record skipped",
                        )
                        continue
                    if _truncated(record, payload):
                        stats.problems.append(
                            (
                                offset,
                                "truncated record: its content ends before its "
                                "Content-Length (a truncated gzip member?)",
                            )
                        )
                        continue
                    if not ctype and not looks_like_html(payload[:8192]):
                        stats.skipped["response without a content type, not HTML"] += 1
                        continue
                    yield WarcPage(offset, url, when, charset_from_content_type(ctype), payload)
                base = None
            except (ArchiveLoadFailed, EOFError, OSError, ValueError, zlib.error) as e:
                reason = (
                    str(e).strip().splitlines()[0].split(", first line")[0]
                    if str(e).strip()
                    else type(e).__name__
                )
                stats.problems.append((end, f"corrupt or truncated record: {reason[:120]}"))
                base = _next_record_start(fh, end)
