"""HTML bytes -> text (pure): the declared charset (HTTP header, <meta charset>, <meta
http-equiv>), then detection.

A page that declares a legacy single-byte charset but whose bytes are valid UTF-8 with
non-ASCII characters is UTF-8 (a template's stale declaration: cp1251 text is practically
never valid UTF-8); each such decision is a warning.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from app.ingest.types import PageError

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_HTTP_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_NON_ASCII = re.compile(rb"[\x80-\xff]")


def charset_from_content_type(value: str | None) -> str | None:
    m = _HTTP_CHARSET.search(value or "")
    return m.group(1) if m else None


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None


def declared_charset(raw: bytes) -> str | None:
    """The charset a <meta> tag in the first 4 KB declares (as written)."""
    m = _META_CHARSET.search(raw[:4096])
    return m.group(1).decode("ascii", "replace") if m else None


def decode_html(raw: bytes, http_charset: str | None = None) -> tuple[str, str, list[str]]:
    """(text, encoding used, warnings)."""
    if not raw.strip():
        raise PageError("empty file")
    for bom, enc in _BOMS:
        if raw.startswith(bom):
            return (
                raw[len(bom) :].decode(enc, errors="replace"),
                enc.replace("-le", "").replace("-be", ""),
                [],
            )
    warnings: list[str] = []
    sources = (("the HTTP header", http_charset), ("a <meta> tag", declared_charset(raw)))
    declared = [(where, name, _codec(name)) for where, name in sources if name]
    for where, name, codec in declared:
        if codec is None:
            warnings.append(f"unknown charset {name!r} declared in {where}; ignored")
    known = [(where, codec) for where, _name, codec in declared if codec]
    utf8 = _valid_utf8(raw)
    if known:
        where, codec = known[0]
        if codec == "utf-8" or (utf8 and _NON_ASCII.search(raw)):
            if codec != "utf-8":
                warnings.append(
                    f"charset {codec} declared in {where}, but the bytes are UTF-8: read as UTF-8"
                )
            return raw.decode("utf-8", errors="replace"), "utf-8", warnings + _bad_utf8(raw)
        try:
            return raw.decode(codec), codec, warnings
        except UnicodeDecodeError as e:
            warnings.append(f"invalid {codec} byte at offset {e.start}: replaced")
            return raw.decode(codec, errors="replace"), codec, warnings
    if utf8:
        return raw.decode("utf-8"), "utf-8", warnings
    best = from_bytes(raw[:200_000]).best()
    if best is None or best.encoding is None:
        return raw.decode("utf-8", errors="replace"), "utf-8", warnings + _bad_utf8(raw)
    enc = _codec(best.encoding) or "utf-8"
    warnings.append(f"no charset declared and not UTF-8; decoded as {enc} (detected)")
    return raw.decode(enc, errors="replace"), enc, warnings


def _valid_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _bad_utf8(raw: bytes) -> list[str]:
    if _valid_utf8(raw):
        return []
    return ["invalid UTF-8 bytes replaced"]
