"""Every form on every page, submitted the way a browser submits it: each named control sent,
the empty ones as `name=` (what `from=&to=&questions=` looked like when it was refused with
400). Empty fields must be dropped by a redirect to the canonical URL, never rejected, and the
filled ones must survive."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from app.web.query_guard import without_blank_values
from tests.web_support import make_client, soup

PAGES = [
    "/",
    "/search?q=sanctions",
    "/search",
    "/statements",
    "/statements?year=2021",
    "/speakers",
    "/dates",
    "/quote",
    "/quote?q=we+have+discussed+strategic+stability",
]


@pytest.fixture(scope="module")
def client(sample_archive):
    with make_client(sample_archive) as c:
        yield c


def browser_pairs(form, fill: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """The pairs a browser sends for this form: every named input/select (empty included)."""
    fill = fill or {}
    pairs = []
    for control in form.find_all(["input", "select", "textarea"]):
        name = control.get("name")
        if not name or control.get("type") in ("submit", "button", "reset"):
            continue
        if (
            control.get("type") in ("checkbox", "radio")
            and not control.has_attr("checked")
            and name not in fill
        ):
            continue
        if control.name == "select":
            chosen = control.find("option", selected=True) or control.find("option")
            value = chosen.get("value", chosen.text) if chosen else ""
        else:
            value = control.get("value", "")
        pairs.append((name, fill.get(name, value)))
    return pairs


def forms_on(client, path):
    page = client.get(path)
    assert page.status_code == 200, path
    return soup(page).find_all("form", method="get")


@pytest.mark.parametrize("path", PAGES)
def test_every_form_submitted_empty_lands_on_a_page(client, path):
    for form in forms_on(client, path):
        action = form.get("action") or urlsplit(path).path
        r = client.get(action + "?" + urlencode(browser_pairs(form)), follow_redirects=True)
        assert r.status_code == 200, (path, action, r.text[:300])
        left = parse_qsl(urlsplit(str(r.url)).query, keep_blank_values=True)
        assert all(v for _, v in left), f"empty fields kept in {r.url}"


@pytest.mark.parametrize("path", PAGES)
def test_every_form_keeps_what_was_typed(client, path):
    for form in forms_on(client, path):
        action = form.get("action") or urlsplit(path).path
        names = {n for n, _ in browser_pairs(form)}
        fill = {"q": "sanctions"} if "q" in names else {}
        if "from" in names:
            fill["from"] = "2019"
        r = client.get(action + "?" + urlencode(browser_pairs(form, fill)), follow_redirects=True)
        assert r.status_code == 200, (path, action, r.text[:300])
        got = dict(parse_qsl(urlsplit(str(r.url)).query))
        for name, value in fill.items():
            assert got.get(name) == value, (path, name, str(r.url))


def test_empty_fields_redirect_to_the_canonical_url(client):
    r = client.get("/search?q=sanctions&from=&to=&questions=&sort=", follow_redirects=False)
    assert r.status_code == 302
    assert r.headers["location"] == "/search?q=sanctions"
    r = client.get("/statements?from=&to=", follow_redirects=False)
    assert r.status_code == 302 and r.headers["location"] == "/statements"


def test_downloads_read_empty_fields_as_absent(client):
    full = client.get("/search.csv?q=sanctions")
    blank = client.get("/search.csv?q=sanctions&from=&to=&questions=&speaker=")
    assert blank.status_code == 200 and blank.text == full.text


def test_a_redirect_never_leaves_the_site(client):
    r = client.get("//evil.example/search?q=&x=1", follow_redirects=False)
    assert r.status_code in (302, 404)
    if r.status_code == 302:
        assert not r.headers["location"].startswith("//")


@pytest.mark.parametrize(
    "raw, want",
    [
        (b"", None),
        (b"q=a", None),
        (b"q=a&from=", b"q=a"),
        (b"from=&to=", b""),
        (b"q=+%20+&page=2", b"page=2"),
        (b"flag&q=", b"flag"),
        (b"q=%C3%A9&to=", b"q=%C3%A9"),
        (b"a=1&&b=2", b"a=1&b=2"),
    ],
)
def test_without_blank_values(raw, want):
    assert without_blank_values(raw) == want
