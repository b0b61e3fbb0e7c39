"""Downloads: BibTeX, RIS, CSV and Atom written so that real clients take them as they are
(the clients themselves run in test_exports_clients.py): unique short keys, balanced braces,
CRLF, inert spreadsheet cells, every matching paragraph, no invented dates."""

from __future__ import annotations

import csv
import io
import re

import feedparser
import pybtex.database
import pytest
import rispy
from hypothesis import given
from hypothesis import strategies as st

from app.citations import bibtex, ris
from app.formats import spreadsheet
from tests.export_support import CYRILLIC_TITLE, FORMULA_TITLE, MANY, TEX_TITLE, build_export_archive
from tests.web_support import make_client


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with make_client(build_export_archive(tmp_path_factory.getbasetemp())) as c:
        yield c


def _item(title="A title", url="https://a.example/statements/k", **kw) -> dict:
    return {
        "id": "k",
        "title": title,
        "URL": url,
        "container-title": "Archive",
        "accessed": {"date-parts": [[2026, 12, 1]]},
    } | kw


def _balanced(text: str) -> bool:
    """Braces as BibTeX counts them (a backslash does not escape a brace for BibTeX)."""
    depth = 0
    for c in text:
        depth += {"{": 1, "}": -1}.get(c, 0)
        if depth < 0:
            return False
    return depth == 0


# -- BibTeX --------------------------------------------------------------------------------


@given(st.text())
def test_bibtex_escaping_round_trips_and_keeps_braces_balanced(text):
    escaped = bibtex.escape(text)
    assert _balanced(escaped)
    assert not re.search(r"(?<!\\)[&%$#_]", escaped.replace("\\textbackslash{}", ""))
    expected = re.sub(
        r"[\x00-\x1f\x7f\u2028\u2029]+", " ", __import__("unicodedata").normalize("NFC", text)
    ).strip()
    assert bibtex.decode(escaped) == expected


def test_bibtex_escapes_every_special_character_as_a_balanced_command():
    assert bibtex.escape("~ ^ { } \\ & % $ # _") == (
        r"\textasciitilde{} \textasciicircum{} \textbraceleft{} \textbraceright{} \textbackslash{} "
        r"\& \% \$ \# \_"
    )
    assert bibtex.escape("Заявление, café") == "Заявление, café"  # UTF-8 kept (biber, BibTeX 0.99 pass it on)


@given(st.text(min_size=0, max_size=300), st.integers(1, 1000))
def test_keys_are_short_safe_and_distinct_for_a_statement_and_its_paragraphs(key, n):
    from app.urls import paragraph_path, statement_path

    s = bibtex.entry_key({"id": key, "URL": "https://x.example" + statement_path(key)})
    p = bibtex.entry_key({"id": f"{key}-p{n}", "URL": "https://x.example" + paragraph_path(f"{key}.{n}")})
    for k in (s, p):
        assert len(k) <= bibtex.KEY_MAX and re.fullmatch(r"[A-Za-z0-9-]+", k)
    assert s != p
    assert s == bibtex.entry_key({"id": key, "URL": "https://other.host" + statement_path(key)})  # host-free


def test_long_keys_of_two_paragraphs_differ_where_the_old_80_character_cut_merged_them():
    long = "2021-10-02-foreign-minister-sergey-lavrovs-remarks-and-answers-to-media-questions-at-a-news-conference"
    keys = {bibtex.entry_key(_item(id=f"{long}-p{n}", url=f"https://x/p/{long}.{n}")) for n in range(1, 200)}
    assert len(keys) == 199 and all(k.startswith("2021-10-02-foreign-minister") for k in keys)


def test_bibtex_entry_fields():
    item = _item(
        TEX_TITLE,
        url="https://a.example/p/k_1~x%20y",
        issued={"date-parts": [[2021, 5, 9]]},
        author=[
            {"family": "Wang", "given": "Yi"},
            {"literal": "Ministry of Foreign Affairs and Trade"},
            {"family": "Leyen", "given": "Ursula", "non-dropping-particle": "von der"},
            {"family": "Saud", "given": "Mohammed", "dropping-particle": "bin Salman Al"},
            {"family": "King", "given": "Martin Luther", "suffix": "Jr."},
        ],
        locator="17",
        label="paragraph",
    )
    text = bibtex.to_bibtex(item)
    assert "  month = may,\n" in text and "  year = 2021,\n" in text
    assert "  url = {https://a.example/p/k_1~x%20y},\n" in text and "  urldate = {2026-12-01}," in text
    assert (
        "author = {{Wang}, Yi and {Ministry of Foreign Affairs and Trade} and von der {Leyen}, Ursula"
        " and bin {Salman Al Saud}, Mohammed and {King}, Jr., Martin Luther}"
    ) in text
    assert "note = {para. 17}" in text
    assert _balanced(text)
    entry = next(iter(pybtex.database.parse_string(text, "bibtex").entries.values()))
    people = entry.persons["author"]
    assert [" ".join(p.last_names) for p in people] == [
        "{Wang}",
        "{Ministry of Foreign Affairs and Trade}",
        "{Leyen}",
        "{Salman Al Saud}",
        "{King}",
    ]
    assert " ".join(people[2].prelast_names) == "von der" and people[4].lineage_names == ["Jr."]
    assert bibtex.decode(entry.fields["title"][1:-1]) == TEX_TITLE


