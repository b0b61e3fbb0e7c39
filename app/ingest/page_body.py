"""The statements a page holds, once its title is known: the main statement (title block, body
paragraphs, "Additional materials" topic tags) and the teasers after it ("DD.MM.YYYY - Title"
and a lead), each made into a ParsedStatement."""

from __future__ import annotations

from app.ingest.chrome import is_caps_heading
from app.ingest.dates import parse_full_date
from app.ingest.page_scan import TEASER_RE, PageScan
from app.ingest.paragraphs import blocks, has_blank_lines
from app.ingest.statements import make_statement
from app.ingest.title_block import read_title_block
from app.ingest.types import ParsedStatement

_MAX_TOPIC = 150


def main_statement(sc: PageScan, ti: int) -> ParsedStatement:
    """The statement titled by line ti: down to the first teaser or the topics heading."""
    after = [i for i in sc.teasers if i > ti] + ([sc.topics_at] if sc.topics_at and sc.topics_at > ti else [])
    end = min(after, default=len(sc.lines))
    start, byline, subtitle = read_title_block(sc, ti, end)
    _drop_trailing_learned(sc, start, end)
    _drop_trailing_headings(sc, start, end)
    topics, extra_from = _topics(sc, ti)
    per_line = not has_blank_lines(sc.lines, start, end, sc.used)
    bs = blocks(sc.lines, start, end, sc.used, per_line)
    if extra_from is not None:
        bs += blocks(sc.lines, extra_from[0], extra_from[1], sc.used, False)
    return make_statement(
        "main",
        sc.lines[ti],
        ti + 1,
        bs,
        published=sc.published,
        captured=sc.captured,
        byline=byline,
        heading_kind=sc.heading_kind,
        topics=topics,
        subtitle=subtitle,
    )


def excerpts(sc: PageScan) -> list[ParsedStatement]:
    """One statement per teaser: its date and title, the lines under it its lead."""
    out = []
    bounds = sc.teasers + [len(sc.lines)]
    for t, nxt in zip(sc.teasers, bounds[1:], strict=True):
        if sc.topics_at is not None and t < sc.topics_at < nxt:
            nxt = sc.topics_at
        m = TEASER_RE.match(sc.lines[t])
        assert m is not None
        sc.use(t, None)
        sc.fields[t] = "teaser: date and title"
        _drop_trailing_headings(sc, t + 1, nxt)
        per_line = not has_blank_lines(sc.lines, t + 1, nxt, sc.used)
        out.append(
            make_statement(
                "excerpt",
                m.group(2),
                t + 1,
                blocks(sc.lines, t + 1, nxt, sc.used, per_line),
                published=parse_full_date(m.group(1), dayfirst=True),
                captured=sc.captured,
            )
        )
    return out


def _drop_trailing_learned(sc: PageScan, start: int, end: int) -> None:
    """Lines at the end of the page that recur on many pages of the site: its footer."""
    if sc.learned is None:
        return
    for k in range(end - 1, start - 1, -1):
        s = sc.lines[k]
        if not s or k in sc.used:
            continue
        pages = sc.learned(s)
        if not pages:
            return
        sc.use(k, f"dropped site chrome (recurs on {pages} pages of the site)")


def _drop_trailing_headings(sc: PageScan, start: int, end: int) -> None:
    """'LATEST EVENTS' between a body and its teasers is a section label."""
    k = end - 1
    while k >= start:
        s = sc.lines[k]
        if s and k not in sc.used:
            if not is_caps_heading(s):
                return
            sc.use(k, "dropped site chrome (section heading)")
        k -= 1


def _topics_end(sc: PageScan) -> int:
    """Where the topic tags after the 'Additional materials' heading end: the next teaser."""
    return min([i for i in sc.teasers if i > sc.topics_at], default=len(sc.lines))


def _topics(sc: PageScan, ti: int) -> tuple[list[str], tuple[int, int] | None]:
    """Topic tags after 'Additional materials'; a longer line ends them (the rest is body)."""
    m = sc.topics_at
    if m is None or m <= ti:  # the title itself may read "Additional materials": not a topics heading then
        return [], None
    sc.use(m, None)
    sc.fields[m] = "topics heading"
    end = _topics_end(sc)
    topics = []
    for i in range(m + 1, end):
        s = sc.lines[i]
        if not s or i in sc.used:
            continue
        if len(s) > _MAX_TOPIC:
            return topics, (i, end)
        sc.use(i, None)
        sc.fields[i] = "topic tag"
        topics.append(" ".join(s.split()))
    return topics, None


def drop_topics(sc: PageScan, ti: int, why: str) -> None:
    """The topic tags read after title line ti are reported as dropped, with `why`."""
    m = sc.topics_at
    if m is None or m <= ti:
        return
    for i in range(m, _topics_end(sc)):
        if sc.lines[i] and i in sc.used and sc.used[i] is None:
            sc.use(i, why)
