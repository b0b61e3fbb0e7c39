"""Citation items (CSL-JSON) and texts: names as structured data, the issuing institution for
author-less statements, the original source and the archive permalink, the paragraph locator,
`language` from the script, and the texts citeproc-js gives (app.citations.citeproc_js)."""

from __future__ import annotations

import datetime as dt

import pytest

from app import citations
from app.browse.views import NamedRef, SpeakerRef, StatementRow
from tests.conftest import SEEDS

ACCESSED = dt.date(2026, 11, 22)


def seed_rows() -> list[StatementRow]:
    from app.ingest.readers import parse_document

    rows = []
    for page in sorted(SEEDS.glob("*.txt")):
        _text, parsed = parse_document(page.read_bytes(), ".txt")
        for st in parsed.statements:
            rows.append(
                StatementRow(
                    key=f"seed-{len(rows)}",
                    title=st.title,
                    kind=st.kind,
                    date=st.date,
                    published=st.published,
                    venue=None,
                    speakers=[SpeakerRef(p.name, f"s{i}", None, p.kind) for i, p in enumerate(st.speakers)],
                    topics=[],
                    excerpt=False,
                    paragraph_count=1,
                )
            )
    return rows


def seed_items() -> list[dict]:
    return [
        citations.csl_item(
            row, url=f"https://a.example/{i}", accessed=ACCESSED, archive="Diplomatic Statements Archive"
        )
        for i, row in enumerate(seed_rows())
    ]


def _row(**kw) -> StatementRow:
    base = dict(
        key="2021-10-02-remarks-1234abcd",
        title="Remarks on the situation in the region",
        kind="remarks",
        date=dt.date(2021, 10, 2),
        published=None,
        venue=NamedRef("moscow", "Moscow"),
        speakers=[SpeakerRef("Sergey Lavrov", "sergey-lavrov")],
        topics=[],
        excerpt=False,
        paragraph_count=20,
    )
    return StatementRow(**(base | kw))


def _item(row: StatementRow, n: int | None = None) -> dict:
    return citations.csl_item(
        row, url="https://arch.example/s/k", accessed=ACCESSED, archive="Archive", paragraph_n=n
    )


def test_names_are_structured_not_split_on_the_last_word():
    people = [
        SpeakerRef(n, n.lower().replace(" ", "-"))
        for n in ("Wang Yi", "Mohammed bin Salman Al Saud", "Ursula von der Leyen")
    ]
    item = _item(_row(speakers=[*people, SpeakerRef("Foreign Ministry", "fm", None, "institution")]))
    assert item["author"][0]["family"] == "Wang" and item["author"][0]["given"] == "Yi"
    assert item["author"][1] == {"family": "Al Saud", "given": "Mohammed bin Salman"}
    assert item["author"][2]["non-dropping-particle"] == "von der" and item["author"][2]["family"] == "Leyen"
    assert item["author"][3] == {"literal": "Foreign Ministry"}
    apa = citations.render(item, "APA")
    assert apa.startswith("Wang Y., Al Saud, M. bin S., von der Leyen, U.") or "Yi, W." not in apa
    assert "Saud, Mohammed" not in citations.render(item, "Chicago")


def test_an_author_less_statement_is_credited_to_its_publisher_or_led_by_its_title():
    bare = _item(_row(speakers=[]))
    assert "author" not in bare
    texts = dict(citations.citation_set(bare, date=None, accessed=ACCESSED).texts)
    for label, text in texts.items():  # CSL substitution: the title is not printed twice
        assert text.count("situation in the region") + text.count("Situation in the Region") == 1, label
    issued = _item(_row(speakers=[], publisher="Ministry of Foreign Affairs of Ruritania"))
    assert (
        issued["author"] == [{"literal": "Ministry of Foreign Affairs of Ruritania"}]
        and "publisher" not in issued
    )
    assert citations.render(issued, "APA").startswith(
        "Ministry of Foreign Affairs of Ruritania. (2021, October 2)."
    )


