"""The query language's syntax: query text -> tokens (lexer) -> a tree of Leaf / Bool / Negate
(parser). query.py compiles the tree to Whoosh queries; the language itself is described there.

Text that only looks like syntax is a word: an unclosed quote runs to the end, "10:30" or
"foo:bar" are words. What cannot be understood raises QueryError with a message for the user."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

from app.search.filters import FIELDS, QueryError, example

MAX_DEPTH = 20  # nested parentheses / NOTs
OPEN_QUOTES = '"“”„«»'
CLOSE_QUOTES = {'"': '"“”', "“": '”"“', "”": '”"“', "„": '“”"', "«": '»"', "»": '«"'}
_FIELD_RE = re.compile(r"^([A-Za-z][A-Za-z_]*):(.*)$", re.S)


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


class Parser:
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
