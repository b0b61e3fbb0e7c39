"""The pages for reading and browsing (issue 14), through the app (TestClient on the real
seed-and-sample archive): a statement arrived at from a search marks its matches; lists have
first/last/per-page; a month lists its statements; /dates reaches the undated ones; Help's
examples come from the archive and find something; /docs renders its Markdown."""

from __future__ import annotations

import pytest

from tests.web_support import hrefs, make_client, sample_key, soup

NEWS = "lavrov-news-conference.txt"


@pytest.fixture(scope="module")
def client(sample_archive):
    with make_client(sample_archive) as c:
        yield c


def test_statement_from_a_search_marks_its_matching_paragraphs(client):
    key = sample_key(NEWS)
    page = soup(client.get(f"/statements/{key}?q=ceasefire"))
    hits = page.select("li.para.is-hit")
    assert len(hits) == 2 and all("ceasefire" in h.select_one("mark").get_text().lower() for h in hits)
    first, second = (h["id"] for h in hits)
    assert hits[0].select_one("a[rel=next]")["href"] == f"#{second}"
    assert hits[1].select_one("a[rel=prev]")["href"] == f"#{first}"
    assert page.select_one(".top-actions a[href='#cite']") and f"#{first}" in hrefs(
        page.select_one(".top-actions")
    )
    plain = soup(client.get(f"/statements/{key}"))
    assert not plain.select("li.is-hit, mark") and plain.select_one(".top-actions a[href='#cite']")


def test_every_paragraph_has_a_compact_cite_control_beside_its_permalink(client):
    page = soup(client.get(f"/statements/{sample_key(NEWS)}"))
    for li in page.select("ol.paragraphs > li.para"):
        permalink = li.select_one("a.para-permalink")
        assert li.select_one("a.para-cite")["href"] == permalink["href"] + "#cite"
        assert li.select_one("button.copy-button")["data-copy-target"] == permalink["id"]


@pytest.mark.parametrize("q", ['"', "(", "speaker:", "x" * 900, "NOT", "said:nobody-at-all"])
def test_an_odd_query_on_a_statement_never_breaks_the_page(client, q):
    r = client.get(f"/statements/{sample_key(NEWS)}", params={"q": q})
    assert r.status_code == 200, r.text[:300]
    assert soup(r).select_one("ol.paragraphs li.para")


def test_search_hits_have_one_link_each_and_the_title_lands_on_the_first_match(client):
    page = soup(client.get("/search?q=ceasefire"))
    result = page.select_one("article.result")
    title = result.select_one("h2 a")["href"]
    assert "?q=ceasefire#p" in title
    for hit in result.select("li.hit"):
        links = hit.select("a")
        assert len(links) == 1 and links[0]["href"].startswith("/p/")
    assert page.select_one("details.chart-box") is not None and not page.select_one("details.chart-box[open]")
    assert page.select_one("aside#refine") and page.select_one(".jump-refine a[href='#refine']")


def test_search_landmarks_are_labelled_and_unique(client):
    page = soup(client.get("/search?q=ceasefire"))
    labels = [f.get("aria-label") for f in page.select("[role=search]")]
    assert len(labels) == 2 and all(labels) and len(set(labels)) == 2


def test_lists_have_first_last_and_per_page(client):
    page = soup(client.get("/statements?per_page=2"))
    nav = page.select_one("nav.pagination")
    assert not nav.select("a[rel=first]") and nav.select_one("a[rel=last]")
    last = nav.select_one("a[rel=last]")["href"]
    end = soup(client.get(last)).select_one("nav.pagination")
    assert end.select_one("a[rel=first]")["href"] == "/statements?per_page=2" and not end.select(
        "a[rel=next]"
    )
    choices = page.select(".per-page a, .per-page strong")
    assert [c.get_text() for c in choices] == ["20", "50", "100"]
    assert page.select_one(".per-page a")["href"] == "/statements"  # 20 is the default: left out
    assert client.get("/statements?per_page=50").status_code == 200


def test_month_page_lists_its_statements_and_dates_reach_the_undated(client):
    month = soup(client.get("/dates/2021/10"))
    titles = [a.get_text() for a in month.select("article.card .card-title a")]
    assert titles and all(
        h.startswith("/statements/") for h in hrefs(month.select_one("section")) if "/statements/" in h
    )
    assert "/statements?from=2021-10-02&to=2021-10-02" in hrefs(month.select_one(".day-links"))
    dates = soup(client.get("/dates"))
    assert "/dates/undated" in hrefs(dates)
    undated = soup(client.get("/dates/undated"))
    assert [a.get_text() for a in undated.select("article.card .card-title a")] == [
        "Press release on consular matters"
    ]
    assert client.get("/dates/undated?page=9").status_code == 404
    assert client.get("/dates/undated?per_page=20", follow_redirects=False).status_code == 302  # the default


def test_help_and_home_examples_come_from_the_archive_and_find_something(client):
    help_page = soup(client.get("/help"))
    examples = help_page.select("ul.examples a")
    assert len(examples) >= 4
    for a in examples:
        assert soup(client.get(a["href"])).select("article.result"), a["href"]
    home = soup(client.get("/"))
    shown = home.select(".big-search a.example")
    assert shown and all(soup(client.get(a["href"])).select("article.result") for a in shown)


def test_about_says_what_where_how_to_cite_and_what_dates_mean(client):
    page = soup(client.get("/about"))
    headings = [h.get_text() for h in page.select("main h2")]
    assert headings == ["What is in it", "Where it comes from", "How to cite", "What the dates mean"]
    assert "/dates/undated" in hrefs(page)


def test_docs_render_markdown_not_backticks(client):
    page = soup(client.get("/docs"))
    main = page.select_one("main")
    assert "`" not in main.get_text()
    assert main.select("td code")  # the docstrings' `code` became <code>