def test_author_less_entry_has_a_sort_key():
    text = bibtex.to_bibtex(_item("Press release"))
    assert "author" not in text and "  key = {Press release}," in text


# -- RIS -----------------------------------------------------------------------------------


def test_ris_has_crlf_and_keeps_institutions_whole():
    item = _item(
        "Line\nbreak",
        author=[
            {"literal": "Foreign Ministry"},
            {"family": "Leyen", "given": "Ursula", "non-dropping-particle": "von der"},
        ],
        issued={"date-parts": [[2021, 5]]},
        locator="3",
    )
    text = ris.to_ris(item)
    assert text.startswith("TY  - ELEC\r\n") and text.endswith("\r\nER  - \r\n")
    assert "\n" not in text.replace("\r\n", "")
    parsed = rispy.loads(text.replace("\r\n", "\n"))[0]
    assert parsed["authors"] == ["Foreign Ministry,", "von der Leyen, Ursula"]
    assert parsed["title"] == "Line break" and parsed["date"] == "2021/05/" and parsed["notes"] == ["para. 3"]


# -- CSV -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell,out",
    [
        ("=1+2", "'=1+2"),
        ("+33 1", "'+33 1"),
        ("-2 degrees", "'-2 degrees"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=b", "a=b"),
        ("'quoted", "'quoted"),
        (17, 17),
        (None, ""),
        (True, "yes"),
    ],
)
def test_csv_cells_follow_the_owasp_rule(cell, out):
    assert spreadsheet.inert(cell) == out


def test_csv_stream_has_bom_notice_and_header():
    text = "".join(
        spreadsheet.csv_stream(iter([{"a": "=x", "b": 1}]), ["a", "b"], dict, notice="Truncated: …")
    )
    assert text.startswith("\ufeffTruncated: …\r\na,b\r\n'=x,1\r\n")


def _csv(response) -> list[dict]:
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.mark.parametrize(
    "q", ["ceasefire", "the", "sanctions OR vienna", '"strategic stability"', "speaker:foreign-ministry"]
)
def test_search_csv_has_every_matching_paragraph_with_its_text(client, q):
    """The research workflow: search, download the CSV, count: the same number as the search says."""
    api = client.get("/api/search", params={"q": q}).json()
    assert not api["approximate"]
    rows = _csv(client.get("/search.csv", params={"q": q}))
    assert len(rows) == api["total_paragraphs"] > 0
    assert len({r["paragraph_key"] for r in rows}) == len(rows)
    assert len({r["statement_key"] for r in rows}) == api["total_statements"]
    data = client.get("/search.json", params={"q": q}).json()
    assert data["total_paragraphs"] == len(data["results"]) == len(rows) and data["truncated"] is False
    assert [r["paragraph_key"] for r in rows] == [r["paragraph_key"] for r in data["results"]]


def test_search_csv_keeps_more_than_twenty_paragraphs_of_one_statement_and_the_full_text(client):
    rows = [
        r
        for r in _csv(client.get("/search.csv?q=ceasefire"))
        if r["title"] == "Statement with many ceasefire paragraphs"
    ]
    assert [int(r["n"]) for r in rows] == list(range(1, MANY + 1))
    long = [r for r in _csv(client.get("/search.csv?q=speaker:sergey-lavrov")) if len(r["text"]) > 400]
    assert long and "snippet" not in long[0]  # the whole text, not a ~320-character extract


def test_search_csv_cells_are_inert_and_text_intact(client):
    rows = _csv(client.get("/search.csv?q=ceasefire"))
    formula = [r for r in rows if r["title"] == "'" + FORMULA_TITLE]
    assert [r["text"] for r in formula] == [
        "'+33 1 23 45 67 89 is the ceasefire hotline",
        "'-2 degrees and a ceasefire",
        "'@SUM(A1:A2) ceasefire",
        "'\tTabbed ceasefire text",
        "Lavrov’s “ceasefire” — naïve café, 北京",
    ]
    assert not [v for r in rows for v in r.values() if v and v[0] in "=+-@\t\r"]
    assert any(r["title"] == CYRILLIC_TITLE for r in rows)


def test_statement_csv_is_inert_and_complete(client):
    rows = _csv(client.get("/statements.csv"))
    assert len(rows) == client.get("/api/statements").json()["total"]
    assert "'" + FORMULA_TITLE in [r["title"] for r in rows]


