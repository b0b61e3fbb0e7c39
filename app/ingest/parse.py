"""Page text -> ParsedPage (pure, deterministic; raises only PageError).

A page reads top to bottom as: site chrome and a page clock; maybe a section heading and a
dateline; the title (maybe printed twice); maybe a byline or date line and a subheading;
the body; maybe "Additional materials" with topic tags; maybe a list of teasers
("DD.MM.YYYY - Title" + lead). Every line that is not put into a statement is reported in
a warning with its number.
"""

from __future__ import annotations

import re
from datetime import date

from app.ingest.byline import Byline, is_subheading, read_byline, read_lead, read_name_line
from app.ingest.canonical_names import canonical_names
from app.ingest.chrome import header_chrome, is_caps_heading, line_chrome
from app.ingest.dates import date_only, dateline, is_clock_time, parse_full_date
from app.ingest.genres import genre_only, kind_of_heading
from app.ingest.paragraphs import blocks, has_blank_lines, same_person
from app.ingest.statements import make_statement
from app.ingest.title_choice import CLOSE, MAX_CANDIDATES, choose, is_body_line, script_of
from app.ingest.types import PageError, ParsedPage, ParsedStatement

TEASER_RE = re.compile(r"^(\d{1,2}\.\d{1,2}\.\d{4})\s+[-–—]\s+(\S.*)$")
TOPICS_RE = re.compile(
    r"^(?:(?:additional|related)\s+materials|дополнительные\s+материалы):?$", re.IGNORECASE
)
_MAX_TOPIC = 150
_CLOCK_LINE = re.compile(
    r"^(\d{1,2}\s+\w+\s+\d{4})(?:\s+[^\W\d_][\w.'-]*(?: [^\W\d_][\w.'-]*){0,2}:\s*\d{1,2}:\d{2})+$"
)


def _norm(s: str) -> str:
    return " ".join(s.split()).casefold()


def _prose(s: str) -> bool:
    return s.endswith((".", "!", "?", "…", '"', "”", "»")) or len(s) > 200


class _Scan:
    """The page's lines and what has been made of each line so far."""

    def __init__(self, text: str, learned=None):
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        raw = text.split("\n")
        self.lines = [s.strip() for s in raw]
        self.indent = [len(r) - len(r.lstrip()) if r.strip() else 0 for r in raw]
        self.learned = learned
        self.candidates: list = []
        self.best = None
        self.notes: list[str] = []
        self.fields: dict[
            int, str
        ] = {}  # line index -> the field it went into (for --explain)   # warnings that are not about a dropped line (a close title choice)
        self.used: dict[int, str | None] = {}  # line index -> warning (None: went into a field)
        self.captured = None
        self.datelines: list[tuple[int, date]] = []  # publication datelines, by line
        self.heading_kind: str | None = None
        for i, s in enumerate(self.lines):
            reason = line_chrome(s)
            if reason:
                self.use(
                    i,
                    "dropped separator line" if reason == "separator" else f"dropped site chrome ({reason})",
                )
        self._mark_clock_dates()
        self.script = _page_script(self.lines)
        for i, s in enumerate(self.lines):  # "Submitted on …", "Publication date: …" wherever they stand
            if (
                s
                and i not in self.used
                and len(s) < 80
                and not s[0].isdigit()
                and (d := dateline(s, loose=False))
            ):
                self.use_dateline(i, d)
        self.teasers = []
        for i, s in enumerate(self.lines):
            if i not in self.used and (m := TEASER_RE.match(s)):
                if genre_only(m.group(2)):  # "01.03.2022 - Speech": the page's dateline and genre label
                    if d := parse_full_date(m.group(1), dayfirst=True):
                        self.use_dateline(i, d)
                        self.use(i, "read as the publication date and a genre label")
                    else:
                        self.use(i, "dropped site chrome (genre label)")
                    self.heading_kind = kind_of_heading(m.group(2))
                else:
                    self.teasers.append(i)
        self.teaser_set = frozenset(self.teasers)
        self.topics_at = next(
            (i for i, s in enumerate(self.lines) if i not in self.used and TOPICS_RE.match(s)), None
        )

    def use(self, i: int, why: str | None) -> None:
        self.used[i] = why

    def use_dateline(self, i: int, d: date) -> None:
        self.use(i, None)
        self.fields[i] = f"dateline (published {d.isoformat()})"
        self.datelines.append((i, d))

    @property
    def published(self) -> date | None:
        return min(self.datelines)[1] if self.datelines else None

    def next_text(self, i: int, end: int | None = None) -> int | None:
        end = len(self.lines) if end is None else end
        while i < end:
            if self.lines[i] and i not in self.used:
                return i
            i += 1
        return None

    def _mark_clock_dates(self) -> None:
        """'3 December 2021' above 'Moscow: 07:30' is the page clock (when it was rendered)."""
        for i, s in enumerate(self.lines):
            if len(s) > 80 or not s or not s[0].isdigit() or i in self.used:
                continue
            j = next((k for k in range(i + 1, min(i + 3, len(self.lines))) if self.lines[k]), None)
            d = date_only(s) if j is not None and is_clock_time(self.lines[j]) else None
            if d is None and (m := _CLOCK_LINE.match(s)):  # "3 December 2021 Moscow: 07:30 London: 04:30"
                d = date_only(m.group(1))
            if d:
                self.use(i, "dropped site chrome (page clock)")
                self.captured = self.captured or d

    def warnings(self) -> tuple[str, ...]:
        return tuple(f"line {i + 1}: {w}" for i, w in sorted(self.used.items()) if w) + tuple(self.notes)


