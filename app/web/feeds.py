"""Atom feeds (feedgen): latest statements (optionally filtered, e.g. by speaker) and saved
searches. feedgen escapes every text field; summaries are plain text.

Dates are never invented: an entry's date is the statement's date, else its publication
date, else the day the archive ingested it; which one it is, is said in the summary
("Undated statement; published …" / "… added to the archive …") and only a statement or
publication date is given as <published>."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from feedgen.feed import FeedGenerator

from app.bidi import close_bidi
from app.web.templating import SITE_NAME

DATE_SOURCES = ("statement", "published", "ingested")


@dataclass(frozen=True)
class FeedEntry:
    id: str  # absolute permalink
    title: str
    link: str
    date: dt.date | None
    summary: str
    authors: list[str]
    categories: list[str]
    date_source: str = "statement"  # what `date` is: one of DATE_SOURCES


def entry_date(
    date: dt.date | None, published: dt.date | None, ingested: dt.date | None
) -> tuple[dt.date | None, str]:
    """The date an entry carries and where it comes from (see the module's docstring)."""
    if date:
        return date, "statement"
    if published:
        return published, "published"
    return ingested, "ingested"


def feed_entry(
    link: str, title: str, date: dt.date | None, published: dt.date | None, ingested: dt.date | None, **fields
) -> FeedEntry:
    """The entry of a statement at `link` (its id too), dated by entry_date."""
    when, source = entry_date(date, published, ingested)
    return FeedEntry(id=link, title=title, link=link, date=when, date_source=source, **fields)


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(text: str) -> str:
    """Drop the characters XML 1.0 cannot carry, close unterminated bidi controls (ingested
    text is untrusted)."""
    return close_bidi(_NOT_XML.sub("", text))


def _when(d: dt.date) -> dt.datetime:
    return dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC)


def _date_note(e: FeedEntry) -> str:
    if e.date is None:
        return "Undated statement."
    if e.date_source == "published":
        return f"Undated statement; published {e.date.isoformat()}."
    if e.date_source == "ingested":
        return f"Undated statement; added to the archive {e.date.isoformat()}."
    return ""


def atom(
    *,
    feed_id: str,
    title: str,
    self_url: str,
    html_url: str,
    entries: Iterable[FeedEntry],
    subtitle: str | None = None,
    now: dt.datetime | None = None,
) -> bytes:
    fg = FeedGenerator()
    fg.id(feed_id)
    fg.title(xml_safe(title))
    fg.subtitle(subtitle or f"{SITE_NAME}: {title}")
    fg.link(href=self_url, rel="self", type="application/atom+xml")
    fg.link(href=html_url, rel="alternate", type="text/html")
    fg.author({"name": SITE_NAME})
    fg.language("en")
    entries = list(entries)
    now = now or dt.datetime.now(dt.UTC).replace(microsecond=0)
    newest = max((e.date for e in entries if e.date), default=None)
    fg.updated(_when(newest) if newest else now)  # an empty feed: as of now
    for e in reversed(entries):  # feedgen prepends: keep the given order in the output
        fe = fg.add_entry()
        fe.id(e.id)
        fe.title(xml_safe(e.title))
        fe.link(href=e.link, rel="alternate", type="text/html")
        fe.updated(_when(e.date) if e.date else now)  # Atom requires it; no date known at all: now
        if e.date and e.date_source in ("statement", "published"):
            fe.published(_when(e.date))
        summary = " ".join(part for part in (_date_note(e), xml_safe(e.summary)) if part)
        if summary:
            fe.summary(summary)
        for name in e.authors:
            fe.author({"name": xml_safe(name)})
        for c in e.categories:
            fe.category(term=xml_safe(c))
    return fg.atom_str(pretty=True)
