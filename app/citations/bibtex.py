"""BibTeX from a CSL-JSON item, for BibTeX 0.99 and biber alike (tests/system/test_exports_clients.py
runs both over every download of the seed archive).

- Keys: a readable prefix of the item's id and 80 bits of the SHA-256 of its permalink path
  (16 base32 letters), at most 64 characters of [a-zA-Z0-9-], the same on every host. Two
  permalinks share a key only if their hashes collide: odds of about 4e-11 among ten
  million permalinks; the paragraphs of one statement, which share the readable prefix,
  differ in the hash.
- Text: every character that is special to (La)TeX or BibTeX is written as a command whose
  braces are balanced, so a stray `{` in a scraped title cannot unbalance the file; other
  characters (non-ASCII included) are kept as UTF-8, except bidi controls (U+202A-202E,
  U+2066-2069), which are dropped (pdflatex stops on them; LaTeX sets direction with markup).
  `decode()` reverses the escaping.
- `url` and `urldate` as they are (BibTeX's url field takes the URL verbatim).
- Names from the CSL name parts: `{Family}, Given` (lower-case particles as BibTeX's "von"
  part), institutions as one braced token: `{Foreign Ministry}`.
"""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata
from urllib.parse import quote, urlsplit

from app.bidi import strip_bidi, url_without_bidi
from app.citations.csl import original_url, permalink

KEY_MAX = 64
_HASH_CHARS = 16  # base32 letters: 80 bits of SHA-256
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
}
_UNSPECIAL = {v: k for k, v in _SPECIAL.items()}
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def escape(text: str) -> str:
    """Text for a braced BibTeX field: control characters and line breaks become one space,
    bidi controls are dropped (app.bidi: pdflatex stops on them)."""
    text = _CONTROL.sub(" ", unicodedata.normalize("NFC", strip_bidi(text))).strip()
    return "".join(_SPECIAL.get(c, c) for c in text)


_ESCAPED = re.compile("|".join(re.escape(v) for v in sorted(_UNSPECIAL, key=len, reverse=True)))


def decode(field: str) -> str:
    """escape()'s inverse (for tests and readers of our own files)."""
    return _ESCAPED.sub(lambda m: _UNSPECIAL[m.group(0)], field)


def entry_key(item: dict) -> str:
    """A citation key: the id's readable start, then a hash of the permalink path."""
    link = permalink(item)
    path = urlsplit(link).path or link
    digest = base64.b32encode(hashlib.sha256(path.encode()).digest()).decode().lower()[:_HASH_CHARS]
    ascii_id = unicodedata.normalize("NFKD", str(item.get("id", ""))).encode("ascii", "ignore").decode()
    prefix = re.sub(r"-+", "-", re.sub(r"[^A-Za-z0-9]+", "-", ascii_id)).strip("-")
    prefix = prefix[: KEY_MAX - _HASH_CHARS - 1].rstrip("-") or "statement"
    return f"{prefix}-{digest}"


def _braced_if(part: str) -> str:
    """A name part that BibTeX would split (a comma, the word "and") as one braced token."""
    text = escape(part)
    return "{" + text + "}" if ("," in part or re.search(r"\band\b", part, re.I)) else text


def name(n: dict) -> str:
    """One CSL name as BibTeX writes it."""
    if "literal" in n or "family" not in n:
        return "{" + escape(n.get("literal") or n.get("given") or "") + "}"
    family = n["family"]
    words = " ".join(p for p in (n.get("dropping-particle"), n.get("non-dropping-particle")) if p).split()
    # BibTeX's "von" part runs to the last lower-case word; a capitalised particle after it
    # (Al, Van) would be read as the family name's start: keep it inside the braced family
    last_lower = max((i for i, w in enumerate(words) if w[:1].islower()), default=-1)
    von = "".join(escape(w) + " " for w in words[: last_lower + 1])
    family = " ".join(words[last_lower + 1 :] + [family])
    out = f"{von}{{{escape(family)}}}"
    if n.get("suffix"):  # BibTeX's "von Last, Jr, First"
        out += f", {_braced_if(n['suffix'])}, {_braced_if(n.get('given', ''))}"
    elif n.get("given"):
        out += f", {_braced_if(n['given'])}"
    return out


def _verbatim_url(url: str) -> str:
    """The URL as is, except what cannot stand in a braced field (braces, spaces, `\\`) or
    be typeset (bidi controls): percent-encoded."""
    return re.sub(r"[{}\s\\]", lambda m: quote(m.group(0)), url_without_bidi(url))


def _date(date: dict) -> tuple[int, int | None, int | None]:
    parts = list(date["date-parts"][0]) + [None, None]
    return int(parts[0]), parts[1] and int(parts[1]), parts[2] and int(parts[2])


def iso_date(date: dict) -> str:
    """A CSL date as YYYY, YYYY-MM or YYYY-MM-DD."""
    y, m, d = _date(date)
    return f"{y:04d}" + (f"-{m:02d}" if m else "") + (f"-{d:02d}" if m and d else "")


def _note(item: dict) -> str | None:
    """The paragraph, and the archive permalink when `url` is the original's (the stable locator)."""
    if item.get("locator"):
        label = item.get("label", "paragraph")
        para = f"{'para.' if label == 'paragraph' else label} {item['locator']}"
    else:
        para = item.get("note")
    archived = None
    if original_url(item):
        archived = (
            f"Archived in {item['archive']}: {permalink(item)}"
            if item.get("archive")
            else f"Archived at {permalink(item)}"
        )
    return ". ".join(p for p in (para, archived) if p) or None


def to_bibtex(item: dict) -> str:
    """A @misc entry (the type BibTeX's standard styles and biblatex both know)."""
    fields: list[tuple[str, str]] = []
    if item.get("author"):
        fields.append(("author", "{" + " and ".join(name(a) for a in item["author"]) + "}"))
    else:  # BibTeX's standard styles sort and label an author-less entry by `key`
        fields.append(("key", "{" + escape(item.get("publisher") or item["title"]) + "}"))
    fields.append(("title", "{{" + escape(item["title"]) + "}}"))
    if item.get("container-title"):
        fields.append(("howpublished", "{" + escape(item["container-title"]) + "}"))
    if item.get("publisher"):
        fields.append(("organization", "{" + escape(item["publisher"]) + "}"))
    if item.get("issued"):
        y, m, _d = _date(item["issued"])
        fields.append(("year", str(y)))
        if m:
            fields.append(("month", MONTHS[m - 1]))
    if item.get("event-place"):
        fields.append(("address", "{" + escape(item["event-place"]) + "}"))
    fields.append(("url", "{" + _verbatim_url(original_url(item) or item["URL"]) + "}"))
    if item.get("accessed"):
        fields.append(("urldate", "{" + iso_date(item["accessed"]) + "}"))
    if item.get("genre"):
        fields.append(("type", "{" + escape(item["genre"]) + "}"))
    if note := _note(item):
        fields.append(("note", "{" + escape(note) + "}"))
    body = ",\n".join(f"  {k} = {v}" for k, v in fields)
    return f"@misc{{{entry_key(item)},\n{body}\n}}\n"
