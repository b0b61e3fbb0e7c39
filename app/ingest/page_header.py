"""The lines above the body: which one is the title (scored in title_choice), and what the
lines above the title are (chrome, a section heading, a repeated title, a dateline)."""

from __future__ import annotations

from datetime import date

from app.ingest.chrome import header_chrome
from app.ingest.dates import date_only, dateline
from app.ingest.genres import kind_of_heading
from app.ingest.page_scan import PageScan, norm
from app.ingest.title_choice import CLOSE, MAX_CANDIDATES, choose, is_body_line


def read_header(sc: PageScan) -> int | None:
    """Choose the title among the lines above the body (title_choice); the lines above it are
    chrome, section headings or datelines. The title's line, or None when the page starts with
    teasers or has no text."""
    order, dates = _candidates(sc)
    body_found = bool(order) and is_body_line(sc.lines[order[-1]])
    if body_found and len(order) > 1:
        order.pop()  # the body's first line is a candidate only when nothing stands above it
    best, cands = choose(sc.lines, order, sc.indent, sc.script, sc.learned, body_found)
    sc.candidates, sc.best = cands, best
    for k, d in dates:
        if best is None or k < best.line:
            sc.use_dateline(k, d)
    if best is None:
        return None
    _above_title(sc, best.line)
    others = sorted((c for c in cands if c is not best), key=lambda c: -c.score)
    if others and best.score - others[0].score < CLOSE:
        sc.notes.append(
            f"title chosen: line {best.line + 1} (score {best.score:g}) over line "
            f"{others[0].line + 1} (score {others[0].score:g})"
        )
    return best.line


def _candidates(sc: PageScan) -> tuple[list[int], list[tuple[int, date]]]:
    """The text lines down to the body's first line (title candidates), and the datelines among them."""
    order: list[int] = []
    dates: list[tuple[int, date]] = []
    i = 0
    while (i := sc.next_text(i)) is not None and len(order) < MAX_CANDIDATES:
        s = sc.lines[i]
        if i in sc.teaser_set:
            break
        if d := dateline(s):
            dates.append((i, d))  # above the title: the page's dateline; below it: left to the title block
        elif not order and (d := date_only(s)):  # a bare date line above everything else: a dateline
            sc.use_dateline(i, d)
            sc.use(i, "read as the publication date")
        else:
            order.append(i)
            if is_body_line(s):
                break
        i += 1
    return order, dates


def _above_title(sc: PageScan, title: int) -> None:
    """The candidates above the chosen title: datelines, a repeated title, or chrome."""
    for c in sc.candidates:
        if c.line >= title:
            break
        s = sc.lines[c.line]
        if d := date_only(s):
            sc.use_dateline(c.line, d)
            sc.use(c.line, "read as the publication date")
            continue
        reason = c.chrome or header_chrome(s) or "above the title"
        if norm(s) == norm(sc.lines[title]):
            sc.use(c.line, "dropped repeated title")
            continue
        sc.use(c.line, f"dropped site chrome ({reason})")
        if (
            reason in ("section heading", "genre label")
            or "genre label" in c.why
            or "section heading" in c.why
        ):
            sc.heading_kind = kind_of_heading(s) or sc.heading_kind
