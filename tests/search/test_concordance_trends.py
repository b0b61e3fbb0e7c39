"""Concordance (KWIC) and trends over the real app and a real index on disk: the seed pages, the
web sample pages and one page of our own (a formula-like paragraph, for the CSV). Occurrences
and counts are checked against the database's texts with plain regular expressions."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from sqlalchemy import select

from app.config import Settings
from app.db import open_database, session_scope
from app.ingest.load import load_page
from app.ingest.run import ingest_paths
from app.ingest.types import ParsedPage, ParsedParagraph, ParsedSpeaker, ParsedStatement
from app.models import Paragraph, Statement
from app.outbox.sync import sync_index
from tests.web_support import SEEDS, load_sample, make_client, soup

FORMULA = '=HYPERLINK("http://example.invalid","osce") is what the OSCE said, and +1 more'
FORMULA_PAGE = ParsedPage(
    statements=(
        ParsedStatement(
            role="main",
            title="=cmd|' /C calc'!A0 Statement on the OSCE",
            kind="statement",
            date=dt.date(2017, 3, 1),
            published=None,
            venue=None,
            speakers=(ParsedSpeaker("Test Speaker", None),),
            topics=(),
            title_line=1,
            paragraphs=(
                ParsedParagraph(n=1, text=FORMULA, speaker=None, label=None, line_start=3, line_end=3),
            ),
        ),
    )
)


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    data = tmp_path_factory.mktemp("kwic") / "data"
    settings = Settings(data_dir=data)
    engine, factory = open_database(settings)
    ingest_paths(factory, [str(SEEDS)], max_bytes=settings.max_page_bytes)
    load_sample(factory)
    with session_scope(factory) as session:
        load_page(
            session,
            path="sample/formula.txt",
            file_name="formula.txt",
            raw=b"formula",
            text="formula",
            page=FORMULA_PAGE,
            now=dt.datetime(2024, 1, 1),
        )
    sync_index(settings, factory)
    engine.dispose()
    return data


@pytest.fixture(scope="module")
def client(archive):
    with make_client(archive, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def paragraphs(archive):
    """(paragraph key, text, statement year, statement speakers' text) of every current paragraph."""
    engine, factory = open_database(Settings(data_dir=archive), migrate=False)
    with factory() as s:
        rows = []
        for key, text, st in s.execute(
            select(Paragraph.key, Paragraph.text, Statement)
            .join(Statement)
            .where(Paragraph.current.is_(True))
        ):
            when = st.sort_date or st.date or st.published
            rows.append((key, text, str(when.year) if when else "undated"))
    engine.dispose()
    return rows


def kwic(client, **params) -> dict:
    r = client.get("/api/concordance", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def all_lines(client, **params) -> list[dict]:
    lines, page = [], 1
    while True:
        got = kwic(client, page=page, **params)
        lines += got["lines"]
        if not got["has_next"]:
            return lines
        assert got["next"].endswith(f"page={page + 1}") or f"page={page + 1}&" in got["next"]
        page += 1


def test_every_occurrence_is_a_line_linked_to_its_paragraph(client, paragraphs):
    texts = {key: text for key, text, _y in paragraphs}
    expected = sum(len(re.findall(r"\bOSCE\b", t, re.I)) for t in texts.values())
    assert expected >= 5
    lines = all_lines(client, q="osce", per_page=2)
    assert len(lines) == expected
    for line in lines:
        assert line["match"].casefold() == "osce"
        text = " ".join(texts[line["paragraph"]["key"]].split())
        left, right = line["left"].lstrip("…"), line["right"].rstrip("…")
        assert left + line["match"] + right in text, line
        assert line["paragraph"]["url"] == f"/p/{line['paragraph']['key']}"
        assert line["paragraph"]["permalink"] == f"http://testserver/p/{line['paragraph']['key']}"
        assert client.get(line["paragraph"]["url"]).status_code == 200


def test_a_phrase_and_a_stemmed_word(client, paragraphs):
    phrase = all_lines(client, q='"international law"')
    assert len(phrase) == sum(
        len(re.findall(r"\binternational\s+law\b", t, re.I)) for _k, t, _y in paragraphs
    )
    assert phrase and all(line["match"].casefold() == "international law" for line in phrase)
    stemmed = all_lines(client, q="sanction")
    assert {line["match"].casefold() for line in stemmed} >= {"sanctions"}


def test_sorted_by_the_words_left_or_right_of_the_match(client):
    right = all_lines(client, q="osce", sort="right", per_page=3)
    keys = [re.findall(r"\w+", line["right"].casefold())[:5] for line in right]
    assert keys == sorted(keys)
    left = all_lines(client, q="osce", sort="left", per_page=3)
    keys = [re.findall(r"\w+", line["left"].casefold())[::-1][:5] for line in left]
    assert keys == sorted(keys)
    assert sorted(map(str, left)) == sorted(map(str, right)) or len(left) == len(right)


def test_the_concordance_takes_the_search_filters(client):
    lavrov = all_lines(client, q="osce", speaker="Sergey Lavrov")
    assert lavrov and all("Sergey Lavrov" in line["statement"]["speakers"] for line in lavrov)
    in_2021 = all_lines(client, q="osce", year="2021")
    assert in_2021 and all(
        (line["statement"]["date"] or line["statement"]["published"]).startswith("2021") for line in in_2021
    )
    newest = all_lines(client, q="osce")
    oldest = all_lines(client, q="osce", sort="oldest")
    dates = [line["statement"]["date"] or "" for line in oldest if line["statement"]["date"]]
    assert dates == sorted(dates) and len(oldest) == len(newest)


def test_the_page_shows_lines_sort_links_and_pages(client):
    page = soup(client.get("/concordance", params={"q": "osce", "per_page": 2}))
    rows = page.select("table.kwic tbody tr")
    assert len(rows) == 2
    assert rows[0].select_one(".kwic-match mark").get_text().casefold() == "osce"
    assert rows[0].select_one(".kwic-where a")["href"].startswith("/p/")
    assert page.select_one("a[rel=next]")["href"] == "/concordance?q=osce&per_page=2&page=2"
    assert any(a["href"] == "/concordance?q=osce&sort=left" for a in page.select(".sort-links a"))
    empty = client.get("/concordance")
    assert empty.status_code == 200 and soup(empty).select_one("input[name=q]") is not None


@pytest.mark.parametrize(
    ("params", "status", "words"),
    [
        ({"q": "speaker:lavrov"}, 400, "word or"),
        ({"q": "(osce"}, 400, "parentheses"),
        ({"q": " ".join(f"w{i}" for i in range(70))}, 422, "too many terms"),
        ({"q": "osce", "sort": "sideways"}, 400, "sort"),
        ({"q": "osce", "per_page": "100000"}, 400, "per_page"),
    ],
)
def test_bad_concordance_requests_are_refused_with_text(client, params, status, words):
    page = client.get("/concordance", params=params)
    assert page.status_code == status, page.text
    assert words in soup(page).select_one(".error-message").get_text()
    api = client.get("/api/concordance", params=params)
    assert api.status_code in (status, 422) and words in api.json()["error"]
    assert client.get("/api/concordance").status_code == 400


def test_the_csv_is_every_line_and_safe_in_a_spreadsheet(client):
    r = client.get("/concordance.csv", params={"q": "osce"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert len(rows) == len(all_lines(client, q="osce"))
    formula = next(row for row in rows if row["speakers"] == "Test Speaker")
    assert formula["left"].startswith("'=HYPERLINK") and formula["title"].startswith("'=cmd")
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@")), row
        assert row["permalink"].startswith("http://testserver/p/")


def test_trends_count_paragraphs_per_year_against_the_database(client, paragraphs):
    r = client.get("/api/trends", params=[("q", "osce"), ("q", "sanctions"), ("q", '"international law"')])
    assert r.status_code == 200, r.text
    result = r.json()
    per_year: dict[str, int] = {}
    for _k, _t, year in paragraphs:
        per_year[year] = per_year.get(year, 0) + 1
    years = sorted(int(y) for y in per_year if y.isdigit())
    assert [y["year"] for y in result["years"]] == list(range(years[0], years[-1] + 1))
    assert all(y["paragraphs"] == per_year.get(str(y["year"]), 0) for y in result["years"])
    patterns = {
        "osce": r"\bosce\b",
        "sanctions": r"\bsanction(s)?\b",
        '"international law"': r"\binternational\s+law\b",
    }
    for term in result["terms"]:
        for point in term["years"]:
            want = sum(
                1
                for _k, t, y in paragraphs
                if y == str(point["year"]) and re.search(patterns[term["term"]], t, re.I)
            )
            assert point["paragraphs"] == want, (term["term"], point)
            total = per_year.get(str(point["year"]), 0)
            assert point["per_10k"] == (round(want * 10_000 / total, 2) if total else 0.0)
            assert (
                point["search"].startswith("http://testserver/search?q=")
                and f"year={point['year']}" in point["search"]
            )


def test_trends_page_chart_table_and_csv(client):
    r = client.get("/trends", params=[("q", "osce"), ("q", "sanctions")])
    assert r.status_code == 200
    page = soup(r)
    svg = page.select_one("figure.trends-chart svg")
    assert svg["aria-hidden"] == "true" and len(svg.select("polyline")) == 2
    assert all(a["tabindex"] == "-1" for a in svg.select("a"))  # the table's links are the keyboard's
    assert "/search?q=osce&year=" in svg.select_one("a")["href"]
    table = page.select_one("table.trends-table")
    assert [th.get_text(strip=True) for th in table.select("thead th")][2:] == ["osce", "sanctions"]
    assert table.select("tbody a[href^='/search?q=']")
    counts = soup(client.get("/trends", params=[("q", "osce"), ("measure", "paragraphs")]))
    assert counts.select_one("#measure option[selected]")["value"] == "paragraphs"
    csv_r = client.get("/trends.csv", params=[("q", "osce"), ("q", "sanctions")])
    rows = list(csv.DictReader(io.StringIO(csv_r.text.lstrip("\ufeff"))))
    assert {row["term"] for row in rows} == {"osce", "sanctions"}
    assert client.get("/trends").status_code == 200  # the form, no chart


def test_bad_trends_requests_are_refused_with_text(client):
    seven = [("q", f"w{i}") for i in range(7)]
    for path in ("/trends", "/api/trends", "/trends.csv"):
        r = client.get(path, params=seven)
        assert r.status_code == 422 and "too many terms" in r.text, (path, r.text[:200])
        bad = client.get(path, params=[("q", "osce"), ("q", "(broken")])
        assert bad.status_code == 400 and "(broken" in bad.text and "parentheses" in bad.text
    assert client.get("/api/trends").status_code == 400
