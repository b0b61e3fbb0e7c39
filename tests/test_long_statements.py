"""A long statement is shown a page of 500 paragraphs at a time (issue 11): the page and its
API twin answer with one page, `/statements/<key>/p/<n>` and every paragraph link land on
the page that shows n, and a request's memory does not grow with the statement. The
600,000-paragraph page with three readers is in the slow suite."""
from __future__ import annotations

import pytest

from tests.web_support import make_client, soup

N = 1_100


@pytest.fixture(scope="module")
def long_archive(tmp_path_factory):
    from app.config import Settings
    from app.db import open_database
    from app.ingest.run import ingest_paths
    from app.search_sync import sync_index

    root = tmp_path_factory.mktemp("long")
    page = root / "pages" / "long.txt"
    page.parent.mkdir()
    body = "".join(f"Point {i}: we discussed item number {i} at length.\n\n" for i in range(1, N + 1))
    page.write_text("Remarks by the Minister of Foreign Affairs at a long meeting\n\n"
                    "Submitted on Fri, 11/19/2021 - 11:47\n\n" + body)
    data = root / "data"
    settings = Settings(data_dir=data)
    engine, factory = open_database(settings)
    try:
        summary = ingest_paths(factory, [str(page.parent)], max_bytes=settings.max_page_bytes)
        assert not summary.failures
        sync_index(settings, factory)
    finally:
        engine.dispose()
    with make_client(data) as client:
        listing = client.get("/api/statements").json()["results"]
        (st,) = [s for s in listing if s["paragraph_count"] >= N]
        yield client, st["key"], st["paragraph_count"]


def test_the_statement_page_shows_one_page_of_paragraphs_with_links_to_the_others(long_archive):
    client, key, count = long_archive
    first = soup(client.get(f"/statements/{key}"))
    ns = [int(li["value"]) for li in first.select("ol.paragraphs > li")]
    assert ns == list(range(1, 501))
    nav = first.select_one("nav.paragraph-pages")
    assert f"of {count:,}" in nav.get_text() and nav.select_one("a[rel=next]")["href"] == f"/statements/{key}?page=2"
    last_page = -(-count // 500)
    last = soup(client.get(f"/statements/{key}", params={"page": last_page}))
    ns = [int(li["value"]) for li in last.select("ol.paragraphs > li")]
    assert ns == list(range((last_page - 1) * 500 + 1, count + 1))
    assert last.select_one("nav.paragraph-pages a[rel=prev]")
    assert client.get(f"/statements/{key}", params={"page": last_page + 1}).status_code == 404
    assert client.get(f"/statements/{key}", params={"page": 0}).status_code == 400


def test_paragraph_shortcuts_and_links_land_on_the_page_that_shows_the_paragraph(long_archive):
    client, key, _count = long_archive
    r = client.get(f"/statements/{key}/p/750", follow_redirects=False)
    assert r.status_code == 301 and r.headers["location"] == f"/statements/{key}?page=2#p750"
    assert client.get(f"/statements/{key}/p/12", follow_redirects=False).headers["location"] == \
        f"/statements/{key}#p12"
    page2 = soup(client.get(f"/statements/{key}", params={"page": 2}))
    li = page2.select_one("li#p750")
    assert li.select_one("a.para-number")["href"] == f"/statements/{key}?page=2#p750"
    # the paragraph's own permalink page links back to the right page of its statement
    pkey = client.get(f"/api/statements/{key}", params={"page": 2}).json()["paragraphs"][249]["key"]
    permalink = client.get(f"/p/{pkey}")
    assert permalink.status_code == 200 and f"/statements/{key}?page=2#p750" in permalink.text
    assert client.get(f"/statements/{key}/p/{N + 1}").status_code == 404


def test_the_api_pages_the_paragraphs_too(long_archive):
    client, key, count = long_archive
    one = client.get(f"/api/statements/{key}").json()
    assert [p["n"] for p in one["paragraphs"]] == list(range(1, 501))
    pg = one["paragraphs_page"]
    assert pg["page"] == 1 and pg["pages"] == -(-count // 500) and pg["per_page"] == 500 and pg["prev"] is None
    two = client.get(pg["next"].replace("http://testserver", "")).json()
    assert two["paragraphs"][0]["n"] == 501 and two["paragraphs_page"]["prev"].endswith(f"/api/statements/{key}")
