"""HTML page bytes -> the line form the statement parser reads, its parse, and provenance.

A thin adapter: the article (trafilatura) becomes lines (title; blank-line separated
paragraphs; a bold label that recurs becomes a "Label:" turn), the project's own parser
(app.ingest.parse) does the statement analysis, and the page's metadata fills what the
text does not say (publication date, original URL, publisher).
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

from lxml import etree
from lxml import html as lhtml

from app.ingest.byline import read_byline, read_lead, read_name_line
from app.ingest.chrome import line_chrome
from app.ingest.dates import date_only, dateline, find_dates, parse_full_date
from app.ingest.decode import decode_page
from app.ingest.html_article import (
    Block,
    around_title,
    block_is_prose,
    chrome_counts,
    element_lines,
    extract,
    is_prose,
    title_element,
)
from app.ingest.html_decode import decode_html
from app.ingest.html_meta import PageMeta, page_meta, text_of
from app.ingest.paragraphs import same_person
from app.ingest.parse import TEASER_RE, parse_page
from app.ingest.titles import date_and_venue, kind_of_heading, place_name
from app.ingest.types import PageError, ParsedPage

_TEASER_HINT = re.compile(r"\d{1,2}\.\d{1,2}\.\d{4}\s*[-–—]")  # in the page's text
_LABELLED = re.compile(r"^[^:]{1,40}:\s*(.+)$")
_SECTION_WORDS = 5


@dataclass(frozen=True)
class HtmlRead:
    text: str  # the line form (what paragraph line numbers refer to)
    page: ParsedPage
    meta: PageMeta


def _norm(s: str) -> str:
    return " ".join(s.split()).casefold()


def parse_tree(raw_text: str) -> lhtml.HtmlElement:
    try:
        tree = lhtml.document_fromstring(raw_text.encode("utf-8"), parser=lhtml.HTMLParser(encoding="utf-8"))
    except (etree.ParserError, ValueError) as e:
        raise PageError(f"not readable as HTML: {e}") from None
    if tree is None or not " ".join(tree.text_content().split()):
        raise PageError("HTML page with no text")
    return tree


def _headings(tree: lhtml.HtmlElement) -> set[str]:
    """Texts of the page's h1-h4 headings (normalised)."""
    return {_norm(text_of(h)) for tag in ("h1", "h2", "h3", "h4") for h in tree.iter(tag)}


def _choose_title(meta: PageMeta, blocks: list[Block], printed: set[str]) -> str | None:
    """The statement heading: the <h1> the metadata agree with, else the only <h1>, else the
    extractor's title (from og:title / <title>)."""
    named = {_norm(t) for t in (meta.og_title, meta.title_tag) if t}
    for h in meta.h1:
        if _norm(h) in named or any(_norm(h) in n for n in named):
            return h
    heads = [b.text for b in blocks if b.kind == "head"]
    for h in meta.h1:
        if any(_norm(h) == _norm(x) for x in heads):
            return h
    if len(meta.h1) == 1:
        return meta.h1[0]
    if heads:
        return heads[0]
    for candidate in (meta.og_title, _title_tag_head(meta.title_tag)):
        if candidate and _norm(candidate) in printed:  # the page's title, printed as a heading
            return candidate
    parts = re.split(r"\s+[-|–—·•»]\s+", meta.title_tag or "")
    section = next((p for p in parts if kind_of_heading(p) and _norm(p) in printed), None)
    if section:  # "Speeches | Prime Minister's Office" over a heading "Speeches": a section's page
        return section
    return None  # no heading: the parser finds the title among the lines, as on a text page


def _title_tag_head(title: str | None) -> str | None:
    """'Statement on X - Ministry' -> 'Statement on X' (the longest part of a <title>)."""
    if not title:
        return None
    parts = re.split(r"\s+[-|–—·•»]\s+", title)
    return max(parts, key=len) if parts else title


def _drop_title_repeats(blocks: list[Block], title: str) -> tuple[list[Block], bool, int]:
    """Blocks without the title printed again (whole, or split over consecutive blocks).
    Also says whether the extracted article held the title at all."""
    want = re.sub(r"\W+", "", title.casefold())
    keys = [re.sub(r"\W+", "", b.text.casefold()) for b in blocks]
    out: list[Block] = []
    found = dropped = 0
    i = 0
    while i < len(blocks):
        acc, j = "", i
        while j < len(blocks) and len(acc) < len(want):
            acc += keys[j]
            j += 1
            if acc == want:
                break
        if acc == want and want:
            found += 1
            dropped += j - i
            i = j
            continue
        out.append(blocks[i])
        i += 1
    return out, bool(found), dropped


