"""The article of an HTML page as blocks of lines (pure).

The main content is found by trafilatura (boilerplate removal made for this); its
structure (headings, paragraphs, list items, table rows, line breaks, bold runs) is
turned into blocks of plain lines. Around the page's title heading, in the page itself,
the short lines just above it (a press office's date) and just under it (a "Date: …"
field) are read as well: extractors drop them as boilerplate.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass

import trafilatura
from lxml import etree
from lxml import html as lhtml
from trafilatura.settings import use_config

from app.ingest.byline import read_lead
from app.ingest.html_meta import text_of

_CONFIG = use_config()
_CONFIG.set("DEFAULT", "extraction_timeout", "0")  # no signal-based timeout (worker processes)
_CONFIG.set("DEFAULT", "max_file_size", "250000000")  # the reader caps the size itself
_CONFIG.set("DEFAULT", "min_extracted_size", "1")

_CHROME = (
    ("script", "script"),
    ("style", "style sheet"),
    ("noscript", "noscript block"),
    ("nav", "navigation block"),
    ("footer", "footer"),
    ("iframe", "embedded frame"),
    ("form", "form"),
)
_BLOCK_TAGS = frozenset(
    "p div li h1 h2 h3 h4 h5 h6 td th tr dt dd blockquote section article header "
    "footer aside ul ol table pre address figcaption time".split()
)
_NAVLIKE = re.compile(r"\b(?:nav|menu|breadcrumb|sidebar|footer|share|social|tags?)\b", re.IGNORECASE)
_PROSE_END = re.compile(r"[.!?…\"”»]$")


@dataclass(frozen=True)
class Block:
    kind: str  # head | p | item | row | quote
    lines: tuple[str, ...]
    bold: bool = False  # the whole block is bold (a label or a heading)

    @property
    def text(self) -> str:
        return " ".join(self.lines)


def chrome_counts(tree: lhtml.HtmlElement) -> dict[str, int]:
    """What of the page is chrome, counted before it is dropped (for the warnings)."""
    names = dict(_CHROME)
    counts = dict.fromkeys(names.values(), 0)
    for el in tree.iter(*names):  # (lxml filters the tags itself)
        counts[names[el.tag]] += 1
    counts["navigation block"] += int(tree.xpath('count(//*[@role="navigation" and not(self::nav)])'))
    counts["comment"] = int(tree.xpath("count(//comment())"))
    return {k: v for k, v in counts.items() if v}


# Subtrees trafilatura deletes whole in its own cleaning (settings.MANUALLY_CLEANED): taken out
# before it is called, in one C-level pass, so that its XPath pruning walks only what is left.
_DROPPED_BEFORE = (
    "script",
    "style",
    "noscript",
    "nav",
    "footer",
    "aside",
    "form",
    "iframe",
    "svg",
    "select",
    "menu",
    "object",
    "embed",
    "canvas",
    "map",
    "video",
    "audio",
    "template",
)


def extract(tree: lhtml.HtmlElement) -> list[Block]:
    """The article's blocks (`tree` is left as it was: trafilatura prunes a copy). The page's
    metadata is read apart (app.ingest.html_meta): trafilatura's own (htmldate's date search)
    costs five times its extraction on a page with 100 KB of chrome."""
    tree = copy.deepcopy(tree)
    etree.strip_elements(tree, *_DROPPED_BEFORE, etree.Comment, with_tail=False)
    doc = trafilatura.bare_extraction(
        tree,
        include_formatting=True,
        include_tables=True,
        include_comments=False,
        favor_recall=True,
        with_metadata=False,
        deduplicate=False,
        include_images=False,
        include_links=False,
        config=_CONFIG,
    )
    if doc is None or doc.body is None:
        return []
    return list(_blocks(doc.body))


def _lines(el) -> tuple[str, ...]:
    for lb in el.iter("lb"):
        lb.tail = "\n" + (lb.tail or "")
    for inner in el.iter("p", "item", "head"):
        if inner is not el:
            inner.text = "\n" + (inner.text or "")
    text = "".join(el.itertext())
    return tuple(s for s in (" ".join(line.split()) for line in text.split("\n")) if s)


def _is_bold(el) -> bool:
    kids = [c for c in el if c.tag != "lb"]
    return (
        bool(kids)
        and all(c.tag == "hi" and "#b" in (c.get("rend") or "") for c in kids)
        and not (el.text or "").strip()
        and all(not (c.tail or "").strip() for c in kids)
    )


def _blocks(body):
    for el in body:
        tag = el.tag
        if tag in ("list",):
            for item in el.iter("item"):
                if lines := _lines(item):
                    yield Block("item", lines)
        elif tag == "table":
            for row in el.iter("row"):
                cells = [" ".join(_lines(c)) for c in row.iter("cell")]
                if text := " ".join(c for c in cells if c):
                    yield Block("row", (text,))
        elif tag in ("p", "head", "quote", "item", "row", "cell", "code"):
            if lines := _lines(el):
                yield Block(
                    "head" if tag == "head" else "quote" if tag == "quote" else "p", lines, _is_bold(el)
                )
        elif tag == "graphic":
            continue
        elif lines := _lines(el):
            yield Block("p", lines)


def is_prose(text: str) -> bool:
    """A sentence or more of running text (not a menu item, a title or a table row)."""
    return any(
        len(line.split()) >= 12 and (bool(_PROSE_END.search(line)) or len(line) > 200)  # (cut off)
        for line in text.split("\n")
    )


def block_is_prose(b: Block) -> bool:
    return any(is_prose(line) for line in b.lines)


def title_element(tree: lhtml.HtmlElement, title: str):
    want = " ".join(title.split()).casefold()
    heads = [h for tag in ("h1", "h2", "h3") for h in tree.iter(tag)]
    return next((h for h in heads if text_of(h).casefold() == want), None)


def element_lines(el) -> list[str]:
    """The lines an element renders as (a line per block element)."""
    parts: list[str] = []

    def walk(e) -> None:
        if not isinstance(e.tag, str) or e.tag in ("script", "style", "noscript"):
            return
        block = e.tag in _BLOCK_TAGS or e.tag == "br"
        if block:
            parts.append("\n")
        if e.text:
            parts.append(e.text)
        for c in e:
            walk(c)
            if c.tail:
                parts.append(c.tail)
        if block:
            parts.append("\n")

    walk(el)
    return [s for s in (" ".join(x.split()) for x in "".join(parts).split("\n")) if s]


def _navlike(el) -> bool:
    if not isinstance(el.tag, str):
        return False
    if el.tag in ("nav", "ul", "ol", "menu", "form", "header", "footer"):
        return True
    return bool(_NAVLIKE.search(f"{el.get('class') or ''} {el.get('id') or ''}"))


def around_title(title_el, limit: int = 6) -> tuple[list[str], list[str]]:
    """Short lines just above and just under the title heading, nearest first: up to a
    menu, a line of prose or `limit` lines (the title's ancestors are climbed four levels)."""
    out: list[list[str]] = []
    for preceding in (True, False):
        found: list[str] = []
        el, depth = title_el, 0
        while el is not None and depth < 4 and len(found) < limit:
            for sib in el.itersiblings(preceding=preceding):
                if _navlike(sib):
                    found.append("")  # a boundary
                    break
                lines = element_lines(sib)
                lines = lines[::-1] if preceding else lines
                for s in lines:
                    lead = not preceding and not found and len(s) <= 300 and read_lead(s) is not None
                    if (len(s) > 120 or is_prose(s)) and not lead:  # (but a summary naming the speaker)
                        found.append("")
                        break
                    found.append(s)
                if len(found) >= limit or (found and found[-1] == ""):
                    break
            if found and found[-1] == "":
                break
            el, depth = el.getparent(), depth + 1
        out.append([s for s in found if s][:limit])
    return out[0], out[1]
