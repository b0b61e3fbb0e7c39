"""The HTML pages over the seed archive (real parser) plus hand-made sample pages: structure
checked with BeautifulSoup (anchors, links, facets, citations), not raw substrings."""

from __future__ import annotations

import re

import pytest

from tests.web_support import (
    SAMPLE_PAGES,
    hrefs,
    make_client,
    sample_key,
    sample_paragraph_keys,
    soup,
)

NEWS = "lavrov-news-conference.txt"


@pytest.fixture(scope="module")
def client(sample_archive):
    with make_client(sample_archive) as c:
        yield c


@pytest.fixture(scope="module")
def all_statements(client) -> list[dict]:
    out, url = [], "/api/statements?per_page=100"
    while url:
        data = client.get(url).json()
        out += data["results"]
        url = data["next"]
    return out


def test_home_shows_counts_search_box_latest_and_top_speakers(client, all_statements):
    page = soup(client.get("/"))
    assert page.find("form", attrs={"role": "search", "action": "/search"}).find("input", attrs={"name": "q"})
    intro = page.select_one(".intro").get_text(" ", strip=True)
    assert f"{len(all_statements)} statements" in intro
    latest = [a["href"] for a in page.select("#latest-h ~ .card .card-title a")]
    assert latest and all(h.startswith("/statements/") for h in latest)
    assert "/speakers/sergey-lavrov" in hrefs(page.select_one("section[aria-labelledby=speakers-h]"))


def test_every_page_has_one_h1_landmarks_and_current_nav(client):
    for path, nav in [
        ("/", "Home"),
        ("/statements", "Statements"),
        ("/speakers", "Speakers"),
        ("/dates", "Dates"),
        ("/venues", "Venues"),
        ("/topics", "Topics"),
        ("/search", "Search"),
    ]:
        page = soup(client.get(path))
        assert len(page.find_all("h1")) == 1, path
        assert page.find("main", id="main") and page.find("header") and page.find("footer")
        assert page.find("a", class_="skip-link")["href"] == "#main"
        assert page.select_one('nav[aria-label=Main] a[aria-current="page"]').get_text() == nav
        assert page.find("html")["lang"] == "en"


def test_statement_page_shows_metadata_speakers_with_roles_and_sources(client):
    key = sample_key(NEWS)
    page = soup(client.get(f"/statements/{key}"))
    assert page.h1.get_text(strip=True).startswith("Foreign Minister Sergey Lavrov’s remarks")
    facts = {
        dt.get_text(strip=True): dd
        for dt, dd in zip(page.select(".facts dt"), page.select(".facts dd"), strict=True)
    }
    assert facts["Speaker"].a["href"] == "/speakers/sergey-lavrov"
    assert "(Foreign Minister)" in facts["Speaker"].get_text()
    assert facts["Date"].time["datetime"] == "2021-10-02"
    assert facts["Published"].time["datetime"] == "2021-10-03"
    assert facts["Venue"].a["href"] == "/statements?venue=moscow"
    assert facts["Kind"].a["href"] == "/statements?kind=remarks"
    assert hrefs(facts["Topics"]) == ["/statements?topic=osce", "/statements?topic=arms-control"]
    source = page.select_one(".sources li").get_text(" ", strip=True)
    assert "lavrov-news-conference.txt" in source and "lines 10–62" in source
    assert re.search(r"sha256 [0-9a-f]{64}", source)


def test_statement_paragraphs_are_numbered_anchored_and_have_permalinks(client):
    key = sample_key(NEWS)
    page = soup(client.get(f"/statements/{key}"))
    items = page.select("ol.paragraphs > li.para")
    assert [li["id"] for li in items] == [f"p{n}" for n in range(1, 7)]
    assert [li.select_one(".para-number").get_text() for li in items] == [str(n) for n in range(1, 7)]
    assert [li.select_one("a.para-permalink")["href"] for li in items] == [
        f"/p/{k}" for k in sample_paragraph_keys(NEWS)
    ]
    assert items[0].select_one(".para-number")["href"] == f"/statements/{key}#p1"


def test_questions_are_styled_apart_from_answers_with_their_labels(client):
    page = soup(client.get(f"/statements/{sample_key(NEWS)}"))
    items = page.select("ol.paragraphs > li.para")
    turns = [next(c for c in li["class"] if c.startswith("turn-")) for li in items]
    assert turns == [
        "turn-statement",
        "turn-question",
        "turn-answer",
        "turn-statement",
        "turn-question",
        "turn-answer",
    ]
    labels = [
        li.select_one(".turn-label").get_text(" ", strip=True) if li.select_one(".turn-label") else None
        for li in items
    ]
    assert labels[1].endswith("Question:") and labels[2] == "Sergey Lavrov:" and labels[0] is None


