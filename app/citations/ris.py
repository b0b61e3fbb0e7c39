"""RIS from a CSL-JSON item (rispy's tags), with the CRLF line ends the RIS specification asks for.

Persons are written `Family, Given` (particles before the family name, a suffix after the
given name: `von der Leyen, Ursula`, `King, Martin Luther, Jr.`); an institution ends in a
comma (`Foreign Ministry,`), the RIS convention for a corporate author, which EndNote and
Zotero read as one name rather than splitting it into given and family names."""

from __future__ import annotations

import re

import rispy

from app.bidi import close_bidi, url_without_bidi
from app.citations.csl import original_url, permalink

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


class _Writer(rispy.RisWriter):
    """rispy's writer without the "1." counter line before each record."""

    def set_header(self, count: int) -> str:
        return ""


def _clean(text: str) -> str:
    """One line of text (a line break inside a value would end the tag), its bidi controls
    closed (app.bidi: an override must not run on into the next tags a reader shows)."""
    return close_bidi(_CONTROL.sub(" ", text).strip())


def name(n: dict) -> str:
    if "literal" in n or "family" not in n:
        return _clean(n.get("literal") or n.get("given") or "") + ","
    family = " ".join(
        p for p in (n.get("dropping-particle"), n.get("non-dropping-particle"), n["family"]) if p
    )
    parts = [family] + [p for p in (n.get("given"), n.get("suffix")) if p]
    return ", ".join(_clean(p) for p in parts)


def _ymd(date: dict) -> str:
    """RIS dates: YYYY/MM/DD, with the parts not known left empty (YYYY//)."""
    parts = list(date["date-parts"][0]) + ["", ""]
    y, m, d = parts[:3]
    return f"{int(y):04d}/" + (f"{int(m):02d}" if m else "") + "/" + (f"{int(d):02d}" if m and d else "")


def to_ris(item: dict) -> str:
    entry: dict = {
        "type_of_reference": "ELEC",
        "title": _clean(item["title"]),
        "urls": [_clean(url_without_bidi(original_url(item) or item["URL"]))],
    }
    if item.get("author"):
        entry["authors"] = [name(a) for a in item["author"]]
    if item.get("container-title"):
        entry["secondary_title"] = _clean(item["container-title"])
    if original_url(item):  # `UR` is the original: the archive and its permalink (Zotero's
        entry["name_of_database"] = _clean(item.get("archive") or "")  # "Archive", "Loc. in Archive")
        entry["accession_number"] = _clean(url_without_bidi(permalink(item)))
    entry["publisher"] = _clean(item.get("publisher") or item.get("container-title") or "")
    if item.get("accessed"):
        entry["access_date"] = _ymd(item["accessed"])
    if item.get("genre"):
        entry["type_of_work"] = _clean(item["genre"])
    if item.get("issued"):
        entry["date"] = _ymd(item["issued"])
        entry["year"] = str(item["issued"]["date-parts"][0][0])
    if item.get("event-place"):
        entry["place_published"] = _clean(item["event-place"])
    note = f"para. {item['locator']}" if item.get("locator") else item.get("note")
    if note:
        entry["notes"] = [_clean(note)]
    if item.get("language"):
        entry["language"] = _clean(item["language"])
    entry = {k: v for k, v in entry.items() if v}
    return rispy.dumps([entry], implementation=_Writer).replace("\r\n", "\n").replace("\n", "\r\n")
