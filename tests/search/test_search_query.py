"""The query language on its own (no index): what parses to what, and the clear errors."""

from __future__ import annotations

import pytest
from whoosh import query as wq

from app.search.filters import AlsoStatement
from app.search.highlight import Marks, snippet
from app.search.query import QueryError, filter_queries, parse_date_range, parse_query


def _text_only(node: wq.Query) -> wq.Query:
    """The query without the title/speaker alternatives of its plain words."""
    if (
        isinstance(node, wq.Or)
        and len(node.subqueries) == 2
        and isinstance(node.subqueries[1], AlsoStatement)
    ):
        return _text_only(node.subqueries[0])
    if isinstance(node, (wq.And, wq.Or)):
        return type(node)([_text_only(s) for s in node.subqueries])
    if isinstance(node, wq.Not):
        return wq.Not(_text_only(node.query))
    return node


def q(text: str) -> wq.Query:
    """What a query finds in the paragraphs' text (test_plain_words_also_find_titles_and_speakers
    covers the rest)."""
    return _text_only(parse_query(text).query)


def test_plain_words_also_find_titles_and_speakers():
    """A positive word or phrase also looks in titles (stemmed) and speakers' names (folded),
    boosted; a negated one does not; the exact-field operators stay as they are."""
    got = parse_query("Zakharova’s").query
    assert got == wq.Or(
        [
            wq.Term("text", "zakharova"),
            AlsoStatement(
                [wq.Term("title", "zakharova", boost=3.0), wq.Term("speaker", "zakharova", boost=3.0)]
            ),
        ]
    )
    assert parse_query("sanctions").query == wq.Or(
        [
            wq.Term("text", "sanction"),
            AlsoStatement(
                [wq.Term("title", "sanction", boost=3.0), wq.Term("speaker", "sanctions", boost=3.0)]
            ),
        ]
    )
    assert parse_query('"maria zakharova"').query.subqueries[1] == AlsoStatement(
        [
            wq.Phrase("title", ["maria", "zakharova"], boost=3.0),
            wq.Phrase("speaker", ["maria", "zakharova"], boost=3.0),
        ]
    )
    assert parse_query("-lavrov").query == wq.And([wq.Every(), wq.Not(wq.Term("text", "lavrov"))])
    assert parse_query("title:briefing").query == wq.ConstantScoreQuery(wq.Term("title", "brief"), 1.0)
    assert parse_query("speaker:lavrov").query == wq.ConstantScoreQuery(wq.Term("speaker", "lavrov"), 1.0)


def test_plain_words_are_all_required_and_stemmed():
    assert q("sanctions Europe") == wq.And([wq.Term("text", "sanction"), wq.Term("text", "europ")])


def test_quoted_phrase_is_exact_and_keeps_stop_words():
    assert q('"rule of law"') == wq.Phrase("exact", ["rule", "of", "law"])
    assert q('"sanctions"') == wq.Term("exact", "sanctions")


def test_operators_grouping_and_negation():
    assert q("(russia OR china) trade -nato") == wq.And(
        [
            wq.Or([wq.Term("text", "russia"), wq.Term("text", "china")]),
            wq.Term("text", "trade"),
            wq.Not(wq.Term("text", "nato")),
        ]
    )
    assert q("russia AND NOT china") == wq.And([wq.Term("text", "russia"), wq.Not(wq.Term("text", "china"))])


def test_a_query_of_only_negations_matches_everything_else():
    assert q("-nato") == wq.And([wq.Every(), wq.Not(wq.Term("text", "nato"))])


def test_prefix_and_fuzzy_search_the_unstemmed_words():
    assert q("sanct*") == wq.Prefix("exact", "sanct")
    assert q("norilks~") == wq.FuzzyTerm("exact", "norilks", maxdist=2, prefixlength=1)
    assert q("omks~1") == wq.FuzzyTerm("exact", "omks", maxdist=1, prefixlength=1)


def test_stop_words_are_dropped_unless_they_are_all_there_is():
    assert q("the sanctions") == wq.Term("text", "sanction")
    assert q("the") == wq.Term("exact", "the")


def test_field_filters():
    assert q("speaker:Sergei-Lavrov").child == wq.And(
        [wq.Term("speaker", "sergey"), wq.Term("speaker", "lavrov")]
    )
    assert q('speaker:"maria zakharova"').child == wq.Phrase("speaker", ["maria", "zakharova"])
    assert q("speaker: lavrov").child == wq.Term("speaker", "lavrov")
    assert q("said:zakharova").child == wq.Term("said", "zakharova")
    assert q("kind:press-release").child == wq.Term("kind", "press_release")
    assert q("venue:Moscow").child == wq.Term("venue", "moscow")
    assert q("topic:OSCE").child == wq.Term("topic", "osce")


