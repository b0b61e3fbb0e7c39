"""The fenced engine internals (app/search/engine): on a multi-segment index with deleted
documents the fast paths give what Whoosh's own public paths give (postings, positions,
scores, statement scores), and on a Whoosh version other than the tested one the fast paths
switch off and searches give identical results."""

from __future__ import annotations

import random

import pytest
import whoosh
from whoosh import index as windex
from whoosh import query as wq

from app.search import engine
from app.search.engine import postings as engine_postings
from app.search.engine.version import TESTED_WHOOSH, fast_paths
from app.search.ranking import statement_scores
from app.search.schema import join_paragraphs, make_schema
from app.search.searcher import IndexView
from tests.search import test_search as base
from tests.search.test_fast_index import _postings as _stored

template, view, session, run = base.template, base.view, base.session, base.run  # the same fixtures

WORDS = (
    "sanctions security council russia ukraine nato peace talks minister foreign ceasefire vienna "
    "osce cooperation partners europe china café naïve U.S. co-operation the of and international law"
).split()


def _doc(rng: random.Random, i: int) -> dict:
    paras = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 40))) for _ in range(rng.randint(1, 6))]
    text = join_paragraphs(paras)
    return dict(
        skey=f"s{i}",
        text=text,
        exact=text,
        said=join_paragraphs("lavrov" for _ in paras),
        label=join_paragraphs("" for _ in paras),
        question=join_paragraphs("no" for _ in paras),
        title=" ".join(rng.choice(WORDS) for _ in range(5)),
        count=len(paras),
        paras="\x1f".join(f"{n}\tp{i}-{n}" for n in range(len(paras))).encode(),
    )


def _build(path, *, pool_limit: int | None = None):
    """Four segments (each commit unmerged), then a fifth commit deleting documents of three of them."""
    rng = random.Random(7)
    path.mkdir()
    ix = windex.create_in(str(path), make_schema())
    n = 0
    for _segment in range(4):
        w = ix.writer(compound=False)
        if pool_limit:
            w.pool.limit = pool_limit  # many external-sort runs
        for _ in range(60):
            w.add_document(**_doc(rng, n))
            n += 1
        w.commit(merge=False)
    w = ix.writer(compound=False)
    for i in range(0, n, 7):
        w.delete_by_term("skey", f"s{i}")
    w.commit(merge=False)
    return ix


@pytest.fixture
def multi(tmp_path):
    ix = _build(tmp_path / "ix")
    v = IndexView(ix, "ix")
    assert len(v.reader.leaf_readers()) > 1 and v.reader.has_deletions()
    yield v
    v.close()


def _public(v: IndexView, fieldname: str, text):
    return engine_postings._read_term_public(v.reader, fieldname, text)


def test_fast_postings_equal_whooshs_matchers_on_a_multi_segment_index_with_deletions(multi):
    terms = [(f, t) for f, t in multi.reader.all_terms() if f in ("text", "exact", "said", "title", "skey")]
    assert len(terms) > 40
    for fieldname, btext in terms:
        fast, slow = (
            engine_postings._read_term(multi.reader, fieldname, btext),
            _public(multi, fieldname, btext),
        )
        if slow is None or not len(slow):  # every posting deleted
            assert fast is None or not len(fast) or list(fast.ids) == list(slow.ids)
            continue
        assert list(fast.ids) == list(slow.ids), (fieldname, btext)
        assert list(fast.weights) == list(slow.weights)
        assert fast.values == slow.values  # the same stored bytes
        if fieldname != "skey":
            assert [fast.positions(i) for i in range(len(fast))] == [
                slow.positions(i) for i in range(len(slow))
            ]
        assert not any(multi.reader.is_deleted(d) for d in fast.ids)


