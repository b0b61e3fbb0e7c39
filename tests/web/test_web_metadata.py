"""What a reference manager reads from statement and paragraph pages, read by an independent
extractor (extruct: JSON-LD and Dublin Core, as Zotero's translators read them) and by an HTML
parser for the Highwire `citation_*` tags and the COinS span: the same facts as the citation."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import parse_qs

import extruct
import pytest

from app import citations
from app.browse.views import SpeakerRef, StatementRow
from app.citations import metadata
from tests.web.test_web_pages import NEWS
from tests.web_support import make_client, sample_key, sample_paragraph_keys, soup


@pytest.fixture(scope="module")
def client(sample_archive):
    with make_client(sample_archive) as c:
        yield c


def _highwire(page) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for m in page.find_all("meta", attrs={"name": True}):
        out.setdefault(m["name"], []).append(m["content"])
    return out


def test_statement_page_embeds_highwire_dublin_core_coins_and_json_ld(client):
    key = sample_key(NEWS)
    r = client.get(f"/statements/{key}")
    url = f"http://testserver/statements/{key}"
    tags = _highwire(soup(r))
    assert tags["citation_title"] == [soup(r).h1.get_text()]
    assert tags["citation_author"] == ["Lavrov, Sergey"]
    assert tags["citation_publication_date"] == ["2021/10/02"] and tags["citation_public_url"] == [url]
    assert tags["citation_publisher"] == ["Diplomatic Statements Archive"] and tags["citation_language"] == [
        "en"
    ]

    data = extruct.extract(r.text, base_url=url, syntaxes=["json-ld", "dublincore"], uniform=True)
    (ld,) = data["json-ld"]
    assert ld["@type"] == "CreativeWork" and ld["url"] == url and ld["datePublished"] == "2021-10-02"
    assert ld["author"] == [
        {"@type": "Person", "name": "Sergey Lavrov", "familyName": "Lavrov", "givenName": "Sergey"}
    ]
    assert ld["inLanguage"] == "en" and ld["locationCreated"]["name"] == "Moscow"
    dc = {e["name"]: e["content"] for e in data["dublincore"][0]["elements"]}
    assert (
        dc["DC.title"] == tags["citation_title"][0]
        and dc["DC.identifier"] == url
        and dc["DC.date"] == "2021-10-02"
    )

    (span,) = soup(r).select("span.Z3988")
    kev = parse_qs(span["title"])
    assert kev["ctx_ver"] == ["Z39.88-2004"] and kev["rft.title"] == tags["citation_title"]
    assert kev["rft.creator"] == ["Lavrov, Sergey"] and kev["rft.identifier"] == [url]


def test_paragraph_page_embeds_its_permalink_and_position(client):
    key, pkey = sample_key(NEWS), sample_paragraph_keys(NEWS)[2]
    r = client.get(f"/p/{pkey}")
    url = f"http://testserver/p/{pkey}"
    assert _highwire(soup(r))["citation_public_url"] == [url]
    (ld,) = extruct.extract(r.text, base_url=url, syntaxes=["json-ld"])["json-ld"]
    assert ld["url"] == url and ld["position"] == 3
    assert ld["isPartOf"]["url"] == f"http://testserver/statements/{key}"


def test_an_institution_is_an_organisation_and_the_original_source_is_given():
    row = StatementRow(
        key="k",
        title='A <b>"bold"</b> </script> title',
        kind="statement",
        date=dt.date(2022, 3, 4),
        published=None,
        venue=None,
        topics=[],
        excerpt=False,
        paragraph_count=1,
        speakers=[
            SpeakerRef("Ursula von der Leyen", "u"),
            SpeakerRef("Foreign Ministry", "f", None, "institution"),
        ],
        original_url="https://mfa.example/p?id=1&x=2",
        publisher="Ministry of Foreign Affairs",
    )
    item = citations.csl_item(
        row, url="https://arch.example/s/k", accessed=dt.date(2026, 1, 1), archive="Archive"
    )
    emb = metadata.embedded(item)
    tags = dict(emb.meta)
    assert [v for n, v in emb.meta if n == "citation_author"] == ["von der Leyen, Ursula", "Foreign Ministry"]
    assert tags["citation_publisher"] == "Ministry of Foreign Affairs"
    assert tags["citation_public_url"] == "https://arch.example/s/k"
    assert tags["citation_abstract_html_url"] == "https://mfa.example/p?id=1&x=2"
    assert "<" not in emb.json_ld
    ld = json.loads(emb.json_ld)
    assert ld["name"] == row.title and ld["isBasedOn"] == "https://mfa.example/p?id=1&x=2"
    assert ld["author"][1] == {"@type": "Organization", "name": "Foreign Ministry"}
    assert parse_qs(emb.coins)["rft.source"] == ["https://mfa.example/p?id=1&x=2"]


def test_the_page_clock_date_is_shown_as_captured_in_the_cite_box_and_the_api(client):
    rows = client.get("/api/statements?per_page=100").json()["results"]
    shown = 0
    for r in rows:
        full = client.get(r["api"]).json()
        box = soup(client.get(r["url"])).find("section", id="cite")
        facts = {
            d.get_text(): dd
            for d, dd in zip(box.select(".cite-facts dt"), box.select(".cite-facts dd"), strict=True)
        }
        if full["captured"] is None:
            assert "Page captured" not in facts
        else:
            assert facts["Page captured"].time["datetime"] == full["captured"]
            shown += 1
    assert shown >= 1  # the seed pages carry a clock date
