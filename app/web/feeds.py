"""Atom feeds (feedgen): latest statements (optionally filtered, e.g. by speaker) and saved
searches. feedgen escapes every text field; summaries are plain text."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from feedgen.feed import FeedGenerator

from app.web.templating import SITE_NAME


@dataclass(frozen=True)
class FeedEntry:
    id: str            # absolute permalink
    title: str
    link: str
    date: dt.date | None
    summary: str
    authors: list[str]
    categories: list[str]


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(text: str) -> str:
    """Drop the characters XML 1.0 cannot carry, close unterminated bidi controls (ingested
    text is untrusted)."""
    from app.bidi import close_bidi

    return close_bidi(_NOT_XML.sub("", text))


def _when(d: dt.date | None) -> dt.datetime:
    d = d or dt.date(1970, 1, 1)
    return dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC)


def atom(*, feed_id: str, title: str, self_url: str, html_url: str, entries: Iterable[FeedEntry],
         subtitle: str | None = None) -> bytes:
    fg = FeedGenerator()
    fg.id(feed_id)
    fg.title(xml_safe(title))
    fg.subtitle(subtitle or f"{SITE_NAME}: {title}")
    fg.link(href=self_url, rel="self", type="application/atom+xml")
    fg.link(href=html_url, rel="alternate", type="text/html")
    fg.author({"name": SITE_NAME})
    fg.language("en")
    entries = list(entries)
    newest = max((e.date for e in entries if e.date), default=None)
    fg.updated(_when(newest))
    for e in reversed(entries):  # feedgen prepends: keep the given order in the output
        fe = fg.add_entry()
        fe.id(e.id)
        fe.title(xml_safe(e.title))
        fe.link(href=e.link, rel="alternate", type="text/html")
        fe.updated(_when(e.date))
        fe.published(_when(e.date))
        if e.summary:
            fe.summary(xml_safe(e.summary))
        for name in e.authors:
            fe.author({"name": xml_safe(name)})
        for c in e.categories:
            fe.category(term=xml_safe(c))
    return fg.atom_str(pretty=True)
