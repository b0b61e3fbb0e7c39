"""Our query language -> Whoosh query objects (one parser for the CLI, the pages and the API).

    sanctions europe         both words (stemmed: "sanction" finds "sanctions")
    "rule of law"            the exact words in this order (unstemmed, nothing dropped)
    russia OR china          either;  NOT nato, -nato: without
    (russia OR china) trade  grouping;  AND may be written out
    sanct*  sanctoins~       prefix (>= 2 letters); fuzzy (1 edit, 2 from 6 letters; ~2 to choose)
    speaker:lavrov           a speaker of the statement (any part of a name, any spelling)
    said:zakharova           paragraphs that person said (not the questions put to them)
    kind:interview venue:moscow topic:osce title:outcomes label:question
    date:2021  date:2021-11  date:2021-01-01..2021-06-30  date:2020..  date:..2019-06

A query that cannot be understood raises QueryError with a message for the user. Text
that only looks like syntax is searched literally: an unclosed quote runs to the end,
"10:30" or "foo:bar" are words, punctuation is ignored.
"""
from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from whoosh import query as wq

from app.ingest.types import KINDS
from app.search.schema import NAME_FIELDS, exact_analyzer, fold_name, text_analyzer

FIELDS = ("speaker", "said", "kind", "venue", "topic", "date", "year", "title", "label")
MAX_DEPTH = 20          # nested parentheses / NOTs
MIN_PREFIX = 2
OPEN_QUOTES = '"“”„«»'
CLOSE_QUOTES = {'"': '"“”', "“": '”"“', "”": '”"“', "„": '“”"', "«": '»"', "»": '«"'}
_FIELD_RE = re.compile(r"^([A-Za-z][A-Za-z_]*):(.*)$", re.S)
_FUZZY_RE = re.compile(r"~(\d?)$")
_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")

_TEXT = text_analyzer()
_EXACT = exact_analyzer()


