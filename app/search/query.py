"""Our query language -> Whoosh query objects (one parser for the CLI, the pages and the API).

    sanctions europe         both words (stemmed: "sanction" finds "sanctions"); a word is also
                             looked up in statement titles and speakers' names (zakharova finds
                             her statements, ranked high)
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

import difflib
import re
import unicodedata
from dataclasses import dataclass, field

from whoosh import query as wq

from app.search.filters import (
    EXACT,
    FIELDS,
    MIN_PREFIX,
    TEXT,
    QueryError,
    example,
    field_query,
    filter_queries,
    parse_date_range,
    statement_alternatives,
    terms,
    tokens,
)

MAX_DEPTH = 20  # nested parentheses / NOTs
OPEN_QUOTES = '"“”„«»'
CLOSE_QUOTES = {'"': '"“”', "“": '”"“', "”": '”"“', "„": '“”"', "«": '»"', "»": '«"'}
_FIELD_RE = re.compile(r"^([A-Za-z][A-Za-z_]*):(.*)$", re.S)
_FUZZY_RE = re.compile(r"~(\d?)$")

__all__ = [
    "QueryError",
    "ParsedQuery",
    "WordSpan",
    "field_query",
    "filter_queries",
    "parse_date_range",
    "parse_query",
]


# -- tokens and syntax tree -----------------------------------------------------------------


@dataclass(frozen=True)
class Tok:
    kind: str  # ( ) OP - WORD PHRASE FIELD
    text: str
    start: int
    end: int
    name: str = ""  # FIELD: field name
    quoted: bool = False


@dataclass(frozen=True)
class Leaf:
    tok: Tok


@dataclass(frozen=True)
class Bool:
    op: str  # and | or
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
    plain: bool = True  # typed as a word (not inside a "phrase")


@dataclass
class ParsedQuery:
    text: str  # the query after control characters were removed
    query: wq.Query  # what to run (Every() for an empty query)
    empty: bool  # no query at all: every paragraph (filters only)
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
            toks.append(Tok("PHRASE", text[i + 1 : j], i, nxt, quoted=True))
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
            raise QueryError(
                f"unknown field '{m.group(1)}:'; did you mean '{close[0]}:'? "
                f"Fields: {', '.join(f + ':' for f in FIELDS)}"
            )
        toks.append(Tok("PHRASE" if value else "WORD", word.replace(":", " "), i, j, quoted=False))
        return j
    vstart = i + len(m.group(1)) + 1
    if not value and j < len(text) and text[j] in OPEN_QUOTES:  # speaker:"maria zakharova"
        end, nxt = _phrase_end(text, j)
        toks.append(Tok("FIELD", text[j + 1 : end], i, nxt, name=name, quoted=True))
        return nxt
    if not value:  # speaker: lavrov
        k = j
        while k < len(text) and text[k].isspace():
            k += 1
        if k < len(text) and text[k] not in "()":
            if text[k] in OPEN_QUOTES:
                end, nxt = _phrase_end(text, k)
                toks.append(Tok("FIELD", text[k + 1 : end], i, nxt, name=name, quoted=True))
                return nxt
            e = k
            while e < len(text) and not text[e].isspace() and text[e] not in "()" + OPEN_QUOTES:
                e += 1
            if text[k:e] not in ("AND", "OR", "NOT"):
                toks.append(Tok("FIELD", text[k:e], i, e, name=name))
                return e
        raise QueryError(f"'{name}:' needs a value, e.g. {example(name)}")
    toks.append(Tok("FIELD", text[vstart:j], i, j, name=name))
    return j


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
                raise QueryError(
                    f"'{t.text}' needs a search term after it, e.g. {t.text}{'' if t.kind == '-' else ' '}nato"
                )
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
            raise QueryError(
                f"the query nests too deeply (more than {MAX_DEPTH} levels of parentheses or NOT)"
            )


# -- compiling to Whoosh ----------------------------------------------------------------------


@dataclass
class _Out:
    query: wq.Query | None
    stop: wq.Query | None = None  # a stop word: searched only if nothing else is


class _Compiler:
    def __init__(self, names: bool = True):
        self.names = names
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
            words = tokens(EXACT, tok.text)
            if not negated:
                self.words += [WordSpan(offset + s, offset + e, w, "exact", plain=False) for w, s, e in words]
            exact = [w for w, _s, _e in words]
            return self._also(
                self._positive(terms("exact", exact), negated),
                negated,
                [w for w, _s, _e in tokens(TEXT, tok.text)],
                exact,
            )
        return self.word(tok, negated)

    def word(self, tok: Tok, negated: bool) -> _Out:
        text, prefix, fuzzy = tok.text, False, 0
        if m := _FUZZY_RE.search(text):
            text, fuzzy = text[: m.start()], int(m.group(1) or 0) or -1
        elif text.endswith("*"):
            text, prefix = text.rstrip("*"), True
        exact = [w for w, _s, _e in tokens(EXACT, text)]
        if not exact:
            return _Out(None)
        if prefix:
            if len(exact[-1]) < MIN_PREFIX:
                raise QueryError(
                    f"'{tok.text}' is too short: a prefix needs at least {MIN_PREFIX} letters before *"
                )
            q = wq.Prefix("exact", exact[-1])
            return self._positive(
                wq.And([*(wq.Term("exact", w) for w in exact[:-1]), q]) if len(exact) > 1 else q, negated
            )
        if fuzzy and len(exact) == 1:
            dist = 2 if fuzzy == -1 and len(exact[0]) >= 6 else max(1, min(abs(fuzzy), 2))
            return self._positive(wq.FuzzyTerm("exact", exact[0], maxdist=dist, prefixlength=1), negated)
        stemmed = [w for w, _s, _e in tokens(TEXT, text)]
        if not negated:
            self.words += [
                WordSpan(tok.start + s, tok.start + e, w, "exact") for w, s, e in tokens(EXACT, text)
            ]
        if not stemmed:  # a stop word ("the", "of"): kept only if nothing else is searched
            return _Out(None, terms("exact", exact))
        return self._also(self._positive(terms("text", stemmed), negated), negated, stemmed, exact)

    def _also(self, out: _Out, negated: bool, stemmed: list[str], exact: list[str]) -> _Out:
        """A positive word or phrase also looks in the statement's title and speakers' names
        (filters.AlsoStatement); a negated one only in the text (-lavrov: paragraphs without
        the word, as before)."""
        if negated or out.query is None or not self.names:
            return out
        alt = statement_alternatives(stemmed, exact, phrase=True)
        return _Out(wq.Or([out.query, alt])) if alt is not None else out

    def _positive(self, q: wq.Query | None, negated: bool) -> _Out:
        if q is not None and not negated:
            self.highlight.append(q)
        return _Out(q)


# -- entry point ------------------------------------------------------------------------------


def parse_query(text: str | None, *, max_chars: int = 1000, names: bool = True) -> ParsedQuery:
    """Parse a user query. Raises QueryError (never anything else) for what cannot be understood.
    `names`: plain words also look in titles and speakers' names (False: in the text only, as
    the concordance and trends count occurrences in the text)."""
    text = clean(text or "", max_chars)
    if not text:
        return ParsedQuery(text="", query=wq.Every(), empty=True)
    tree = _Parser(tokenize(text)).parse()
    compiler = _Compiler(names)
    out = compiler.compile(tree) if tree is not None else _Out(None)
    q = out.query if out.query is not None else compiler.use_stop(out, False)
    if q is None:
        raise QueryError(
            'the query has nothing to search for: use words, "phrases" or filters such as speaker:lavrov'
        )
    if isinstance(q, wq.Not):
        q = wq.And([wq.Every(), q])
    return ParsedQuery(text=text, query=q, empty=False, highlight=compiler.highlight, words=compiler.words)
