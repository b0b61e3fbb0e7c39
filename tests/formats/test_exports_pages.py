"""Downloads of an archive ingested from realistic pages (tests/data/export_pages, written for
these tests, through the real parser, HTML reader and manifest): the capture date in every
export and API, and bidirectional controls made harmless in each format."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from app.bidi import close_bidi
from tests.export_support import build_pages_archive
from tests.web_support import make_client

BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
OPENERS, CLOSERS = "\u202a\u202b\u202d\u202e\u2066\u2067\u2068", "\u202c\u2069"
BIDI_TITLE = "Remarks on the \u202eytaert of the treaty and the ceasefire"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return build_pages_archive(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="module")
def client(data_dir):
    with make_client(data_dir) as c:
        yield c


def _csv(body: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def _export(data_dir) -> dict[str, dict]:
    from app.browse.export import export_lines
    from app.config import Settings
    from app.db import open_database

    engine, factory = open_database(Settings(data_dir=data_dir), migrate=False)
    try:
        with factory() as session:
            return {r["key"]: r for r in map(json.loads, export_lines(session))}
    finally:
        engine.dispose()


# -- the capture date ------------------------------------------------------------------------

EXPECTED_CAPTURED = {  # title start -> (captured_at, captured)
    "Statement by the Ministry of Foreign Affairs and Trade": (
        "2023-03-13T21:00:00",
        "2023-03-13",
    ),  # manifest, +13:00
    "Wang Yi Meets": ("2023-02-18T03:00:00", "2023-02-18"),  # manifest
    "Embassy’s comment": (None, "2023-03-14"),  # the page clock of a text page without a source URL
    "Statement by President Ursula von der Leyen": (None, None),  # neither
}


def _by_title(rows, field="title") -> dict[str, dict]:
    out = {}
    for start in EXPECTED_CAPTURED:
        (row,) = [r for r in rows if r[field].startswith(start)]
        out[start] = row
    return out


def test_the_capture_date_is_in_the_api_lists_and_details_the_csvs_and_the_export(client, data_dir):
    listed = _by_title(client.get("/api/statements").json()["results"])
    exported = _by_title(_export(data_dir).values())
    csv_rows = _by_title(_csv(client.get("/statements.csv").content))
    search_rows = [r for r in _csv(client.get("/search.csv", params={"q": "ceasefire"}).content)]
    for start, (at, day) in EXPECTED_CAPTURED.items():
        detail = client.get(listed[start]["api"]).json()
        assert (listed[start]["captured_at"], listed[start]["captured"]) == (at, day), start
        assert (detail["captured_at"], detail["captured"]) == (at, day), start
        assert (exported[start]["captured_at"], exported[start]["captured"]) == (at, day), start
        assert csv_rows[start]["captured"] == (day or ""), start
        assert {r["captured"] for r in search_rows if r["title"].startswith(start)} == {day or ""}, start
        page = client.get(listed[start]["url"]).text
        assert (f'datetime="{day}"' in page) == (day is not None), start  # "Page captured" in the Cite box


def test_the_csvs_name_the_original_url_and_publisher(client):
    rows = {r["title"]: r for r in _csv(client.get("/statements.csv").content)}
    un = next(r for t, r in rows.items() if t.startswith("Statement by Ambassador Linda Thomas-Greenfield"))
    assert un["original_url"] == (
        "https://usun.example/~remarks/statement_by_ambassador%E2%80%93thomas-greenfield?x=1&y=2#main"
    )
    assert un["publisher"] == "United States Mission to the United Nations"
    tex = next(r for t, r in rows.items() if t.startswith("Press briefing on the {draft}"))
    assert tex["original_url"] == "https://press.example/briefings/{draft}_100%25/~zakharova#q&a"
    searched = [r for r in _csv(client.get("/search.csv", params={"q": "humanitarian"}).content)]
    assert {r["original_url"] for r in searched} >= {
        "https://www.mfat.example/~press/2023_03/ceasefire%2Dstatement.html"
    }


# -- bidi controls ---------------------------------------------------------------------------


def _closed_per_value(value: str) -> bool:
    """Every embedding/override/isolate opened in `value` is closed within it, and nothing else."""
    return close_bidi(value) == value


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


@pytest.fixture(scope="module")
def bidi_urls(client):
    (st,) = [
        s for s in client.get("/api/statements").json()["results"] if s["title"].startswith("Remarks on the")
    ]
    pkeys = [p["key"] for p in client.get(st["api"]).json()["paragraphs"]]
    return st, pkeys


def test_json_answers_downloads_and_the_export_close_bidi_controls_in_each_string(
    client, data_dir, bidi_urls
):
    st, pkeys = bidi_urls
    answers = {
        "api list": client.get("/api/statements").json(),
        "api detail": client.get(st["api"]).json(),
        "api paragraph": client.get(f"/api/p/{pkeys[0]}").json(),
        "api search": client.get("/api/search", params={"q": "ceasefire"}).json(),
        "statements.json": client.get("/statements.json").json(),
        "search.json": client.get("/search.json", params={"q": "ceasefire"}).json(),
        "cite.json": client.get(f"/statements/{st['key']}/cite.json").json(),
        "paragraph cite.json": client.get(f"/p/{pkeys[0]}/cite.json").json(),
        "export": _export(data_dir)[st["key"]],
    }
    for name, value in answers.items():
        strings = list(_strings(value))
        assert any("\u202e" in s for s in strings), name  # the text is kept…
        assert all(_closed_per_value(s) for s in strings), name  # …and its override ends with its string
    # the title as stored, its closer added at its end; a stray closer dropped
    assert answers["api detail"]["title"] == BIDI_TITLE + "\u202c"
    assert answers["api detail"]["paragraphs"][1]["text"].count("\u202c") == 0


def test_a_query_echoed_in_a_json_error_is_closed_too(client):
    body = client.get("/api/search", params={"q": "\u202e(unclosed"}).json()
    assert all(_closed_per_value(s) for s in _strings(body))


def test_ris_closes_bidi_controls_in_each_value_and_bibtex_drops_them(client, bidi_urls):
    import rispy

    st, pkeys = bidi_urls
    for url in (st["url"], f"/p/{pkeys[0]}"):
        ris_text = client.get(f"{url}/cite.ris").text
        lines = ris_text.split("\r\n")
        assert any("\u202e" in line for line in lines)
        assert all(_closed_per_value(line) for line in lines)  # one value per line
        (entry,) = rispy.loads(ris_text.replace("\r\n", "\n"))
        assert entry["title"] == BIDI_TITLE + "\u202c"
        bib = client.get(f"{url}/cite.bib").text
        assert not BIDI.search(bib)  # pdflatex stops on them ("not set up for use with LaTeX")
        assert "Remarks on the ytaert of the treaty" in bib


def test_bidi_controls_in_an_original_url_are_percent_encoded_in_bibtex_and_ris():
    from app.citations import bibtex, ris

    item = {
        "id": "k",
        "title": "T",
        "URL": "https://a.example/\u202eexe.txt",
        "archive": "Archive",
        "archive_location": "https://archive.example/statements/k",
        "accessed": {"date-parts": [[2026, 12, 1]]},
    }
    assert "url = {https://a.example/%E2%80%AEexe.txt}" in bibtex.to_bibtex(item)
    assert "UR  - https://a.example/%E2%80%AEexe.txt\r\n" in ris.to_ris(item)


def test_an_original_url_item_keeps_the_archive_permalink_in_bibtex_and_ris(client):
    import bibtexparser
    import rispy

    (st,) = [
        s for s in client.get("/api/statements").json()["results"] if s["title"].startswith("Wang Yi Meets")
    ]
    pkey = client.get(st["api"]).json()["paragraphs"][1]["key"]
    entry = bibtexparser.parse_string(client.get(f"/p/{pkey}/cite.bib").text).entries[0]
    assert entry["url"] == st["original_url"]
    assert (
        entry["note"] == f"Paragraph 2. Archived in Diplomatic Statements Archive: http://testserver/p/{pkey}"
    )
    (rec,) = rispy.loads(client.get(f"/p/{pkey}/cite.ris").text.replace("\r\n", "\n"))
    assert rec["urls"] == [st["original_url"]]
    assert rec["name_of_database"] == "Diplomatic Statements Archive"
    assert rec["accession_number"] == f"http://testserver/p/{pkey}"
