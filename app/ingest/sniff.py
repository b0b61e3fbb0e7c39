"""What a file holds, from its bytes first and its name second (pure).

`sniff(head, name)` -> "text" | "html" | "warc" | "gzip-html" | "gzip-warc" | a reason it is
unsupported. A page saved as `.txt` whose bytes are HTML is read as HTML; a `.html` file
that is plain text is read as text.
"""

from __future__ import annotations

import re
import zlib

TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml")
WARC_SUFFIXES = (".warc", ".arc")
KNOWN_SUFFIXES = (
    TEXT_SUFFIXES
    + HTML_SUFFIXES
    + WARC_SUFFIXES
    + tuple(s + ".gz" for s in TEXT_SUFFIXES + HTML_SUFFIXES + WARC_SUFFIXES)
)

_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title|\?xml[^>]*>\s*<(?:!doctype\s+html|html))",
    re.IGNORECASE | re.DOTALL,
)
_HTML_TAGS = re.compile(
    rb"<(?:p|div|br|h[1-6]|body|html|head|meta|title|table|span|a\s)[\s>/]", re.IGNORECASE
)
_MAGIC = (
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (or an office document)"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document"),
    (b"\x7fELF", "a program"),
)


def suffix_of(name: str) -> str:
    """'.html', '.warc.gz', '.txt' (lower case; the last two suffixes when the last is .gz)."""
    low = name.lower()
    dot = low.rfind(".")
    if dot < 0:
        return ""
    if low.endswith(".gz"):
        inner = low[:-3]
        d2 = inner.rfind(".")
        return inner[d2:] + ".gz" if d2 >= 0 and "/" not in inner[d2:] else ".gz"
    return low[dot:]


def listed(name: str) -> bool:
    """Whether a directory walk picks this file up (by name: the walk does not open files)."""
    return suffix_of(name) in KNOWN_SUFFIXES


def looks_like_html(head: bytes) -> bool:
    if _HTML_START.match(head[:4096]):
        return True
    return len(_HTML_TAGS.findall(head[:8192])) >= 3


def gunzip_head(raw: bytes, size: int = 8192) -> bytes:
    """The first bytes of a gzip stream (b'' when it is not one or is broken at once)."""
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(raw[:65536], size)
    except zlib.error:
        return b""


def sniff(head: bytes, name: str) -> str:
    """The reader for a file whose first bytes are `head` (at least 8 KB when the file has them)."""
    suffix = suffix_of(name)
    if head.startswith(b"\x1f\x8b"):
        inner = gunzip_head(head)
        if inner.startswith((b"WARC/", b"filedesc://")):
            return "gzip-warc"
        if looks_like_html(inner):
            return "gzip-html"
        if suffix in (".txt.gz",):
            return "gzip-text"
        return "unsupported: gzip file holding neither HTML nor WARC records"
    if head.startswith(b"WARC/"):
        return "warc"
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return f"unsupported: {what}, not a page"
    if looks_like_html(head):
        return "html"
    if suffix in TEXT_SUFFIXES or suffix in HTML_SUFFIXES:
        return "text"  # an .html file with no markup at all is a text page
    return f"unsupported file type {suffix or '(no suffix)'!r}: not a text page, HTML page or WARC file"


def gunzip(raw: bytes, max_bytes: int) -> tuple[bytes, str | None]:
    """A gzipped page, decompressed to at most `max_bytes`; a warning when it was truncated."""
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = d.decompress(raw, max_bytes + 1)
    except zlib.error as e:
        raise ValueError(f"corrupt gzip data: {e}") from None
    if len(out) > max_bytes:
        raise OverflowError(f"page too large once decompressed (over {max_bytes:,} bytes)")
    if not d.eof:
        return out, "truncated gzip file: read what could be decompressed"
    return out, None
