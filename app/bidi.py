"""Unterminated bidirectional controls in untrusted text, neutralised at output.

An ingested title or paragraph holding U+202E (RIGHT-TO-LEFT OVERRIDE) without its U+202C
would reverse everything displayed after it (the rest of a page, a feed reader's list, the
next cells of a spreadsheet row): "Trojan source". `close_bidi()` appends the closers an
embedding, override or isolate lacks, and drops closers that close nothing, so each value's
directional effect ends with the value. The stored text is unchanged (its words are kept
and still cited as they were).

Where each output applies it: every value printed in HTML (app.web.templating), Atom text
(app.web.feeds), each CSV cell (app.formats.spreadsheet), each RIS value (app.citations.ris),
each string of a JSON answer, download or export line (`close_bidi_all`). BibTeX drops the
controls instead (`strip_bidi`): (La)TeX has no use for them (direction is set with markup
there) and pdflatex stops on them ("Unicode character U+202E not set up for use with LaTeX").
In a URL written as is (BibTeX `url`, RIS `UR`) they are percent-encoded (`url_without_bidi`)."""

from __future__ import annotations

import re

EMBEDDINGS = "\u202a\u202b\u202d\u202e"  # LRE RLE LRO RLO, closed by PDF U+202C
ISOLATES = "\u2066\u2067\u2068"  # LRI RLI FSI, closed by PDI U+2069
PDF, PDI = "\u202c", "\u2069"
_ANY = re.compile("[\u202a-\u202e\u2066-\u2069]")


def close_bidi(text: str) -> str:
    if not isinstance(text, str) or not _ANY.search(text):
        return text
    out = []
    stack: list[str] = []  # PDF or PDI each open control needs, innermost last
    for ch in text:
        if ch in EMBEDDINGS:
            stack.append(PDF)
        elif ch in ISOLATES:
            stack.append(PDI)
        elif ch == PDF:
            if not stack or stack[-1] != PDF:
                continue  # closes nothing (or would cross an isolate): dropped
            stack.pop()
        elif ch == PDI:
            if PDI not in stack:
                continue
            while stack[-1] != PDI:  # a PDI closes the embeddings opened inside its isolate
                out.append(stack.pop())
            stack.pop()
        out.append(ch)
    out.extend(reversed(stack))
    return "".join(out)


def close_bidi_all(value):
    """`value` (JSON-like: dicts, lists, strings, numbers) with every string closed; keys too."""
    if isinstance(value, str):
        return close_bidi(value)
    if isinstance(value, dict):
        return {close_bidi(k) if isinstance(k, str) else k: close_bidi_all(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [close_bidi_all(v) for v in value]
    return value


def strip_bidi(text: str) -> str:
    """The text without embedding, override and isolate controls (their words kept)."""
    return _ANY.sub("", text)


def url_without_bidi(url: str) -> str:
    """A URL with its bidi controls percent-encoded (the same address, shown inert)."""
    from urllib.parse import quote

    return _ANY.sub(lambda m: quote(m.group(0)), url)