def test_seed_q_and_a_statement_marks_question_turns(client, all_statements):
    samples = {sample_key(n, s.role) for n, p in SAMPLE_PAGES.items() for s in p.statements}
    st = max((s for s in all_statements if s["key"] not in samples), key=lambda s: s["paragraph_count"])
    data = client.get(st["api"]).json()
    asked = [p["n"] for p in data["paragraphs"] if p["turn"] == "question"]
    assert asked, "the longest seed statement is a Q&A with questions"
    page = soup(client.get(st["url"]))
    assert [int(li["value"]) for li in page.select("li.para.turn-question")] == asked
    assert {
        li.select_one(".turn-label").get_text(" ", strip=True)
        for li in page.select("li.para.turn-question")
        if li.select_one(".turn-label")
    } <= {"Question — Question:", "Question — Q:", "Question — Fyodor Lukyanov:"}


def test_prev_next_statement_of_the_same_speaker(client):
    news, interview = sample_key(NEWS), sample_key("lavrov-interview.txt")
    page = soup(client.get(f"/statements/{news}"))
    block = next(d for d in page.select(".neighbour") if d.h3.a["href"] == "/speakers/sergey-lavrov")
    prev = block.select_one("a[rel=prev]")
    assert prev is not None and prev["href"].startswith("/statements/")
    back = soup(client.get(prev["href"]))
    nxt = next(d for d in back.select(".neighbour") if d.h3.a["href"] == "/speakers/sergey-lavrov")
    assert nxt.select_one("a[rel=next]")["href"] == f"/statements/{news}"
    assert interview  # the sample interview is an earlier Lavrov statement


def test_cite_box_has_three_styles_permalink_dates_and_downloads(client):
    key = sample_key(NEWS)
    page = soup(client.get(f"/statements/{key}"))
    box = page.find("section", id="cite")
    assert box.find("a", id="permalink")["href"] == f"http://testserver/statements/{key}"
    texts = {
        div.h3.get_text(): div.select_one("p.citation").get_text() for div in box.select(".citation-style")
    }
    assert set(texts) == {"Chicago", "APA", "MLA"}
    assert texts["Chicago"].startswith("Lavrov, Sergey. “Foreign Minister Sergey Lavrov’s Remarks")
    assert "October 2, 2021" in texts["Chicago"] and "Accessed" in texts["Chicago"]
    assert texts["APA"].startswith("Lavrov, S. (2021, October 2).")
    assert texts["MLA"].startswith("Lavrov, Sergey. “") and "2 Oct. 2021" in texts["MLA"]
    assert all(f"http://testserver/statements/{key}" in t for t in texts.values())
    facts = [dd.time["datetime"] for dd in box.select(".cite-facts dd")]
    assert facts[0] == "2021-10-02" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", facts[1])
    assert [a["href"] for a in box.select(".downloads a")] == [
        f"/statements/{key}/cite.{f}" for f in ("bib", "ris", "json")
    ]
    buttons = box.select("button.copy-button")
    assert len(buttons) == 4 and all(b.has_attr("hidden") for b in buttons)  # shown by copy.js only


def test_excerpt_statement_is_marked(client):
    key = sample_key(NEWS, role="excerpt")
    page = soup(client.get(f"/statements/{key}"))
    assert page.select_one(".kicker .badge").get_text() == "excerpt"
    assert page.select_one("p.notice")
    listing = soup(client.get("/statements?kind=statement&speaker=foreign-ministry"))
    card = next(c for c in listing.select("article.card") if c.a["href"] == f"/statements/{key}")
    assert "is-excerpt" in card["class"] and card.select_one(".badge").get_text() == "excerpt"


def test_paragraph_permalink_page_shows_context_place_and_citation(client):
    key, pkeys = sample_key(NEWS), sample_paragraph_keys(NEWS)
    page = soup(client.get(f"/p/{pkeys[2]}"))
    items = page.select("ol.in-context > li")
    assert [li["value"] for li in items] == ["2", "3", "4"]
    focus = page.select_one("li.is-focus")
    assert focus["id"] == "p3" and "The ceasefire must hold." in focus.blockquote.get_text()
    assert page.select_one("a.in-place")["href"] == f"/statements/{key}#p3"
    facts = {
        dt.get_text(strip=True): dd.get_text(" ", strip=True)
        for dt, dd in zip(page.select(".facts dt"), page.select(".facts dd"), strict=True)
    }
    assert (
        facts["Said by"] == "Sergey Lavrov"
        and facts["Where"] == "Moscow"
        and "2 October 2021" in facts["When"]
    )
    box = page.find("section", id="cite")
    assert box.find("a", id="permalink")["href"] == f"http://testserver/p/{pkeys[2]}"
    assert box.h2.get_text() == "Cite this paragraph"
    assert all(f"/p/{pkeys[2]}" in p.get_text() for p in box.select("p.citation"))


