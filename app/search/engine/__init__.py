"""The fence around Whoosh's private internals: the only code of the project that reads or
patches names Whoosh does not publish (docs/search-engine-internals.md lists each, with why).

- postings.py    each term's postings decoded once per searcher (W3 blocks read directly),
                 BM25F scores per posting with the weighting's own formula
- fast_index.py  the fast index() of paragraph-level fields, byte-identical to the analysers
- runs.py        the external-sort runs of an index build as marshal chunks
- verify.py      `archive check`: postings extents against the file, a sample decoded

Every fast path asks version.fast_paths() first: on a Whoosh other than TESTED_WHOOSH the
public, slower paths run instead (same results)."""

from app.search.engine.postings import Postings, TermPostings, read_term
from app.search.engine.version import TESTED_WHOOSH, fast_paths

__all__ = ["TESTED_WHOOSH", "Postings", "TermPostings", "fast_paths", "read_term"]
