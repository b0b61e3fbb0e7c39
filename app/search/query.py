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

import re
from dataclasses import dataclass, field

from whoosh import query as wq

from app.search.filters import (
    EXACT,
    MIN_PREFIX,
    TEXT,
    QueryError,
    field_query,
    filter_queries,
    parse_date_range,
    statement_alternatives,
    terms,
    tokens,
)
from app.search.syntax import Leaf, Negate, Parser, Tok, clean, tokenize

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
    tree = Parser(tokenize(text)).parse()
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