def test_first_and_last_paragraph_have_one_sided_context(client):
    pkeys = sample_paragraph_keys(NEWS)
    first = soup(client.get(f"/p/{pkeys[0]}"))
    assert [li["value"] for li in first.select("ol.in-context > li")] == ["1", "2"]
    last = soup(client.get(f"/p/{pkeys[-1]}"))
    assert [li["value"] for li in last.select("ol.in-context > li")] == ["5", "6"]


def test_statement_paragraph_shortcut_redirects_to_anchor(client):
    key = sample_key(NEWS)
    r = client.get(f"/statements/{key}/p/4", follow_redirects=False)
    assert r.status_code == 301 and r.headers["location"] == f"/statements/{key}#p4"
    assert client.get(f"/statements/{key}/p/99").status_code == 404


def test_unknown_statement_and_paragraph_give_404_page_offering_a_search(client):
    for path in (
        "/statements/2021-01-01-no-such-statement-00000000",
        "/p/2021-01-01-nothing-here-00000000.abcdef12",
    ):
        r = client.get(path)
        assert r.status_code == 404
        page = soup(r)
        form = page.select_one("main form[role=search]")
        assert form["action"] == "/search"
        assert form.find("input", attrs={"name": "q"})["value"] in ("no such statement", "nothing here")
        assert page.h1.get_text() == "Not found" and page.find("nav", attrs={"aria-label": "Main"})


def test_statement_list_filters_narrow_and_facets_count(client, all_statements):
    total = len(all_statements)
    page = soup(client.get("/statements"))
    assert page.select_one(".result-count").get_text().startswith(f"{total} statements")
    kinds = {
        a.get_text(" ", strip=True).rsplit(" ", 1)[0]: int(a.select_one(".count").get_text())
        for a in page.select("section.facet[aria-label=Kind] a.facet-link")
    }
    assert sum(kinds.values()) == total
    lavrov = [s for s in all_statements if any(sp["slug"] == "sergey-lavrov" for sp in s["speakers"])]
    one = soup(client.get("/statements?speaker=sergey-lavrov&per_page=100"))
    assert len(one.select("article.card")) == len(lavrov)
    both = soup(client.get("/statements?speaker=sergey-lavrov&kind=interview"))
    assert {c.a["href"] for c in both.select("article.card")} == {
        f"/statements/{s['key']}" for s in lavrov if s["kind"] == "interview"
    }
    assert f"/statements/{sample_key('lavrov-interview.txt')}" in hrefs(both)


@pytest.mark.parametrize(
    "query, keep",
    [
        ("venue=solnechnogorsk", lambda d: d.startswith("2020")),
        ("topic=arms-control", lambda d: d[:4] in ("2020", "2021")),
        ("year=2020", lambda d: d.startswith("2020")),
        ("year=2021&month=10", lambda d: d.startswith("2021-10")),
        ("from=2021-11-01&to=2021-11-30", lambda d: d.startswith("2021-11")),
        ("from=2021-11", lambda d: d >= "2021-11-01"),
        ("to=2019", lambda d: d <= "2019-12-31"),
        ("year=2021&from=2021-06&to=2022", lambda d: "2021-06-01" <= d <= "2021-12-31"),
    ],
)
def test_each_statement_filter_keeps_only_matching_dates(client, all_statements, query, keep):
    page = soup(client.get(f"/statements?{query}&per_page=100"))
    dates = [t["datetime"] for t in page.select("article.card .meta time")]
    assert dates, query
    assert all(keep(d) for d in dates), (query, dates)
    expected = [
        s for s in all_statements if (s["date"] or s["published"]) and keep(s["date"] or s["published"])
    ]
    if query.split("=")[0] in ("year", "from", "to"):
        assert len(dates) == len(expected), query


def test_facet_links_add_and_remove_filters_keeping_others(client):
    page = soup(client.get("/statements?kind=remarks"))
    link = page.select_one('section.facet[aria-label=Speaker] a.facet-link[href*="speaker=sergey-lavrov"]')
    assert link["href"] == "/statements?kind=remarks&speaker=sergey-lavrov"
    narrowed = soup(client.get(link["href"]))
    selected = narrowed.select("a.facet-link.is-selected")
    removal = {a["href"] for a in selected}
    assert "/statements?speaker=sergey-lavrov" in removal and "/statements?kind=remarks" in removal
    chips = [a["href"] for a in narrowed.select(".active-filters a.chip")]
    assert sorted(chips) == sorted(removal)


