"""The Jinja environment: autoescape everywhere, strict undefined, small display filters.

Filters return plain values or lists; templates make all the markup (no HTML in Python)."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from app import urls as url_helpers
from app.config import SITE_NAME
from app.ingest.types import KINDS

ROOT = Path(__file__).resolve().parent.parent.parent
TEMPLATES_DIR = ROOT / "templates"
STATIC_DIR = ROOT / "static"

MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_MARK = re.compile(r"(<mark>.*?</mark>)", re.S)


def human_date(value: dt.date | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return value
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def iso(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def month_name(n: int) -> str:
    return MONTHS[int(n) - 1] if 1 <= int(n) <= 12 else str(n)


def kind_label(kind: str | None) -> str:
    return (kind or "").replace("_", " ")


def facet_label(value: str, facet: str) -> str:
    """A search facet's value as shown: kinds in words, months (2021-11) as November 2021."""
    if facet == "kind":
        return kind_label(value)
    if facet == "month" and len(value) == 7 and value[4] == "-" and value[5:].isdigit():
        return f"{month_name(int(value[5:]))} {value[:4]}"
    return value


def number(n: int | None) -> str:
    return f"{n or 0:,}"


def segments(snippet: str | None) -> list[tuple[str, bool]]:
    """A search snippet (escaped text with <mark>…</mark>) as (text, highlighted) pieces of
    plain text; the template escapes them again, so only the <mark> survives as markup."""
    if not snippet:
        return []
    out = []
    for part in _MARK.split(snippet):
        if not part:
            continue
        hit = part.startswith("<mark>") and part.endswith("</mark>")
        text = html.unescape(part[6:-7] if hit else part)
        out.append((text, hit))
    return out


_md = None


def markdown(text: str | None, inline: bool = False):
    """Markdown (docstrings, API descriptions) as HTML by markdown-it-py: raw HTML in the text is
    escaped, not passed through, and unsafe link schemes are refused by the library."""
    global _md
    from markupsafe import Markup

    if not text:
        return ""
    if _md is None:
        from markdown_it import MarkdownIt

        _md = MarkdownIt("js-default", {"html": False, "linkify": False, "typographer": False})
    return Markup(_md.renderInline(text) if inline else _md.render(text))


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def _finalize(value):
    from markupsafe import Markup

    from app.bidi import close_bidi

    if isinstance(value, Markup):
        closed = close_bidi(str(value))
        return value if closed == value else Markup(closed)
    return close_bidi(value) if isinstance(value, str) else value


def make_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )  # templates ship with the code: no stat() per include
    env.finalize = _finalize  # every value printed: unterminated bidi controls closed (app.bidi)
    env.filters.update(
        human_date=human_date,
        iso=iso,
        month_name=month_name,
        kind_label=kind_label,
        facet_label=facet_label,
        number=number,
        segments=segments,
        plural=plural,
        markdown=markdown,
    )
    env.tests["web_url"] = lambda v: isinstance(v, str) and v.lower().startswith(("http://", "https://"))
    env.globals.update(
        urls=url_helpers.urls,
        site_name=SITE_NAME,
        with_args=url_helpers.with_args,
        add_arg=url_helpers.add_arg,
        without_args=url_helpers.without_args,
        page_url=url_helpers.page_url,
        month_names=MONTHS,
        kinds=KINDS,
        paragraphs_per_page=url_helpers.PARAGRAPHS_PER_PAGE,
    )
    return env
