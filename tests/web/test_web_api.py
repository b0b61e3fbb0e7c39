"""The JSON API, downloads (CSV, JSON, citations) and Atom feeds."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
import rispy

from tests import backend
from tests.web_support import make_client, sample_key, sample_paragraph_keys

NEWS = "lavrov-news-conference.txt"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def archive(sample_archive):
    return sample_archive


@pytest.fixture(scope="module")
def client(archive):
    with make_client(archive) as c:
        yield c


def test_api_index_links_every_collection(client):
    data = client.get("/api").json()
    assert {
        "statements",
        "speakers",
        "venues",
        "topics",
        "dates",
        "search",
        "facets",
        "concordance",
        "trends",
        "quote",
        "openapi",
    } <= set(data)
    for name, url in data.items():
        r = client.get(url.replace("http://testserver", ""))
        # an endpoint that needs a query says so (400 with a message), the others answer
        assert r.status_code == 200 or (r.status_code == 400 and r.json()["error"]), (name, r.text)


def test_the_schema_documents_concordance_and_trends_with_their_parameters(client):
    paths = client.get("/openapi.json").json()["paths"]
    filters = {"speaker", "said", "kind", "venue", "topic", "year", "month", "from", "to", "questions"}
    concordance = {p["name"]: p for p in paths["/api/concordance"]["get"]["parameters"]}
    assert {"q", "sort", "page", "per_page"} | filters <= set(concordance)
    assert concordance["sort"]["schema"]["pattern"] == "^(newest|oldest|left|right)$"
    trends = {p["name"]: p for p in paths["/api/trends"]["get"]["parameters"]}
    assert {"q"} | filters <= set(trends)
    assert trends["q"]["schema"]["anyOf"][0]["type"] == "array"
    for path in ("/api/concordance", "/api/trends"):
        responses = paths[path]["get"]["responses"]
        assert {"200", "400", "422", "503"} <= set(responses), path
        assert all(p.get("description") for p in paths[path]["get"]["parameters"]), path


def test_statement_list_pages_through_everything_with_next_links(client):
    first = client.get("/api/statements?per_page=7").json()
    seen, url = [], "/api/statements?per_page=7"
    while url:
        page = client.get(url).json()
        seen += [r["key"] for r in page["results"]]
        url = page["next"]
    assert len(seen) == len(set(seen)) == first["total"]
    assert first["prev"] is None and first["next"] == "http://testserver/api/statements?per_page=7&page=2"
    row = first["results"][0]
    assert row["permalink"] == "http://testserver" + row["url"] and row["api"].endswith(row["key"])


def test_statement_list_filters_match_the_page(client):
    api = client.get("/api/statements?speaker=sergey-lavrov&kind=remarks&per_page=100").json()
    assert api["results"] and all(r["kind"] == "remarks" for r in api["results"])
    assert all(any(s["slug"] == "sergey-lavrov" for s in r["speakers"]) for r in api["results"])
    facets = client.get("/api/facets?speaker=sergey-lavrov").json()
    assert (
        sum(f["count"] for f in facets["kind"])
        == client.get("/api/statements?speaker=sergey-lavrov").json()["total"]
    )
    assert [f["selected"] for f in facets["speaker"] if f["value"] == "sergey-lavrov"] == [True]


def test_statement_json_carries_the_export_fields_and_permalinks(client, archive):
    from app.browse.export import export_lines
    from app.config import Settings
    from app.db import open_database

    engine, factory = open_database(Settings(data_dir=archive), migrate=False)
    with factory() as session:
        exported = {json.loads(line)["key"]: json.loads(line) for line in export_lines(session)}
    engine.dispose()
    key = sample_key(NEWS)
    data = client.get(f"/api/statements/{key}").json()
    ref = exported[key]
    for field in (
        "key",
        "title",
        "kind",
        "date",
        "published",
        "venue",
        "topics",
        "excerpt",
        "url",
        "original_url",
        "publisher",
        "captured_at",
        "captured",
    ):
        assert data[field] == ref[field], field
    assert [{"name": s["name"], "role": s["role"]} for s in data["speakers"]] == ref["speakers"]
    assert [{k: p[k] for k in ("key", "n", "text", "speaker", "label")} for p in data["paragraphs"]] == ref[
        "paragraphs"
    ]
    assert data["paragraphs"][0]["permalink"] == f"http://testserver/p/{ref['paragraphs'][0]['key']}"
    assert data["sources"][0]["file"] == NEWS and len(data["sources"][0]["sha256"]) == 64
    assert data["cite"]["bibtex"] == f"http://testserver/statements/{key}/cite.bib"
    assert {n["speaker"] for n in data["neighbours"]} == {"sergey-lavrov"}


def test_paragraph_json_has_context_and_statement(client):
    pkeys = sample_paragraph_keys(NEWS)
    data = client.get(f"/api/p/{pkeys[1]}").json()
    assert (data["n"], data["turn"], data["label"]) == (2, "question", "Question")
    assert data["before"]["key"] == pkeys[0] and data["after"]["key"] == pkeys[2]
    assert data["statement"]["key"] == sample_key(NEWS)
    assert client.get("/api/p/2021-01-01-none-00000000.00000000").json() == {
        "error": "There is no paragraph with this permalink in the archive."
    }


def test_speakers_venues_topics_dates_api(client):
    speakers = client.get("/api/speakers?per_page=2").json()
    assert speakers["results"][0]["slug"] == "sergey-lavrov" and speakers["next"].endswith(
        "per_page=2&page=2"
    )
    lavrov = client.get("/api/speakers/sergey-lavrov").json()
    assert lavrov["statements"] == sum(y["count"] for y in lavrov["years"])
    assert {"role": "Foreign Minister", "count": lavrov["roles"][0]["count"]} in lavrov["roles"]
    assert client.get("/api/speakers/nobody-at-all").status_code == 404
    assert {"key": "moscow", "name": "Moscow"}.items() <= client.get("/api/venues").json()[0].items()
    assert any(t["key"] == "osce" for t in client.get("/api/topics").json())
    years = client.get("/api/dates").json()
    assert (
        years["undated"] >= 1
        and {"value": 2021}.items() <= next(y for y in years["results"] if y["value"] == 2021).items()
    )
    months = client.get("/api/dates/2021").json()["results"]
    assert [m["value"] for m in months] == sorted(m["value"] for m in months)
    days = client.get("/api/dates/2021/10").json()["results"]
    assert {
        "value": 2,
        "statements": "http://testserver/statements?from=2021-10-02&to=2021-10-02",
    }.items() <= next(d for d in days if d["value"] == 2).items()


def test_api_search_returns_exactly_the_cli_object(archive):
    from app.config import Settings
    from app.db import open_database
    from app.search import search_archive

    settings = Settings(data_dir=archive)
    engine, factory = open_database(settings, migrate=False)
    # the CLI has no deadline: the server gets one it cannot reach (under CI's load a cold search
    # once hit the 0.3 s default, and its facets were cut short: `approximate`)
    try:
        with make_client(archive, {"search_deadline": 60.0}) as unhurried:
            for params, kwargs in [
                ({"q": "ceasefire"}, {}),
                ({"q": "Omsk", "said": "lavrov"}, {"said": ["lavrov"]}),
                ({"q": "vienna", "sort": "newest", "per_page": "1"}, {"sort": "newest", "per_page": 1}),
                (
                    {"q": "osce", "kind": "briefing", "from": "2021"},
                    {"kind": ["briefing"], "date_from": "2021"},
                ),
            ]:
                expected = search_archive(settings, factory, params["q"], **kwargs)
                got = unhurried.get("/api/search", params=params).json()
                assert got == expected, params
    finally:
        engine.dispose()


def test_api_search_pagination_link_header_and_errors(client):
    r = client.get("/api/search", params={"q": "vienna", "per_page": 1})
    assert r.json()["total_statements"] >= 2
    assert r.headers["link"] == '<http://testserver/api/search?q=vienna&per_page=1&page=2>; rel="next"'
    bad = client.get("/api/search", params={"q": "AND OR"})
    assert bad.status_code == 400 and set(bad.json()) == {"error"} and bad.json()["error"]
    assert client.get("/api/search", params={"q": "x", "page": 0}).status_code == 422


def test_openapi_documents_every_api_route(client):
    schema = client.get("/openapi.json").json()
    paths = set(schema["paths"])
    assert {
        "/api/statements",
        "/api/statements/{key}",
        "/api/p/{key}",
        "/api/speakers",
        "/api/speakers/{slug}",
        "/api/venues",
        "/api/topics",
        "/api/dates",
        "/api/facets",
        "/api/search",
    } <= paths
    assert all(p.startswith("/api") for p in paths)
    search_params = {p["name"] for p in schema["paths"]["/api/search"]["get"]["parameters"]}
    assert {
        "q",
        "speaker",
        "said",
        "kind",
        "venue",
        "topic",
        "from",
        "to",
        "sort",
        "page",
        "per_page",
    } <= search_params


def test_statements_csv_and_json_downloads_have_every_matching_row(client):
    total = client.get("/api/statements?speaker=sergey-lavrov").json()["total"]
    r = client.get("/statements.csv?speaker=sergey-lavrov")
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == total and all("Sergey Lavrov" in row["speakers"] for row in rows)
    assert rows[0]["permalink"].startswith("http://testserver/statements/")
    data = client.get("/statements.json?speaker=sergey-lavrov").json()
    assert data["total"] == total == len(data["results"]) and data["truncated"] is False
    assert client.get("/statements.csv?speaker=nobody").status_code == 400
    everything = client.get("/statements.json").json()
    assert len(everything["results"]) == everything["total"]


def test_search_downloads_stream_matching_paragraphs(client):
    rows = list(csv.DictReader(io.StringIO(client.get("/search.csv?q=vienna").text)))
    api = client.get("/api/search?q=vienna").json()
    assert len(rows) == api["total_paragraphs"]
    assert all("vienna" in r["text"].lower() and "<mark>" not in r["text"] for r in rows)
    data = client.get("/search.json?q=vienna").json()
    assert data["total_paragraphs"] == len(data["results"]) == len(rows)
    assert data["results"][0]["permalink"].startswith("http://testserver/p/")
    assert client.get("/search.csv?q=AND OR").status_code == 400


def _atom(r):
    assert r.headers["content-type"].startswith("application/atom+xml")
    return ET.fromstring(r.content)


def test_atom_feeds_latest_per_speaker_and_per_search(client):
    latest = _atom(client.get("/statements.atom"))
    entries = latest.findall(f"{ATOM}entry")
    assert entries and entries[0].find(f"{ATOM}link").get("href").startswith("http://testserver/statements/")
    dated = [e.find(f"{ATOM}updated").text for e in entries if e.find(f"{ATOM}published") is not None]
    assert dated == sorted(dated, reverse=True)  # newest first; undated statements (no <published>) last
    per_speaker = _atom(client.get("/statements.atom?speaker=maria-zakharova"))
    assert "Maria Zakharova" in per_speaker.find(f"{ATOM}title").text
    assert all(
        any(a.find(f"{ATOM}name").text == "Maria Zakharova" for a in e.findall(f"{ATOM}author"))
        for e in per_speaker.findall(f"{ATOM}entry")
    )
    saved = _atom(client.get("/search.atom?q=ceasefire"))
    assert saved.find(f"{ATOM}title").text == "Search: ceasefire"
    links = [e.find(f"{ATOM}link").get("href") for e in saved.findall(f"{ATOM}entry")]
    assert f"http://testserver/statements/{sample_key(NEWS)}" in links


def test_citation_downloads_bibtex_ris_csl_json(client):
    key = sample_key(NEWS)
    bib = client.get(f"/statements/{key}/cite.bib")
    assert bib.headers["content-type"].startswith("application/x-bibtex")
    assert bib.text.startswith(f"@misc{{{key[:40]}") and "author = {{Lavrov}, Sergey}" in bib.text
    assert f"url = {{http://testserver/statements/{key}}}" in bib.text and "month = oct" in bib.text
    ris = rispy.loads(client.get(f"/statements/{key}/cite.ris").text)
    assert ris[0]["authors"] == ["Lavrov, Sergey"] and ris[0]["urls"] == [
        f"http://testserver/statements/{key}"
    ]
    csl = client.get(f"/statements/{key}/cite.json").json()
    assert csl[0]["issued"] == {"date-parts": [[2021, 10, 2]]} and csl[0]["author"] == [
        {"given": "Sergey", "family": "Lavrov"}
    ]
    pkey = sample_paragraph_keys(NEWS)[3]
    pcsl = client.get(f"/p/{pkey}/cite.json").json()
    assert pcsl[0]["URL"] == f"http://testserver/p/{pkey}" and pcsl[0]["note"] == "Paragraph 4"
    assert client.get(f"/statements/{key}/cite.pdf").status_code == 400


@pytest.mark.empty_database  # the archive is made by `serve` itself
def test_serve_command_runs_uvicorn_on_the_app_factory(cli, data_dir, monkeypatch):
    from app.web import server

    calls = []
    monkeypatch.setattr(server, "run", lambda **k: calls.append(k))
    result = cli("serve", "--host", "127.0.0.1", "--port", "8123", "--workers", "2")
    assert result.exit_code == 0, result.output
    (kwargs,) = calls
    assert kwargs == {"host": "127.0.0.1", "port": 8123, "workers": 2}
    assert server.APP == "app.web.app:create_worker_app"
    assert backend.POSTGRES or (data_dir / "archive.sqlite3").exists()  # migrated before serving
    assert cli("serve", "--port", "0").exit_code != 0


@pytest.mark.parametrize(
    "q, reason",
    [
        (" OR ".join(f"w{i}" for i in range(70)), "the query has 70 search terms"),
        (
            " OR ".join(f"{w}~1" for w in ("russia", "sanctions", "security", "europe", "trade")),
            "too many fuzzy",
        ),
        ("a" * 60 + "~1", "a fuzzy word may have up to"),
    ],
)
def test_a_query_too_wide_is_refused_with_422_and_its_reason_in_every_format(client, q, reason):
    """The page, the API, the downloads and the feed refuse it alike (the downloads once said
    400, as for a query that cannot be understood)."""
    for path in ("/search", "/api/search", "/search.csv", "/search.json", "/search.atom"):
        r = client.get(path, params={"q": q})
        assert r.status_code == 422 and reason in r.text, (path, r.status_code, r.text[:300])
    assert client.get("/search.csv", params={"q": "(broken"}).status_code == 400  # syntax: still 400
