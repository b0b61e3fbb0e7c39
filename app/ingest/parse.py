"""Page text -> ParsedPage (pure, deterministic; raises only PageError).

A page reads top to bottom as: site chrome and a page clock; maybe a section heading and a
dateline; the title (maybe printed twice); maybe a byline or date line and a subheading;
the body; maybe "Additional materials" with topic tags; maybe a list of teasers
("DD.MM.YYYY - Title" + lead). Every line that is not put into a statement is reported in
a warning with its number.

The steps, each in its module: page_scan (the lines, chrome anywhere, datelines, teasers),
page_header (which line is the title), title_block (what follows the title), page_body (the
body, topic tags, teasers as statements); here: listing pages and the lines left over.
"""

from __future__ import annotations

from app.ingest.canonical_names import canonical_names
from app.ingest.dates import date_only
from app.ingest.page_body import drop_topics, excerpts, main_statement
from app.ingest.page_header import read_header
from app.ingest.page_scan import TEASER_RE, TOPICS_RE, PageScan
from app.ingest.types import PageError, ParsedPage, ParsedStatement

__all__ = ["TEASER_RE", "TOPICS_RE", "explain_page", "parse_page"]  # (the patterns: for html_reader, tests)


def _is_section_title(main: ParsedStatement, sc: PageScan) -> bool:
    """'News', 'Press releases' over a list of teasers: a listing page's heading, not a statement."""
    return (
        not main.paragraphs
        and bool(sc.teasers)
        and sc.teasers[0] > main.title_line - 1
        and len(main.title.split()) <= 5
        and not main.speakers
        and not main.date
    )


def _is_item_list(sc: PageScan, ti: int) -> bool:
    """Below the title, most lines are items: a title line over a date line, three times or more."""
    idx = [i for i in range(ti, len(sc.lines)) if sc.lines[i] and i not in sc.used]
    short = {i for i in idx if len(sc.lines[i]) <= 40 and date_only(sc.lines[i])}
    if len(short) < 3:
        return False
    pairs = sum(
        1
        for a, b in zip(idx, idx[1:], strict=False)
        if a not in short and b in short and len(sc.lines[a]) <= 200
    )
    return pairs >= 3 and 2 * pairs >= 0.6 * len(idx)


def _is_listing_heading(sc: PageScan) -> bool:
    """The best 'title' is a genre or section label ("Security Council: Press Conference") that
    names no one and no date: the page lists items under that heading; it has no statement."""
    b = sc.best
    return b is not None and b.chrome in ("genre label", "section heading") and b.score < 1


def parse_page(text: str, learned=None) -> ParsedPage:
    """`learned(line) -> pages`: how many pages of the same site print this line (chrome
    learnt across a site at ingest; 0 for none)."""
    return _parse(text, learned)[0]


def explain_page(text: str, learned=None) -> list[tuple[int, str, str]]:
    """What each line was taken for: (1-based line, the line, what), then notes on the page as
    (0, "", note) (a close title choice). Raises PageError as parse_page does."""
    page, sc = _parse(text, learned)
    what: dict[int, str] = {}
    for i, w in sc.used.items():
        if w:
            what[i] = w
    what.update(sc.fields)
    chosen = sc.best.line if sc.best is not None else None
    for c in sc.candidates:
        if c.line in sc.used and sc.used[c.line] and c.line != chosen:
            what[c.line] = f"{sc.used[c.line]}; title candidate, score {c.score:g} ({', '.join(c.why)})"
    for st in page.statements:
        ti = st.title_line - 1
        if st.role == "main":
            c = next((c for c in sc.candidates if c.line == ti), None)
            score = f", score {c.score:g} ({', '.join(c.why)})" if c else ""
            what[ti] = f"title of the main statement{score}"
        for p in st.paragraphs:
            label = f", turn label {p.label!r}" if p.label else ""
            speaker = f", speaker {p.speaker}" if p.speaker else ""
            for k in range(p.line_start - 1, p.line_end):
                what[k] = (
                    f"{'' if st.role == 'main' else 'teaser '}paragraph {p.n}{label if k == p.line_start - 1 else ''}{speaker}"
                )
        if st.subtitle:
            for k, line in enumerate(sc.lines):
                if line == st.subtitle and k not in what:
                    what[k] = "subtitle"
    out = [(i + 1, line, what.get(i, "(field)")) for i, line in enumerate(sc.lines) if line]
    return out + [(0, "", note) for note in sc.notes]


def _parse(text: str, learned=None) -> tuple[ParsedPage, PageScan]:
    sc = PageScan(text, learned)
    ti = read_header(sc)
    if ti is not None and _is_item_list(sc, ti):
        for i in range(ti, len(sc.lines)):
            if sc.lines[i] and i not in sc.used:
                sc.use(i, "dropped item of a listing page")
        ti = None
        if not sc.teasers:
            return ParsedPage(statements=(), warnings=sc.warnings(), captured=sc.captured), sc
    if ti is None and not sc.teasers:
        raise PageError("no statement found: the page has no title", 1)
    statements = [] if ti is None else [main_statement(sc, ti)]
    if statements and (_is_section_title(statements[0], sc) or _is_listing_heading(sc)):
        sc.use(ti, "dropped site chrome (section heading)")
        if statements[0].topics:  # its tags go with it, each reported
            drop_topics(sc, ti, "dropped topic tag of a listing page")
        statements = []
    statements += excerpts(sc)
    _warn_unassigned(sc, statements)
    page = ParsedPage(statements=tuple(statements), warnings=sc.warnings(), captured=sc.captured)
    return canonical_names(page), sc


def _warn_unassigned(sc: PageScan, statements: list[ParsedStatement]) -> None:
    """A text line that went nowhere (e.g. tags after 'Additional materials' on a page of
    teasers only) is reported, never silently dropped."""
    covered = {s.title_line - 1 for s in statements}
    covered.update(i for s in statements for p in s.paragraphs for i in range(p.line_start - 1, p.line_end))
    for i, s in enumerate(sc.lines):
        if s and i not in sc.used and i not in covered:
            sc.use(i, "dropped text that belongs to no statement")
