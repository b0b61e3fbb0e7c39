"""HTML and WARC pages written for the project's tests, in the structure of the sites the
archive ingests (a presidential site, a foreign ministry, the UN press site, a state
department): their markup shapes, made-up text. Nothing here is copied from a real page."""

from __future__ import annotations

import html
import io

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

MENU = "".join(f'<li class="menu__item"><a href="/section/{i}">Section {i}</a></li>' for i in range(40))
FOOTER = (
    '<footer class="footer"><p>Contacts: 1 Example Square</p><p>Phone: +1 555 0100 200</p>'
    "<p>&copy; 2021 Example Government. All rights reserved.</p></footer>"
)
SCRIPTS = (
    '<script>var tracker = {"id": 1};</script><script src="/app.js"></script><style>p{color:red}</style>'
)


def presidential(
    title: str, date_text: str, iso: str, paragraphs: list[str], *, url: str | None = None
) -> str:
    """A presidential site: <h1 class="entry-title">, a <time> meta line, a read__content body."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    canonical = f'<link rel="canonical" href="{url}">' if url else ""
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{title} &bull; President</title>{canonical}
<meta property="og:site_name" content="Presidential Site">{SCRIPTS}</head>
<body><header class="header"><nav class="nav"><ul>{MENU}</ul></nav></header>
<div class="wrapper"><article class="hentry h-entry">
<h1 class="entry-title p-name">{title}</h1>
<div class="read__meta"><time class="read__published" datetime="{iso}">{date_text}</time></div>
<div class="read__content entry-content">{body}</div>
</article><aside class="sidebar"><h3>Latest</h3><ul><li><a href="/n/1">Other news item</a></li></ul></aside></div>
<!-- counter: 12345 -->{FOOTER}</body></html>"""


def ministry_cp1251(title: str, paragraphs: list[str], closing: str) -> bytes:
    """A foreign ministry page in windows-1251 (declared by <meta http-equiv>), breadcrumb,
    the title the only <h1>, justified paragraphs, a right-aligned closing date line."""
    body = "".join(f'<p style="text-align: justify;">{p}</p>' for p in paragraphs)
    page = f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251">
<title>{title}</title>{SCRIPTS}</head><body>
<div id="menu"><ul>{MENU}</ul><ul><li><a href="/ru/">Министерство</a></li><li><a href="/ru/press/">Пресс-служба</a></li></ul></div>
<div class="breadcrumbs"><a href="/">Home</a> / <a href="/press/">Press Service</a> /</div>
<div class="content"><h1>{title}</h1>{body}<p style="text-align: right;">{closing}</p></div>
<div class="missions"><h3>Посольства</h3><ul><li>Посольство в Австрии</li><li>Посольство в Бельгии</li></ul></div>
{FOOTER}</body></html>"""
    return page.encode("cp1251")


def un_press(title: str, paragraphs: list[tuple[str | None, str]], *, url: str) -> str:
    """A UN press page: og:* and article:published_time metadata, <article>, bold turn labels."""
    body = "".join(
        f"<p><strong>{html.escape(lab)}:</strong> {t}</p>" if lab else f"<p>{t}</p>" for lab, t in paragraphs
    )
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{title} | Meetings Coverage</title>
<meta property="og:title" content="{title}"><meta property="og:url" content="{url}">
<meta property="og:site_name" content="United Nations Press">
<meta property="article:published_time" content="2021-11-30T12:00:00Z">
<script type="application/ld+json">{{"@type": "NewsArticle", "headline": "{title}", "datePublished": "2021-11-30"}}</script>
{SCRIPTS}</head><body><nav role="navigation"><ul>{MENU}</ul></nav>
<main><article><h1>{title}</h1>{body}</article></main>{FOOTER}</body></html>"""


def state_briefing(title: str, turns: list[tuple[str, str]], *, url: str) -> str:
    """A state department briefing: own-line bold labels (the speaker's name in <strong> as
    its own paragraph), a publish-date line under the title."""
    body = "".join(f"<p><strong>{lab}</strong></p><p>{t}</p>" for lab, t in turns)
    return f"""<html><head><meta charset="utf-8"><title>{title} - United States Department of State</title>
<link rel="canonical" href="{url}">{SCRIPTS}</head><body>
<header><div class="menu">{MENU}</div></header>
<div class="article-meta"><h1 class="featured-content__headline">{title}</h1>
<p class="article-meta__publish-date">December 1, 2021</p></div>
<div class="entry-content">{body}</div>{FOOTER}</body></html>"""


