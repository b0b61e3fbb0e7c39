"""Search as researchers type it, on the seed archive (real Whoosh index on disk, the real app over
HTTP): words that occur only in titles and speakers' surnames find those statements, ranked
first, the title highlighted; "statements by <name>"; did-you-mean over names; multi-value
facets (OR within, AND across), the month facet, a facet's own page; "about N"."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from sqlalchemy import select

from app.config import Settings
from app.db import open_database
from app.models import Paragraph, Speaker, Statement, StatementSpeaker
from tests.web_support import make_client, soup


@pytest.fixture(scope="module")
def archive(seeded_archive):
    return seeded_archive  # the five seed pages only


@pytest.fixture(scope="module")
def client(archive):
    with make_client(archive, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def db(archive):
    """What the database says: per statement key, title, speakers, year and current paragraphs' texts."""
    engine, factory = open_database(Settings(data_dir=archive), migrate=False)
    with factory() as s:
        names: dict[int, list[str]] = {}
        for sid, name in s.execute(select(StatementSpeaker.statement_id, Speaker.name).join(Speaker)):
            names.setdefault(sid, []).append(name)
        out = {}
        for st in s.scalars(select(Statement)):
            when = st.sort_date or st.date or st.published
            texts = list(
                s.scalars(
                    select(Paragraph.text).where(Paragraph.statement_id == st.id, Paragraph.current.is_(True))
                )
            )
            out[st.key] = {
                "title": st.title,
                "speakers": names.get(st.id, []),
                "texts": texts,
                "year": str(when.year) if when else "undated",
                "month": f"{when.year}-{when.month:02d}" if when else None,
            }
    engine.dispose()
    return out


