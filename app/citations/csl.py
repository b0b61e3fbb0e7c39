"""The CSL-JSON item of a statement or a paragraph: the source of truth of every citation (the
texts of app.citations.texts, BibTeX, RIS, the embedded metadata).

The CSL mapping (README, "Citations"): speakers are the authors (app.ingest.name_parts gives
family/given/particles, institutions as literal names); a statement with no speaker is credited
to its publisher when the archive knows one, else CSL substitution applies (the title leads).
`URL` is the permalink, the address the reader consulted (the styles print the access date
just before it, as CMOS 14.12 asks). When the archive knows where the page was published,
`publisher` is its publisher, `archive` this archive and `archive_collection` the original
address: CSL has no variable for the original of an archived page, and this is the one the
three styles print beside `archive` without re-casing it (Chicago capitalises the first letter
of `archive_location`: "Http://…"); otherwise `container-title` is the archive. A paragraph is cited with the CSL locator (label "paragraph"): "para. 17".
Everything here is plain text; templates escape it."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from app.browse.views import StatementRow
from app.ingest.name_parts import name_parts
from app.ingest.names import CORE, INSTITUTIONS, MODIFIERS, NAME_STOPS

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
ORIGINAL = "archive_collection"  # the item field of the original address (see above)


def _date_parts(d: dt.date) -> dict:
    return {"date-parts": [[d.year, d.month, d.day]]}


# ISO 15924 codes of the scripts a title may be written in, by the first word of a letter's
# Unicode name; Latin titles are English only when English function words say so.
_SCRIPTS = {
    "LATIN": "Latn",
    "CYRILLIC": "Cyrl",
    "GREEK": "Grek",
    "ARABIC": "Arab",
    "HEBREW": "Hebr",
    "CJK": "Hani",
    "HIRAGANA": "Jpan",
    "KATAKANA": "Jpan",
    "HANGUL": "Kore",
    "DEVANAGARI": "Deva",
    "THAI": "Thai",
    "GEORGIAN": "Geor",
    "ARMENIAN": "Armn",
    "PERSIAN": "Arab",
    "BENGALI": "Beng",
}
_ENGLISH = frozenset(
    "the of and on in to with for at by from is are was his her their its about after "
    "between against during this that as an be has have will not".split()
)
# Function words of the other languages most often written in Latin script on these sites: each
# is evidence against English ("Déclaration sur la situation", "Rede von Minister … zur Lage").
_OTHER = (
    frozenset(
        "le la les des du au aux et sur pour avec dans une est der die das und mit zur zum vom "
        "des im auf ist el los las del y para con en por una lo il gli degli della delle di e per "
        "una os da do dos das na no em com uma ao dan yang untuk dengan dari ke".split()
    )
    - _ENGLISH
)
# Word endings English has and the other Latin-script languages write otherwise (-ité, -idad,
# -ität; -mente): "Weekly Address: Tuition-Free Community College".
_LEXICON = frozenset(w for w in CORE | NAME_STOPS | MODIFIERS | INSTITUTIONS if w.isascii() and len(w) > 2)
_ENGLISH_ENDING = re.compile(r"[a-z]{2}(?:ity|ness|ship|ing|ly)$")


def _english_evidence(words: str) -> tuple[int, int]:
    """(for, against) English in Latin-script text: function words (2 each), the possessive
    's, English word endings and the parser's English role and genre words (1 each), against
    the function words of other languages (2) and letters English does not use (1 a word)."""
    tokens = re.findall(r"[^\W\d_]+(?:[’'][^\W\d_]+)?", words.lower())
    pro = con = 0
    for t in tokens:
        bare = re.sub(r"[’']s$", "", t)
        if bare in _ENGLISH:
            pro += 2
        elif bare in _OTHER:
            con += 2
        elif not bare.isascii():
            con += 1
        elif bare != t or bare in _LEXICON or _ENGLISH_ENDING.search(bare):
            pro += 1
    return pro, con


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
    """A BCP 47 tag for the citation's `language`, so that citeproc-js title-cases English
    titles only: "en" when Latin-script text carries more evidence for English than against it
    (_english_evidence) and at least two points of it, else "und-<Script>" (language
    undetermined, script known). None when there is no letter at all."""
    words = " ".join(t for t in texts if t)
    script = script_of(words)
    if script is None:
        return None
    if script == "Latn":
        pro, con = _english_evidence(words)
        return "en" if pro >= 2 and pro > con else "und-Latn"
    return f"und-{script}"


def csl_item(
    st: StatementRow, *, url: str, accessed: dt.date, archive: str, paragraph_n: int | None = None
) -> dict:
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
        item |= {"URL": url, "archive": archive, ORIGINAL: st.original_url}
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
    """The item field that holds the archive permalink: `URL` in the archive's items;
    `archive_location` (Zotero's "Loc. in Archive") in an item whose `URL` is the original."""
    return "archive_location" if "archive_location" in item else "URL"


def original_url(item: dict) -> str | None:
    """Where the statement was first published, when the item says so."""
    if item.get(ORIGINAL):
        return item[ORIGINAL]
    return item["URL"] if item.get("archive_location") else None


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
