"""The page's lines and what has been made of each so far: the state every parsing step shares.

Built once per page, before the title is looked for: it marks what is chrome wherever it
stands (line_chrome, the page clock), the publication datelines printed anywhere, the
teasers ("DD.MM.YYYY - Title") and the "Additional materials" heading. The later steps
(page_header, title_block, page_body) mark the lines they take with `use`.
"""

from __future__ import annotations

import re
from datetime import date

from app.ingest.chrome import line_chrome
from app.ingest.dates import date_only, dateline, is_clock_time, parse_full_date
from app.ingest.genres import genre_only, kind_of_heading
from app.ingest.title_choice import script_of

TEASER_RE = re.compile(r"^(\d{1,2}\.\d{1,2}\.\d{4})\s+[-–—]\s+(\S.*)$")
TOPICS_RE = re.compile(
    r"^(?:(?:additional|related)\s+materials|дополнительные\s+материалы):?$", re.IGNORECASE
)
_CLOCK_LINE = re.compile(
    r"^(\d{1,2}\s+\w+\s+\d{4})(?:\s+[^\W\d_][\w.'-]*(?: [^\W\d_][\w.'-]*){0,2}:\s*\d{1,2}:\d{2})+$"
)


def norm(s: str) -> str:
    """A line as compared with another (a title printed twice): white space and case folded."""
    return " ".join(s.split()).casefold()


class PageScan:
    """The page's lines and what has been made of each line so far."""

    def __init__(self, text: str, learned=None):
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        raw = text.split("\n")
        self.lines = [s.strip() for s in raw]
        self.indent = [len(r) - len(r.lstrip()) if r.strip() else 0 for r in raw]
        self.learned = learned
        self.candidates: list = []
        self.best = None
        self.notes: list[str] = []  # warnings that are not about a dropped line (a close title choice)
        self.fields: dict[int, str] = {}  # line index -> the field it went into (for --explain)
        self.used: dict[int, str | None] = {}  # line index -> warning (None: went into a field)
        self.captured = None
        self.datelines: list[tuple[int, date]] = []  # publication datelines, by line
        self.heading_kind: str | None = None
        self._mark_chrome()
        self._mark_clock_dates()
        self.script = _page_script(self.lines)
        self._mark_datelines()
        self.teasers = self._find_teasers()
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

    def warnings(self) -> tuple[str, ...]:
        return tuple(f"line {i + 1}: {w}" for i, w in sorted(self.used.items()) if w) + tuple(self.notes)

    def _mark_chrome(self) -> None:
        for i, s in enumerate(self.lines):
            reason = line_chrome(s)
            if reason:
                self.use(
                    i,
                    "dropped separator line" if reason == "separator" else f"dropped site chrome ({reason})",
                )

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

    def _mark_datelines(self) -> None:
        """'Submitted on …', 'Publication date: …' wherever they stand."""
        for i, s in enumerate(self.lines):
            if (
                s
                and i not in self.used
                and len(s) < 80
                and not s[0].isdigit()
                and (d := dateline(s, loose=False))
            ):
                self.use_dateline(i, d)

    def _find_teasers(self) -> list[int]:
        teasers = []
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
                    teasers.append(i)
        return teasers


def _page_script(lines: list[str]) -> str | None:
    """The script most of the page's long lines are written in."""
    sample = "\n".join(s[:200] for s in lines if len(s) >= 60)[:800]
    return script_of(sample) if sample else None