def _page_script(lines: list[str]) -> str | None:
    """The script most of the page's long lines are written in."""
    sample = "\n".join(s[:200] for s in lines if len(s) >= 60)[:800]
    return script_of(sample) if sample else None


def _header(sc: _Scan) -> int | None:
    """Choose the title among the lines above the body (title_choice); the lines above it are
    chrome, section headings or datelines. None when the page starts with teasers or has no text."""
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
    for c in cands:
        if c.line >= best.line:
            break
        s = sc.lines[c.line]
        if d := date_only(s):
            sc.use_dateline(c.line, d)
            sc.use(c.line, "read as the publication date")
            continue
        reason = c.chrome or header_chrome(s) or "above the title"
        if _norm(s) == _norm(sc.lines[best.line]):
            sc.use(c.line, "dropped repeated title")
            continue
        sc.use(c.line, f"dropped site chrome ({reason})")
        if (
            reason in ("section heading", "genre label")
            or "genre label" in c.why
            or "section heading" in c.why
        ):
            sc.heading_kind = kind_of_heading(s) or sc.heading_kind
    others = sorted((c for c in cands if c is not best), key=lambda c: -c.score)
    if others and best.score - others[0].score < CLOSE:
        sc.notes.append(
            f"title chosen: line {best.line + 1} (score {best.score:g}) over line "
            f"{others[0].line + 1} (score {others[0].score:g})"
        )
    return best.line


_META = re.compile(
    r"^(?:from|source|author|authors|organisation|organization|department|by)\s*:\s|"
    r"^(?:published|updated|last\s+updated)\s+\d",
    re.IGNORECASE,
)


def _is_event_date(s: str) -> bool:
    """Under a title, a date with a weekday or a time ('Friday, March 18, 2022, 3:01 p.m.') is the
    event's date line; a prefixed or numeric one ('Published 8 April 2022', '28.02.2023') the page's."""
    return (
        not (s[:1].isdigit() and "." in s[:6])
        and not re.match(r"^(?:submitted|published|posted|updated|publication|date\s+of)", s, re.IGNORECASE)
        and not s[:4].isdigit()
    )


def _title_block(sc: _Scan, ti: int, end: int) -> tuple[int, Byline | None, str | None]:
    """Consume what follows the title up to the body: a repeat of the title, datelines, a
    byline or date line, a subheading. Returns the body start, byline and subheading."""
    one_per_line = not has_blank_lines(sc.lines, ti, end, sc.used)
    byline = subtitle = subtitle_lead = None
    i: int | None = ti + 1
    while (i := sc.next_text(i, end)) is not None:
        s = sc.lines[i]
        if _norm(s) == _norm(sc.lines[ti]):
            sc.use(i, "dropped repeated title")
        elif sc.learned is not None and (pages := sc.learned(s)):
            sc.use(i, f"dropped site chrome (recurs on {pages} pages of the site)")
        elif (d := dateline(s)) and not (byline is None and _is_event_date(s)):
            sc.use_dateline(i, d)
        elif _META.match(s) and len(s) <= 150:
            sc.use(i, "read as page metadata")
        elif (
            subtitle_lead is None
            and byline is None
            and len(s) <= 300
            and (k := sc.next_text(i + 1, end)) is not None
            and (_META.match(sc.lines[k]) or dateline(sc.lines[k], loose=False))
        ):
            sc.use(i, "read as the summary")  # a one-line summary above "From: …" / "Published …"
            subtitle_lead = s
        elif (
            byline is None
            and (lead := read_lead(s))
            and (k := sc.next_text(i + 1, end)) is not None
            and ((nl := read_name_line(sc.lines[k])) and same_person(nl.name or "", lead.name or ""))
        ):
            # a one-sentence summary naming the speaker, then the speaker's name: gov.uk and the like
            sc.use(i, f"read as the summary (speaker {lead.name})")
            sc.use(k, f"byline read (speaker {nl.name})")
            byline, subtitle_lead, i = Byline(lead.name, lead.role or nl.role, None, None), s, k
        elif (
            byline is None
            and (run := _short_run(sc, i, end))
            and (byline := read_byline([sc.lines[k] for k in run]))
        ):
            got = ", ".join(
                f
                for f, v in (
                    ("speaker", byline.name),
                    ("role", byline.role),
                    ("venue", byline.venue),
                    ("date", byline.date),
                )
                if v
            )
            for k in run:
                sc.use(k, f"byline read ({got})")
            i = run[-1]
        else:
            break
        i += 1
    nxt = None if i is None else sc.next_text(i + 1, end)
    if i is not None and nxt is not None and (one_per_line or len(_run(sc, i, end)) == 1):
        block = [nxt] if one_per_line else _run(sc, nxt, end)
        if is_subheading(sc.lines[i], [sc.lines[k] for k in block]):
            sc.use(i, "read as the subheading, not body text")
            subtitle, i = sc.lines[i], nxt
    return (end if i is None else i), byline, subtitle or subtitle_lead


