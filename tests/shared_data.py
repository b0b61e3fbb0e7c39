"""The team's reference pages in ../shared (real pages with truth files). They are never copied
into the project: a user's clone has no ../shared, and the tests that read it skip there.
ARCHIVE_SHARED_DIR points elsewhere."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("ARCHIVE_SHARED_DIR", ROOT.parent / "shared"))
SHARED_CORPUS = SHARED / "corpus"

needs_shared_corpus = pytest.mark.skipif(
    not SHARED_CORPUS.is_dir(), reason="../shared/corpus is not here (a user's clone)"
)


def shared_corpus_pages(names: list[str] | None = None) -> list[Path]:
    """The reference corpus's pages (those named, else all), or [] without ../shared."""
    if not SHARED_CORPUS.is_dir():
        return []
    if names is None:
        return sorted(SHARED_CORPUS.glob("*.txt"))
    return [SHARED_CORPUS / f"{n}.txt" for n in names]
