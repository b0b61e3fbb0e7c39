"""The one Whoosh schema: one document per current paragraph.

Bump SCHEMA_VERSION whenever the schema, an analyser or what goes into a field
changes: an index built by another version is rebuilt automatically.

Fields
- pkey, skey        paragraph key (unique) and statement key; both also columns
- n                 the paragraph's ordinal (column only)
- text              the paragraph, English stemming analyser (plain words)
- exact             the paragraph again, lower-cased but unstemmed, no stop words removed
                    ("quoted phrases", word*, word~, did-you-mean vocabulary)
- title             the statement title (stemmed; `title:` in queries)
- speaker           the statement's speakers: names, every spelling met, slugs (folded)
- said              who says this paragraph (its turn speaker, or the statement's
                    speakers for an unlabelled paragraph)
- label             the turn label as printed (folded)
- question          True for a paragraph not said by a statement speaker (Question, Q, a moderator)
- kind, venue, topic, excerpt
- date              event date, else published date, as yyyymmdd (0 = undated; column)
- published         publication date as yyyymmdd, 0 = unknown (column only)
- year              "2021" or "undated" (column: the year facet)
- venue_f, speakers_f, topics_f   facet columns: display names joined by US (\\x1f)
- fp                the statement's fingerprint (check finds content the index missed)
"""
from __future__ import annotations

import re
import unicodedata

from whoosh import columns, fields
from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemmingAnalyzer
from whoosh.support.charset import accent_map

from app.ingest.keys import TRANSLIT

SCHEMA_VERSION = 2

# Whoosh's stop list without "us" (the United States) and "may" (the month).
STOP_WORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "by", "can", "for", "from", "have", "if", "in", "is",
    "it", "not", "of", "on", "or", "tbd", "that", "the", "this", "to", "we", "when", "will", "with",
    "yet", "you", "your",
})
TOKEN_PATTERN = r"\w+(\.?\w+)*"
SEP = "\x1f"  # joins several display names in one facet column value


def text_analyzer():
    return StemmingAnalyzer(TOKEN_PATTERN, stoplist=STOP_WORDS, minsize=2) | CharsetFilter(accent_map)


def exact_analyzer():
    return RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter() | CharsetFilter(accent_map)


def name_analyzer():
    """For values folded by fold_name(): words only."""
    return RegexTokenizer(r"\w+") | LowercaseFilter()


def fold_name(text: str) -> str:
    """'Sergei Lavrov’s' -> 'sergey lavrov s': accents off, case folded, common
    transliteration variants unified. Applied to indexed names and to query values."""
    text = unicodedata.normalize("NFKD", text or "").casefold()
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(TRANSLIT.get(w, w) for w in re.findall(r"\w+", text))


def make_schema() -> fields.Schema:
    name = name_analyzer()
    return fields.Schema(
        pkey=fields.ID(unique=True, sortable=True),
        skey=fields.ID(sortable=True),
        n=fields.COLUMN(columns.NumericColumn("I")),
        text=fields.TEXT(analyzer=text_analyzer(), phrase=True),
        exact=fields.TEXT(analyzer=exact_analyzer(), phrase=True),
        title=fields.TEXT(analyzer=text_analyzer(), phrase=True),
        speaker=fields.TEXT(analyzer=name, phrase=True),
        said=fields.TEXT(analyzer=name, phrase=True),
        label=fields.TEXT(analyzer=name, phrase=True),
        question=fields.BOOLEAN(),
        kind=fields.ID(sortable=True),
        venue=fields.TEXT(analyzer=name, phrase=True),
        topic=fields.TEXT(analyzer=name, phrase=True),
        excerpt=fields.BOOLEAN(),
        date=fields.NUMERIC(int, bits=32, signed=False, sortable=True, shift_step=8),
        published=fields.COLUMN(columns.NumericColumn("I")),
        year=fields.ID(sortable=True),
        venue_f=fields.COLUMN(columns.VarBytesColumn()),
        speakers_f=fields.COLUMN(columns.VarBytesColumn()),
        topics_f=fields.COLUMN(columns.VarBytesColumn()),
        fp=fields.COLUMN(columns.VarBytesColumn()),
    )


# Query fields whose value is a name (matched word by word after fold_name()).
NAME_FIELDS = ("speaker", "said", "venue", "topic", "label")
