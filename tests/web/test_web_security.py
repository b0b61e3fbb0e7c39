"""Untrusted text and hostile requests: everything escaped (pages, feeds, citations, downloads),
security headers on every response, strict CSP with no inline script or style anywhere, and
hostile parameters answered 400/404/422 with a message, never 500."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from tests.web_support import (
    TEST_HOSTS,
    XSS_SPEAKER,
    XSS_TEXT,
    XSS_TITLE,
    make_client,
    sample_key,
    sample_paragraph_keys,
    soup,
)

HOSTILE = "hostile.txt"
ATOM = "{http://www.w3.org/2005/Atom}"
MARKUP_TAGS = ["b", "i", "em", "img", "svg", "q", "iframe", "object"]


@pytest.fixture(scope="module")
def client(sample_archive):
    with make_client(sample_archive) as c:
        yield c


@pytest.fixture(scope="module")
def hostile_pages(client) -> dict[str, str]:
    key, pkeys = sample_key(HOSTILE), sample_paragraph_keys(HOSTILE)
    slug = client.get(f"/api/statements/{key}").json()["speakers"][0]["slug"]
    return {
        "statement": f"/statements/{key}",
        "paragraph": f"/p/{pkeys[0]}",
        "question": f"/p/{pkeys[1]}",
        "list": "/statements?kind=comment",
        "home": "/",
        "speaker": f"/speakers/{slug}",
        "speakers": "/speakers",
        "venues": "/venues",
        "topics": "/topics",
        "search": "/search?q=alert",
        "search_said": "/search?q=click",
        "reflected": "/search?q=%3Cscript%3Ealert(9)%3C/script%3E&speaker=%3Cimg+src%3Dx%3E",
        "error": "/statements?speaker=%3Cscript%3Ealert(1)%3C/script%3E",
    }


def _assert_no_injected_markup(page, where: str) -> None:
    # JSON-LD is a data block (never executed): it must parse as JSON and hold no "<"
    data = page.find_all("script", type="application/ld+json")
    assert all(isinstance(json.loads(s.string), dict) and "<" not in s.string for s in data), where
    scripts = [s for s in page.find_all("script") if s not in data]
    assert [s.get("src") for s in scripts] == ["/static/copy.js"], where
    assert all(not s.string for s in scripts), where
    main = page.find("main")
    for tag in MARKUP_TAGS:
        found = [el for el in main.find_all(tag) if not (tag == "svg" and "bar-chart" in el.get("class", []))]
        assert not found, (where, tag)
    for el in page.find_all(True):
        assert not any(a.startswith("on") for a in el.attrs), (where, el.name)
        href = el.get("href", "")
        assert not href.lower().startswith("javascript:"), where


def test_markup_in_title_text_and_speaker_is_escaped_on_every_page(client, hostile_pages):
    for where, path in hostile_pages.items():
        r = client.get(path)
        assert r.status_code in (200, 400), (where, r.status_code)
        _assert_no_injected_markup(soup(r), where)
    page = soup(client.get(hostile_pages["statement"]))
    assert page.h1.get_text() == XSS_TITLE
    assert page.select_one("li#p1 .para-text").get_text() == XSS_TEXT
    assert page.select_one(".speakers a").get_text() == XSS_SPEAKER
    cite = [p.get_text() for p in page.select("#cite p.citation")]
    # as text, not as markup (citeproc-js turns the inner quotes into single ones, as styles want:
    # this pinned the straight quotes)
    assert len(cite) == 3 and all("<script>alert(" in c for c in cite)
    assert "&lt;script&gt;" in client.get(hostile_pages["statement"]).text


def test_search_snippets_and_reflected_query_are_escaped(client, hostile_pages):
    page = soup(client.get(hostile_pages["search"]))
    snippet = next(a for a in page.select("a.snippet") if "alert" in a.get_text())
    assert {m.get_text().lower() for m in snippet.find_all("mark")} == {"alert"}
    assert snippet.get_text().startswith("<script>")
    reflected = soup(client.get(hostile_pages["reflected"]))
    assert reflected.select_one("main input#q")["value"] == "<script>alert(9)</script>"
    _assert_no_injected_markup(reflected, "reflected")


def test_feeds_and_downloads_carry_markup_as_text(client):
    key = sample_key(HOSTILE)
    feed = ET.fromstring(client.get("/statements.atom?kind=comment").content)
    entry = next(e for e in feed.findall(f"{ATOM}entry") if e.find(f"{ATOM}id").text.endswith(key))
    assert entry.find(f"{ATOM}title").text == XSS_TITLE
    assert entry.find(f"{ATOM}summary").text == XSS_TEXT
    assert entry.find(f"{ATOM}author/{ATOM}name").text == XSS_SPEAKER
    for path, media in [
        (f"/statements/{key}/cite.bib", "application/x-bibtex"),
        (f"/statements/{key}/cite.ris", "application/x-research-info-systems"),
        (f"/statements/{key}/cite.json", "application/vnd.citationstyles.csl+json"),
        ("/statements.csv?kind=comment", "text/csv"),
        ("/statements.json?kind=comment", "application/json"),
        ("/search.csv?q=alert", "text/csv"),
    ]:
        r = client.get(path)
        assert r.status_code == 200 and r.headers["content-type"].startswith(media), path
        assert r.headers["x-content-type-options"] == "nosniff"
    assert client.get(f"/statements/{key}/cite.json").json()[0]["title"] == XSS_TITLE
    assert client.get(f"/api/statements/{key}").json()["title"] == XSS_TITLE


PAGES = [
    "/",
    "/statements",
    "/speakers",
    "/speakers/sergey-lavrov",
    "/dates",
    "/dates/2021",
    "/dates/2021/10",
    "/venues",
    "/topics",
    "/search",
    "/search?q=osce",
    "/docs",
    "/nope",
    "/quote",
    "/quote?q=the+OSCE+monitoring+mission+continues",
]


def test_no_inline_script_or_style_anywhere(client):
    key = sample_key("lavrov-news-conference.txt")
    for path in PAGES + [
        f"/statements/{key}",
        f"/p/{sample_paragraph_keys('lavrov-news-conference.txt')[0]}",
    ]:
        page = soup(client.get(path))
        assert page.find("style") is None, path
        # JSON-LD (type application/ld+json) is a data block that no browser executes: CSP does not apply
        assert all(
            s.get("src") and not s.string
            for s in page.find_all("script")
            if s.get("type") != "application/ld+json"
        ), path
        assert not [el.name for el in page.find_all(True) if el.has_attr("style")], path
        assert not page.find(src=lambda v: v and v.startswith(("http:", "https:", "//"))), path
        assert not [
            link
            for link in page.find_all("link", href=lambda v: v and v.startswith(("http:", "https:", "//")))
            if "canonical" not in link["rel"]
        ], path


def _assert_headers(r, where):
    csp = r.headers.get("content-security-policy", "")
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "style-src 'self'" in csp, where
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, where
    assert r.headers["x-content-type-options"] == "nosniff", where
    assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin", where
    assert r.headers["x-frame-options"] == "DENY", where


def test_security_headers_on_every_kind_of_response(client):
    for path in PAGES + [
        "/api/statements",
        "/static/app.css",
        "/static/copy.js",
        "/openapi.json",
        "/statements.csv",
        "/statements.atom",
        "/statements?page=0",
        "/statements?q=%00",
        "/statements?speaker=",
        "/api/p/none",
    ]:
        _assert_headers(client.get(path, follow_redirects=False), path)
    head = client.head("/statements")
    assert head.status_code == 200
    _assert_headers(head, "HEAD")


def test_unhandled_error_gives_500_page_in_layout_without_traceback(sample_archive):
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.web.app import create_app

    app = create_app(Settings(data_dir=sample_archive, allowed_hosts=TEST_HOSTS))

    @app.get("/boom")
    @app.get("/api/boom")
    def boom():
        raise RuntimeError("secret internals /etc/passwd")

    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/boom")
        assert r.status_code == 500
        _assert_headers(r, "/boom")
        assert "secret internals" not in r.text and "Traceback" not in r.text
        page = soup(r)
        assert page.h1.get_text() == "Server error" and page.find("nav", attrs={"aria-label": "Main"})
        api = c.get("/api/boom")
        assert api.status_code == 500 and set(api.json()) == {"error"} and "secret" not in api.text


TOO_LONG = "a" * 10_000
HOSTILE_PARAMS = [
    "page=100000000000000000000",
    "page=-1",
    "page=0",
    "page=abc",
    "per_page=1000000000",
    "per_page=0",
    "per_page=100&page=101",
    "from=2021-02-30",
    "from=notadate",
    "to=2021-13",
    "from=2022&to=2021",
    "year=abc",
    "year=99999",
    "month=13&year=2021",
    "month=5",
    "sort=bogus",
    "q=%00",
    "speaker=a%00b",
    f"q={TOO_LONG}",
    f"speaker={TOO_LONG}",
    "page=1&page=2",
    "sort=newest&sort=oldest",
    "q=%ff%fe",
    "kind=%c3%28",
    "questions=maybe",
    "year=2020&year=2021",
    "q=a%0db",
]
ROUTES = [
    "/statements",
    "/statements.csv",
    "/statements.atom",
    "/speakers/sergey-lavrov",
    "/search",
    "/search.json",
    "/api/statements",
    "/api/search",
    "/api/speakers",
]


@pytest.mark.parametrize("route", ROUTES)
def test_hostile_parameters_are_refused_with_a_message_never_500(client, route):
    for params in HOSTILE_PARAMS:
        r = client.get(f"{route}?{params}", follow_redirects=False)
        if r.status_code in (200, 302):  # a parameter this route does not take is ignored / dropped
            assert not any(
                params.startswith(p)
                for p in ("page=-1", "page=0", "per_page=0", "q=%00", "per_page=1000000000", "page=1000")
            ), (route, params)
            continue
        assert r.status_code in (400, 404, 422), (route, params, r.status_code)
        if route.startswith("/api/") or route.endswith(".json"):
            assert r.json()["error"], (route, params)
        elif r.headers["content-type"].startswith("text/html"):
            assert soup(r).select_one(".error-message").get_text(strip=True), (route, params)


@pytest.mark.parametrize(
    "path",
    [
        "/statements/..%2F..%2Fetc%2Fpasswd",
        "/p/..%2F..%2Fetc%2Fpasswd",
        "/statements/%00",
        "/p/a%00b",
        "/statements/%ff%fe",
        "/p/%3Cscript%3E",
        "/speakers/..%2f",
        "/speakers/%3Cb%3E",
        "/statements/" + "a" * 5000,
        "/dates/99999999999999999999",
        "/dates/2021/-1",
        "/api/statements/..%2F",
        "/api/p/%00",
        "/static/..%2Fapp%2Fcli.py",
        "/statements/x/cite.exe",
        "/p/%E2%80%AE",
    ],
)
def test_hostile_paths_are_404_or_400_never_500(client, path):
    r = client.get(path, follow_redirects=False)
    # "/speakers/../" is redirected (307) to drop its trailing slash; nothing else answers
    assert r.status_code in (400, 404, 422) or (r.status_code == 307 and path.lower().endswith("%2f")), (
        path,
        r.status_code,
    )
    _assert_headers(r, path)


def test_pagination_and_downloads_are_capped(client):
    from app.web.params import MAX_OFFSET, MAX_PER_PAGE
    from app.web.routes.downloads import MAX_DOWNLOAD_ROWS

    assert MAX_PER_PAGE <= 100 and MAX_OFFSET <= 10_000 and MAX_DOWNLOAD_ROWS <= 10_000
    assert client.get(f"/api/statements?per_page={MAX_PER_PAGE + 1}").status_code == 422
    r = client.get(f"/statements?per_page={MAX_PER_PAGE}&page={MAX_OFFSET // MAX_PER_PAGE + 1}")
    assert r.status_code == 400 and "too deep" in soup(r).select_one(".error-message").get_text()
