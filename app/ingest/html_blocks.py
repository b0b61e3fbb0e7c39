"""The article's blocks of an HTML page made into what the statement parser reads: recurring bold
labels as turns, a byline moved under the title, closing place and date lines, the lines under
the title the parser understands, the page's teasers, and the line form itself."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

from lxml import etree
from lxml import html as lhtml

from app.ingest.byline import read_byline, read_lead, read_name_line
from app.ingest.chrome import line_chrome
from app.ingest.dates import date_only, dateline, find_dates, parse_full_date
from app.ingest.html_article import Block, block_is_prose, element_lines, is_prose
from app.ingest.html_title import norm
from app.ingest.paragraphs import same_person
from app.ingest.parse import TEASER_RE
from app.ingest.titles import date_and_venue, place_name
from app.ingest.types import ParsedPage

TEASER_HINT = re.compile(r"\d{1,2}\.\d{1,2}\.\d{4}\s*[-–—]")  # in the page's text
_LABELLED = re.compile(r"^[^:]{1,40}:\s*(.+)$")
SECTION_WORDS = 5


def label_bold_runs(blocks: list[Block]) -> list[Block]:
    """A short bold paragraph that recurs ("THE PRESIDENT") labels the paragraph after it."""
    counts = Counter(norm(b.text) for b in blocks if b.bold and len(b.text.split()) <= 6)
    out = []
    for b in blocks:
        t = b.text
        if b.bold and counts[norm(t)] >= 2 and not t.endswith(":") and not is_prose(t):
            b = Block(b.kind, (t + ":",), True)
        out.append(b)
    return out


def date_in(line: str) -> date | None:
    """'December 23, 2016', 'Date Signature: Wednesday, 25. November 2020', '26.01.2018'."""
    for s in (line, m.group(1) if (m := _LABELLED.match(line)) else None):
        if not s:
            continue
        d = (
            date_only(s)
            or dateline(s)
            or (
                parse_full_date(s)
                if len(s) <= 40 and any(c.isdigit() for c in s) and len(re.findall(r"\d{4}", s)) == 1
                else None
            )
        )
        if d:
            return d
    hits = find_dates(line)
    return hits[0][2] if len(hits) == 1 and len(line) <= 60 else None


def byline_first(blocks: list[Block]) -> list[Block]:
    """A run of short bold lines among the first blocks that reads as a byline ("Remarks of
    …" / place / date) is moved right under the title, where the parser reads bylines."""
    for i in range(min(len(blocks), 4)):
        j = i
        lines: list[str] = []
        while j < len(blocks) and blocks[j].bold and len(lines) < 6:
            lines.extend(blocks[j].lines)
            j += 1
        if i == 0 or j == i or blocks[i - 1].bold or j >= len(blocks):
            continue
        if (b := read_byline(lines)) is not None and b.name:  # one block: the parser reads a byline as one
            return [Block("p", tuple(lines), True)] + blocks[:i] + blocks[j:]
    return blocks


def closing_lines(blocks: list[Block]) -> tuple[list[Block], date | None, str | None]:
    """A statement's closing place and date lines ("December 6, 2021, Minsk"; "PUTRAJAYA" /
    "25 JANUARY 2022"): taken off the body as the statement's date and venue."""
    when = venue = None
    k = len(blocks)
    while k > 0 and len(blocks) - k < 3 and len(blocks[k - 1].lines) <= 2:
        text = blocks[k - 1].text
        if len(text) > 60:
            break
        d, place, start = date_and_venue(text.title() if text.isupper() else text)
        head = text[:start].strip(" ,")
        if d and not head and when is None:
            when, venue = d, place or venue
        elif not d and place_name(text) and venue is None and when is not None:
            venue = text
        else:
            break
        k -= 1
    if when is None or k == 0:
        return blocks, None, None
    return blocks[:k], when, venue


def understood(below: list[str]) -> list[str]:
    """The lines under the title that the parser reads as a byline or datelines, else []
    (a photo caption or other line chrome among them is left out)."""
    below = [s for s in below if not line_chrome(s)]
    if (
        len(below) >= 2
        and (lead := read_lead(below[0]))
        and (nl := read_name_line(below[1]))
        and same_person(nl.name or "", lead.name or "")
    ):
        return below[:2]  # a summary naming the speaker, then the speaker's name (gov.uk and the like)
    for n in range(len(below), 0, -1):
        lines = below[:n]
        if (b := read_byline(lines)) is not None and b.name:
            return lines
    lines = []
    for s in below:
        d, _venue, start = date_and_venue(s)
        head = s[:start].strip(" ,(")
        if not (dateline(s) or (d and (not head or place_name(head)))):
            break
        lines.append(s)
    return lines


def teasers(tree: lhtml.HtmlElement, kept: set[str]) -> list[Block]:
    """Teasers ("DD.MM.YYYY - Title" and its lead) as the page prints them: the extractor
    takes their linked titles for chrome and keeps only some. A lead is the lines after a
    teaser that the extractor kept (so not the sidebar or footer), up to the next teaser."""
    body = tree.find("body")
    lines = element_lines(body) if body is not None else []
    out: list[Block] = []
    for i, s in enumerate(lines):
        if not TEASER_RE.match(s):
            continue
        out.append(Block("p", (s,)))
        for lead in lines[i + 1 :]:
            if TEASER_RE.match(lead) or norm(lead) not in kept:
                break
            out.append(Block("p", (lead,)))
    return out


def body_text(tree: lhtml.HtmlElement) -> str:
    """The text of the page's body, markup left out ("01.02.2021" and "- Title" in
    separate elements meet)."""
    body = tree.find("body")
    return etree.tostring(body, method="text", encoding="unicode") if body is not None else ""


def as_lines(title: str, blocks: list[Block]) -> str:
    out = [title, ""] if title else []
    for b in blocks:
        out.extend(b.lines)
        out.append("")
    return "\n".join(out)


def is_listing(page: ParsedPage, blocks: list[Block]) -> bool:
    """A section heading ("Press Releases") over items that are not prose: a listing page."""
    main = page.main
    if main is None:
        return False
    if len(main.title.split()) > SECTION_WORDS or main.date or any(s.kind == "person" for s in main.speakers):
        return False
    prose = sum(1 for b in blocks if b.kind in ("p", "quote") and block_is_prose(b))
    return prose == 0 and len(blocks) >= 2


def pdf_links(tree: lhtml.HtmlElement) -> list[str]:
    return [
        a.get("href") for a in tree.iter("a") if (a.get("href") or "").lower().split("?")[0].endswith(".pdf")
    ]