def _label_bold_runs(blocks: list[Block]) -> list[Block]:
    """A short bold paragraph that recurs ("THE PRESIDENT") labels the paragraph after it."""
    counts = Counter(_norm(b.text) for b in blocks if b.bold and len(b.text.split()) <= 6)
    out = []
    for b in blocks:
        t = b.text
        if b.bold and counts[_norm(t)] >= 2 and not t.endswith(":") and not is_prose(t):
            b = Block(b.kind, (t + ":",), True)
        out.append(b)
    return out


def _date_in(line: str) -> date | None:
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


def _byline_first(blocks: list[Block]) -> list[Block]:
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


def _closing_lines(blocks: list[Block]) -> tuple[list[Block], date | None, str | None]:
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


def _understood(below: list[str]) -> list[str]:
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


def _above_kind(above: list[str]) -> str | None:
    """The kind a section heading just above the title names ("ARTICLES", "Press releases")."""
    return next((k for s in above if len(s.split()) <= 4 and (k := kind_of_heading(s))), None)


def _section_kind(meta: PageMeta, title: str) -> str | None:
    """The kind a page's section names in its <title> ("… - Press Releases - Portal")."""
    parts = [p for p in re.split(r"\s+[-|–—·»]\s+", meta.title_tag or "") if _norm(p) != _norm(title)]
    kinds = {k for p in parts if (k := kind_of_heading(p))}
    return kinds.pop() if len(kinds) == 1 else None


def _teasers(tree: lhtml.HtmlElement, kept: set[str]) -> list[Block]:
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
            if TEASER_RE.match(lead) or _norm(lead) not in kept:
                break
            out.append(Block("p", (lead,)))
    return out


def _body_text(tree: lhtml.HtmlElement) -> str:
    """The text of the page's body, markup left out ("01.02.2021" and "- Title" in
    separate elements meet)."""
    body = tree.find("body")
    return etree.tostring(body, method="text", encoding="unicode") if body is not None else ""


def _lines(title: str, blocks: list[Block]) -> str:
    out = [title, ""] if title else []
    for b in blocks:
        out.extend(b.lines)
        out.append("")
    return "\n".join(out)


def _is_listing(page: ParsedPage, blocks: list[Block]) -> bool:
    """A section heading ("Press Releases") over items that are not prose: a listing page."""
    main = page.main
    if main is None:
        return False
    if (
        len(main.title.split()) > _SECTION_WORDS
        or main.date
        or any(s.kind == "person" for s in main.speakers)
    ):
        return False
    prose = sum(1 for b in blocks if b.kind in ("p", "quote") and block_is_prose(b))
    return prose == 0 and len(blocks) >= 2


def _around_title_article(title_el, title: str) -> list[Block]:
    """When the extractor chose some other part of the page (a sidebar), the article is the
    nearest container of the title heading that holds running text: extracted on its own."""
    el = title_el
    for _ in range(4):
        el = el.getparent()
        if el is None or el.tag == "body":
            return []
        if any(is_prose(text_of(p)) for p in el.iter("p")):
            blocks = extract(lhtml.document_fromstring(etree.tostring(el, encoding="unicode")))
            blocks, _had, _n = _drop_title_repeats(blocks, title)
            return blocks if any(block_is_prose(b) for b in blocks) else []
    return []


def _pdf_links(tree: lhtml.HtmlElement) -> list[str]:
    return [
        a.get("href") for a in tree.iter("a") if (a.get("href") or "").lower().split("?")[0].endswith(".pdf")
    ]


