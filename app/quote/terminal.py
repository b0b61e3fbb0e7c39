"""Quote finder results on a terminal (rich): the matched span highlighted, where else the words appear."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from app.search.terminal import snippet_text

CONTEXT = 160  # characters shown either side of the matched span


def _window(result: dict) -> str:
    """The highlight cut to the span and some context (the HTML stays well-formed: cut outside marks)."""
    html_text = result["highlight"]
    first, last = html_text.find("<mark>"), html_text.rfind("</mark>")
    if first < 0:
        return html_text[: 2 * CONTEXT]
    start = max(0, first - CONTEXT)
    end = min(len(html_text), last + len("</mark>") + CONTEXT)
    start = html_text.rfind(" ", 0, start) + 1 if start else 0  # never inside an &entity;
    cut = html_text.find(" ", end)
    end = len(html_text) if cut < 0 else cut
    return ("… " if start else "") + html_text[start:end] + (" …" if end < len(html_text) else "")


def render_quote(console: Console, result: dict) -> None:
    shown = len(result["results"])
    console.print(
        Text(
            f"{shown} source paragraph{'s' if shown != 1 else ''} "
            f"({result['candidates']} candidates aligned)",
            style="bold",
        )
    )
    for i, r in enumerate(result["results"], 1):
        st = r["statement"]
        console.print()
        console.print(
            Text.assemble(
                (f"{i}. ", "bold"),
                (
                    f"{r['score']:.0f}{' weak match' if r['weak'] else ''}  ",
                    "yellow" if r["weak"] else "bold green",
                ),
                (st["title"], "bold"),
            )
        )
        meta = [r["date"] or "undated", r["speaker"] or "", f"¶{r['n']}", r["url"]]
        console.print(Text("   " + " · ".join(m for m in meta if m), style="dim"))
        console.print(Text("   ").append(snippet_text(_window(r))))
        e = r["earliest"]
        if not e["this"]:
            console.print(Text(f"   earliest: {e['date']} {e['url']}", style="dim"))
        for q in r["quoted_later_by"][:5]:
            console.print(
                Text(
                    f"   quoted later by {q['speaker'] or 'unknown'} on {q['date']}: {q['url']}", style="dim"
                )
            )
