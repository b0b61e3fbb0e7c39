"""HTML page bytes -> the line form the statement parser reads, its parse, and provenance.

A thin adapter: the article (trafilatura) becomes lines (title; blank-line separated
paragraphs; a bold label that recurs becomes a "Label:" turn), the project's own parser
(app.ingest.parse) does the statement analysis, and the page's metadata fills what the
text does not say (publication date, original URL, publisher). The heading is chosen by
app.ingest.html_title, the blocks are made into lines by app.ingest.html_blocks.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date

from lxml import etree
from lxml import html as lhtml

from app.ingest.dates import dateline
from app.ingest.decode import decode_page
from app.ingest.html_article import Block, around_title, block_is_prose, chrome_counts, extract, title_element
from app.ingest.html_blocks import (
    SECTION_WORDS,
    TEASER_HINT,
    as_lines,
    body_text,
    byline_first,
    closing_lines,
    date_in,
    is_listing,
    label_bold_runs,
    pdf_links,
    teasers,
    understood,
)
from app.ingest.html_decode import decode_html
from app.ingest.html_meta import PageMeta, page_meta
from app.ingest.html_title import (
    above_kind,
    around_title_article,
    choose_title,
    drop_title_repeats,
    headings,
    norm,
    section_kind,
)
from app.ingest.parse import parse_page
from app.ingest.titles import kind_of_heading
from app.ingest.types import PageError, ParsedPage


@dataclass(frozen=True)
class HtmlRead:
    text: str  # the line form (what paragraph line numbers refer to)
    page: ParsedPage
    meta: PageMeta


def parse_tree(raw_text: str) -> lhtml.HtmlElement:
    try:
        tree = lhtml.document_fromstring(raw_text.encode("utf-8"), parser=lhtml.HTMLParser(encoding="utf-8"))
    except (etree.ParserError, ValueError) as e:
        raise PageError(f"not readable as HTML: {e}") from None
    if tree is None or not " ".join(tree.text_content().split()):
        raise PageError("HTML page with no text")
    return tree


@dataclass
class _Article:
    """The article as found on the page: its heading, its blocks, what surrounds the heading."""

    title: str
    blocks: list[Block]
    found: list[Block]  # the blocks before teasers and bylines were sorted out (listing test)
    above: list[str]  # lines just above the title heading
    below: list[str]  # lines just under it
    notes: list[str]


def read_html(raw: bytes, http_charset: str | None = None) -> HtmlRead:
    html_text, encoding, warnings = decode_html(raw, http_charset)
    tree = parse_tree(html_text)  # ours: metadata, the title's surroundings, teasers
    meta = page_meta(tree)
    art = _article(tree, meta)
    blocks, teaser_blocks = _with_teasers(tree, art)
    blocks = byline_first(label_bold_runs(_with_meta_lines(blocks, art.below)))
    blocks, closing_date, closing_venue = closing_lines(blocks)
    if closing_date:
        art.notes.append(
            f"closing line(s) taken as the date {closing_date}"
            + (f" and venue {closing_venue}" if closing_venue else "")
        )
    decoded = decode_page(as_lines(art.title, blocks + teaser_blocks).encode("utf-8"))
    page = _without_listing_main(parse_page(decoded.text), art)
    if page.main is not None:
        page = _main_hints(page, meta, art, closing_date, closing_venue)
    page = dataclasses.replace(
        page,
        encoding=encoding,
        warnings=tuple(warnings) + tuple(art.notes) + tuple(decoded.warnings) + page.warnings,
    )
    return HtmlRead(text=decoded.text, page=page, meta=meta)


def _article(tree: lhtml.HtmlElement, meta: PageMeta) -> _Article:
    """The extractor's article (trafilatura's, on a copy of the tree) and the heading over it;
    the container of the heading when the extractor chose some other part of the page."""
    counts = chrome_counts(tree)
    blocks = extract(tree)
    title = choose_title(meta, blocks, headings(tree))
    if not title and not blocks:
        raise PageError("no article found: the page has no title heading and no text")
    title = " ".join(title.split()) if title else ""
    blocks, had_title, repeats = drop_title_repeats(blocks, title)
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
        and (near := around_title_article(title_el, title))
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
        pdfs = pdf_links(tree)
        notes.append(f"no text body: the page only links {pdfs[0]}" if pdfs else "no text body on the page")
    return _Article(title, blocks, found, above, below, notes)


def _with_teasers(tree: lhtml.HtmlElement, art: _Article) -> tuple[list[Block], list[Block]]:
    """(the article's blocks less the teasers, the page's teasers as it prints them)."""
    blocks = art.blocks
    kept = {norm(line) for b in blocks for line in b.lines}
    found = teasers(tree, kept) if TEASER_HINT.search(body_text(tree)) else []
    if found:  # they replace whatever the extractor kept of them
        seen = {norm(line) for b in found for line in b.lines}
        blocks = [b for b in blocks if not all(norm(line) in seen for line in b.lines)]
    if not art.title and not found and not any(block_is_prose(b) for b in blocks):
        raise PageError(
            f"no article found: no title heading and no running text on the page "
            f"({len(blocks)} block(s) of page chrome)"
        )
    return blocks, found


def _with_meta_lines(blocks: list[Block], below: list[str]) -> list[Block]:
    """A byline or dateline under the heading that the extractor (partly) dropped, put back first."""
    kept_now = {norm(line) for b in blocks for line in b.lines}
    meta_lines = understood(below)
    if not meta_lines or all(norm(s) in kept_now for s in meta_lines):
        return blocks
    under = {norm(s) for s in meta_lines}
    return [Block("p", tuple(meta_lines))] + [b for b in blocks if not all(norm(x) in under for x in b.lines)]


def _without_listing_main(page: ParsedPage, art: _Article) -> ParsedPage:
    """A section heading over items ("Speeches"), or a listing page: no statement of its own."""
    main, title, found = page.main, art.title, art.found
    section = (
        bool(title)
        and len(title.split()) <= SECTION_WORDS
        and kind_of_heading(title) is not None
        and not any(block_is_prose(b) for b in found)
    )  # "Speeches" over items: the parser may pass it over
    if main is None or not (section or is_listing(page, found)):
        return page
    heading = title if section else main.title
    art.notes.append(
        f"listing page: {len(found)} item(s) under the heading {heading!r}, no statement of its own"
    )
    return dataclasses.replace(page, statements=tuple(s for s in page.statements if s.role != "main"))


def _main_hints(
    page: ParsedPage, meta: PageMeta, art: _Article, closing_date: date | None, closing_venue: str | None
) -> ParsedPage:
    """What the page says around the text fills what the main statement's text does not say:
    the date (the line under the heading, a closing line), venue, kind, publication date."""
    main = page.main
    date_hint = next((d for s in art.below if (d := date_in(s)) and not dateline(s)), None)
    date_hint = None if date_hint == main.published else date_hint
    published_hint = next((d for s in art.above if (d := date_in(s))), None) or meta.published
    changes = {}
    if main.date is None and (date_hint or closing_date):
        changes["date"] = date_hint or closing_date
        if date_hint:
            art.notes.append(f"date {date_hint} from the line under the title")
    if main.venue is None and closing_venue and changes.get("date", main.date) == closing_date:
        changes["venue"] = closing_venue
    if main.kind == "other" and (kind := above_kind(art.above) or section_kind(meta, main.title)):
        changes["kind"] = kind
    if main.published is None and published_hint:
        changes["published"] = published_hint
    if not changes:
        return page
    return dataclasses.replace(
        page,
        statements=tuple(dataclasses.replace(s, **changes) if s is main else s for s in page.statements),
    )