def read_html(raw: bytes, http_charset: str | None = None) -> HtmlRead:
    html_text, encoding, warnings = decode_html(raw, http_charset)
    tree = parse_tree(html_text)  # ours: metadata, the title's surroundings, teasers
    meta = page_meta(tree)
    counts = chrome_counts(tree)
    blocks = extract(tree)  # trafilatura's (on a copy of the tree)
    title = _choose_title(meta, blocks, _headings(tree))
    if not title and not blocks:
        raise PageError("no article found: the page has no title heading and no text")
    title = " ".join(title.split()) if title else ""
    blocks, had_title, repeats = _drop_title_repeats(blocks, title)
    title_el = title_element(tree, title) if blocks or not had_title else None
    above, below = around_title(title_el) if title_el is not None else ([], [])
    notes: list[str] = []
    if counts:
        notes.append(
            "dropped page chrome: "
            + ", ".join(f"{n} {what}{'s' if n > 1 else ''}" for what, n in counts.items())
        )
    if repeats:
        notes.append(f"dropped the title printed again in the article ({repeats} block(s))")
    found = blocks
    if (
        title
        and not had_title
        and not any(block_is_prose(b) for b in blocks)
        and title_el is not None
        and (near := _around_title_article(title_el, title))
    ):
        notes.append(
            f"article read from the container of the title heading ({len(blocks)} block(s) the "
            "extractor chose instead ignored)"
        )
        blocks = found = near
    if title and not had_title and not any(block_is_prose(b) for b in blocks):
        if blocks:
            notes.append(f"no article text found: {len(blocks)} block(s) of page chrome ignored")
        blocks = []
    if not blocks:
        pdfs = _pdf_links(tree)
        notes.append(f"no text body: the page only links {pdfs[0]}" if pdfs else "no text body on the page")
    kept = {_norm(line) for b in blocks for line in b.lines}
    teasers = _teasers(tree, kept) if _TEASER_HINT.search(_body_text(tree)) else []
    if teasers:  # they replace whatever the extractor kept of them
        seen = {_norm(line) for b in teasers for line in b.lines}
        blocks = [b for b in blocks if not all(_norm(line) in seen for line in b.lines)]
    if not title and not teasers and not any(block_is_prose(b) for b in blocks):
        raise PageError(
            f"no article found: no title heading and no running text on the page "
            f"({len(blocks)} block(s) of page chrome)"
        )
    kept_now = {_norm(line) for b in blocks for line in b.lines}
    meta_lines = _understood(below)
    if meta_lines and not all(_norm(s) in kept_now for s in meta_lines):  # a byline or dateline the
        under = {_norm(s) for s in meta_lines}  # extractor (partly) dropped
        blocks = [Block("p", tuple(meta_lines))] + [
            b for b in blocks if not all(_norm(x) in under for x in b.lines)
        ]
    blocks = _byline_first(_label_bold_runs(blocks))
    blocks, closing_date, closing_venue = _closing_lines(blocks)
    if closing_date:
        notes.append(
            f"closing line(s) taken as the date {closing_date}"
            + (f" and venue {closing_venue}" if closing_venue else "")
        )
    text = _lines(title, blocks + teasers)
    decoded = decode_page(text.encode("utf-8"))
    page = parse_page(decoded.text)
    main = page.main
    section = (
        bool(title)
        and len(title.split()) <= _SECTION_WORDS
        and kind_of_heading(title) is not None
        and not any(block_is_prose(b) for b in found)
    )  # "Speeches" over items: the parser may pass it over
    if main is not None and (section or _is_listing(page, found)):
        heading = title if section else main.title
        notes.append(
            f"listing page: {len(found)} item(s) under the heading {heading!r}, no statement of its own"
        )
        page = dataclasses.replace(page, statements=tuple(s for s in page.statements if s.role != "main"))
        main = None
    if main is not None:
        date_hint = next((d for s in below if (d := _date_in(s)) and not dateline(s)), None)
        date_hint = None if date_hint == main.published else date_hint
        published_hint = next((d for s in above if (d := _date_in(s))), None) or meta.published
        changes = {}
        if main.date is None and (date_hint or closing_date):
            changes["date"] = date_hint or closing_date
            if date_hint:
                notes.append(f"date {date_hint} from the line under the title")
        if main.venue is None and closing_venue and changes.get("date", main.date) == closing_date:
            changes["venue"] = closing_venue
        if main.kind == "other" and (kind := _above_kind(above) or _section_kind(meta, main.title)):
            changes["kind"] = kind
        if main.published is None and published_hint:
            changes["published"] = published_hint
        if changes:
            page = dataclasses.replace(
                page,
                statements=tuple(
                    dataclasses.replace(s, **changes) if s is main else s for s in page.statements
                ),
            )
    page = dataclasses.replace(
        page,
        encoding=encoding,
        warnings=tuple(warnings) + tuple(notes) + tuple(decoded.warnings) + page.warnings,
    )
    return HtmlRead(text=decoded.text, page=page, meta=meta)
