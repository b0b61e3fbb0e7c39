"""Snippets: a window of a paragraph's text, HTML-escaped, with <mark> around what the query
matched. The text is escaped piece by piece; nothing from the archive reaches the page raw."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape

from whoosh import query as wq
from whoosh.reading import IndexReader

from app.search.schema import TOKEN_PATTERN, exact_analyzer, text_analyzer

SNIPPET_CHARS = 320
_ANALYZERS = {"text": text_analyzer(), "exact": exact_analyzer()}


@dataclass
class Marks:
    """What to mark: single words per field, and phrases (consecutive words) per field."""

    terms: dict[str, set[str]] = field(default_factory=lambda: {"text": set(), "exact": set()})
    phrases: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return any(self.terms.values()) or bool(self.phrases)


def marks_for(queries: list[wq.Query], reader: IndexReader, expand=None) -> Marks:
    """The words the positive parts of a query matched in the index (prefixes and fuzzy
    terms expanded against the vocabulary, by `expand(leaf)` when given: the search's own
    expansions)."""
    marks = Marks()
    for q in queries:
        for leaf in [q] if q.is_leaf() or isinstance(q, wq.Phrase) else q.leaves():
            name = leaf.field()
            if name not in marks.terms:
                continue
            if isinstance(leaf, wq.Phrase):
                marks.phrases.append((name, tuple(leaf.words)))
            elif isinstance(leaf, wq.Term):
                marks.terms[name].add(leaf.text)
            elif expand is not None:
                marks.terms[name].update(expand(leaf))
            else:
                for fname, text in leaf.existing_terms(reader, expand=True):
                    if fname == name:
                        marks.terms[name].add(text.decode("utf-8") if isinstance(text, bytes) else text)
    return marks


def match_spans(text: str, marks: Marks) -> list[tuple[int, int]]:
    """(start, end) of each marked word or phrase in text, in order, overlaps merged."""
    return _spans(text, marks)


def _spans(text: str, marks: Marks) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for name, analyzer in _ANALYZERS.items():
        wanted = marks.terms[name]
        phrases = [words for fname, words in marks.phrases if fname == name]
        if not wanted and not phrases:
            continue
        toks = _tokens(name, analyzer, text)
        spans += [(s, e) for w, s, e in toks if w in wanted]
        for words in phrases:
            k = len(words)
            for i in range(len(toks) - k + 1):
                if all(toks[i + j][0] == words[j] for j in range(k)):
                    spans.append((toks[i][1], toks[i + k - 1][2]))
    return _merge(spans)


_TOKEN_RE = re.compile(TOKEN_PATTERN, re.UNICODE)
_WORDS: dict[str, dict[str, str | None]] = {name: {} for name in _ANALYZERS}
_WORDS_MAX = 200_000


def _tokens(name: str, analyzer, text: str) -> list[tuple[str, int, int]]:
    """(term, start, end) of each token of text as the field's analyser makes it (stop words
    left out). Both analysers are a regex tokenizer followed by filters that take one token
    at a time, so each distinct word is analysed once and remembered (running the filter
    chain over every token of every shown paragraph was most of the highlighting time)."""
    words = _WORDS[name]
    if len(words) > _WORDS_MAX:
        words.clear()
    out = []
    for m in _TOKEN_RE.finditer(text):
        word = m.group()
        term = words.get(word, "")
        if term == "":
            got = [t.text for t in analyzer(word, removestops=True)]
            term = words[word] = got[0] if len(got) == 1 else None
            if len(got) > 1:  # (cannot happen: the word is one token) analyse it in place
                words.pop(word)
                return [
                    (t.text, t.startchar, t.endchar) for t in analyzer(text, chars=True, removestops=True)
                ]
        if term is not None:
            out.append((term, m.start(), m.end()))
    return out


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _window(text: str, spans: list[tuple[int, int]], size: int) -> tuple[int, int]:
    """The stretch of `size` characters holding the most marks, cut at word boundaries."""
    if len(text) <= size:
        return 0, len(text)
    best, start = -1, 0
    for s, _e in spans or [(0, 0)]:
        lo = max(0, min(s - size // 5, len(text) - size))
        count = sum(1 for a, b in spans if a >= lo and b <= lo + size)
        if count > best:
            best, start = count, lo
    end = min(len(text), start + size)
    if start > 0:
        space = text.find(" ", start, start + 30)
        start = space + 1 if space != -1 else start
    if end < len(text):
        space = text.rfind(" ", end - 30, end)
        end = space if space > start else end
    return start, end


def snippet(text: str, marks: Marks, size: int = SNIPPET_CHARS) -> str:
    """HTML: the best window of `text`, escaped, matches in <mark>, '…' where it is cut."""
    spans = _spans(text, marks) if marks else []
    start, end = _window(text, spans, size)
    out = ["…"] if start > 0 else []
    pos = start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out += [escape(text[pos:s]), "<mark>", escape(text[s:e]), "</mark>"]
        pos = e
    out.append(escape(text[pos:end]))
    if end < len(text):
        out.append("…")
    return "".join(out)
