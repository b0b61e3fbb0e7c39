"""The one Whoosh schema: one document per statement (two-level search).

Statements are what the index finds and ranks; the paragraphs that match are resolved
afterwards from positions: the paragraph at index i of a statement (its current
paragraphs in reading order) owns positions i*STRIDE .. i*STRIDE+STRIDE-1 of every
paragraph-level field, so position // STRIDE names the paragraph, and a phrase never
runs from one paragraph into the next.

Bump SCHEMA_REVISION whenever the schema, an analyser or what goes into a field
changes; SCHEMA_VERSION adds a fingerprint of the tables the analysers read. An index
built by another version is rebuilt automatically.

Fields (P: paragraph-level, positions per paragraph; S: statement-level)
- skey              statement key (unique; column)
- text       P      the paragraphs, English stemming analyser (plain words)
- exact      P      the paragraphs again, lower-cased but unstemmed, no stop words removed
                    ("quoted phrases", word*, word~, did-you-mean vocabulary)
- said       P      who says each paragraph (its turn speaker, or the statement's
                    speakers for an unlabelled paragraph)
- label      P      each paragraph's turn label as printed (folded)
- question   P      "yes" for a paragraph not said by a statement speaker (Question, Q, a
                    moderator), else "no"
- title      S      the statement title (stemmed; `title:` in queries)
- speaker    S      the statement's speakers: names, every spelling met, slugs (folded)
- kind, venue, topic, excerpt   S
- date              event date, else published date, as yyyymmdd (0 = undated; column)
- published         publication date as yyyymmdd, 0 = unknown (column only)
- year              "2021" or "undated" (column: the year facet)
- venue_f, speakers_f, topics_f   facet columns: display names joined by US (\\x1f)
- paras             the indexed paragraphs: "n<TAB>key" joined by US, in position order
- count             how many paragraphs (column)
- fp                the statement's fingerprint (check finds content the index missed)
"""

from __future__ import annotations

import json
import re
import unicodedata
import zlib

from whoosh import columns, fields
from whoosh.analysis import (
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StemmingAnalyzer,
    StopFilter,
    Tokenizer,
)
from whoosh.support.charset import accent_map

from app.ingest.keys import TRANSLIT
from app.search.engine.fast_index import fast_index
from app.search.tables import PARA_SEP, STOP_WORDS, STRIDE, TOKEN_PATTERN
from app.vocabulary import ANSWER_WORDS, QUESTION_WORDS

SCHEMA_REVISION = 3  # bump when the schema, an analyser or what goes into a field changes


def _tables_fingerprint() -> int:
    """A number that changes when a table the analysers or fields read changes (the name
    transliterations, the accent map, the stop words, the turn words), so that editing one
    makes existing indexes outdated without anyone remembering to bump SCHEMA_REVISION."""
    tables = (
        sorted(TRANSLIT.items()),
        sorted(accent_map.items()),
        sorted(STOP_WORDS),
        TOKEN_PATTERN,
        sorted(QUESTION_WORDS),
        sorted(ANSWER_WORDS),
    )
    return zlib.crc32(json.dumps(tables, ensure_ascii=False).encode()) % 1_000_000


# What an index records as the version that built it (an int: revision, then the tables' fingerprint).
SCHEMA_VERSION = SCHEMA_REVISION * 1_000_000 + _tables_fingerprint()
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


def join_paragraphs(texts) -> str:
    """One field value for a list of paragraphs (Whoosh takes a list as tokens already made)."""
    return PARA_SEP.join(t.replace(PARA_SEP, " ") for t in texts)


class ParagraphTokenizer(Tokenizer):
    """Tokenises paragraphs joined by PARA_SEP; the tokens of paragraph i get positions from
    i*STRIDE (see the module docstring)."""

    def __init__(self, expression: str):
        self.inner = RegexTokenizer(expression)

    def __eq__(self, other):
        return type(other) is type(self) and other.inner == self.inner

    def __call__(self, value, positions=False, start_pos=0, **kwargs):
        for i, text in enumerate(value.split(PARA_SEP)):
            if not text:
                continue
            base = start_pos + i * STRIDE
            last = base + STRIDE - 1
            for t in self.inner(text, positions=positions, start_pos=base, **kwargs):
                if positions and t.pos > last:
                    t.pos = last
                yield t


def paragraph_text_analyzer():
    return (
        ParagraphTokenizer(TOKEN_PATTERN)
        | LowercaseFilter()
        | StopFilter(stoplist=STOP_WORDS, minsize=2, renumber=False)
        | StemFilter(cachesize=100_000)
        | CharsetFilter(accent_map)
    )


def paragraph_exact_analyzer():
    return ParagraphTokenizer(TOKEN_PATTERN) | LowercaseFilter() | CharsetFilter(accent_map)


def paragraph_name_analyzer():
    return ParagraphTokenizer(r"\w+") | LowercaseFilter()


class ParagraphText(fields.TEXT):
    """A paragraph-level TEXT field (phrase positions) with a fast index() for plain string values.
    `kind`: "text" (stemmed), "exact" (unstemmed) or "name" (said/label/question)."""

    _ANALYZERS = {
        "text": paragraph_text_analyzer,
        "exact": paragraph_exact_analyzer,
        "name": paragraph_name_analyzer,
    }

    def __init__(self, kind: str):
        super().__init__(analyzer=self._ANALYZERS[kind](), phrase=True)
        self.paragraph_kind = kind

    def index(self, value, **kwargs):
        """The fast path (engine/fast_index.py) for a plain string, the analysers otherwise."""
        postings = fast_index(self, value, kwargs)
        return postings if postings is not None else super().index(value, **kwargs)

    def analyser_index(self, value, **kwargs):
        """The stock (analyser) path, for tests."""
        return list(super().index(value, **kwargs))


def make_schema() -> fields.Schema:
    name = name_analyzer()
    return fields.Schema(
        skey=fields.ID(unique=True, sortable=True),
        text=ParagraphText("text"),
        exact=ParagraphText("exact"),
        title=fields.TEXT(analyzer=text_analyzer(), phrase=True),
        speaker=fields.TEXT(analyzer=name, phrase=True),
        said=ParagraphText("name"),
        label=ParagraphText("name"),
        question=ParagraphText("name"),
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
        paras=fields.COLUMN(columns.VarBytesColumn()),
        count=fields.COLUMN(columns.NumericColumn("I")),
        fp=fields.COLUMN(columns.VarBytesColumn()),
    )


# Query fields whose value is a name (matched word by word after fold_name()).
NAME_FIELDS = ("speaker", "said", "venue", "topic", "label")
# Fields whose positions say which paragraph matched; every other field is the statement's.
PARAGRAPH_FIELDS = frozenset({"text", "exact", "said", "label", "question"})
