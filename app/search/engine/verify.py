"""`archive check`'s reading of a segment's terms and postings (app.search.index.verify_index_files):
W3's term dictionary and postings file are private (docs/search-engine-internals.md)."""

from __future__ import annotations

import os

from app.search.engine.postings import read_term


def verify_terms(seg, *, full: bool, sample: int) -> None:
    """Every term's postings extent checked against the postings file's size; the postings
    of an even sample of `sample` terms (every term when `full`) decoded as a search does."""
    terms = getattr(seg, "_terms", None)  # W3TermsReader: the dictionary and the postings file
    if terms is None or not hasattr(terms, "_postfile"):  # an empty index, another codec: all decoded
        for fieldname, btext in seg.all_terms():
            _decode_term(seg, fieldname, btext)
        return
    postings_size = os.fstat(terms._postfile.fileno()).st_size
    kept: list[tuple[str, bytes]] = []
    stride = 1
    for i, ((fieldname, btext), info) in enumerate(terms.items()):
        if not info.is_inlined():
            start, length = info.extent()
            length = length[0] if isinstance(length, tuple) else length
            if start < 0 or length <= 0 or start + length > postings_size:
                raise ValueError(
                    f"postings of {fieldname}:{btext[:40]!r} lie beyond the postings file "
                    f"({start}+{length} > {postings_size} bytes)"
                )
        if full:
            _decode_term(seg, fieldname, btext)
        elif i % stride == 0:
            kept.append((fieldname, btext))
            if len(kept) >= 2 * sample:  # keep every other one: still even over all terms
                kept, stride = kept[::2], stride * 2
    for fieldname, btext in kept:
        _decode_term(seg, fieldname, btext)


def _decode_term(seg, fieldname: str, btext: bytes) -> None:
    if read_term(seg, fieldname, btext) is None:
        raise ValueError(f"term {fieldname}:{btext[:40]!r} has no postings")