def listing(heading: str, items: list[tuple[str, str]]) -> str:
    """A section page: a heading over linked item titles with dates, and a pager."""
    rows = "".join(
        f'<li><a href="/item/{i}">{t}</a> <span class="date">{d}</span></li>'
        for i, (t, d) in enumerate(items)
    )
    return f"""<html><head><meta charset="utf-8"><title>{heading} - Ministry</title></head><body>
<nav><ul>{MENU}</ul></nav><div class="content"><h1>{heading}</h1><ul class="news-list">{rows}</ul>
<div class="pager"><a href="?p=2">2</a> <a href="?p=3">3</a></div></div>{FOOTER}</body></html>"""


def pdf_only(title: str) -> str:
    return f"""<html><head><meta charset="utf-8"><title>{title}</title></head><body>
<nav><ul>{MENU}</ul></nav><div class="node"><h1>{title}</h1>
<div class="field">Date Signature: Wednesday, 25. November 2020</div>
<div class="file"><a href="/files/speech_en.pdf">speech_en.pdf</a></div>
<!-- <div>Signed on : 01 Feb 2021</div> --></div>{FOOTER}</body></html>"""


def press_office(
    title: str, release: str, summary: str, byline: list[str], turns: list[str], *, url: str
) -> str:
    """A press office's page (the White House archive's structure): 'Office of the Press
    Secretary' and the release date above the <h1>, an editorial summary, a video link, then the
    remarks' byline as bold one-line paragraphs ('Remarks of …' / genre / place / date) and
    turns whose labels are offices ('THE PRESIDENT:')."""
    bold = "".join(f"<p>\n\t<strong>{line}</strong></p>\n" for line in byline)
    body = "".join(f"<p>\n\t{t}</p>\n" for t in turns)
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title} | whitehouse.example</title>
<link rel="canonical" href="{url}">{SCRIPTS}</head><body>
<nav role="navigation"><ul>{MENU}</ul></nav>
<div class="press-header"><div class="press-office">The White House</div>
<div class="press-office">Office of the Press Secretary</div><div class="date">{release}</div></div>
<div class="content"><h1>{title} </h1>
<div class="field-items"><p>{summary}</p>
<p><a class="link-video" href="/videos/1.mp4">MP4</a><a class="link-audio" href="/videos/1.mp3">MP3</a></p>
{bold}{body}</div></div>{FOOTER}</body></html>"""


def gov_speech(title: str, summary: str, speaker: str, paragraphs: list[str], *, url: str) -> str:
    """A government publishing site's speech (gov.uk's structure): the <h1>, a one-sentence summary
    and the speaker's name in metadata blocks, then the body."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title} - GOV.EXAMPLE</title>
<link rel="canonical" href="{url}">{SCRIPTS}</head><body><header><nav><ul>{MENU}</ul></nav></header>
<main><div class="gem-c-title"><h1 class="gem-c-title__text">{title}</h1></div>
<p class="gem-c-lead-paragraph">{summary}</p>
<div class="gem-c-metadata"><dl><dd>{speaker}</dd></dl></div>
<div class="govspeak">{body}</div></main>{FOOTER}</body></html>"""


def section_page(
    section: str, site: str, items: list[tuple[str, str]], sidebar: list[tuple[str, str]]
) -> str:
    """A section's page of a Drupal site: <title>Section | Site</title>, the section printed
    as an <h2> (no <h1>), one or more linked items, and a sidebar of office holders."""
    rows = "".join(
        f'<div class="views-row"><span class="date">Signed on : {d}</span>'
        f'<h3><a href="/content/{i}">{t}</a></h3></div>'
        for i, (t, d) in enumerate(items)
    )
    people = "".join(
        f'<div class="member"><div class="role">{r}</div><div class="name">{n}</div></div>'
        for r, n in sidebar
    )
    return f"""<html><head><meta charset="utf-8"><title>{section} | {site}</title>{SCRIPTS}</head><body>
<div id="header"><div class="site-name">{site}</div><h2 class="element-invisible">You are here</h2>
<div class="breadcrumb"><a href="/">Home</a> » Documentation</div></div>
<div id="main"><h2 class="main-title">{section}</h2><div class="view-content">{rows}</div></div>
<div id="sidebar"><div class="block-cabinet">{people}</div></div>{FOOTER}</body></html>"""


def warc(records: list[tuple[str, str, bytes, str]]) -> bytes:
    """A gzipped WARC: per entry (type, url, payload, content type) a record; responses are
    HTTP 200 with that content type, each preceded by its request record."""
    out = io.BytesIO()
    w = WARCWriter(out, gzip=True)
    for kind, url, payload, ctype in records:
        if kind == "response":
            w.write_record(
                w.create_warc_record(url, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n"))
            )
            headers = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
            w.write_record(
                w.create_warc_record(url, "response", payload=io.BytesIO(payload), http_headers=headers)
            )
        else:
            w.write_record(
                w.create_warc_record(url, kind, payload=io.BytesIO(payload), warc_content_type=ctype)
            )
    return out.getvalue()
