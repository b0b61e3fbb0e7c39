"""The CSL-JSON item of a statement or a paragraph: the source of truth of every citation (the
texts of app.citations.texts, BibTeX, RIS, the embedded metadata).

The CSL mapping (README, "Citations"): speakers are the authors (app.ingest.name_parts gives
family/given/particles, institutions as literal names); a statement with no speaker is credited
to its publisher when the archive knows one, else CSL substitution applies (the title leads).
When the archive knows where the page was published, `URL` is that original address,
`publisher` its publisher, `archive` this archive and `archive_location` the permalink (Zotero's
"Archive" / "Loc. in Archive"); otherwise `URL` is the permalink and `container-title` the
archive. A paragraph is cited with the CSL locator (label "paragraph"): "para. 17".
Everything here is plain text; templates escape it."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

from app.browse.views import StatementRow
from app.ingest.name_parts import name_parts

STYLES = {  # label -> CSL style name
    "Chicago": "chicago-notes-bibliography-access-dates",
    "APA": "apa",
    "MLA": "modern-language-association",
}
SHORT_FORM = {"Chicago": "Note", "APA": "In-text", "MLA": "In-text"}  # what each style's citation is called
DOWNLOADS = {  # file extension -> (label, media type)
    "bib": ("BibTeX", "application/x-bibtex; charset=utf-8"),
    "ris": ("RIS", "application/x-research-info-systems; charset=utf-8"),
    "json": ("CSL-JSON", "application/vnd.citationstyles.csl+json; charset=utf-8"),
}
LOCATOR_LABEL = "paragraph"


def _date_parts(d: dt.date) -> dict:
    return {"date-parts": [[d.year, d.month, d.day]]}


# ISO 15924 codes of the scripts a title may be written in, by the first word of a letter's
# Unicode name; Latin titles are English only when English function words say so.
_SCRIPTS = {"LATIN": "Latn", "CYRILLIC": "Cyrl", "GREEK": "Grek", "ARABIC": "Arab", "HEBREW": "Hebr",
            "CJK": "Hani", "HIRAGANA": "Jpan", "KATAKANA": "Jpan", "HANGUL": "Kore", "DEVANAGARI": "Deva",
            "THAI": "Thai", "GEORGIAN": "Geor", "ARMENIAN": "Armn", "PERSIAN": "Arab", "BENGALI": "Beng"}
_ENGLISH = frozenset("the of and on in to with for at by from is are was his her their its about after "
                     "between against during this that as an be has have will not".split())


def script_of(text: str) -> str | None:
    """The ISO 15924 code of the script most letters of `text` are written in."""
    counts: dict[str, int] = {}
    for ch in text:
        if ch.isalpha():
            code = _SCRIPTS.get(unicodedata.name(ch, "").split(" ", 1)[0])
            if code:
                counts[code] = counts.get(code, 0) + 1
    return max(counts, key=counts.get) if counts else None


def language_tag(*texts: str | None) -> str | None:  # the title alone decides (list rows have no text)
    """A BCP 47 tag for the citation's `language`: "en" when Latin text carries English function
    words, else "und-<Script>" (language undetermined, script known), so that citeproc-js does
    not title-case a title that is not English. None when there is no letter at all."""
    words = " ".join(t for t in texts if t)
    script = script_of(words)
    if script is None:
        return None
    if script == "Latn":
        tokens = re.findall(r"[^\W\d_]+", words.lower())
        english = sum(t in _ENGLISH for t in tokens)
        return "en" if english and english * 12 >= len(tokens) else "und-Latn"
    return f"und-{script}"


def csl_item(st: StatementRow, *, url: str, accessed: dt.date, archive: str,
             paragraph_n: int | None = None) -> dict:
    """The CSL-JSON item for a statement (or one of its paragraphs: `paragraph_n`); `url` is
    the permalink."""
    item: dict = {
        "id": st.key if paragraph_n is None else f"{st.key}-p{paragraph_n}",
        "type": "webpage",
        "title": st.title,
        "genre": st.kind.replace("_", " ").capitalize(),
        "accessed": _date_parts(accessed),
    }
    if st.speakers:
        item["author"] = [name_parts(s.name, kind=s.kind) for s in st.speakers]
    elif st.publisher:
        item["author"] = [{"literal": st.publisher}]  # the issuing institution
    if st.original_url:
        item |= {"URL": st.original_url, "archive": archive, "archive_location": url}
    else:
        item |= {"URL": url, "container-title": archive}
    if st.publisher and st.speakers:  # (as the author it is not repeated as the publisher)
        item["publisher"] = st.publisher
    if st.date or st.published:
        item["issued"] = _date_parts(st.date or st.published)
    if st.venue:
        item["event-place"] = st.venue.name
    lang = language_tag(st.title)
    if lang:
        item["language"] = lang
    if paragraph_n is not None:
        item["note"] = f"Paragraph {paragraph_n}"
    return item


def permalink_field(item: dict) -> str:
    """The item field that holds the archive permalink."""
    return "archive_location" if "archive_location" in item else "URL"


def permalink(item: dict) -> str:
    return item[permalink_field(item)]


def locator(item: dict) -> str | None:
    """The paragraph number of a paragraph's item (its CSL locator), else None."""
    m = re.fullmatch(r"Paragraph (\d+)", item.get("note", ""))
    return m.group(1) if m else None


def accessed(item: dict) -> dt.date:
    """The item's access date."""
    y, m, d = item["accessed"]["date-parts"][0]
    return dt.date(y, m, d)
