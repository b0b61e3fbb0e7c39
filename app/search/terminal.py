"""Search results on a terminal (rich): the grouped results, <mark> shown highlighted."""

from __future__ import annotations

import html
import re

from rich.console import Console
from rich.text import Text

from app.search.results import SearchResult

_MARK = re.compile(r"<mark>(.*?)</mark>", re.S)
FACETS_SHOWN = 5


def snippet_text(snippet: str, style: str = "bold black on yellow") -> Text:
    """An HTML snippet (escaped text with <mark>) as rich Text with the marks styled."""
    out, pos = Text(), 0
    for m in _MARK.finditer(snippet):
        out.append(html.unescape(snippet[pos : m.start()]))
        out.append(html.unescape(m.group(1)), style=style)
        pos = m.end()
    out.append(html.unescape(snippet[pos:]))
    return out


def render_results(console: Console, result: SearchResult) -> None:
    pages = max(1, -(-result.total_statements // result.per_page))
    console.print(
        Text(
            f"{result.total_paragraphs:,} paragraphs in {result.total_statements:,} statements"
            f" · page {result.page} of {pages} · {result.sort}",
            style="bold",
        )
    )
    if result.suggestion:
        console.print(Text.assemble("did you mean: ", (result.suggestion, "bold cyan")))
    first = (result.page - 1) * result.per_page
    for i, group in enumerate(result.results, first + 1):
        st = group.statement
        console.print()
        console.print(Text.assemble((f"{i}. ", "bold"), (st.title, "bold")))
        meta = [
            st.date or st.published or "undated",
            st.kind,
            ", ".join(s["name"] for s in st.speakers),
            st.venue or "",
        ]
        console.print(Text("   " + " · ".join(m for m in meta if m), style="dim"))
        console.print(Text("   " + st.url, style="dim"))
        for p in group.paragraphs:
            head = Text(f"   ¶{p.n} ", style="cyan")
            if p.speaker:
                head.append(f"{p.speaker}: ", style="magenta")
            console.print(head + snippet_text(p.snippet))
        if group.more_paragraphs:
            console.print(Text(f"   … and {group.more_paragraphs} more matching paragraphs", style="dim"))
    if result.total_paragraphs:
        console.print()
        for name, values in result.facets.items():
            if values:
                shown = ", ".join(f"{v.value} ({v.count})" for v in values[:FACETS_SHOWN])
                console.print(
                    Text.assemble((f"{name}: ", "bold"), shown + (" …" if len(values) > FACETS_SHOWN else ""))
                )
