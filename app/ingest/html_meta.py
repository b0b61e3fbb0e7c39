"""A page's own metadata, read from its parsed HTML tree (pure): <title>, <h1>, canonical
link, og:*, article:published_time, citation_*, Dublin Core, JSON-LD, <time datetime>."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date

from lxml import html as lhtml

_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})")
_SLASH_DATE = re.compile(r"^\s*(\d{4})/(\d{1,2})/(\d{1,2})")
_ARTICLE_TYPES = {
    "article",
    "newsarticle",
    "report",
    "pressrelease",
    "speech",
    "blogposting",
    "webpage",
    "governmentservice",
    "creativework",
    "socialmediaposting",
}


@dataclass(frozen=True)
class PageMeta:
    title_tag: str | None = None
    h1: tuple[str, ...] = ()
    og_title: str | None = None
    url: str | None = None  # canonical link, else og:url
    url_source: str | None = None  # "canonical link" | "og:url" | "citation tag" | "JSON-LD"
    publisher: str | None = None
    published: date | None = None  # article:published_time, citation_*, DC, JSON-LD
    published_source: str | None = None
    author: str | None = None
    time_dates: tuple[date, ...] = ()  # <time datetime> values, in document order
    extra: dict[str, str] = field(default_factory=dict)


def text_of(el) -> str:
    return " ".join(el.text_content().split())


def iso_date(value: str | None) -> date | None:
    return _date_of(_ISO_DATE.match(value or ""))


def _slash_date(value: str | None) -> date | None:
    return _date_of(_SLASH_DATE.match(value or ""))


def _date_of(m: re.Match | None) -> date | None:
    """The date of a year, month, day match; None for no match or no such day."""
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _metas(tree: lhtml.HtmlElement) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in tree.iter("meta"):
        key = (m.get("property") or m.get("name") or m.get("itemprop") or "").strip().lower()
        value = " ".join((m.get("content") or "").split())
        if key and value and key not in out:
            out[key] = value
    return out


def _json_ld(tree: lhtml.HtmlElement) -> list[dict]:
    found: list[dict] = []

    def walk(obj) -> None:
        if isinstance(obj, list):
            for o in obj:
                walk(o)
        elif isinstance(obj, dict):
            types = obj.get("@type")
            types = [types] if isinstance(types, str) else types or []
            if any(str(t).lower() in _ARTICLE_TYPES for t in types):
                found.append(obj)
            if "@graph" in obj:
                walk(obj["@graph"])

    for s in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            walk(json.loads(s.text or ""))
        except (ValueError, RecursionError):
            continue
    return found


def _name(value) -> str | None:
    if isinstance(value, dict):
        value = value.get("name")
    elif isinstance(value, list) and value:
        return _name(value[0])
    return " ".join(value.split()) if isinstance(value, str) and value.strip() else None


_PUBLISHED_KEYS = (
    "article:published_time",
    "citation_publication_date",
    "citation_date",
    "citation_online_date",
    "dc.date.issued",
    "dc.date",
    "dcterms.issued",
    "datepublished",
)


def page_meta(tree: lhtml.HtmlElement) -> PageMeta:
    metas = _metas(tree)
    ld = _json_ld(tree)
    title_el = tree.find(".//title")
    url, url_source = _url(tree, metas, ld)
    published, published_source = _published(metas, ld)
    publisher = (
        metas.get("og:site_name")
        or metas.get("citation_publisher")
        or metas.get("dc.publisher")
        or next((_name(o.get("publisher")) for o in ld if _name(o.get("publisher"))), None)
    )
    author = (
        metas.get("citation_author")
        or metas.get("author")
        or metas.get("article:author")
        or next((_name(o.get("author")) for o in ld if _name(o.get("author"))), None)
    )
    times = tuple(d for t in tree.iter("time") if (d := iso_date(t.get("datetime"))))
    return PageMeta(
        title_tag=text_of(title_el) if title_el is not None else None,
        h1=tuple(t for h in tree.iter("h1") if (t := text_of(h))),
        og_title=metas.get("og:title")
        or metas.get("citation_title")
        or next((_name(o.get("headline")) for o in ld if _name(o.get("headline"))), None),
        url=url,
        url_source=url_source,
        publisher=publisher,
        published=published,
        published_source=published_source,
        author=author,
        time_dates=times,
    )


def _url(tree: lhtml.HtmlElement, metas: dict[str, str], ld: list[dict]) -> tuple[str | None, str | None]:
    """The page's own http(s) URL and where it was read: canonical link, og:url, citation tag, JSON-LD."""
    canonical = next(
        (
            link.get("href")
            for link in tree.iter("link")
            if "canonical" in (link.get("rel") or "").lower().split() and link.get("href")
        ),
        None,
    )
    for value, source in (
        (canonical, "canonical link"),
        (metas.get("og:url"), "og:url"),
        (metas.get("citation_public_url") or metas.get("citation_abstract_html_url"), "citation tag"),
        (next((o.get("url") for o in ld if isinstance(o.get("url"), str)), None), "JSON-LD"),
    ):
        if value and value.strip().lower().startswith(("http://", "https://")):
            return value.strip(), source
    return None, None


def _published(metas: dict[str, str], ld: list[dict]) -> tuple[date | None, str | None]:
    """The publication date the page's metadata gives, and where it was read."""
    for key in _PUBLISHED_KEYS:
        d = iso_date(metas.get(key)) or _slash_date(metas.get(key))
        if d:
            return d, f"meta {key}"
    d = next((iso_date(o.get("datePublished")) for o in ld if iso_date(o.get("datePublished"))), None)
    if d:
        return d, "JSON-LD datePublished"
    return None, None
