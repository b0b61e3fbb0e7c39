"""/statements facets counted as /search's (OR within a facet, AND across facets), and the
hits of a statement arrived at from a search: exactly the paragraphs the search resolved for
it (phrases, NOT, prefixes, said:), across the pages of a long statement (through the app, on
the real seed-and-sample archive and a real index)."""

from __future__ import annotations

import pytest

from tests.web_support import make_client, sample_key, soup

NEWS = "lavrov-news-conference.txt"


@pytest.fixture(scope="module")
def client(sample_archive):
    with make_client(sample_archive) as c:
        yield c


def _counts(client, qs: str = "") -> dict[str, dict[str, int]]:
    data = client.get(f"/api/facets{qs}").json()
    return {name: {f["value"]: f["count"] for f in values} for name, values in data.items()}


def _total(client, qs: str) -> int:
    return client.get(f"/api/statements{qs}").json()["total"]


def test_statement_facets_are_or_within_a_facet_and_and_across(client):
    everything = _counts(client)
    a, b = list(everything["speaker"])[:2]
    two = _counts(client, f"?speaker={a}&speaker={b}")
    # the speaker facet is counted without its own filter: the speakers one could add
    assert two["speaker"] == everything["speaker"]
    # every other facet is counted under it (a OR b)
    assert sum(two["kind"].values()) == _total(client, f"?speaker={a}&speaker={b}")
    for kind, n in two["kind"].items():
        assert n == _total(client, f"?speaker={a}&speaker={b}&kind={kind}"), kind
    # two facets chosen: each is counted under the other only
    kind = next(iter(two["kind"]))
    mixed = _counts(client, f"?speaker={a}&speaker={b}&kind={kind}")
    under_kind = _counts(client, f"?kind={kind}")["speaker"]
    assert {v: n for v, n in mixed["speaker"].items() if n} == under_kind
    # a chosen value with nothing left under the other filters stays listed, to be removed
    assert all(mixed["speaker"].get(v, 0) == under_kind.get(v, 0) for v in (a, b))
    assert mixed["kind"] == two["kind"]
    selected = client.get(f"/api/facets?speaker={a}&speaker={b}&kind={kind}").json()
    assert {f["value"] for f in selected["speaker"] if f["selected"]} == {a, b}
    assert [f["value"] for f in selected["kind"] if f["selected"]] == [kind]


def test_the_statements_page_shows_the_or_counts_and_links_that_add_a_value(client):
    everything = _counts(client)
    a, b = list(everything["speaker"])[:2]
    page = soup(client.get(f"/statements?speaker={a}"))
    links = page.select("section.facet[aria-label=Speaker] a.facet-link")
    adding = [link for link in links if "is-selected" not in link["class"]]
    assert any(f"speaker={a}" in link["href"] and f"speaker={b}" in link["href"] for link in adding)
    assert str(everything["speaker"][b]) in next(
        link.select_one(".count").get_text() for link in adding if f"speaker={b}" in link["href"]
    )


def _resolved(client, key: str, params: dict) -> list[int]:
    """The paragraphs the search itself resolves in statement `key` (its full download)."""
    rows = client.get("/search.json", params=params).json()["results"]
    return sorted(r["n"] for r in rows if r["statement_key"] == key)


def _marked(client, key: str, params: dict):
    page = soup(client.get(f"/statements/{key}", params=params))
    hits = [int(li["value"]) for li in page.select("li.para.is-hit")]
    return page, hits


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"q": '"ceasefire must"'}, [3]),  # a phrase: not every paragraph with one of its words
        ({"q": "ceasefire NOT question"}, [2]),  # NOT: the words in the excluded paragraph do not count
        ({"q": "Vienna -talks"}, [4]),
        ({"q": "Vien*"}, [2, 4]),  # a prefix, expanded as the search expands it
        ({"q": "Oms* NOT beautiful"}, [5]),
        ({"q": "ceasefire", "questions": "exclude"}, [3]),  # a paragraph filter of the search
        ({"q": "ceasefire said:sergey-lavrov"}, [3]),  # a field filter in the query
    ],
)
def test_a_statement_marks_exactly_the_paragraphs_the_search_resolved(client, params, expected):
    key = sample_key(NEWS)
    assert _resolved(client, key, params) == expected
    page, hits = _marked(client, key, params)
    assert hits == expected
    summary = page.select_one(".hits-summary").get_text(" ", strip=True)
    assert summary.startswith(f"{len(expected)} paragraph")
    found = client.get("/api/search", params=params).json()["results"]
    group = next(g for g in found if g["statement"]["key"] == key)
    assert len(group["paragraphs"]) + group["more_paragraphs"] == len(expected)


def test_results_link_to_the_statement_with_the_searchs_paragraph_filters(client):
    page = soup(client.get("/search?q=ceasefire&questions=exclude"))
    title = page.select_one("article.result h2 a")["href"]
    assert "q=ceasefire" in title and "questions=exclude" in title
    _, hits = _marked(client, sample_key(NEWS), {"q": "ceasefire", "questions": "exclude"})
    assert hits == [3]
    back = soup(client.get(title.split("#")[0])).select_one(".hits-summary a")["href"]
    assert back == "/search?q=ceasefire&questions=exclude"