def test_a_capped_download_says_so_in_its_first_row(client, monkeypatch):
    from app.web.routes import downloads, search_downloads

    monkeypatch.setattr(search_downloads, "MAX_SEARCH_ROWS", 5)
    text = client.get("/search.csv?q=ceasefire").content.decode("utf-8-sig")
    first, rest = text.split("\r\n", 1)
    total = client.get("/api/search?q=ceasefire").json()["total_paragraphs"]
    assert first.startswith(f"Truncated: this file holds the first 5 of {total} matching paragraphs")
    assert len(list(csv.DictReader(io.StringIO(rest)))) == 5
    assert client.get("/search.json?q=ceasefire").json()["truncated"] is True
    page = client.get("/search?q=ceasefire").text
    assert "first 5 of" in page
    monkeypatch.setattr(downloads, "MAX_DOWNLOAD_ROWS", 3)
    assert (
        client.get("/statements.csv")
        .content.decode("utf-8-sig")
        .startswith("Truncated: this file holds the first 3 of")
    )
    assert "first 3 of" in client.get("/statements").text


# -- Atom ----------------------------------------------------------------------------------


def test_feeds_parse_and_invent_no_dates(client):
    for url in ("/statements.atom", "/search.atom?q=ceasefire", "/statements.atom?kind=statement"):
        feed = feedparser.parse(client.get(url).content)
        assert not feed.bozo, (url, feed.bozo_exception)
        assert feed.entries
        for e in feed.entries:
            assert not e.updated.startswith("1970")
    feed = feedparser.parse(client.get("/search.atom?q=ceasefire").content)
    by_title = {e.title: e for e in feed.entries}
    published_only = by_title[CYRILLIC_TITLE]
    assert published_only.updated.startswith("2022-01-07") and published_only.published.startswith(
        "2022-01-07"
    )
    assert published_only.summary.startswith("Undated statement; published 2022-01-07.")
    ingested = by_title["Undated note on the ceasefire"]
    assert ingested.updated.startswith("2024-02-03") and "published" not in ingested
    assert ingested.summary.startswith("Undated statement; added to the archive 2024-02-03.")
    assert by_title[FORMULA_TITLE].published.startswith("2022-03-04")


@pytest.mark.parametrize(
    "name,kind,family,given",
    [
        ("Wang Yi", "person", "{Wang}", "Yi"),
        ("Ursula von der Leyen", "person", "{Leyen}", "Ursula"),
        ("Mohammed bin Salman Al Saud", "person", "{Al Saud}", "Mohammed bin Salman"),
        ("Martin Luther King Jr.", "person", "{King}", "Martin Luther"),
        (
            "Ministry of Foreign Affairs and Trade",
            "institution",
            "{Ministry of Foreign Affairs and Trade}",
            "",
        ),
    ],
)
def test_structured_names_reach_bibtex_and_ris_whole(name, kind, family, given):
    """From app.ingest.name_parts to what pybtex (BibTeX's name rules) and rispy read back."""
    from app.ingest.name_parts import name_parts

    parts = name_parts(name, kind=kind)
    text = bibtex.to_bibtex(_item(author=[parts]))
    person = next(iter(pybtex.database.parse_string(text, "bibtex").entries.values())).persons["author"]
    assert len(person) == 1
    assert (
        " ".join(person[0].last_names) == family
        and " ".join(person[0].first_names + person[0].middle_names) == given
    )
    authors = rispy.loads(ris.to_ris(_item(author=[parts])).replace("\r\n", "\n"))[0]["authors"]
    assert authors == [f"{name}," if kind == "institution" else ris.name(parts)]
    assert (authors[0].split(",")[0].strip() == name) == (kind == "institution")


def test_search_download_beyond_exact_resolution_still_counts_every_paragraph(client, monkeypatch):
    """A search of more statements than search() resolves exactly (RESOLVE_ALL, lowered here):
    the download resolves them all and has every paragraph; capped, it says 'about'."""
    from app.search import planning as service
    from app.web.routes import search_downloads

    exact = client.get("/api/search?q=the").json()["total_paragraphs"]
    monkeypatch.setattr(service, "RESOLVE_ALL", 1)
    assert client.get("/api/search?q=the").json()["approximate"]
    rows = _csv(client.get("/search.csv?q=the"))
    assert len(rows) == exact
    monkeypatch.setattr(search_downloads, "MAX_SEARCH_ROWS", 7)
    first = client.get("/search.csv?q=the").content.decode("utf-8-sig").split("\r\n", 1)[0]
    assert first.startswith("Truncated: this file holds the first 7 of about ")
    data = client.get("/search.json?q=the").json()
    assert data["truncated"] and not data["exact"] and len(data["results"]) == 7