def test_the_original_source_is_named_and_the_permalink_is_the_archive_location():
    row = _row(
        original_url="https://mfa.example/press/123", publisher="Ministry of Foreign Affairs of Ruritania"
    )
    item = _item(row)
    # the permalink is what the reader consulted (`URL`, with the access date); the original
    # address is `archive_collection` (Chicago re-cases `archive_location`: "Http://…")
    assert item["URL"] == "https://arch.example/s/k" and item["publisher"] == row.publisher
    assert item["archive"] == "Archive" and item["archive_collection"] == "https://mfa.example/press/123"
    assert citations.permalink(item) == "https://arch.example/s/k"
    for label in citations.STYLES:
        text = citations.render(item, label)
        assert "mfa.example/press/123" in text and "arch.example/s/k" in text and row.publisher in text, label
    plain = _item(_row())
    assert plain["URL"] == "https://arch.example/s/k" and plain["container-title"] == "Archive"


def test_a_paragraph_is_cited_with_its_locator():
    item = _item(_row(), 17)
    assert citations.locator(item) == "17" and citations.locator(_item(_row())) is None
    cs = citations.citation_set(item, date=None, accessed=ACCESSED)
    short = {label: text for label, _form, text in cs.short}
    assert "para. 17" in short["Chicago"] and short["APA"] == "(Lavrov, 2021, para. 17)"
    assert short["MLA"] == "(Lavrov, par. 17)"
    assert [form for _l, form, _t in cs.short] == ["Note", "In-text", "In-text"]


def test_no_url_is_re_cased_and_the_access_date_goes_with_the_permalink():
    row = _row(
        original_url="https://mfa.example/press/123", publisher="Ministry of Foreign Affairs of Ruritania"
    )
    for paragraph in (None, 4):
        cs = citations.citation_set(_item(row, paragraph), date=None, accessed=ACCESSED)
        for label, text in cs.texts + [(label, text) for label, _f, text in cs.short]:
            assert "Http" not in text, label
        assert all("https://mfa.example/press/123" in text for _label, text in cs.texts)
        chicago = dict(cs.texts)["Chicago"]  # CMOS 14.12: the access date just before the URL it is for
        assert chicago.endswith(f"Accessed November 22, 2026. {cs.url}."), chicago
        assert chicago.index("https://mfa.example/press/123") < chicago.index("Archive. Accessed")


@pytest.mark.parametrize(
    ("title", "tag"),
    [
        ("Weekly Address: Tuition-Free Community College", "en"),
        ("Vladimir Putin’s annual news conference", "en"),
        ("Foreign Ministry Statement", "en"),
        ("Déclaration sur la situation au Sahel", "und-Latn"),
        ("Rede von Bundesminister Steinmeier zur Lage in Berlin", "und-Latn"),
        ("Declaración del Ministro de Relaciones Exteriores", "und-Latn"),
        ("Pernyataan Menteri Luar Negeri", "und-Latn"),
    ],
)
def test_english_is_told_from_other_latin_script_languages_by_weighed_evidence(title, tag):
    assert citations.language_tag(title) == tag


@pytest.mark.parametrize(
    ("title", "tag"),
    [
        ("Remarks by the Minister at the press conference", "en"),
        ("Déclaration conjointe franco-allemande", "und-Latn"),
        ("Выступление и ответы на вопросы СМИ", "und-Cyrl"),
        ("外交部发言人答记者问", "und-Hani"),
        ("بيان وزارة الخارجية", "und-Arab"),
        ("2021", None),
    ],
)
def test_language_comes_from_the_script_and_english_words(title, tag):
    assert citations.language_tag(title) == tag


def test_non_english_titles_are_not_title_cased():
    ru = _item(_row(title="Выступление министра иностранных дел"))
    assert ru["language"] == "und-Cyrl"
    assert "“Выступление министра иностранных дел.”" in citations.render(ru, "Chicago")
    fr = _item(_row(title="Déclaration sur la situation au Sahel"))
    assert "“Déclaration sur la situation au Sahel.”" in citations.render(fr, "Chicago")
    en = _item(_row(title="Remarks on the situation in the region"))
    assert "“Remarks on the Situation in the Region.”" in citations.render(en, "Chicago")


def test_apostrophes_and_nested_quotes_are_typographic():
    item = _item(_row(title='Lavrov\'s answer to "Kommersant" questions'))
    chicago = citations.render(item, "Chicago")
    assert "“Lavrov’s Answer to ‘Kommersant’ Questions.”" in chicago


def test_citation_set_has_the_three_styles_with_the_permalink():
    item = seed_items()[0]
    cs = citations.citation_set(item, date=dt.date(2021, 11, 19), accessed=ACCESSED)
    assert [label for label, _ in cs.texts] == ["Chicago", "APA", "MLA"]
    assert all(item["URL"] in text for _, text in cs.texts)
