"""HTML renderings of text pages, in site templates with realistic chrome (a header with a
menu of a few hundred links, a sidebar of news, a directory in the footer, scripts and
styles): for the HTML variant of the synthetic archive, its WARC, and the tests that check
an HTML page parses as well as its text.

The text page is parsed first (the project's parser) so that its title becomes the <h1>,
the lines between the title and the body a meta block, paragraphs <p>s (turn labels in
<strong>), and teasers a list of items.
"""

from __future__ import annotations

import html
import io
import random

from app.ingest.readers import parse_document

TEMPLATES = ("presidential", "ministry", "un", "state")


def _esc(s: str) -> str:
    return html.escape(s, quote=True)


def chrome(kb: int, seed: int = 0) -> tuple[str, str, str]:
    """(header, sidebar, footer) of about `kb` kilobytes in all."""
    rnd = random.Random(seed)
    words = (
        "Ministry Press Service News Events Statements Speeches Briefings Documents Visits Embassies "
        "Consular Services Treaties Archive Media Photo Video Contacts Regions Europe Asia Africa "
        "Americas Multilateral Diplomacy Economy Culture Youth"
    ).split()

    def link(i: int) -> str:
        text = " ".join(rnd.choice(words) for _ in range(rnd.randint(1, 4)))
        return f'<li class="menu__item menu__item--level-{i % 3}"><a class="menu__link" href="/section/{i}/">{text}</a></li>'

    per_link = 110
    n = max(10, kb * 1024 // per_link)
    header = (
        '<header class="site-header"><div class="logo"><a href="/">Ministry of Foreign Affairs</a></div>'
        f'<nav class="main-menu" aria-label="Main"><ul>{"".join(link(i) for i in range(n // 2))}</ul></nav>'
        '<div class="breadcrumbs"><a href="/">Home</a> / <a href="/press/">Press Service</a> /</div></header>'
    )
    sidebar = (
        '<aside class="sidebar"><h3>Latest news</h3><ul>'
        + "".join(
            f'<li><a href="/news/{i}">{" ".join(rnd.choice(words) for _ in range(6))}</a>'
            f'<span class="date">0{1 + i % 9}.1{i % 3}.2021</span></li>'
            for i in range(n // 8)
        )
        + "</ul></aside>"
    )
    footer = (
        '<footer class="site-footer"><div class="directory"><ul>'
        + "".join(link(i + n) for i in range(n // 2 - n // 8))
        + "</ul></div><p>&copy; Ministry of Foreign Affairs. Phone: +7 499 000 00 00</p></footer>"
        "<script>window.dataLayer=[];function gtag(){dataLayer.push(arguments)}</script>"
    )
    return header, sidebar, footer


def render(
    text: str, template: str = "presidential", *, kb: int = 0, seed: int = 0, url: str | None = None
) -> str:
    """The text page `text` as an HTML page of the given template (kb: chrome size)."""
    doc = parse_document(text.encode("utf-8"), "page.txt")
    lines = doc.text.split("\n")
    main = doc.page.main
    header, sidebar, footer = (
        chrome(kb, seed)
        if kb
        else (
            "<header><nav><ul><li><a href='/'>Home</a></li></ul></nav></header>",
            "",
            "<footer>&copy;</footer>",
        )
    )
    parts: list[str] = []
    if main is not None:
        t = main.title_line - 1
        first = main.paragraphs[0].line_start - 1 if main.paragraphs else t + 1
        meta = [s for s in lines[t + 1 : first] if s.strip() and s.strip() != main.title]
        body = []
        for p in main.paragraphs:
            inner = "<br>".join(_esc(s) for s in p.text.split("\n"))
            body.append(f"<p><strong>{_esc(p.label)}:</strong> {inner}</p>" if p.label else f"<p>{inner}</p>")
        chrome_lines = {
            int(w.split(":")[0][5:]) - 1
            for w in doc.page.warnings
            if w.startswith("line ") and "section heading" not in w and "genre label" not in w
        }
        above = [s for i, s in enumerate(lines[:t]) if s.strip() and i not in chrome_lines]
        meta_html = "".join(f'<p class="meta-line">{_esc(s)}</p>' for s in meta)
        above_html = "".join(f'<div class="date">{_esc(s)}</div>' for s in above)
        parts.append(above_html + _article(template, main.title, meta_html, "".join(body)))
    teasers = [s for s in doc.page.statements if s.role == "excerpt"]
    if teasers:
        items = []
        for s in teasers:
            when = s.published.strftime("%d.%m.%Y") if s.published else ""
            lead = " ".join(p.text for p in s.paragraphs)
            items.append(
                f'<div class="announce"><p class="announce__title">{when} - <a href="/item">{_esc(s.title)}</a></p>'
                + (f"<p>{_esc(lead)}</p>" if lead else "")
                + "</div>"
            )
        parts.append('<section class="news-list">' + "".join(items) + "</section>")
    title = main.title if main is not None else "News"
    canonical = f'<link rel="canonical" href="{_esc(url)}">' if url else ""
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{_esc(title)} - Ministry</title>'
        f'{canonical}<link rel="stylesheet" href="/static/site.css"><script src="/static/app.js"></script></head>'
        f'<body>{header}<div class="layout"><main class="content">{"".join(parts)}</main>{sidebar}</div>{footer}</body></html>'
    )


def _article(template: str, title: str, meta: str, body: str) -> str:
    h1 = f"<h1>{_esc(title)}</h1>"
    if template == "presidential":
        return f'<article class="hentry h-entry"><h1 class="entry-title p-name">{_esc(title)}</h1><div class="read__meta">{meta}</div><div class="read__content">{body}</div></article>'
    if template == "un":
        return f'<article class="node"><div class="field--name-title">{h1}</div>{meta}<div class="field--name-body">{body}</div></article>'
    if template == "state":
        return f'<div class="article-meta">{h1}{meta}</div><div class="entry-content">{body}</div>'
    return f'<div class="text article-content">{h1}{meta}{body}</div>'


def warc_of(pages: list[tuple[str, bytes]], fh: io.BufferedIOBase, *, gzip: bool = True) -> None:
    """Write a WARC (request + response records) of (url, html bytes) pages to `fh`."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    w = WARCWriter(fh, gzip=gzip)
    for url, body in pages:
        w.write_record(w.create_warc_record(url, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n")))
        headers = StatusAndHeaders(
            "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
        )
        w.write_record(w.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers))
