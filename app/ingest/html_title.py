"""The statement heading of an HTML page: chosen among its <h1>s, the extractor's headings and
its metadata; the title printed again in the article dropped; the kind a section heading or
the <title> names; the article found around the title when the extractor chose elsewhere."""

from __future__ import annotations

import re

from lxml import etree
from lxml import html as lhtml

from app.ingest.html_article import Block, block_is_prose, extract, is_prose
from app.ingest.html_meta import PageMeta, text_of
from app.ingest.titles import kind_of_heading


def norm(s: str) -> str:
    return " ".join(s.split()).casefold()


def headings(tree: lhtml.HtmlElement) -> set[str]:
    """Texts of the page's h1-h4 headings (normalised)."""
    return {norm(text_of(h)) for tag in ("h1", "h2", "h3", "h4") for h in tree.iter(tag)}


def choose_title(meta: PageMeta, blocks: list[Block], printed: set[str]) -> str | None:
    """The statement heading: the <h1> the metadata agree with, else the only <h1>, else the
    extractor's title (from og:title / <title>)."""
    named = {norm(t) for t in (meta.og_title, meta.title_tag) if t}
    for h in meta.h1:
        if norm(h) in named or any(norm(h) in n for n in named):
            return h
    heads = [b.text for b in blocks if b.kind == "head"]
    for h in meta.h1:
        if any(norm(h) == norm(x) for x in heads):
            return h
    if len(meta.h1) == 1:
        return meta.h1[0]
    if heads:
        return heads[0]
    for candidate in (meta.og_title, _title_tag_head(meta.title_tag)):
        if candidate and norm(candidate) in printed:  # the page's title, printed as a heading
            return candidate
    parts = re.split(r"\s+[-|–—·•»]\s+", meta.title_tag or "")
    section = next((p for p in parts if kind_of_heading(p) and norm(p) in printed), None)
    if section:  # "Speeches | Prime Minister's Office" over a heading "Speeches": a section's page
        return section
    return None  # no heading: the parser finds the title among the lines, as on a text page


def _title_tag_head(title: str | None) -> str | None:
    """'Statement on X - Ministry' -> 'Statement on X' (the longest part of a <title>)."""
    if not title:
        return None
    parts = re.split(r"\s+[-|–—·•»]\s+", title)
    return max(parts, key=len) if parts else title


def drop_title_repeats(blocks: list[Block], title: str) -> tuple[list[Block], bool, int]:
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


def above_kind(above: list[str]) -> str | None:
    """The kind a section heading just above the title names ("ARTICLES", "Press releases")."""
    return next((k for s in above if len(s.split()) <= 4 and (k := kind_of_heading(s))), None)


def section_kind(meta: PageMeta, title: str) -> str | None:
    """The kind a page's section names in its <title> ("… - Press Releases - Portal")."""
    parts = [p for p in re.split(r"\s+[-|–—·»]\s+", meta.title_tag or "") if norm(p) != norm(title)]
    kinds = {k for p in parts if (k := kind_of_heading(p))}
    return kinds.pop() if len(kinds) == 1 else None


def around_title_article(title_el, title: str) -> list[Block]:
    """When the extractor chose some other part of the page (a sidebar), the article is the
    nearest container of the title heading that holds running text: extracted on its own."""
    el = title_el
    for _ in range(4):
        el = el.getparent()
        if el is None or el.tag == "body":
            return []
        if any(is_prose(text_of(p)) for p in el.iter("p")):
            blocks = extract(lhtml.document_fromstring(etree.tostring(el, encoding="unicode")))
            blocks, _had, _n = drop_title_repeats(blocks, title)
            return blocks if any(block_is_prose(b) for b in blocks) else []
    return []
