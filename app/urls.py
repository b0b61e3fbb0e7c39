"""The one URL builder for permalinks. Every statement and paragraph link comes from here."""
from __future__ import annotations

from urllib.parse import quote


def statement_path(key: str) -> str:
    return f"/statements/{quote(key, safe='')}"


def paragraph_path(key: str) -> str:
    return f"/p/{quote(key, safe='')}"


def paragraph_anchor(n: int) -> str:
    return f"p{n}"
