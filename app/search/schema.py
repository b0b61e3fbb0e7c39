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

from whoosh import columns, fields, formats
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
from app.vocabulary import ANSWER_WORDS, QUESTION_WORDS

SCHEMA_REVISION = 3  # bump when the schema, an analyser or what goes into a field changes
STRIDE = 4096     # positions per paragraph (a longer paragraph's tail shares its last position)

# Whoosh's stop list without "us" (the United States) and "may" (the month).
STOP_WORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "by", "can", "for", "from", "have", "if", "in", "is",
    "it", "not", "of", "on", "or", "tbd", "that", "the", "this", "to", "we", "when", "will", "with",
    "yet", "you", "your",
})
TOKEN_PATTERN = r"\w+(\.?\w+)*"


def _tables_fingerprint() -> int:
    """A number that changes when a table the analysers or fields read changes (the name
    transliterations, the accent map, the stop words, the turn words), so that editing one
    makes existing indexes outdated without anyone remembering to bump SCHEMA_REVISION."""
    tables = (sorted(TRANSLIT.items()), sorted(accent_map.items()), sorted(STOP_WORDS), TOKEN_PATTERN,
              sorted(QUESTION_WORDS), sorted(ANSWER_WORDS))
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


PARA_SEP = "\x1e"  # joins the paragraphs of a paragraph-level field's value


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
    return (ParagraphTokenizer(TOKEN_PATTERN) | LowercaseFilter()
            | StopFilter(stoplist=STOP_WORDS, minsize=2, renumber=False) | StemFilter(cachesize=100_000)
            | CharsetFilter(accent_map))


def paragraph_exact_analyzer():
    return ParagraphTokenizer(TOKEN_PATTERN) | LowercaseFilter() | CharsetFilter(accent_map)


def paragraph_name_analyzer():
    return ParagraphTokenizer(r"\w+") | LowercaseFilter()


# -- the fast path for indexing paragraph-level fields --------------------------------------
#
# Whoosh runs every token through a chain of generators (tokeniser, lowercase, stop, stem,
# accent folding) one Token object at a time: most of an index build. ParagraphText.index()
# gives the same postings -- (term bytes, frequency, weight, encoded positions), in the same
# order -- from one regex pass and a per-process cache word -> final term (None: a stop or
# too short word), positions following ParagraphTokenizer's rule (token j of paragraph i at
# i*STRIDE + j, clamped to the paragraph's last position). Queries and highlighting keep
# using the analysers (tokenize/process_text are inherited). tests/test_fast_index.py
# compares both paths on every corpus paragraph and on generated text.

_STEM = None
_TERM_CACHE: dict[str, dict[str, str | None]] = {"text": {}, "exact": {}, "name": {}}
_CACHE_MAX = 500_000  # words per kind; the cache is cleared when it grows past this
_PATTERNS = {"text": re.compile(TOKEN_PATTERN), "exact": re.compile(TOKEN_PATTERN),
             "name": re.compile(r"\w+")}


def _final_term(kind: str, word: str) -> str | None:
    """What the analyser chain of `kind` makes of one token (None: dropped)."""
    global _STEM
    low = word.lower()
    if kind == "name":
        return low
    if kind == "exact":
        return low.translate(accent_map)
    if len(low) < 2 or low in STOP_WORDS:
        return None
    if _STEM is None:
        _STEM = StemFilter(cachesize=100_000)._stem
    return _STEM(low).translate(accent_map)


def fast_postings(kind: str, value: str, format_encode) -> list[tuple[bytes, int, float, bytes]]:
    """The postings of a paragraph-level field value, as Positions.word_values() + TEXT.index() give them."""
    cache = _TERM_CACHE[kind]
    if len(cache) > _CACHE_MAX:
        cache.clear()
    findall = _PATTERNS[kind].finditer
    poses: dict[str, list[int]] = {}
    base = 0
    limit = STRIDE - 1
    for text in value.split(PARA_SEP):
        if text:
            pos = base
            last = base + limit
            for m in findall(text):
                word = m.group()
                try:
                    term = cache[word]
                except KeyError:
                    term = cache[word] = _final_term(kind, word)
                if term is not None:
                    lst = poses.get(term)
                    if lst is None:
                        poses[term] = [pos if pos < last else last]
                    else:
                        lst.append(pos if pos < last else last)
                pos += 1
        base += STRIDE
    return [(term.encode("utf-8"), len(pl), float(len(pl)), format_encode(pl)) for term, pl in poses.items()]


class ParagraphText(fields.TEXT):
    """A paragraph-level TEXT field (phrase positions) with a fast index() for plain string values.
    `kind`: "text" (stemmed), "exact" (unstemmed) or "name" (said/label/question)."""

    _ANALYZERS = {"text": paragraph_text_analyzer, "exact": paragraph_exact_analyzer,
                  "name": paragraph_name_analyzer}

    def __init__(self, kind: str):
        super().__init__(analyzer=self._ANALYZERS[kind](), phrase=True)
        self.paragraph_kind = kind

    def index(self, value, **kwargs):
        if (type(value) is not str or kwargs or self.format.field_boost != 1.0
                or type(self.format) is not formats.Positions):
            return super().index(value, **kwargs)
        return fast_postings(self.paragraph_kind, value, self.format.encode)

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
