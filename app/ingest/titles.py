"""What a title says: kind, speakers, date and venue.

"Foreign Minister Sergey Lavrov’s remarks at …, Moscow, October 2, 2021"
    -> remarks, [Sergey Lavrov (Foreign Minister)], 2021-10-02, Moscow
The kind is read from the head of the title only (the subject and the noun after it, or a
leading "Interview by …"), so "FT cannot … publish the Ambassador’s letter" is not a letter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from app.ingest.genres import genre_only, kind_of_heading
from app.ingest.title_speakers import Speaker, kind_and_speakers, speakers_named
from app.ingest.venues import date_and_venue, place_name

__all__ = [  # (genre_only … place_name: read here by html_reader)
    "Speaker",
    "TitleInfo",
    "analyse_title",
    "date_and_venue",
    "genre_only",
    "kind_of_heading",
    "place_name",
]


@dataclass(frozen=True)
class TitleInfo:
    kind: str | None
    speakers: tuple[Speaker, ...]
    date: date | None
    venue: str | None
    unnamed: tuple[str, ...] = ()  # roles of people the title does not name ("the President")

    @property
    def signals(self) -> int:
        """How much this line looks like a statement title (kind, speaker, date)."""
        return bool(self.kind) + bool(self.speakers) + bool(self.date)


_AUTHOR = re.compile(r"\((?:an?\s+(?:article|op-ed|column)\s+)?by\s+([^()]{3,80})\)\s*$", re.IGNORECASE)


@lru_cache(maxsize=8192)
def analyse_title(title: str) -> TitleInfo:
    # a title is short; an overlong "title" line is read at its head and tail only
    d, venue, _ = date_and_venue(title[-300:])
    kind, speakers, unnamed = kind_and_speakers(title[:300])
    if kind is None and not speakers and ": " in title[:300]:
        # "Headline: UK statement at the UN Security Council, 18 March 2022": the genre after the colon
        tail = title[:300].rsplit(": ", 1)[1]
        if len(tail.split()) >= 2:
            kind, speakers, unnamed = kind_and_speakers(tail)
    if not speakers and (m := _AUTHOR.search(title[:300])):
        # "SALISBURY: A CLASSIFIED CASE (by Ambassador Alexander Yakovenko)": the author's piece
        speakers = speakers_named(m.group(1))
        if speakers and kind is None:
            kind = "article"
    return TitleInfo(kind=kind, speakers=tuple(speakers), date=d, venue=venue, unnamed=unnamed)
