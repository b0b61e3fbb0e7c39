"""The raw query string and path, checked before routing (app.web.security): hostile input is
refused with 400 (404 for a path) before any work, and the empty fields an HTML form sends are
dropped."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote_plus, unquote_to_bytes

from app.web.params import MAX_VALUES, ParamError

MAX_VALUE_CHARS = 300  # any parameter but q
MAX_QUERY_STRING = 16_384  # the whole raw query string, in bytes

# Parameters that take one value; repeating one is an error rather than a silent pick.
SINGLE = frozenset({"q", "page", "per_page", "sort", "from", "to", "month", "questions", "cursor"})
MULTI = frozenset({"speaker", "kind", "venue", "topic", "said", "year"})  # `year`: single on statement lists
# ... except on these pages: the month facet of a search (month=2021-11&month=2021-12) and the
# terms of a trends chart (q=sanctions&q=cooperation) are repeatable there.
SEARCH_PATHS = ("/search", "/api/search", "/concordance", "/api/concordance", "/trends", "/api/trends")
TRENDS_PATHS = ("/trends", "/trends.csv", "/api/trends")


def repeatable_here(path: str) -> frozenset[str]:
    """The SINGLE parameters that take several values on this path."""
    if path in TRENDS_PATHS:
        return frozenset({"q", "month"})
    if path.startswith(SEARCH_PATHS):
        return frozenset({"month"})
    return frozenset()


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def check_raw_query(raw: bytes, *, max_query_chars: int, path: str = "") -> None:
    """Refuse hostile query strings before routing: too long, invalid UTF-8, control
    characters (NUL included), repeated single-valued parameters, oversized values."""
    repeatable = repeatable_here(path)
    if len(raw) > MAX_QUERY_STRING:
        raise ParamError(f"query string too long ({len(raw):,} bytes; limit {MAX_QUERY_STRING:,})")
    try:
        pairs = parse_qsl(raw.decode("ascii"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeError:
        raise ParamError("the query string is not valid UTF-8") from None
    seen: set[str] = set()
    counts: dict[str, int] = {}
    for key, value in pairs:
        if _CONTROL.search(key) or _CONTROL.search(value):
            raise ParamError(f"parameter {_show(key)!r} contains control characters")
        limit = max_query_chars if key == "q" else MAX_VALUE_CHARS
        if len(value) > limit:
            raise ParamError(
                f"parameter {_show(key)!r} is too long ({len(value):,} characters; limit {limit:,})"
            )
        if key in SINGLE and key in seen and key not in repeatable:
            raise ParamError(f"parameter {key!r} given more than once")
        seen.add(key)
        counts[key] = counts.get(key, 0) + 1
        if (key in MULTI or key in repeatable) and counts[key] > MAX_VALUES:
            raise ParamError(f"too many values for {key!r} (limit {MAX_VALUES})")


def without_blank_values(raw: bytes) -> bytes | None:
    """The query string with its empty fields dropped (what an HTML form sends for every field
    left empty: `from=&to=&questions=`), or None when it has none. The other fields are kept
    byte for byte, in their order."""
    if not raw:
        return None
    parts = raw.split(b"&")
    kept = [
        p
        for p in parts
        if p and not (b"=" in p and not unquote_plus(p.partition(b"=")[2].decode("latin-1")).strip())
    ]
    return None if len(kept) == len(parts) else b"&".join(kept)


def check_path(raw_path: bytes) -> None:
    try:
        text = unquote_to_bytes(raw_path).decode("utf-8")
    except UnicodeError:
        raise ParamError("the URL path is not valid UTF-8", status=404) from None
    if _CONTROL.search(text):
        raise ParamError("the URL path contains control characters", status=404)


def _show(key: str) -> str:
    return _CONTROL.sub("?", key)[:40]
