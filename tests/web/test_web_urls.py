"""Unit tests of the web layer's pure parts: URL builders, query canonicalisation, date bounds,
chart geometry, snippet segments, citations."""

from __future__ import annotations

import datetime as dt

import pytest

from app import citations
from app.browse.views import NamedRef, SpeakerRef, StatementRow
from app.citations import bibtex, ris
from app.urls import add_arg, page_url, urls, with_args, without_args
from app.web.charts import year_chart
from app.web.params import ParamError, parse_date_bound, valid_key
from app.web.query_guard import check_raw_query
from app.web.templating import segments


def test_permalinks_come_from_the_one_builder():
    assert urls.statement("2021-10-02-a-b-1234abcd") == "/statements/2021-10-02-a-b-1234abcd"
    assert urls.statement("k", 3) == "/statements/k#p3"
    assert urls.paragraph("k.89abcdef") == "/p/k.89abcdef"
    assert urls.statement("a/b?c") == "/statements/a%2Fb%3Fc"
    assert urls.speaker("sergey-lavrov") == "/speakers/sergey-lavrov"
    assert urls.statement_cite("k", "bib") == "/statements/k/cite.bib"
    assert urls.dates(2021, 3) == "/dates/2021/03" and urls.dates(2021) == "/dates/2021"
    assert urls.statements_on(2021, 10, 2) == "/statements?from=2021-10-02&to=2021-10-02"
    assert urls.search(q="a b", speaker=["x", "y"]) == "/search?q=a+b&speaker=x&speaker=y"
    assert urls.feed(speaker="sergey-lavrov") == "/statements.atom?speaker=sergey-lavrov"


def test_query_helpers_keep_other_args_and_reset_the_page():
    pairs = [("kind", "remarks"), ("speaker", "a"), ("page", "3")]
    assert add_arg("/s", pairs, "speaker", "b") == "/s?kind=remarks&speaker=a&speaker=b"
    assert add_arg("/s", pairs, "speaker", "a") == "/s?kind=remarks&speaker=a"
    assert without_args("/s", pairs, "speaker", "a") == "/s?kind=remarks"
    assert without_args("/s", pairs, "kind") == "/s?speaker=a"
    assert with_args("/s", pairs, sort="oldest") == "/s?kind=remarks&speaker=a&sort=oldest"
    assert page_url("/s", pairs, 1) == "/s?kind=remarks&speaker=a"
    assert page_url("/s", pairs, 4) == "/s?kind=remarks&speaker=a&page=4"


@pytest.mark.parametrize(
    "value, end, expected",
    [
        ("2021", False, dt.date(2021, 1, 1)),
        ("2021", True, dt.date(2021, 12, 31)),
        ("2020-02", True, dt.date(2020, 2, 29)),
        ("2021-12", True, dt.date(2021, 12, 31)),
        ("2021-11-30", False, dt.date(2021, 11, 30)),
        ("", False, None),
    ],
)
def test_date_bounds(value, end, expected):
    assert parse_date_bound(value, "from", end=end) == expected


@pytest.mark.parametrize("value", ["2021-02-30", "21", "2021-1-1", "yesterday", "2021-13"])
def test_bad_dates_are_refused(value):
    with pytest.raises(ParamError):
        parse_date_bound(value, "from", end=False)


@pytest.mark.parametrize(
    "raw",
    [
        b"q=%00",
        b"q=%ff",
        b"page=1&page=2",
        b"q=" + b"a" * 2000,
        b"speaker=" + b"x" * 400,
        b"x=" * 10_000,
        b"kind=a&" * 21,
    ],
)
def test_hostile_query_strings_are_refused(raw):
    with pytest.raises(ParamError):
        check_raw_query(raw, max_query_chars=1000)


def test_ordinary_query_strings_pass():
    check_raw_query(b"q=%22rule+of+law%22&speaker=a&speaker=b&year=2020&year=2021", max_query_chars=1000)


def test_key_shapes():
    assert valid_key("2021-10-02-foreign-minister-58ee23dd.0a1b2c3d-2")
    for bad in ("../etc", "A", "", "a" * 300, "a..b", "<script>", "a/b", "a b"):
        assert not valid_key(bad)


def test_snippet_segments_keep_only_mark():
    assert segments("a &lt;b&gt; <mark>c</mark> &amp; <i>d</i>") == [
        ("a <b> ", False),
        ("c", True),
        (" & <i>d</i>", False),
    ]
    assert segments(None) == []


def test_year_chart_fills_gaps_and_scales():
    chart = year_chart([(2018, 2), (2021, 10)], title="t", unit="statement", href=lambda y: f"/y/{y}")
    assert [b.label for b in chart.bars] == ["2018", "2019", "2020", "2021"]
    assert [b.count for b in chart.bars] == [2, 0, 0, 10]
    assert chart.bars[1].href is None and chart.bars[3].href == "/y/2021"
    assert chart.bars[3].height > chart.bars[0].height > 0 == chart.bars[1].height
    assert chart.ticks[-1][1] >= 10 and year_chart([], title="t", unit="x") is None


def _row(**kw) -> StatementRow:
    base = dict(
        key="2021-10-02-remarks-1234abcd",
        title="Remarks on {things} & 100% $more",
        kind="remarks",
        date=dt.date(2021, 10, 2),
        published=None,
        venue=NamedRef("moscow", "Moscow"),
        speakers=[
            SpeakerRef("Sergey Lavrov", "sergey-lavrov", "Foreign Minister"),
            SpeakerRef("Foreign Ministry", "foreign-ministry", None, "institution"),
        ],
        topics=[],
        excerpt=False,
        paragraph_count=2,
    )
    return StatementRow(**(base | kw))


def test_citations_in_three_styles_and_downloads():
    item = citations.csl_item(
        _row(), url="https://x/statements/k", accessed=dt.date(2025, 1, 2), archive="Archive"
    )
    texts = dict(citations.citation_set(item, date=dt.date(2021, 10, 2), accessed=dt.date(2025, 1, 2)).texts)
    # the period inside the closing quote (US style, as citeproc-js): this used to pin "…$more”."
    assert texts["Chicago"].startswith(
        "Lavrov, Sergey and Foreign Ministry. “Remarks on {things} & 100% $more.”"
    )
    assert "Accessed January 2, 2025. https://x/statements/k." in texts["Chicago"]
    assert texts["APA"].startswith("Lavrov, S. & Foreign Ministry. (2021, October 2).")  # citeproc-js: person
    # and institution are joined without the serial comma (was citeproc-py's "Lavrov, S., & Foreign Ministry")
    assert texts["MLA"].endswith("2 Oct. 2021, https://x/statements/k.")
    other = citations.csl_item(_row(), url="https://x/p/k.1", accessed=dt.date(2025, 1, 2), archive="Archive")
    assert citations.render(other, "APA").endswith("https://x/p/k.1")  # same render, other URL
    bib = bibtex.to_bibtex(item)
    assert "title = {{Remarks on \\textbraceleft{}things\\textbraceright{} \\& 100\\% \\$more}}" in bib
    assert "author = {{Lavrov}, Sergey and {Foreign Ministry}}" in bib
    assert ris.to_ris(item).startswith("TY  - ELEC\r\n")


def test_undated_anonymous_statement_still_cites():
    item = citations.csl_item(
        _row(date=None, speakers=[], venue=None),
        url="https://x/s",
        accessed=dt.date(2025, 1, 2),
        archive="Archive",
    )
    assert "issued" not in item and "author" not in item
    assert all(
        "https://x/s" in t
        for _label, t in citations.citation_set(item, date=None, accessed=dt.date(2025, 1, 2)).texts
    )