def test_pagination_links_and_canonical_redirects(client, all_statements):
    page = soup(client.get("/statements?per_page=10"))
    nav = page.select_one("nav.pagination")
    assert nav.select_one("a[rel=next]")["href"] == "/statements?per_page=10&page=2"
    last = -(-len(all_statements) // 10)
    assert soup(client.get(f"/statements?per_page=10&page={last}")).select_one("a[rel=next]") is None
    for messy, clean in [
        ("/statements?speaker=&page=1", "/statements"),
        ("/statements?kind=remarks&kind=remarks", "/statements?kind=remarks"),
        ("/statements?sort=newest&per_page=20", "/statements"),
        ("/statements?utm_source=x", "/statements"),
        ("/speakers?sort=count", "/speakers"),
        ("/search?q=", "/search"),
    ]:
        r = client.get(messy, follow_redirects=False)
        assert (r.status_code, r.headers["location"]) == (302, clean), messy
        assert client.get(clean, follow_redirects=False).status_code == 200


def test_speakers_list_and_speaker_page_with_activity_chart(client):
    page = soup(client.get("/speakers"))
    rows = page.select("table.data-table tbody tr")
    names = [r.th.a.get_text() for r in rows]
    assert names[0] == "Sergey Lavrov" and "Maria Zakharova" in names
    assert soup(client.get("/speakers?sort=name")).select("tbody tr th a")[0].get_text() <= names[-1]
    sp = soup(client.get("/speakers/sergey-lavrov"))
    assert sp.h1.get_text() == "Sergey Lavrov"
    svg = sp.select_one("figure.chart svg")
    # the picture is hidden from assistive technology, its bars out of the Tab order (axe:
    # nested-interactive); the caption says it in words and the year links are real links
    assert (
        svg["aria-hidden"] == "true"
        and "Statements by Sergey Lavrov per year" in sp.select_one("figure.chart figcaption").get_text()
    )
    bars = svg.select("rect.bar")
    assert bars and all(b.title for b in bars)
    assert all(a["tabindex"] == "-1" for a in svg.find_all("a"))
    assert any(
        a["href"].startswith("/statements?speaker=sergey-lavrov&year=") for a in sp.select(".chart-links a")
    )
    cards = sp.select("article.card")
    assert cards and all("/speakers/sergey-lavrov" in hrefs(c) for c in cards)
    assert sp.find(
        "link", attrs={"type": "application/atom+xml", "href": "/statements.atom?speaker=sergey-lavrov"}
    )
    assert client.get("/speakers/no-such-person").status_code == 404


def test_date_archive_year_month_day_link_to_filtered_lists(client):
    top = soup(client.get("/dates"))
    assert "/dates/2021" in hrefs(top.select_one("ul.date-list"))
    year = soup(client.get("/dates/2021"))
    assert "/dates/2021/10" in hrefs(year) and "/statements?year=2021&month=10" in hrefs(year)
    month = soup(client.get("/dates/2021/10"))
    day_link = "/statements?from=2021-10-02&to=2021-10-02"
    assert day_link in hrefs(month.select_one(".day-links"))
    listing = soup(client.get(day_link))
    assert {t["datetime"] for t in listing.select("article.card .meta time")} == {"2021-10-02"}
    assert client.get("/dates/2021/13").status_code == 400
    assert client.get("/dates/0999").status_code == 400


def test_venues_and_topics_link_to_filtered_lists(client):
    venues = soup(client.get("/venues"))
    assert "/statements?venue=moscow" in hrefs(venues)
    topics = soup(client.get("/topics"))
    assert "/statements?topic=osce" in hrefs(topics)
    counts = {r.th.a["href"]: int(r.td.get_text()) for r in venues.select("tbody tr")}
    listing = soup(client.get("/statements?venue=moscow&per_page=100"))
    assert len(listing.select("article.card")) == counts["/statements?venue=moscow"]


def test_docs_page_lists_api_operations_offline(client):
    page = soup(client.get("/docs"))
    ops = [c.get_text() for c in page.select("table code")]
    assert "GET /api/search" in ops and "GET /api/statements/{key}" in ops
    assert not page.find("script", src=re.compile("^https?:"))
    assert not page.find("link", href=re.compile("^https?:"))


def test_sample_pages_all_render(client):
    for name, parsed in SAMPLE_PAGES.items():
        for st in parsed.statements:
            r = client.get(f"/statements/{sample_key(name, st.role)}")
            assert r.status_code == 200, name
