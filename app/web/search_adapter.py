"""The web side of the search layer (app.search): opening the long-lived searcher and running
a query. Kept in one place so routes never touch the search engine directly."""
from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("app.web")


class SearchUnavailable(Exception):
    pass


class SearchQueryError(Exception):
    """The query cannot be understood: 400 with this message."""


def open_searcher(settings, factory) -> Any:
    try:
        import app.search  # noqa: F401
    except ImportError:
        return None
    return None
