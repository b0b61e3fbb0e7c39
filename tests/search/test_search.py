"""Search on the seed corpus: a real archive (SQLite + migrations) and a real index on disk.

The seeds are ingested and indexed once per module; tests that change the archive or the
index work on a copy (`archive` fixture)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import threading

import pytest
from sqlalchemy import delete, func, select, update

from app.config import Settings
from app.db import open_database
from app.models import Paragraph, Speaker, Statement, StatementSpeaker, StatementTopic, Topic, Venue
from app.search import (
    SCHEMA_VERSION,
    IndexBusy,
    IndexView,
    QueryError,
    SearcherHolder,
    check_index,
    index_state,
    rebuild_index,
    update_index,
)
from app.search import search_json as search
from app.search.documents import paragraph_entries
from app.search.index import POINTER, read_pointer, write_lock
from tests import backend
from tests.conftest import SEEDS

YOUTH_FORUM = "2020-08-23-foreign-minister-sergey-lavrov"  # seed 003: remarks, then Q&A


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(seeded_archive):
    """The seeds ingested and indexed once (conftest's seeded_archive, whose engine was disposed:
    archive.sqlite3 alone is complete, ready to copy): settings and a session factory (read only)."""
    settings = Settings(data_dir=seeded_archive)
    engine, factory = open_database(settings, migrate=False)
    yield settings, factory
    engine.dispose()


@pytest.fixture(scope="module")
def view(template):
    settings, _factory = template
    v = IndexView.open(settings.index_dir)
    yield v
    v.close()


@pytest.fixture
def session(template):
    with template[1]() as s:
        yield s


@pytest.fixture
def run(view, session, template):
    """search() on the seeded index."""

    def go(query="", **params):
        return search(view, query, session=session, max_query_chars=template[0].max_query_chars, **params)

    return go


@pytest.fixture
def archive(template, data_dir):
    """A private copy of the seeded archive in the test's data dir (the `cli` fixture's too)."""
    src = template[0].data_dir
    data_dir.mkdir(parents=True)
    if backend.POSTGRES:
        backend.copy_database(src, data_dir)
    else:
        shutil.copy2(src / "archive.sqlite3", data_dir / "archive.sqlite3")
    shutil.copytree(src / "index", data_dir / "index")
    settings = Settings(data_dir=data_dir)
    engine, factory = open_database(settings, migrate=False)
    yield settings, factory
    engine.dispose()


def db_count(session, *where) -> int:
    q = select(func.count(Paragraph.id)).join(Statement).where(Paragraph.current.is_(True), *where)
    return session.scalar(q)


def keys_of(result) -> list[str]:
    return [p["key"] for r in result["results"] for p in r["paragraphs"]]


NORILSK_QUESTION = "For example, Norilsk."  # the youth forum: a question …
NORILSK_ANSWER = "in Omsk or abroad"  # … and Lavrov's answer; both name Norilsk


def forum_paragraph(session, text: str) -> str:
    return session.scalar(
        select(Paragraph.key)
        .join(Statement)
        .where(
            Statement.key.startswith(YOUTH_FORUM), Paragraph.text.contains(text), Paragraph.current.is_(True)
        )
    )


# -- results ----------------------------------------------------------------------------------


def test_a_phrase_that_occurs_once_finds_exactly_its_paragraph(run, session):
    result = run('"in Omsk or abroad"')
    expected = session.scalar(select(Paragraph.key).where(Paragraph.text.contains("in Omsk or abroad")))
    assert (result["total_paragraphs"], result["total_statements"]) == (1, 1)
    assert keys_of(result) == [expected]
    para = result["results"][0]["paragraphs"][0]
    assert "<mark>in Omsk or abroad</mark>" in para["snippet"]
    assert para["url"] == f"/p/{expected}" and para["speaker"] == "Sergey Lavrov"


def test_result_object_has_the_documented_shape(run):
    result = run("said:lavrov Omsk")
    assert list(result) == [
        "query",
        "total_paragraphs",
        "total_statements",
        "page",
        "per_page",
        "sort",
        "results",
        "facets",
        "suggestion",
        "approximate",
        "speaker_suggestions",
    ]
    assert result["approximate"] is False  # estimated figures only beyond service.RESOLVE_ALL statements
    group = result["results"][0]
    assert list(group) == ["statement", "paragraphs", "more_paragraphs"]
    st = group["statement"]
    assert list(st) == ["key", "title", "kind", "date", "published", "venue", "speakers", "url", "title_html"]
    assert st["speakers"] == [{"name": "Sergey Lavrov", "role": "Foreign Minister"}]
    assert (st["kind"], st["date"], st["venue"], st["url"]) == (
        "remarks",
        "2020-08-23",
        "Solnechnogorsk",
        f"/statements/{st['key']}",
    )
    assert list(group["paragraphs"][0]) == ["key", "n", "speaker", "label", "snippet", "url"]
    assert list(result["facets"]) == ["speaker", "year", "kind", "venue", "topic", "month"]
    assert json.loads(json.dumps(result)) == result


def test_said_excludes_the_questions_put_to_that_person(run, session):
    question, answer = forum_paragraph(session, NORILSK_QUESTION), forum_paragraph(session, NORILSK_ANSWER)
    assert set(keys_of(run("Norilsk"))) == {question, answer}
    assert set(keys_of(run("speaker:lavrov Norilsk"))) == {question, answer}
    assert keys_of(run("said:lavrov Norilsk")) == [answer]
    assert keys_of(run("Norilsk", said="Sergey Lavrov")) == [answer]
    assert keys_of(run("Norilsk", questions="exclude")) == [answer]
    assert keys_of(run("Norilsk", questions="only")) == [question]


def test_said_lavrov_in_the_youth_forum_is_every_paragraph_but_the_questions(run, session):
    forum = Statement.key.startswith(YOUTH_FORUM)
    result = run("said:lavrov date:2020-08-23", per_page=100)
    questions = db_count(session, forum, Paragraph.label == "Question")
    assert questions >= 10
    assert result["total_paragraphs"] == db_count(session, forum) - questions
    assert run("date:2020-08-23", questions="only")["total_paragraphs"] == questions


@pytest.mark.parametrize(
    "query, params, where",
    [
        ("kind:remarks", {"kind": "remarks"}, lambda: Statement.kind == "remarks"),
        ("kind:interview", {"kind": "interview"}, lambda: Statement.kind == "interview"),
        (
            "venue:moscow",
            {"venue": "Moscow"},
            lambda: Statement.venue_id.in_(select(Venue.id).where(Venue.name.contains("Moscow"))),
        ),
        (
            "topic:osce",
            {"topic": "OSCE"},
            lambda: Statement.id.in_(
                select(StatementTopic.statement_id).join(Topic).where(Topic.name.contains("OSCE"))
            ),
        ),
        (
            "speaker:putin",
            {"speaker": "putin"},
            lambda: Statement.id.in_(
                select(StatementSpeaker.statement_id).join(Speaker).where(Speaker.name.contains("Putin"))
            ),
        ),
        (
            "speaker:zakharova",
            {"speaker": "Maria Zakharova"},
            lambda: Statement.id.in_(
                select(StatementSpeaker.statement_id).join(Speaker).where(Speaker.name.contains("Zakharova"))
            ),
        ),
        (
            "date:2021",
            {"date_from": "2021", "date_to": "2021"},
            lambda: Statement.sort_date.between(dt.date(2021, 1, 1), dt.date(2021, 12, 31)),
        ),
        (
            "date:2021-11",
            {"date_from": "2021-11", "date_to": "2021-11"},
            lambda: Statement.sort_date.between(dt.date(2021, 11, 1), dt.date(2021, 11, 30)),
        ),
        (
            "date:2019-11-20..2020-01-14",
            {"date_from": "2019-11-20", "date_to": dt.date(2020, 1, 14)},
            lambda: Statement.sort_date.between(dt.date(2019, 11, 20), dt.date(2020, 1, 14)),
        ),
        ("date:2021-12..", {"date_from": "2021-12"}, lambda: Statement.sort_date >= dt.date(2021, 12, 1)),
    ],
)
def test_every_filter_narrows_to_what_the_database_says(run, session, query, params, where):
    expected = db_count(session, where())
    assert 0 < expected < db_count(session)
    assert run(query)["total_paragraphs"] == expected
    assert run("", **params)["total_paragraphs"] == expected


def test_filters_combine_and_narrow(run):
    everything = run("")["total_paragraphs"]
    lavrov = run("speaker:lavrov")["total_paragraphs"]
    remarks = run("speaker:lavrov kind:remarks")["total_paragraphs"]
    in_2021 = run("speaker:lavrov kind:remarks", date_from="2021-01-01")["total_paragraphs"]
    assert everything > lavrov > remarks > in_2021 > 0
    result = run("speaker:lavrov", kind="remarks", date_from="2021")
    assert result["total_paragraphs"] == in_2021
    assert all(r["statement"]["date"] >= "2021" for r in result["results"])


def test_facets_count_matching_paragraphs_and_add_up(run, session):
    for query in ("", "Russia", "sanctions OR NATO", "speaker:lavrov", "said:zakharova", "date:2021-11"):
        result = run(query)
        total, facets = result["total_paragraphs"], result["facets"]
        assert total > 0
        assert sum(f["count"] for f in facets["year"]) == total
        assert sum(f["count"] for f in facets["kind"]) == total
        assert sum(f["count"] for f in facets["venue"]) <= total
        assert all(0 < f["count"] <= total for name in facets for f in facets[name])
    years = {f["value"]: f["count"] for f in run("")["facets"]["year"]}
    assert years["2020"] == db_count(session, func.extract("year", Statement.sort_date) == 2020)
    assert years.get("undated", 0) == db_count(session, Statement.sort_date.is_(None))
    for year, count in years.items():  # a year facet's value filters to its count
        assert run("", year=year)["total_paragraphs"] == count
    speakers = {f["value"]: f["count"] for f in run("Norilsk")["facets"]["speaker"]}
    assert speakers == {"Sergey Lavrov": 2}


def test_a_facet_value_used_as_a_filter_gives_its_count(run):
    facets = run("")["facets"]
    for name in ("speaker", "kind", "venue", "topic", "year"):
        assert facets[name]
        for f in facets[name]:
            assert run("", **{name: f["value"]})["total_paragraphs"] == f["count"], (name, f)


def test_highlighting_marks_the_matched_words_and_nothing_else(run):
    for group in run("sanctions")["results"]:
        for p in group["paragraphs"]:
            assert "<mark>" in p["snippet"]
            marked = [m.split("</mark>")[0].lower() for m in p["snippet"].split("<mark>")[1:]]
            assert marked and all(m.startswith("sanction") for m in marked)
    snippets = [p["snippet"] for g in run("sanct* Belarus -Ukraine")["results"] for p in g["paragraphs"]]
    assert snippets and all("<mark>Belarus</mark>" in s and "<mark>Ukraine" not in s for s in snippets)


def test_snippets_are_escaped(run):
    for group in run("", per_page=100, per_statement=20)["results"]:
        for p in group["paragraphs"]:
            assert "<" not in p["snippet"].replace("<mark>", "").replace("</mark>", "")


def test_prefix_fuzzy_or_and_stop_word_queries_find_things(run):
    assert run("sanct*")["total_paragraphs"] >= run("sanctions")["total_paragraphs"] > 0
    assert keys_of(run("Norilks~")) == keys_of(run("Norilsk"))
    either = run("Omsk OR Norilsk")["total_paragraphs"]
    assert either == len(
        set(keys_of(run("Omsk", per_statement=20))) | set(keys_of(run("Norilsk", per_statement=20)))
    )
    assert run("the")["total_paragraphs"] > 100


def test_sort_orders(run):
    newest = [r["statement"] for r in run("Russia", sort="newest", per_page=100)["results"]]
    dates = [s["date"] or s["published"] for s in newest]
    assert dates == sorted(dates, reverse=True) and len(set(dates)) > 3
    oldest = [r["statement"] for r in run("Russia", sort="oldest", per_page=100)["results"]]
    assert [s["date"] or s["published"] for s in oldest] == sorted(dates)
    relevance = run("Belarus", sort="relevance")  # the youth forum's Q&A dwells on Belarus
    assert relevance["sort"] == "relevance" and relevance["total_statements"] >= 3
    assert relevance["results"][0]["statement"]["key"].startswith(YOUTH_FORUM)
    assert relevance["results"][0]["more_paragraphs"] > 0
    with pytest.raises(QueryError, match="sort must be one of relevance, newest, oldest"):
        run("Russia", sort="best")


def test_pagination_covers_every_statement_once(run):
    full = run("Russia", per_page=100)
    seen = []
    for page in range(1, 100):
        result = run("Russia", per_page=4, page=page)
        if not result["results"]:
            break
        assert result["page"] == page and result["total_statements"] == full["total_statements"]
        seen += [r["statement"]["key"] for r in result["results"]]
    assert seen == [r["statement"]["key"] for r in full["results"]]
    assert run("Russia", per_page=1000)["per_page"] == 100


def test_paragraphs_grouped_per_statement_best_first_the_rest_counted(run):
    result = run("Russia", per_page=100, per_statement=2)
    assert (
        sum(len(r["paragraphs"]) + r["more_paragraphs"] for r in result["results"])
        == result["total_paragraphs"]
    )
    for group in result["results"]:
        ns = [p["n"] for p in group["paragraphs"]]
        assert len(ns) <= 2 and ns == sorted(ns)
    assert any(r["more_paragraphs"] for r in result["results"])


def test_did_you_mean_comes_from_the_index_vocabulary(run):
    result = run("Norilks Amercans")
    assert result["total_paragraphs"] == 0
    assert result["suggestion"] == "norilsk americans"
    assert run("sanctoins")["suggestion"] == "sanctions"
    assert run("said:lavrov Norilks")["suggestion"] == "said:lavrov norilsk"
    assert run("Norilsk sanctions")["suggestion"] is None  # known words that never meet
    assert run("Russia")["suggestion"] is None


@pytest.mark.parametrize("query", ['"sanctions', "foo:bar", "Omsk\x00\x07", "10:30", "-"])
def test_syntax_lookalikes_search_literally_or_fail_clearly(run, query):
    try:
        result = run(query)
    except QueryError as e:
        assert e.message and "\n" not in e.message
    else:
        assert result["query"] == query.replace("\x00", " ").replace("\x07", " ").strip()
    assert run('"sanctions')["total_paragraphs"] > 0


def test_bad_parameters_are_query_errors(run):
    for params, message in (
        ({"page": "two"}, "page must be a whole number"),
        ({"questions": "some"}, "questions must be"),
        ({"date_from": "2021-02-30"}, "is not a date"),
    ):
        with pytest.raises(QueryError, match=message):
            run("Russia", **params)


# -- CLI --------------------------------------------------------------------------------------


def test_cli_search_json_is_the_search_object(cli, archive):
    settings, factory = archive
    result = cli("search", "said:lavrov Omsk", "--json")
    assert result.exit_code == 0, result.output
    with factory() as s:
        expected = search(IndexView.open(settings.index_dir), "said:lavrov Omsk", session=s)
    assert json.loads(result.stdout) == expected


def test_cli_search_prints_grouped_results(cli, archive):
    result = cli("search", "Norilsk", "--said", "lavrov", "--from", "2020", "--per-page", "5")
    assert result.exit_code == 0, result.output
    assert "1 paragraphs in 1 statements" in result.stdout
    assert "Sergey Lavrov: " in result.stdout and "Norilsk" in result.stdout


def test_cli_search_reads_the_index_as_it_is_while_another_process_writes_it(cli, archive):
    """An ingest indexing as it loads holds the index's write lock for its whole run: a search
    meanwhile reads the index it has (with a note) instead of waiting for the ingest to end."""
    settings, factory = archive
    with factory() as s:  # something queued, so the search would index it first
        key = s.scalar(select(Statement.key).limit(1))
    from app.outbox import queue as index_queue

    with factory() as s:
        index_queue.enqueue(s, [key])
        s.commit()
    with write_lock(settings.index_dir):
        result = cli("search", "Norilsk", "--json")
    assert result.exit_code == 0, result.output
    assert "another process is writing the search index" in result.stderr
    assert json.loads(result.stdout)["total_paragraphs"] >= 1
    result = cli("search", "Norilsk", "--json")  # the writer gone, the queue is indexed as usual
    assert result.exit_code == 0 and "another process" not in result.stderr
    assert not index_queue.has_pending(factory)


@pytest.mark.parametrize(
    "query", ["AND OR", "speaker:", "x" * 10_000, "(omsk", "kind:memo", "spekaer:lavrov"]
)
def test_cli_search_rejects_a_malformed_query_with_one_error_line(cli, archive, query):
    result = cli("search", query)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_an_empty_archive_searches_and_checks_fine(cli, data_dir):
    result = cli("search", "said:lavrov Russia~", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["total_paragraphs"] == 0
    assert "search index built: 0 paragraphs" in result.stderr
    assert cli("check").exit_code == 0


def test_cli_search_rejects_bad_options(cli, archive):
    result = cli("search", "Russia", "--sort", "best")
    assert result.exit_code == 2 and result.stderr.startswith("error: sort must be one of")


# -- the index: updates, rebuilds, check ------------------------------------------------------


def test_ingest_updates_the_index_in_the_same_run(cli, archive, seed_copy):
    settings, factory = archive
    page = seed_copy / "003_f4947906e86da8af.txt"
    page.write_text(page.read_text("utf-8").replace("in Omsk or abroad", "in Tomsk or abroad"), "utf-8")
    result = cli("ingest", seed_copy)
    assert result.exit_code == 0, result.output
    assert "search index updated" in result.stdout
    with factory() as s:
        view = IndexView.open(settings.index_dir)
        assert search(view, "Tomsk", session=s)["total_paragraphs"] == 1
        assert search(view, '"in Omsk or abroad"', session=s)["total_paragraphs"] == 0
        view.close()
    assert check_index(settings, factory).ok


def test_check_detects_missing_stale_and_outdated(cli, archive):
    settings, factory = archive
    assert cli("check").exit_code == 0
    with factory() as s, s.begin():
        stale = forum_paragraph(s, NORILSK_ANSWER)
        st = s.scalar(select(Statement).where(Statement.key.startswith(YOUTH_FORUM)))
        s.execute(delete(Paragraph).where(Paragraph.key == stale))
        template = s.scalar(select(Paragraph).where(Paragraph.statement_id == st.id, Paragraph.n == 1))
        missing = f"{st.key}.deadbeef"
        s.add(
            Paragraph(
                key=missing,
                statement_id=st.id,
                n=999,
                current=True,
                text="A new paragraph.",
                source_document_id=template.source_document_id,
                line_start=1,
                line_end=1,
            )
        )
        s.execute(update(Statement).where(Statement.id == st.id).values(fingerprint="changed"))
        st_key = st.key
    report = check_index(settings, factory)
    assert (report.missing, report.stale, report.outdated, report.duplicates) == (
        [missing],
        [stale],
        [st_key],
        [],
    )
    result = cli("check")
    assert result.exit_code == 1
    assert f"1 missing from the index:\n  {missing}" in result.stdout
    assert f"1 stale in the index:\n  {stale}" in result.stdout
    assert "error: the search index and the database disagree" in result.stderr
    update_index(settings, factory, changed_keys={st_key})
    assert check_index(settings, factory).ok


def test_removed_statements_leave_the_index(archive):
    settings, factory = archive
    with factory() as s:
        key = s.scalar(select(Statement.key).where(Statement.key.startswith(YOUTH_FORUM)))
    run_ = update_index(settings, factory, removed_keys={key})
    assert (run_.rebuilt, run_.removed) == (False, 1)
    report = check_index(settings, factory)
    assert len(report.missing) > 60 and all(k.startswith(key) for k in report.missing)


def test_reindex_swaps_atomically_and_an_open_searcher_keeps_working(cli, archive):
    settings, factory = archive
    before = read_pointer(settings.index_dir)["generation"]
    old = IndexView.open(settings.index_dir)
    with factory() as s:
        expected = search(old, "Norilsk", session=s)
        result = cli("reindex")
        assert result.exit_code == 0, result.output
        assert "indexed" in result.stdout and "paragraphs/s" in result.stdout
        after = read_pointer(settings.index_dir)["generation"]
        assert after != before
        assert search(old, "Norilsk", session=s) == expected  # still the old generation
        new = IndexView.open(settings.index_dir)
        assert new.generation == after and search(new, "Norilsk", session=s) == expected
    old.close()
    new.close()
    gens = sorted(p.name for p in settings.index_dir.iterdir() if p.name.startswith("gen-"))
    assert gens == sorted({before, after})  # the previous one is kept


def test_a_failed_rebuild_leaves_the_current_index_alone(archive):
    settings, factory = archive
    before = read_pointer(settings.index_dir)

    def explode(done, total):
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        rebuild_index(settings, factory, progress=explode)
    assert read_pointer(settings.index_dir) == before
    assert sorted(p.name for p in settings.index_dir.iterdir() if p.name.startswith("gen-")) == [
        before["generation"]
    ]
    assert check_index(settings, factory).ok


def test_an_index_from_an_older_schema_or_missing_is_rebuilt_automatically(cli, archive):
    settings, _factory = archive
    pointer = settings.index_dir / POINTER
    pointer.write_text(json.dumps({**read_pointer(settings.index_dir), "schema_version": SCHEMA_VERSION - 1}))
    assert index_state(settings.index_dir) == "outdated"
    result = cli("ingest", SEEDS)
    assert result.exit_code == 0, result.output
    assert "search index built" in result.stdout
    assert index_state(settings.index_dir) == "ok"
    shutil.rmtree(settings.index_dir)
    result = cli("search", "Norilsk", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["total_paragraphs"] == 2


def test_a_second_writer_waits_then_fails_clearly_and_searches_never_wait(archive, session):
    settings, factory = archive
    view = IndexView.open(settings.index_dir)
    with write_lock(settings.index_dir):
        with pytest.raises(IndexBusy, match=r"already running \(process \d+\).*waited 0.2 s"):
            update_index(settings, factory, changed_keys={"x"}, lock_timeout=0.2)
        assert search(view, "Norilsk", session=session)["total_paragraphs"] == 2
    view.close()

    release = threading.Event()

    def hold():
        with write_lock(settings.index_dir):
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    threading.Timer(0.3, release.set).start()
    update_index(settings, factory, changed_keys=set(), lock_timeout=5)  # waits, then succeeds
    holder.join()


def test_the_holder_swaps_searchers_and_never_returns_a_document_twice(archive, session):
    """Searcher.refresh() after a merge returns merged documents twice (whoosh3 3.54); the
    holder opens new searchers instead."""
    settings, factory = archive
    holder = SearcherHolder(settings.index_dir, check_interval=0, background=False)
    total = db_count(session)
    statements = session.scalar(
        select(func.count(func.distinct(Paragraph.statement_id))).where(Paragraph.current.is_(True))
    )  # one document per statement
    with holder.view() as first:
        assert first.searcher.doc_count() == statements
    keys = session.scalars(select(Statement.key).order_by(Statement.key)).all()
    segments = []
    for key in keys[:8]:  # a commit per statement: the 6th one merges the small segments
        update_index(settings, factory, changed_keys={key})
        with holder.view() as v:
            segments.append(len(list(v.reader.leaf_readers())))
            assert v.searcher.doc_count() == statements
            result = search(v, "", session=session, per_page=100, per_statement=20)
            assert result["total_paragraphs"] == total
            assert sorted(
                key for d in v.reader.all_doc_ids() for _n, key in paragraph_entries(v.column("paras")[d])
            ) == sorted(session.scalars(select(Paragraph.key).where(Paragraph.current.is_(True))))
    assert any(b < a for a, b in zip(segments, segments[1:], strict=False)), segments  # a merge happened
    rebuild_index(settings, factory)
    with holder.view() as v:
        assert v.generation == read_pointer(settings.index_dir)["generation"]
        assert search(v, "Norilsk", session=session)["total_paragraphs"] == 2
    holder.close()


def test_holder_serves_threads_during_updates_and_swaps_in_the_background(archive):
    settings, factory = archive
    holder = SearcherHolder(settings.index_dir, check_interval=0, background=True)
    errors: list[BaseException] = []

    def searcher_thread():
        try:
            with factory() as s:
                for _ in range(15):
                    with holder.view() as v:
                        assert search(v, "Norilsk", session=s)["total_paragraphs"] == 2
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=searcher_thread) for _ in range(3)]
    for t in threads:
        t.start()
    rebuild_index(settings, factory)
    update_index(settings, factory, changed_keys={"nothing"})
    for t in threads:
        t.join()
    assert not errors
    holder.refresh()
    with holder.view() as v:
        assert v.generation == read_pointer(settings.index_dir)["generation"] and v.up_to_date()
    holder.close()


def test_threads_share_one_view_and_get_the_same_answers(template, view):
    template_view = view
    settings, factory = template
    queries = [
        "Russia",
        "said:lavrov Norilsk",
        "sanct* -Ukraine",
        '"rule of law"',
        "NATO OR OSCE",
        "speaker:zakharova",
        "date:2021-11 Europe",
        "Norilks~",
    ]
    view = IndexView.open(settings.index_dir)  # fresh: columns and filters load under contention
    with factory() as s:
        expected = {q: search(template_view, q, session=s) for q in queries}
    errors: list[object] = []

    def work(i: int) -> None:
        try:
            with factory() as s:
                for k in range(16):
                    q = queries[(i + k) % len(queries)]
                    if search(view, q, session=s) != expected[q]:
                        errors.append(q)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    view.close()
    assert errors == []


def test_statements_whose_paragraphs_do_not_match_are_not_results(run):
    """Two levels: the statements found (here every one mentioning Norilsk) are resolved
    paragraph by paragraph; none matches, so there are no results and no error."""
    result = run("Norilsk -Norilsk")
    assert (result["total_paragraphs"], result["total_statements"], result["results"]) == (0, 0, [])
    both = run("Norilsk sanctions")  # in one statement maybe, never in one paragraph
    assert both["total_paragraphs"] == 0 and both["results"] == []