@pytest.mark.parametrize(
    "value, lo, hi",
    [
        ("2021", 20210101, 20211231),
        ("2021-11", 20211101, 20211130),
        ("2020-02", 20200201, 20200229),
        ("2021-12-03", 20211203, 20211203),
        ("2021-01-01..2021-06-30", 20210101, 20210630),
        ("2020..2021-03", 20200101, 20210331),
        ("2020..", 20200101, 99991231),
        ("..2019-06", 1, 20190630),
    ],
)
def test_date_values(value, lo, hi):
    assert parse_date_range(value) == (lo, hi)
    assert q(f"date:{value}").child == wq.NumericRange("date", lo, hi)


@pytest.mark.parametrize(
    "text, message",
    [
        ("AND OR", "'AND' needs a search term on each side"),
        ("russia AND", "'AND' needs a search term on each side"),
        ("OR china", "'OR' needs a search term on each side"),
        ("russia NOT", "'NOT' needs a search term after it"),
        ("speaker:", "'speaker:' needs a value, e.g. speaker:lavrov"),
        ("omsk said:", "'said:' needs a value"),
        ("x" * 10_000, "the query is too long (10,000 characters; the limit is 1,000)"),
        ("(russia OR china", "unbalanced parentheses: '(' at character 1 is never closed"),
        ("russia)", "unbalanced parentheses: ')' at character 7 has no matching '('"),
        ("()", "empty parentheses"),
        ("spekaer:lavrov", "unknown field 'spekaer:'; did you mean 'speaker:'?"),
        ("kind:intervew", "unknown kind 'intervew'; kinds: remarks, interview"),
        ("date:2021-13", "date:2021-13: '2021-13' is not a date; use YYYY, YYYY-MM or YYYY-MM-DD"),
        ("date:2021-06..2021-01", "the range ends before it starts"),
        ("!!! ???", "the query has nothing to search for"),
        ('""', "the query has nothing to search for"),
        ("a*", "'a*' is too short: a prefix needs at least 2 letters"),
        ("(" * 30 + "x" + ")" * 30, "the query nests too deeply"),
    ],
)
def test_malformed_queries_raise_a_specific_query_error(text, message):
    with pytest.raises(QueryError) as e:
        parse_query(text)
    assert message in e.value.message


@pytest.mark.parametrize(
    "text, expected",
    [
        ('"unbalanced quote', wq.Phrase("exact", ["unbalanced", "quote"])),  # runs to the end
        ("foo:bar", wq.Phrase("exact", ["foo", "bar"])),  # not a field: literal
        ("10:30", wq.Phrase("text", ["10", "30"])),
        ("omsk\x00\x07\x1b norilsk", wq.And([wq.Term("text", "omsk"), wq.Term("text", "norilsk")])),
        ("Note: omsk", wq.And([wq.Term("text", "note"), wq.Term("text", "omsk")])),
    ],
)
def test_syntax_lookalikes_are_searched_literally(text, expected):
    assert q(text) == expected


def test_empty_query_means_every_paragraph():
    parsed = parse_query("  \x00 ")
    assert parsed.empty and parsed.query == wq.Every()


def test_filter_parameters_validate_their_values():
    assert filter_queries(kind=["remarks", "interview"]) == [
        wq.Or([wq.Term("kind", "remarks"), wq.Term("kind", "interview")])
    ]
    assert filter_queries(date_from="2021", date_to="2021-06") == [
        wq.NumericRange("date", 20210101, 20210630)
    ]
    assert filter_queries(questions="exclude") == [wq.Term("question", "no")]
    assert filter_queries(year=[2021, "undated"]) == [
        wq.Or([wq.Term("year", "2021"), wq.Term("year", "undated")])
    ]
    for bad, message in (
        (dict(questions="maybe"), "questions must be 'exclude' or 'only'"),
        (dict(date_from="yesterday"), "from: 'yesterday' is not a date"),
        (dict(date_from="2022", date_to="2021"), "ends before it starts"),
        (dict(kind="memo"), "unknown kind 'memo'"),
        (dict(year="21"), "year must be a year such as 2021, or 'undated'"),
    ):
        with pytest.raises(QueryError, match=message):
            filter_queries(**bad)


def test_snippet_escapes_the_text_and_marks_matches():
    marks = Marks(terms={"text": {"sanction"}, "exact": set()})
    html = snippet('New <script>alert("x")</script> & sanctions, sanctioned.', marks)
    assert html == (
        "New &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; <mark>sanctions</mark>, "
        "<mark>sanctioned</mark>."
    )


def test_snippet_marks_a_phrase_only_where_it_occurs_and_cuts_long_text():
    marks = Marks(phrases=[("exact", ("rule", "of", "law"))])
    text = "the law of the land. " * 30 + "The rule of law matters." + " more words here" * 30
    html = snippet(text, marks, size=120)
    assert html.count("<mark>") == 1 and "<mark>rule of law</mark>" in html
    assert html.startswith("…") and html.endswith("…") and len(html) < 160