def api(client, **params) -> dict:
    r = client.get("/api/search", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def statement_keys(result) -> list[str]:
    return [g["statement"]["key"] for g in result["results"]]


def in_text(db, word: str) -> bool:
    return any(re.search(rf"\b{word}", t, re.I) for st in db.values() for t in st["texts"])


def test_a_word_only_in_titles_finds_those_statements_with_the_title_highlighted(client, db):
    assert not in_text(db, "spokeswoman")  # the premise: no paragraph says it
    expected = {k for k, st in db.items() if re.search(r"\bspokeswoman\b", st["title"], re.I)}
    assert len(expected) >= 3
    result = api(client, q="spokeswoman", per_page=50)
    assert set(statement_keys(result)) == expected and result["total_statements"] == len(expected)
    for group in result["results"]:
        assert "<mark>Spokeswoman</mark>" in group["statement"]["title_html"]
        assert group["paragraphs"], group  # the statement's first paragraph stands for it
        assert group["paragraphs"][0]["n"] == 1
    page = soup(client.get("/search", params={"q": "spokeswoman"}))
    assert page.select_one(".result h2 a mark").get_text() == "Spokeswoman"


def test_a_surname_finds_that_speakers_statements_first_and_offers_the_speaker_filter(client, db):
    for surname, full in (
        ("Zakharova", "Maria Zakharova"),
        ("Kelin", "Andrei Kelin"),
        ("ryabkov", "Sergey Ryabkov"),
    ):
        theirs = {k for k, st in db.items() if full in st["speakers"]}
        assert theirs, full
        result = api(client, q=surname, per_page=50)
        keys = statement_keys(result)
        assert set(keys[: len(theirs)]) == theirs, (surname, keys)  # theirs rank first
        assert result["speaker_suggestions"][0] == {"name": full, "statements": len(theirs), "query": ""}
        page = soup(client.get("/search", params={"q": surname}))
        link = page.select_one(".speaker-suggestion a")
        assert link.get_text(strip=True) == f"Statements by {full}"
        by_speaker = (
            client.get(link["href"]).json()
            if link["href"].startswith("/api")
            else api(client, **dict(re.findall(r"(\w+)=([^&]+)", link["href"].replace("+", " "))))
        )
        assert set(statement_keys(by_speaker)) == theirs


def test_a_name_and_a_word_find_the_paragraphs_on_that_word_in_that_speakers_statements(client, db):
    result = api(client, q="lavrov sanctions", per_page=50)
    assert result["results"]
    for group in result["results"]:
        names = db[group["statement"]["key"]]["speakers"]
        for p in group["paragraphs"]:
            text = re.sub(r"</?mark>", "", p["snippet"])
            assert re.search(r"sanction", text, re.I), text
            assert "Sergey Lavrov" in names or re.search(r"lavrov", text, re.I)


def test_the_exact_field_operators_keep_their_meaning(client, db):
    by_title = api(client, q="title:spokeswoman", per_page=50)
    assert by_title["total_paragraphs"] == sum(
        len(st["texts"]) for st in db.values() if "spokeswoman" in st["title"].lower()
    )
    negated = api(client, q="-zakharova", per_page=50)  # a negated word: the text only
    theirs = {k for k, st in db.items() if "Maria Zakharova" in st["speakers"]}
    assert theirs <= set(statement_keys(negated))


def test_did_you_mean_covers_names(client):
    assert api(client, q="zaharova")["suggestion"] == "zakharova"
    assert api(client, q="syromolotof")["suggestion"] == "syromolotov"
    assert api(client, q="zakharova")["suggestion"] is None


def test_facet_values_combine_or_within_and_across(client, db):
    a, b = "Maria Zakharova", "Sergey Lavrov"
    both = api(client, speaker=[a, b], per_page=100)
    expected = {k for k, st in db.items() if a in st["speakers"] or b in st["speakers"]}
    assert set(statement_keys(both)) == expected
    assert both["total_paragraphs"] == sum(len(db[k]["texts"]) for k in expected)
    only_2021 = api(client, speaker=[a, b], year="2021", per_page=100)
    assert set(statement_keys(only_2021)) == {k for k in expected if db[k]["year"] == "2021"}
    # a facet with values chosen is counted without its own filter: it shows what each would add
    unfiltered = {f["value"]: f["count"] for f in api(client, q="russia")["facets"]["speaker"]}
    chosen = {f["value"]: f["count"] for f in api(client, q="russia", speaker=a)["facets"]["speaker"]}
    assert chosen == unfiltered
    page = soup(client.get("/search", params=[("q", "russia"), ("speaker", a)]))
    add = next(x for x in page.select(".facet-link") if x.get_text().startswith(b))
    assert "speaker=Maria+Zakharova" in add["href"] and "speaker=Sergey+Lavrov" in add["href"]


def test_a_month_facet_under_a_chosen_year(client, db):
    assert api(client, q="russia")["facets"]["month"] == []
    result = api(client, q="russia", year="2021")
    months = result["facets"]["month"]
    assert months and all(m["value"].startswith("2021-") for m in months)
    assert [m["value"] for m in months] == sorted(m["value"] for m in months)
    assert sum(m["count"] for m in months) == result["total_paragraphs"]
    nov = api(client, q="russia", year="2021", month="2021-11", per_page=100)
    assert {db[k]["month"] for k in statement_keys(nov)} == {"2021-11"}
    assert nov["total_paragraphs"] == next(m["count"] for m in months if m["value"] == "2021-11")
    two = api(client, q="russia", month=["2021-11", "2021-12"], per_page=100)
    assert {db[k]["month"] for k in statement_keys(two)} == {"2021-11", "2021-12"}
    page = soup(client.get("/search", params={"q": "russia", "year": "2021"}))
    assert any(x.get_text().startswith("November 2021") for x in page.select(".facet-link"))
    assert client.get("/search", params={"q": "russia", "month": "2021-13"}).status_code == 400
    assert client.get("/api/search", params={"q": "russia", "month": "november"}).status_code == 400


def test_a_facets_own_page_lists_every_value_with_a_filter_box(client, db, monkeypatch):
    from app.web.routes import search as search_routes

    monkeypatch.setattr(search_routes, "FACET_LIMIT", 2)  # "more…" from this many values
    page = soup(client.get("/search", params={"q": "russia"}))
    more = page.select_one(".facet-more a")
    assert more is not None and more["href"].startswith("/search/facets/speaker?q=russia")
    full = soup(client.get(more["href"]))
    values = [a.get_text(" ", strip=True) for a in full.select(".facet-values a")]
    counts = Counter()
    for st in db.values():
        if any(re.search(r"\brussia\b", t, re.I) for t in st["texts"]) or re.search(
            r"\brussia\b", st["title"], re.I
        ):
            counts.update(st["speakers"])
    assert {v.rsplit(" ", 1)[0] for v in values} == set(counts)
    narrowed = soup(client.get(more["href"] + "&filter=lav"))
    assert [a.get_text(" ", strip=True).rsplit(" ", 1)[0] for a in narrowed.select(".facet-values a")] == [
        "Sergey Lavrov"
    ]
    assert narrowed.select_one("form.facet-filter input[name=filter]")["value"] == "lav"
    assert client.get("/search/facets/colour?q=russia").status_code == 404


def test_estimated_figures_say_about(client, monkeypatch):
    from app.search import planning as service

    monkeypatch.setattr(service, "RESOLVE_ALL", 0)  # every figure estimated from a sample
    result = api(client, q="russia cooperation")
    assert result["approximate"] is True
    count = (
        soup(client.get("/search", params={"q": "russia cooperation"})).select_one(".result-count").get_text()
    )
    assert count.startswith("about ") and "in about" in count


def test_the_openapi_schema_documents_the_new_fields(client):
    props = client.get("/openapi.json").json()["components"]["schemas"]["SearchResult"]["properties"]
    assert {"approximate", "speaker_suggestions"} <= set(props)
    assert "about" in props["approximate"]["description"]