def test_fast_scores_equal_whooshs_scorer(multi, monkeypatch):
    terms = [t for f, t in multi.reader.all_terms() if f == "text"]
    fast = {t: list(multi.postings.scores("text", t)[1] or []) for t in terms}
    other = IndexView(multi.ix, "ix")
    try:
        monkeypatch.setattr(whoosh, "__version__", (9, 9, 9))
        slow = {t: list(other.postings.scores("text", t)[1] or []) for t in terms}
    finally:
        other.close()
    assert fast == slow


@pytest.mark.parametrize(
    "text",
    [
        "sanctions",
        "security council",
        "russia OR china",
        "peace -nato",
        "minister* vienna",
        '"international law"',
    ],
)
def test_statement_scores_are_whoosh_scores_on_a_multi_segment_index(multi, text):
    from app.search.planning import relax, split_filters
    from app.search.query import parse_query

    relaxed = relax(split_filters(parse_query(text, names=False).query)[0])
    mine = statement_scores(multi, relaxed, None)
    theirs = {d: s for s, d in multi.searcher.search(relaxed, limit=None).top_n}
    if any(
        isinstance(leaf, wq.Prefix) and len(multi.postings.expand(leaf)) > 1
        for leaf in relaxed.leaves()
        if leaf is not None
    ):
        assert mine.keys() == theirs.keys()  # Whoosh scores an expansion 1.0 below 5,000 documents
        return
    assert mine.keys() == theirs.keys()
    assert all(abs(mine[d] - theirs[d]) < 1e-9 for d in mine)


def test_the_guard_switches_the_fast_paths_off_on_another_whoosh(monkeypatch):
    from app.search.engine.fast_index import fast_index, final_term

    assert fast_paths() and tuple(whoosh.__version__) == TESTED_WHOOSH
    words = [
        (k, w)
        for k in ("text", "exact", "name")
        for w in ("Sanctions", "the", "café", "a", "Running", "ÉCOLE")
    ]
    words += [("text", "U.S"), ("exact", "co.operation")]
    fast_terms = [final_term(k, w) for k, w in words]
    monkeypatch.setattr(whoosh, "__version__", (TESTED_WHOOSH[0], TESTED_WHOOSH[1] + 1, 0))
    assert not engine.fast_paths()
    field = make_schema()["text"]
    value = join_paragraphs(["The sanctions, the U.S. said", "café co-operation"])
    assert fast_index(field, value, {}) is None
    assert list(field.index(value)) == field.analyser_index(value)
    assert [final_term(k, w) for k, w in words] == fast_terms


def test_an_index_built_without_the_fast_paths_is_byte_identical(tmp_path, monkeypatch):
    fast = _stored(_build(tmp_path / "fast", pool_limit=2_000))
    monkeypatch.setattr(whoosh, "__version__", (0, 0, 1))
    slow = _stored(_build(tmp_path / "slow", pool_limit=2_000))
    assert fast == slow


QUERIES = [
    "sanctions",
    "Lavrov",
    "russia OR china",
    "sanctions europe",
    '"international law"',
    "security -nato",
    "said:lavrov",
    "kind:interview russia",
    "minister*",
    "sanctoins~",
    "speaker:lavrov OR sanctions",
    "title:briefing",
    "Norilsk",
    "lavrov sanctions",
]


def test_searches_are_identical_with_the_fast_paths_off(template, session, monkeypatch):
    from app.search import budget, planning, search_json

    # the paths are compared, not the clock: no search may be cut short on a loaded machine
    monkeypatch.setattr(budget, "SEARCH_DEADLINE", 600.0)
    monkeypatch.setattr(planning, "RESOLVE_BUDGET", 600.0)

    def results():
        v = IndexView.open(template[0].index_dir)
        try:
            return {q: search_json(v, q, session=session, per_page=50, per_statement=20) for q in QUERIES}
        finally:
            v.close()

    fast = results()
    assert sum(r["total_paragraphs"] for r in fast.values()) > 50
    monkeypatch.setattr(whoosh, "__version__", (3, 99, 0))
    assert results() == fast