class QueryError(ValueError):
    """A query (or a filter value) that cannot be understood; `message` is for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# -- tokens and syntax tree -----------------------------------------------------------------

@dataclass(frozen=True)
class Tok:
    kind: str          # ( ) OP - WORD PHRASE FIELD
    text: str
    start: int
    end: int
    name: str = ""     # FIELD: field name
    quoted: bool = False


@dataclass(frozen=True)
class Leaf:
    tok: Tok


@dataclass(frozen=True)
class Bool:
    op: str            # and | or
    items: tuple


@dataclass(frozen=True)
class Negate:
    item: object


@dataclass(frozen=True)
class WordSpan:
    """A word of the query as typed, for "did you mean": the field it was looked up in."""
    start: int
    end: int
    word: str
    field: str


@dataclass
class ParsedQuery:
    text: str                          # the query after control characters were removed
    query: wq.Query                    # what to run (Every() for an empty query)
    empty: bool                        # no query at all: every paragraph (filters only)
    highlight: list[wq.Query] = field(default_factory=list)  # positive text/exact leaves
    words: list[WordSpan] = field(default_factory=list)


# -- lexer ----------------------------------------------------------------------------------

def clean(text: str, max_chars: int) -> str:
    if len(text) > max_chars:
        raise QueryError(f"the query is too long ({len(text):,} characters; the limit is {max_chars:,})")
    text = unicodedata.normalize("NFC", text)
    return "".join(" " if unicodedata.category(c)[0] == "C" else c for c in text).strip()


def _phrase_end(text: str, i: int) -> tuple[int, int]:
    """Index of the closing quote for the quote at i (or len(text): an unclosed quote runs
    to the end, searched literally), and where the next token starts."""
    closers = CLOSE_QUOTES[text[i]]
    j = i + 1
    while j < len(text) and text[j] not in closers:
        j += 1
    return j, min(j + 1, len(text))


def tokenize(text: str) -> list[Tok]:
    toks: list[Tok] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c in "()":
            toks.append(Tok(c, c, i, i + 1))
            i += 1
        elif c in OPEN_QUOTES:
            j, nxt = _phrase_end(text, i)
            toks.append(Tok("PHRASE", text[i + 1:j], i, nxt, quoted=True))
            i = nxt
        elif c in "-+" and i + 1 < n and not text[i + 1].isspace() and text[i + 1] not in ")-+":
            if c == "-":
                toks.append(Tok("-", c, i, i + 1))
            i += 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in "()" and text[j] not in OPEN_QUOTES:
                j += 1
            word = text[i:j]
            if word in ("AND", "OR", "NOT"):
                toks.append(Tok("OP", word, i, j))
            elif word in ("&&", "||"):
                toks.append(Tok("OP", "AND" if word == "&&" else "OR", i, j))
            else:
                j = _word_or_field(text, i, j, toks)
            i = j
    return toks


def _word_or_field(text: str, i: int, j: int, toks: list[Tok]) -> int:
    word = text[i:j]
    m = _FIELD_RE.match(word)
    if not m:
        toks.append(Tok("WORD", word, i, j))
        return j
    name, value = m.group(1).casefold(), m.group(2)
    if name not in FIELDS:
        close = difflib.get_close_matches(name, FIELDS, n=1, cutoff=0.75)
        if close and value:
            raise QueryError(f"unknown field '{m.group(1)}:'; did you mean '{close[0]}:'? "
                             f"Fields: {', '.join(f + ':' for f in FIELDS)}")
        toks.append(Tok("PHRASE" if value else "WORD", word.replace(":", " "), i, j, quoted=False))
        return j
    vstart = i + len(m.group(1)) + 1
    if not value and j < len(text) and text[j] in OPEN_QUOTES:      # speaker:"maria zakharova"
        end, nxt = _phrase_end(text, j)
        toks.append(Tok("FIELD", text[j + 1:end], i, nxt, name=name, quoted=True))
        return nxt
    if not value:                                                  # speaker: lavrov
        k = j
        while k < len(text) and text[k].isspace():
            k += 1
        if k < len(text) and text[k] not in "()":
            if text[k] in OPEN_QUOTES:
                end, nxt = _phrase_end(text, k)
                toks.append(Tok("FIELD", text[k + 1:end], i, nxt, name=name, quoted=True))
                return nxt
            e = k
            while e < len(text) and not text[e].isspace() and text[e] not in "()" + OPEN_QUOTES:
                e += 1
            if text[k:e] not in ("AND", "OR", "NOT"):
                toks.append(Tok("FIELD", text[k:e], i, e, name=name))
                return e
        raise QueryError(f"'{name}:' needs a value, e.g. {_example(name)}")
    toks.append(Tok("FIELD", text[vstart:j], i, j, name=name))
    return j


def _example(name: str) -> str:
    return {"speaker": "speaker:lavrov", "said": "said:zakharova", "kind": "kind:interview",
            "venue": "venue:moscow", "topic": "topic:osce", "date": "date:2021-11",
            "year": "year:2021", "title": "title:briefing", "label": "label:question"}[name]


# -- parser ---------------------------------------------------------------------------------

class _Parser:
    def __init__(self, toks: list[Tok]):
        self.toks, self.i, self.depth = toks, 0, 0

    def peek(self) -> Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> Tok:
        self.i += 1
        return self.toks[self.i - 1]

    def _operand_follows(self) -> bool:
        t = self.peek()
        return t is not None and t.kind not in (")",) and not (t.kind == "OP" and t.text != "NOT")

    def parse(self):
        node = self.parse_or()
        t = self.peek()
        if t is not None:  # only a ')' can stop parse_or early
            raise QueryError(f"unbalanced parentheses: ')' at character {t.start + 1} has no matching '('")
        return node

    def parse_or(self):
        items = [self.parse_and()]
        while (t := self.peek()) is not None and t.kind == "OP" and t.text == "OR":
            self.take()
            if items[-1] is None or not self._operand_follows():
                raise QueryError("'OR' needs a search term on each side, e.g. russia OR china")
            items.append(self.parse_and())
        if len(items) == 1:
            return items[0]
        return Bool("or", tuple(items))

    def parse_and(self):
        items = []
        while (t := self.peek()) is not None and t.kind != ")" and not (t.kind == "OP" and t.text == "OR"):
            if t.kind == "OP" and t.text == "AND":
                self.take()
                if not items or not self._operand_follows():
                    raise QueryError("'AND' needs a search term on each side, e.g. russia AND china")
                continue
            items.append(self.parse_unary())
        if not items:
            return None
        return items[0] if len(items) == 1 else Bool("and", tuple(items))

    def parse_unary(self):
        t = self.peek()
        if t.kind == "-" or (t.kind == "OP" and t.text == "NOT"):
            self.take()
            if not self._operand_follows():
                raise QueryError(f"'{t.text}' needs a search term after it, e.g. {t.text}{'' if t.kind == '-' else ' '}nato")
            self._deeper()
            node = Negate(self.parse_unary())
            self.depth -= 1
            return node
        return self.parse_atom()

    def parse_atom(self):
        t = self.take()
        if t.kind == "(":
            self._deeper()
            node = self.parse_or()
            self.depth -= 1
            close = self.peek()
            if close is None or close.kind != ")":
                raise QueryError(f"unbalanced parentheses: '(' at character {t.start + 1} is never closed")
            self.take()
            if node is None:
                raise QueryError("empty parentheses: put search terms inside them")
            return node
        if t.kind == ")":
            raise QueryError(f"unbalanced parentheses: ')' at character {t.start + 1} has no matching '('")
        return Leaf(t)

    def _deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryError(f"the query nests too deeply (more than {MAX_DEPTH} levels of parentheses or NOT)")


# -- compiling to Whoosh ----------------------------------------------------------------------

@dataclass
class _Out:
    query: wq.Query | None
    stop: wq.Query | None = None   # a stop word: searched only if nothing else is


class _Compiler:
    def __init__(self):
        self.highlight: list[wq.Query] = []
        self.words: list[WordSpan] = []

    def compile(self, node, negated: bool = False) -> _Out:
        if isinstance(node, Leaf):
            return self.leaf(node.tok, negated)
        if isinstance(node, Negate):
            inner = self.compile(node.item, not negated)
            q = inner.query or inner.stop
            return _Out(wq.Not(q) if q is not None else None)
        outs = [self.compile(item, negated) for item in node.items]
        qs = [o.query for o in outs if o.query is not None]
        if not qs or node.op == "or" or all(isinstance(q, wq.Not) for q in qs):
            qs = [o.query if o.query is not None else self.use_stop(o, negated) for o in outs]
            qs = [q for q in qs if q is not None]
        if not qs:
            return _Out(None)
        if len(qs) == 1:
            return _Out(qs[0])
        if node.op == "and":
            if all(isinstance(q, wq.Not) for q in qs):
                qs.insert(0, wq.Every())
            return _Out(wq.And(qs))
        return _Out(wq.Or(qs))

    def use_stop(self, out: _Out, negated: bool) -> wq.Query | None:
        if out.stop is not None and not negated:
            self.highlight.append(out.stop)
        return out.stop

    def leaf(self, tok: Tok, negated: bool) -> _Out:
        if tok.kind == "FIELD":
            return _Out(wq.ConstantScoreQuery(field_query(tok.name, tok.text, quoted=tok.quoted), 1.0))
        if tok.kind == "PHRASE":
            offset = tok.start + (1 if tok.quoted else 0)
            words = _tokens(_EXACT, tok.text)
            if not negated:
                self.words += [WordSpan(offset + s, offset + e, w, "exact") for w, s, e in words]
            return self._positive(_terms("exact", [w for w, _s, _e in words]), negated)
        return self.word(tok, negated)

    def word(self, tok: Tok, negated: bool) -> _Out:
        text, prefix, fuzzy = tok.text, False, 0
        if m := _FUZZY_RE.search(text):
            text, fuzzy = text[:m.start()], int(m.group(1) or 0) or -1
        elif text.endswith("*"):
            text, prefix = text.rstrip("*"), True
        exact = [w for w, _s, _e in _tokens(_EXACT, text)]
        if not exact:
            return _Out(None)
        if prefix:
            if len(exact[-1]) < MIN_PREFIX:
                raise QueryError(f"'{tok.text}' is too short: a prefix needs at least {MIN_PREFIX} letters before *")
            q = wq.Prefix("exact", exact[-1])
            return self._positive(wq.And([*(wq.Term("exact", w) for w in exact[:-1]), q])
                                  if len(exact) > 1 else q, negated)
        if fuzzy and len(exact) == 1:
            dist = 2 if fuzzy == -1 and len(exact[0]) >= 6 else max(1, min(abs(fuzzy), 2))
            return self._positive(wq.FuzzyTerm("exact", exact[0], maxdist=dist, prefixlength=1), negated)
        stemmed = [w for w, _s, _e in _tokens(_TEXT, text)]
        if not negated:
            self.words += [WordSpan(tok.start + s, tok.start + e, w, "exact")
                           for w, s, e in _tokens(_EXACT, text)]
        if not stemmed:  # a stop word ("the", "of"): kept only if nothing else is searched
            return _Out(None, _terms("exact", exact))
        return self._positive(_terms("text", stemmed), negated)

    def _positive(self, q: wq.Query | None, negated: bool) -> _Out:
        if q is not None and not negated:
            self.highlight.append(q)
        return _Out(q)


def _tokens(analyzer, text: str) -> list[tuple[str, int, int]]:
    return [(t.text, t.startchar, t.endchar) for t in analyzer(text, chars=True, removestops=True)]


def _terms(fieldname: str, words: Sequence[str], phrase: bool = True) -> wq.Query | None:
    if not words:
        return None
    if len(words) == 1:
        return wq.Term(fieldname, words[0])
    if phrase:
        return wq.Phrase(fieldname, list(words))
    return wq.And([wq.Term(fieldname, w) for w in words])


# -- field filters (in the query and as parameters) -------------------------------------------

def field_query(name: str, value: str, *, quoted: bool = False) -> wq.Query:
    """The query for one `name:value` filter; raises QueryError for a value that makes no sense."""
    value = value.strip()
    if not value:
        raise QueryError(f"'{name}:' needs a value, e.g. {_example(name)}")
    if name in ("date", "year"):
        lo, hi = parse_date_range(value, name)
        return wq.NumericRange("date", lo, hi)
    if name == "kind":
        kind = re.sub(r"[\s-]+", "_", value.casefold())
        if kind not in KINDS:
            raise QueryError(f"unknown kind '{value}'; kinds: {', '.join(KINDS)}")
        return wq.Term("kind", kind)
    if name == "title":
        words = [w for w, _s, _e in _tokens(_TEXT, value)]
        q = _terms("title", words, phrase=quoted)
    elif name in NAME_FIELDS:
        prefix = value.endswith("*") and not quoted
        words = fold_name(value).split()
        if prefix and words:
            if len(words[-1]) < MIN_PREFIX:
                raise QueryError(f"'{name}:{value}' is too short: a prefix needs at least {MIN_PREFIX} letters")
            rest = _terms(name, words[:-1], phrase=False)
            last = wq.Prefix(name, words[-1])
            return wq.And([rest, last]) if rest is not None else last
        q = _terms(name, words, phrase=quoted)
    else:  # pragma: no cover - FIELDS and this function agree
        raise QueryError(f"unknown field '{name}:'")
    if q is None:
        raise QueryError(f"'{name}:{value}' has no words to look for, e.g. {_example(name)}")
    return q


def _period(text: str, what: str) -> tuple[dt.date, dt.date]:
    """'2021' -> (2021-01-01, 2021-12-31); '2021-11' -> the month; '2021-11-03' -> that day."""
    m = _DATE_RE.match(text.strip())
    try:
        if not m:
            raise ValueError
        y, mo, d = int(m.group(1)), m.group(2), m.group(3)
        if mo is None:
            return dt.date(y, 1, 1), dt.date(y, 12, 31)
        if d is None:
            first = dt.date(y, int(mo), 1)
            nxt = dt.date(y + (first.month == 12), first.month % 12 + 1, 1)
            return first, nxt - dt.timedelta(days=1)
        day = dt.date(y, int(mo), int(d))
        return day, day
    except ValueError:
        raise QueryError(f"{what}: '{text.strip()}' is not a date; use YYYY, YYYY-MM or YYYY-MM-DD") from None


def _ymd(d: dt.date) -> int:
    return d.year * 10000 + d.month * 100 + d.day


def parse_date_range(value: str, name: str = "date") -> tuple[int, int]:
    """'2021', '2021-11', '2021-01-01..2021-06-30', '2020..', '..2019-06' -> (lo, hi) as yyyymmdd."""
    what = f"{name}:{value}"
    if ".." in value:
        a, _, b = value.partition("..")
        if not a.strip() and not b.strip():
            raise QueryError(f"{what}: a range needs a start or an end, e.g. date:2021-01-01..2021-06-30")
        lo = _ymd(_period(a, what)[0]) if a.strip() else 1
        hi = _ymd(_period(b, what)[1]) if b.strip() else 99991231
    else:
        start, end = _period(value, what)
        lo, hi = _ymd(start), _ymd(end)
    if lo > hi:
        raise QueryError(f"{what}: the range ends before it starts")
    return lo, hi


def date_bound(value: str | dt.date | None, *, end: bool, name: str) -> int | None:
    """A from/to parameter: a date, or YYYY / YYYY-MM / YYYY-MM-DD (to= takes the period's end)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return _ymd(value)
    start, stop = _period(str(value), name)
    return _ymd(stop if end else start)


def year_query(value: str) -> wq.Query:
    """A year parameter (a year facet's value): '2021' or 'undated'."""
    value = value.strip()
    if value != "undated" and not re.fullmatch(r"\d{4}", value):
        raise QueryError(f"year must be a year such as 2021, or 'undated', not '{value}'")
    return wq.Term("year", value)


def _values(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value.strip() else []
    return [v for v in value if v is not None and str(v).strip()]


def filter_queries(*, speaker=None, said=None, kind=None, venue=None, topic=None, year=None,
                   date_from=None, date_to=None, questions: str | None = None) -> list[wq.Query]:
    """The search parameters as filter queries (ANDed). A parameter given several values
    matches any of them."""
    out: list[wq.Query] = []
    for name, value in (("speaker", speaker), ("said", said), ("kind", kind), ("venue", venue),
                        ("topic", topic), ("year", year)):
        qs = [year_query(str(v)) if name == "year" else field_query(name, str(v)) for v in _values(value)]
        if qs:
            out.append(qs[0] if len(qs) == 1 else wq.Or(qs))
    lo = date_bound(date_from, end=False, name="from")
    hi = date_bound(date_to, end=True, name="to")
    if lo is not None or hi is not None:
        if lo is not None and hi is not None and lo > hi:
            raise QueryError("the date range ends before it starts (from is after to)")
        out.append(wq.NumericRange("date", lo or 1, hi or 99991231))
    if questions not in (None, "", "include", "all"):
        if questions not in ("exclude", "only"):
            raise QueryError(f"questions must be 'exclude' or 'only', not '{questions}'")
        out.append(wq.Term("question", questions == "only"))
    return out


# -- entry point ------------------------------------------------------------------------------

def parse_query(text: str | None, *, max_chars: int = 1000) -> ParsedQuery:
    """Parse a user query. Raises QueryError (never anything else) for what cannot be understood."""
    text = clean(text or "", max_chars)
    if not text:
        return ParsedQuery(text="", query=wq.Every(), empty=True)
    tree = _Parser(tokenize(text)).parse()
    compiler = _Compiler()
    out = compiler.compile(tree) if tree is not None else _Out(None)
    q = out.query if out.query is not None else compiler.use_stop(out, False)
    if q is None:
        raise QueryError("the query has nothing to search for: use words, \"phrases\" or filters such as speaker:lavrov")
    if isinstance(q, wq.Not):
        q = wq.And([wq.Every(), q])
    return ParsedQuery(text=text, query=q, empty=False, highlight=compiler.highlight, words=compiler.words)
