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

import json
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


STORED = "bidi_stored"  # an export line's member holding the strings close_bidi changed, as stored
_ESCAPED = re.compile("[\\\\\u202a-\u202e\u2066-\u2069]")
_UNESCAPED = re.compile(r"\\(\\|u[0-9a-f]{4})")


def escape_controls(text: str) -> str:
    """`text` with each bidi control written as the six characters `\\u202e` (and a backslash
    doubled), so no reader can display it as a control; escape_controls^-1 is unescape_controls."""
    return _ESCAPED.sub(lambda m: "\\\\" if m.group() == "\\" else f"\\u{ord(m.group()):04x}", text)


def unescape_controls(text: str) -> str:
    return _UNESCAPED.sub(lambda m: "\\" if m.group(1) == "\\" else chr(int(m.group(1)[1:], 16)), text)


def _changed(value, closed, path: list) -> list:
    if isinstance(value, str):
        return [[path, escape_controls(value)]] if closed != value else []
    if isinstance(value, dict):
        return [c for k, v in value.items() for c in _changed(v, closed[close_bidi(k)], [*path, k])]
    if isinstance(value, list | tuple):
        return [c for i, v in enumerate(value) for c in _changed(v, closed[i], [*path, i])]
    return []


def export_line(record: dict) -> str:
    """An export line: every string closed (close_bidi_all), and, when that changed any, the
    stored strings under STORED as [path, text] pairs, their controls escaped (escape_controls),
    so that `archive import` rebuilds the same words (hence the same paragraph keys) while no
    string a reader decodes holds an unterminated control."""
    closed = close_bidi_all(record)
    stored = _changed(record, closed, [])
    if stored:
        closed[STORED] = stored
    return json.dumps(closed, ensure_ascii=False)


def restore_stored(record: dict) -> dict:
    """An export record with its stored strings (STORED) put back in place, STORED removed."""
    for pair in record.pop(STORED, None) or []:
        if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], list) and pair[0]):
            raise ValueError(f"{STORED}: not a [path, text] pair")
        path, text = pair
        at = record
        for step in path[:-1]:
            at = at[step]
        if not isinstance(text, str) or not isinstance(at[path[-1]], str):
            raise ValueError(f"{STORED}: {path} is not a string")
        at[path[-1]] = unescape_controls(text)
    return record
