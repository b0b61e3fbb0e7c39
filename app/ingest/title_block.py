"""What follows the title up to the body: a repeat of the title, datelines, page metadata,
a one-line summary, a byline or date line, a subheading."""

from __future__ import annotations

import re

from app.ingest.byline import Byline, is_subheading, read_byline, read_lead, read_name_line
from app.ingest.dates import dateline
from app.ingest.page_scan import PageScan, norm
from app.ingest.paragraphs import has_blank_lines, same_person

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


def read_title_block(sc: PageScan, ti: int, end: int) -> tuple[int, Byline | None, str | None]:
    """Consume what follows the title up to the body: a repeat of the title, datelines, a
    byline or date line, a subheading. Returns the body start, byline and subheading."""
    one_per_line = not has_blank_lines(sc.lines, ti, end, sc.used)
    byline = subtitle = subtitle_lead = None
    i: int | None = ti + 1
    while (i := sc.next_text(i, end)) is not None:
        s = sc.lines[i]
        if norm(s) == norm(sc.lines[ti]):
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
            got = _fields_read(byline)
            for k in run:
                sc.use(k, f"byline read ({got})")
            i = run[-1]
        else:
            break
        i += 1
    if i is not None and (sub := _subheading(sc, i, end, one_per_line)) is not None:
        subtitle, i = sc.lines[i], sub
    return (end if i is None else i), byline, subtitle or subtitle_lead


def _fields_read(byline: Byline) -> str:
    """'speaker, role, date': what a byline gave, for the warnings."""
    return ", ".join(
        f
        for f, v in (
            ("speaker", byline.name),
            ("role", byline.role),
            ("venue", byline.venue),
            ("date", byline.date),
        )
        if v
    )


def _subheading(sc: PageScan, i: int, end: int, one_per_line: bool) -> int | None:
    """When line i is a subheading over the body, mark it and return where the body starts."""
    nxt = sc.next_text(i + 1, end)
    if nxt is not None and (one_per_line or len(_run(sc, i, end)) == 1):
        block = [nxt] if one_per_line else _run(sc, nxt, end)
        if is_subheading(sc.lines[i], [sc.lines[k] for k in block]):
            sc.use(i, "read as the subheading, not body text")
            return nxt
    return None


def _run(sc: PageScan, i: int, end: int, limit: int = 50) -> list[int]:
    """Consecutive text lines from i (a block)."""
    out = []
    while i < end and len(out) < limit and sc.lines[i] and i not in sc.used:
        out.append(i)
        i += 1
    return out


def _short_run(sc: PageScan, i: int, end: int) -> list[int]:
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
