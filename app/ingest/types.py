"""Values produced by the page parser: plain frozen dataclasses, no I/O.

The JSON form (`page_to_dict`) is the stable shape of `archive parse --json`
(docs: README, "Parse JSON"); add fields freely, never rename these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

KINDS = (
    "remarks",
    "interview",
    "press_release",
    "comment",
    "statement",
    "article",
    "speech",
    "letter",
    "briefing",
    "answers",
    "news",
    "other",
)

Role = Literal["main", "excerpt"]
SpeakerKind = Literal["person", "institution"]


class PageError(Exception):
    """A page that cannot be ingested at all (empty, binary, no title, too large, …).

    `line` is the 1-based line the problem was found at, or None for the whole file.
    """

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass(frozen=True)
class ParsedSpeaker:
    name: str  # "Sergey Lavrov" (no possessive), or "Foreign Ministry"
    role: str | None  # "Foreign Minister", as the title gives it
    kind: SpeakerKind = "person"
    as_printed: str | None = None  # the page's spelling when `name` is the speaker table's ("S.Lavrov")


@dataclass(frozen=True, slots=True)  # (slots: a page may hold 600,000 of them)
class ParsedParagraph:
    n: int  # 1-based ordinal within its statement
    text: str  # without the turn label
    speaker: str | None  # who speaks in this paragraph (label carried forward)
    label: str | None  # turn label exactly as printed ("Question", "Q", "Sergey Lavrov")
    line_start: int  # 1-based source line span (inclusive)
    line_end: int


@dataclass(frozen=True)
class ParsedStatement:
    role: Role
    title: str
    kind: str  # one of KINDS
    date: date | None  # when the statement was made
    published: date | None  # the page's (or teaser's) own publication date
    venue: str | None
    speakers: tuple[ParsedSpeaker, ...]
    topics: tuple[str, ...]
    paragraphs: tuple[ParsedParagraph, ...]
    title_line: int  # 1-based line of the title
    captured: date | None = None  # page clock: when the page was rendered
    subtitle: str | None = None  # a subheading printed between the title and the body


@dataclass(frozen=True)
class ParsedPage:
    statements: tuple[ParsedStatement, ...]
    warnings: tuple[str, ...] = ()
    captured: date | None = None
    encoding: str = "utf-8"

    @property
    def main(self) -> ParsedStatement | None:
        return next((s for s in self.statements if s.role == "main"), None)


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def statement_to_dict(s: ParsedStatement) -> dict[str, Any]:
    return {
        "role": s.role,
        "title": s.title,
        "kind": s.kind,
        "date": _iso(s.date),
        "published": _iso(s.published),
        "venue": s.venue,
        "speakers": [
            {"name": p.name, "role": p.role, "kind": p.kind}
            | ({"as_printed": p.as_printed} if p.as_printed else {})
            for p in s.speakers
        ],
        "captured": _iso(s.captured),
        "topics": list(s.topics),
        "subtitle": s.subtitle,
        "title_line": s.title_line,
        "paragraphs": [
            {
                "n": p.n,
                "text": p.text,
                "speaker": p.speaker,
                "label": p.label,
                "lines": [p.line_start, p.line_end],
            }
            for p in s.paragraphs
        ],
    }


def page_to_dict(page: ParsedPage, *, path: str, sha256: str) -> dict[str, Any]:
    return {
        "source": {"path": path, "sha256": sha256, "encoding": page.encoding},
        "statements": [statement_to_dict(s) for s in page.statements],
        "warnings": list(page.warnings),
    }


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str
    warnings: tuple[str, ...] = field(default=())
