"""The one URL builder for permalinks. Every statement and paragraph link comes from here."""
from __future__ import annotations

from urllib.parse import quote


def statement_path(key: str) -> str:
    return f"/statements/{quote(key, safe='')}"


def paragraph_path(key: str) -> str:
    return f"/p/{quote(key, safe='')}"


def paragraph_anchor(n: int) -> str:
    return f"p{n}"


PARAGRAPHS_PER_PAGE = 500  # a statement page shows at most this many paragraphs (app.browse)


def paragraph_page(n: int) -> int:
    """The page of its statement that shows paragraph n (paragraphs are numbered 1..count)."""
    return (max(1, int(n)) - 1) // PARAGRAPHS_PER_PAGE + 1


def statement_page_path(key: str, page: int) -> str:
    return statement_path(key) + (f"?page={int(page)}" if page > 1 else "")


def statement_diff_path(key: str, old: int | str, new: int | str) -> str:
    """The word-level diff of two versions of a statement (numbers or version ids)."""
    return f"{statement_path(key)}/diff?from={quote(str(old), safe='')}&to={quote(str(new), safe='')}"
