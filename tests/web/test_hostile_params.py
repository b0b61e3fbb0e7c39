"""Hostile requests on EVERY route (test_web_security.py covers the main list routes; this table
covers all of them, found from the routers so a new route is covered automatically): huge and
negative numbers, per_page=10**9, invalid dates, unknown slugs, ../ in keys, 10,000-character
values, NUL and other control characters, invalid UTF-8 percent-encoding, repeated parameters.
Each answer is 2xx/3xx (a parameter the route does not take is ignored) or 400/404/422 with a
clear message — never 500, never a traceback, never unbounded work. Then markup in every field
stays text in every representation: pages, feeds, CSV/JSON downloads, citations, API, errors."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import time
import xml.etree.ElementTree as ET

import pytest

from app.web.routes import ROUTERS
from tests.web_support import (
    SEEDS,
    XSS_SPEAKER,
    XSS_TEXT,
    XSS_TITLE,
    make_client,
    sample_key,
    sample_paragraph_keys,
    soup,
)

# A sweep of every route with every hostile parameter, each request under a time bound (a bound
# that a loaded machine can break): with schemathesis, in `make soak`.
pytestmark = pytest.mark.slow

HOSTILE = "hostile.txt"
NEWS = "lavrov-news-conference.txt"
LONG = "x" * 10_000
ATOM = "{http://www.w3.org/2005/Atom}"

# (name, query string): each applied to every route
PARAMS = [
    ("huge page", "page=100000000000000000000000"),
    ("negative page", "page=-5"),
    ("page zero", "page=0"),
    ("float page", "page=1.5"),
    ("per_page 10^9", "per_page=1000000000"),
    ("negative per_page", "per_page=-1"),
    ("deep page", "page=500&per_page=100"),
    ("invalid date", "from=2021-02-30"),
    ("date zero", "from=0000-00-00"),
    ("not a date", "to=yesterday"),
    ("reversed range", "from=2022&to=2021"),
    ("year text", "year=MMXXI"),
    ("negative year", "year=-2021"),
    ("huge year", "year=99999999999999999999"),
    ("month 13", "year=2021&month=13"),
    ("unknown speaker", "speaker=nobody-at-all"),
    ("unknown kind", "kind=manifesto"),
    ("unknown venue", "venue=atlantis"),
    ("traversal speaker", "speaker=..%2F..%2Fetc%2Fpasswd"),
    ("traversal topic", "topic=../../app"),
    ("long query", f"q={LONG}"),
    ("long speaker", f"speaker={LONG}"),
    ("long sort", f"sort={LONG}"),
    ("NUL query", "q=osce%00"),
    ("NUL key", "speaker=%00"),
    ("newline", "q=a%0Ab"),
    ("escape", "q=%1B%5B31m"),
    ("bad UTF-8", "q=%ff%fe%fd"),
    ("overlong UTF-8", "q=%c0%af"),
    ("lone surrogate", "q=%ed%a0%80"),
    ("repeated q", "q=a&q=b"),
    ("repeated page", "page=1&page=2"),
    ("repeated sort", "sort=newest&sort=oldest"),
    ("many speakers", "&".join(["speaker=a"] * 50)),
    ("bad sort", "sort=drop%20table"),
    ("bad questions", "questions=all"),
    ("syntax query", "q=AND%20OR%20NOT"),
    ("field only", "q=speaker%3A"),
    ("markup query", "q=%3Cscript%3Ealert(1)%3C%2Fscript%3E"),
    ("huge per_page and page", "page=99999&per_page=99999"),
    ("cursor junk", "cursor=%27%3B--"),
    ("empty values", "q=&speaker=&page=&per_page="),
]

# Paths that hostile path segments are tried on (besides every route with a real key below).
PATHS = [
    "/statements/..%2F..%2Fetc%2Fpasswd/cite.bib",
    "/p/..%2F..%2Fapp%2Fcli.py/cite.ris",
    "/statements/%2e%2e/p/1",
    "/statements/{key}/p/-1",
    "/statements/{key}/p/99999999999999999999",
    "/statements/{key}/p/abc",
    "/statements/{key}/cite.exe",
    "/p/{pkey}/cite.%00",
    "/speakers/..%2F..",
    "/speakers/%00",
    "/dates/0",
    "/dates/-2021",
    "/dates/2021/13",
    "/dates/2021/0",
    "/dates/2021/99999999999999999999",
    "/dates/abc/def",
    "/api/dates/2021/13",
    "/api/dates/99999",
    "/api/speakers/..%2F",
    "/api/statements/" + "a" * 300,
    "/p/" + "b" * 10_000,
    "/statements/%ff",
    "/p/%c0%af",
    "/search/..%2F..%2F",
    "/static/..%2F..%2Fetc%2Fpasswd",
    "/static/%2e%2e/app/config.py",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/statements.csv/..%2F",
]


@pytest.fixture(scope="module")
def client(sample_archive):
    with make_client(sample_archive, raise_server_exceptions=False) as c:
        yield c


def _routes() -> list[str]:
    key, pkey = sample_key(NEWS), sample_paragraph_keys(NEWS)[0]
    fill = {
        "key": key,
        "n": "1",
        "fmt": "bib",
        "slug": "sergey-lavrov",
        "year": "2021",
        "month": "10",
        "name": "speaker",
        "sha256": hashlib.sha256(sorted(SEEDS.glob("*.txt"))[0].read_bytes()).hexdigest(),
    }
    out = []
    for router in ROUTERS:
        for route in router.routes:
            path = route.path
            if "/p/{key}" in path and not path.startswith("/statements"):
                path = path.replace("{key}", pkey)
            path = re.sub(r"\{(\w+)\}", lambda m: fill[m[1]], path)
            out.append(path + (f"?{NEEDS_QUERY[path]}" if path in NEEDS_QUERY else ""))
    out += [f"{path}?q={QUOTE}" for path in NEEDS_QUOTE]  # the quote finder with a quote, besides without
    return sorted(set(out))


# Routes that answer 400 without a query (a concordance or trends download of nothing): given one.
NEEDS_QUERY = {
    "/concordance.csv": "q=osce",
    "/api/concordance": "q=osce",
    "/trends.csv": "q=osce",
    "/api/trends": "q=osce",
}
# Routes where q is repeatable (the terms of a trends chart): a repeated q is accepted there.
REPEATABLE_Q = ("/trends", "/trends.csv?q=osce", "/api/trends?q=osce")
QUOTE = "the%20OSCE%20and%20strategic%20stability%20were%20discussed"
NEEDS_QUOTE = ("/quote", "/api/quote")  # /api/quote without q: 400 (what to look for); /quote: the empty form


ROUTES = _routes()


def _assert_clear_refusal(r, where) -> None:
    assert r.status_code in (400, 404, 405, 422), (where, r.status_code)
    assert "Traceback" not in r.text and 'File "' not in r.text, where
    if r.headers["content-type"].startswith("application/json"):
        assert r.json()["error"].strip(), where
    else:
        assert r.headers["content-type"].startswith("text/html"), where
        message = soup(r).select_one(".error-message")
        assert message is not None and message.get_text(strip=True), where


def test_every_route_is_in_the_table():
    assert len(ROUTES) >= 35 and "/search.atom" in ROUTES and "/api/dates/2021/10" in ROUTES
    assert {
        "/concordance",
        "/trends",
        "/api/concordance?q=osce",
        "/api/trends?q=osce",
        "/search/facets/speaker",
    } <= set(ROUTES)
    assert {"/quote", "/api/quote", f"/quote?q={QUOTE}", f"/api/quote?q={QUOTE}"} <= set(ROUTES)


@pytest.mark.parametrize("route", ROUTES)
def test_hostile_parameters_on_every_route(client, route):
    if route == "/api/quote":
        _assert_clear_refusal(client.get(route), route)  # no quote given: 400 saying so
    else:
        assert client.get(route, follow_redirects=True).status_code == 200, route
    for name, params in PARAMS:
        sep = "&" if "?" in route else "?"
        started = time.perf_counter()
        r = client.get(f"{route}{sep}{params}", follow_redirects=False)
        elapsed = time.perf_counter() - started
        where = (route, name)
        assert r.status_code < 500, where
        assert elapsed < 10, (where, f"{elapsed:.1f} s: unbounded work?")
        if r.status_code in (200, 301, 302, 307, 308):
            # accepted: only when the parameter is harmless here (ignored, or a valid value)
            refused = (
                "NUL query",
                "NUL key",
                "bad UTF-8",
                "overlong UTF-8",
                "lone surrogate",
                "escape",
                "repeated page",
                "repeated sort",
                "long query",
                "long speaker",
                "long sort",
                "many speakers",
            )
            assert name not in refused and (name != "repeated q" or route in REPEATABLE_Q), (
                where,
                r.status_code,
            )
            if (
                r.status_code == 200
                and "per_page" in params
                and route.startswith("/api/")
                and "results" in r.text
            ):
                body = r.json()
                assert len(body.get("results", [])) <= 100, where
            continue
        _assert_clear_refusal(r, where)


@pytest.mark.parametrize("path", PATHS)
def test_hostile_paths(client, path):
    path = path.format(key=sample_key(NEWS), pkey=sample_paragraph_keys(NEWS)[0])
    r = client.get(path, follow_redirects=False)
    if r.status_code in (307, 308) and path.endswith("%2F"):  # the trailing slash dropped: same site
        assert r.headers["location"].startswith("http://testserver/"), r.headers["location"]
        return
    _assert_clear_refusal(r, path)
    assert "root:" not in r.text and "Settings(" not in r.text  # nothing of the file system leaks


def test_methods_other_than_get_are_refused(client):
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        for path in ("/search", "/api/statements", f"/statements/{sample_key(NEWS)}"):
            r = client.request(method, path, content=b"x" * 1000)
            assert r.status_code == 405, (method, path, r.status_code)
    assert client.options("/api/statements").status_code in (200, 204, 405)


def test_a_huge_query_string_or_header_is_refused_not_processed(client):
    r = client.get("/search?q=" + "a" * 60_000)
    _assert_clear_refusal(r, "60 kB query string")
    r = client.get("/search?" + "&".join(f"p{i}=1" for i in range(5000)))
    assert r.status_code in (200, 400), r.status_code


# --- markup stays text everywhere ---------------------------------------------------------------


def test_markup_is_text_in_paragraph_citations_search_feeds_and_exports(client):
    key, pkeys = sample_key(HOSTILE), sample_paragraph_keys(HOSTILE)
    # paragraph citations (BibTeX, RIS, CSL-JSON): the title as text, never executable
    for fmt in ("bib", "ris", "json"):
        r = client.get(f"/p/{pkeys[0]}/cite.{fmt}")
        assert r.status_code == 200 and r.headers["x-content-type-options"] == "nosniff", fmt
        assert not r.headers["content-type"].startswith("text/html"), fmt
        assert "attachment" in r.headers.get("content-disposition", ""), fmt
    assert client.get(f"/p/{pkeys[0]}/cite.json").json()[0]["title"] == XSS_TITLE
    # the search feed: valid XML whose text is the markup, escaped
    feed = ET.fromstring(client.get("/search.atom", params={"q": "alert"}).content)
    entries = feed.findall(f"{ATOM}entry")
    assert entries and any(XSS_TITLE == e.find(f"{ATOM}title").text for e in entries)
    feed = ET.fromstring(client.get("/search.atom", params={"q": '"<script>alert(1)</script>"'}).content)
    assert "<script>" in feed.find(f"{ATOM}title").text  # the query, as text
    # downloads: CSV cells and JSON strings hold the markup as data
    rows = list(csv.DictReader(io.StringIO(client.get("/search.csv", params={"q": "alert"}).text)))
    assert any(row["title"] == XSS_TITLE for row in rows)
    data = client.get("/search.json", params={"q": "alert"}).json()
    assert any(row["title"] == XSS_TITLE for row in data["results"])
    data = client.get("/api/search", params={"q": "alert"}).json()
    assert any(g["statement"]["title"] == XSS_TITLE for g in data["results"])
    for g in data["results"]:
        for p in g["paragraphs"]:  # snippets: escaped text with <mark> only
            assert not re.search(r"<(?!/?mark>)", p["snippet"]), p["snippet"]
    api = client.get(f"/api/p/{pkeys[0]}").json()
    assert api["text"] == XSS_TEXT and api["statement"]["title"] == XSS_TITLE
    speakers = json.dumps(client.get(f"/api/statements/{key}").json()["speakers"])
    assert json.loads(speakers)[0]["name"] == XSS_SPEAKER


@pytest.mark.parametrize(
    "path",
    [
        "/statements/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/p/%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E",
        "/speakers/%3Csvg%20onload%3Dalert(1)%3E",
        "/search?q=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/search?q=speaker%3A%3Cscript%3E",
        "/statements?speaker=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/search?q=%3Cscript%3E&speaker=%3Cb%3Ex%3C%2Fb%3E&sort=%3Ci%3E",
    ],
)
def test_reflected_input_in_error_and_result_pages_is_escaped(client, path):
    r = client.get(path)
    assert r.status_code in (200, 400, 404, 422), path
    page = soup(r)
    scripts = page.find_all("script")
    assert all(s.get("src") and not s.string for s in scripts), path
    for el in page.find_all(True):
        assert not any(a.lower().startswith("on") for a in el.attrs), (path, el)
    assert not page.select("main img, main svg:not(.bar-chart), main b, main i"), path
    assert "default-src 'self'" in r.headers["content-security-policy"]
