"""The supported-version guard: the fast paths read Whoosh's private internals, which are only
known to match one whoosh3 release (TESTED_WHOOSH). On any other version every fast path
switches off and Whoosh's own (slower, correct) public paths are used instead; searches give
the same results either way (tests/search/test_search_engine.py). docs/search-engine-internals.md
says how to move to a new version."""

from __future__ import annotations

import whoosh

TESTED_WHOOSH = (3, 54, 0)  # the whoosh3 release whose internals engine/ was written against


def fast_paths() -> bool:
    """True when the installed Whoosh is the tested one (read at every use: cheap, and a test
    can simulate another version by changing whoosh.__version__)."""
    return tuple(getattr(whoosh, "__version__", ())) == TESTED_WHOOSH