def _run(sc: _Scan, i: int, end: int, limit: int = 50) -> list[int]:
    """Consecutive text lines from i (a block)."""
    out = []
    while i < end and len(out) < limit and sc.lines[i] and i not in sc.used:
        out.append(i)
        i += 1
    return out


def _short_run(sc: _Scan, i: int, end: int) -> list[int]:
    out = []
    for k in _run(sc, i, end, limit=7):
        s = sc.lines[k]
        if (
            len(s) > 100
            or re.search(r"[.,;:!?]$", s)
            and not re.search(r"\b(?:[A-Z]\.){2,}$|\b[ap]\.m\.$", s)
        ):
            break  # (but "WASHINGTON, D.C.", "3:01 p.m.")
        out.append(k)
    return out


def _drop_trailing_learned(sc: _Scan, start: int, end: int) -> None:
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


def _drop_trailing_headings(sc: _Scan, start: int, end: int) -> None:
    """'LATEST EVENTS' between a body and its teasers is a section label."""
    k = end - 1
    while k >= start:
        s = sc.lines[k]
        if s and k not in sc.used:
            if not is_caps_heading(s):
                return
            sc.use(k, "dropped site chrome (section heading)")
        k -= 1


def _main(sc: _Scan, ti: int) -> ParsedStatement:
    after = [i for i in sc.teasers if i > ti] + ([sc.topics_at] if sc.topics_at and sc.topics_at > ti else [])
    end = min(after, default=len(sc.lines))
    start, byline, subtitle = _title_block(sc, ti, end)
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


def _topics(sc: _Scan, ti: int) -> tuple[list[str], tuple[int, int] | None]:
    """Topic tags after 'Additional materials'; a longer line ends them (the rest is body)."""
    m = sc.topics_at
    if m is None or m <= ti:  # the title itself may read "Additional materials": not a topics heading then
        return [], None
    sc.use(m, None)
    sc.fields[m] = "topics heading"
    end = min([i for i in sc.teasers if i > m], default=len(sc.lines))
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


def _excerpts(sc: _Scan) -> list[ParsedStatement]:
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


def _is_section_title(main: ParsedStatement, sc: _Scan) -> bool:
    """'News', 'Press releases' over a list of teasers: a listing page's heading, not a statement."""
    return (
        not main.paragraphs
        and bool(sc.teasers)
        and sc.teasers[0] > main.title_line - 1
        and len(main.title.split()) <= 5
        and not main.speakers
        and not main.date
    )


def _is_item_list(sc: _Scan, ti: int) -> bool:
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


def _is_listing_heading(sc: _Scan) -> bool:
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


def _parse(text: str, learned=None) -> tuple[ParsedPage, _Scan]:
    sc = _Scan(text, learned)
    ti = _header(sc)
    if ti is not None and _is_item_list(sc, ti):
        for i in range(ti, len(sc.lines)):
            if sc.lines[i] and i not in sc.used:
                sc.use(i, "dropped item of a listing page")
        ti = None
        if not sc.teasers:
            return ParsedPage(statements=(), warnings=sc.warnings(), captured=sc.captured), sc
    if ti is None and not sc.teasers:
        raise PageError("no statement found: the page has no title", 1)
    statements = [] if ti is None else [_main(sc, ti)]
    if statements and (_is_section_title(statements[0], sc) or _is_listing_heading(sc)):
        sc.use(ti, "dropped site chrome (section heading)")
        if statements[0].topics:  # its tags go with it, each reported
            _drop_topics(sc, ti, "dropped topic tag of a listing page")
        statements = []
    statements += _excerpts(sc)
    _warn_unassigned(sc, statements)
    page = ParsedPage(statements=tuple(statements), warnings=sc.warnings(), captured=sc.captured)
    return canonical_names(page), sc


def _drop_topics(sc: _Scan, ti: int, why: str) -> None:
    m = sc.topics_at
    if m is None or m <= ti:
        return
    end = min([i for i in sc.teasers if i > m], default=len(sc.lines))
    for i in range(m, end):
        if sc.lines[i] and i in sc.used and sc.used[i] is None:
            sc.use(i, why)


def _warn_unassigned(sc: _Scan, statements: list[ParsedStatement]) -> None:
    """A text line that went nowhere (e.g. tags after 'Additional materials' on a page of
    teasers only) is reported, never silently dropped."""
    covered = {s.title_line - 1 for s in statements}
    covered.update(i for s in statements for p in s.paragraphs for i in range(p.line_start - 1, p.line_end))
    for i, s in enumerate(sc.lines):
        if s and i not in sc.used and i not in covered:
            sc.use(i, "dropped text that belongs to no statement")
