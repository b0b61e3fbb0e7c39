"""A page never waits for citeproc-js (app.citations.citeproc_js.hold): while another thread
holds the engine, statement and paragraph pages answer with the stored or cached texts, else
with a Cite box saying the citation is being prepared; the cache of live texts never serves a
changed statement its old text; callers that may wait (hold(wait=None)) do."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import select, update

from app import citations
from app.citations import citeproc_js
from app.citations import store as citation_store
from app.citations import texts as citation_texts
from app.models import Statement
from tests.citations.test_web_citations import seed_items
from tests.web_support import load_sample, make_client, soup

SAFETY = 60  # seconds: a join timeout so that a regression fails instead of hanging the run


@contextmanager
def engine_held() -> Iterator[threading.Thread]:
    """The citeproc-js engine held by another thread for the duration of the block."""
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with citeproc_js.hold():
            held.set()
            release.wait(SAFETY)

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    assert held.wait(SAFETY)
    try:
        yield holder
    finally:
        release.set()
        holder.join(SAFETY)


def get_in_thread(client, url: str):
    """GET `url` from another thread; the response, or a failure if it did not come in time."""
    out = []
    t = threading.Thread(target=lambda: out.append(client.get(url)), daemon=True)
    t.start()
    t.join(SAFETY)
    assert not t.is_alive() and out, f"{url} did not answer while the engine was held"
    return out[0]


def _cite(response) -> tuple[list[str], list[str]]:
    """(ready citation texts, styles being prepared) of a page's Cite box."""
    box = soup(response).select_one("section.cite")
    ready = [p.get_text() for p in box.select("p.citation")]
    return ready, [p.get_text() for p in box.select("p.citation-pending-text")]


@pytest.fixture
def pages(factory, data_dir):
    citation_texts.clear_cache()
    load_sample(factory)
    with make_client(data_dir) as client:
        row = client.get("/api/statements?per_page=1").json()["results"][0]
        para = client.get(row["api"]).json()["paragraphs"][0]["url"]
        yield client, row["url"], para
    citation_texts.clear_cache()


def test_pages_answer_while_the_engine_is_held_and_say_the_citation_is_being_prepared(pages):
    client, statement, paragraph = pages
    with engine_held() as holder:
        for url in (statement, paragraph):
            r = get_in_thread(client, url)
            assert holder.is_alive()  # answered while the lock was still held
            assert r.status_code == 200
            ready, pending = _cite(r)
            assert ready == [] and len(pending) == len(citations.STYLES)
            assert all("being prepared" in t for t in pending)
            assert r.headers["cache-control"] == "no-store"
            page = soup(r)
            assert page.select_one("#permalink")["href"].endswith(url)
            reload = page.select_one("#cite-pending a")
            assert reload["href"].endswith("#cite") and reload["href"].startswith(url)
            downloads = [a["href"] for a in page.select("p.downloads a")]
            assert len(downloads) == 3
            assert page.select_one('script[type="application/ld+json"]') is not None
        assert client.get(statement + "/cite.bib").status_code == 200  # downloads need no engine
    r = client.get(statement)  # the engine is free again: the texts are there
    ready, pending = _cite(r)
    assert len(ready) == len(citations.STYLES) and pending == []
    assert "cache-control" not in r.headers


def test_stored_and_cached_texts_are_served_while_the_engine_is_held(pages, factory):
    client, statement, paragraph = pages
    live = {u: _cite(client.get(u))[0] for u in (statement, paragraph)}  # rendered, now cached
    with engine_held():
        assert {u: _cite(get_in_thread(client, u)) for u in live} == {u: (t, []) for u, t in live.items()}
    citation_texts.clear_cache()
    citation_store.fill(factory)
    citation_store.prime()
    with engine_held():
        assert {u: _cite(get_in_thread(client, u)) for u in live} == {u: (t, []) for u, t in live.items()}


def test_a_changed_statement_never_gets_its_cached_text(pages, factory):
    client, statement, _paragraph = pages
    before, _ = _cite(client.get(statement))
    key = statement.rstrip("/").rsplit("/", 1)[-1]
    with factory() as s, s.begin():
        title = s.scalar(select(Statement.title).where(Statement.key == key))
        s.execute(update(Statement).where(Statement.key == key).values(title=title + " Revised"))
    with engine_held():  # the old text is cached, the new one cannot be rendered: being prepared
        ready, pending = _cite(get_in_thread(client, statement))
        assert ready == [] and len(pending) == len(citations.STYLES)
    after, _ = _cite(client.get(statement))
    assert after != before and all("Revised" in t for t in after)


def test_the_cache_is_keyed_by_the_whole_item(monkeypatch):
    citation_texts.clear_cache()
    calls = []
    real = citeproc_js.render

    def counted(*a, **k):
        calls.append(a[0])
        return real(*a, **k)

    monkeypatch.setattr(citeproc_js, "render", counted)
    item = seed_items()[0]
    first = citations.render_texts(item, "APA")
    assert citations.render_texts(dict(item), "APA") == first and len(calls) == 1
    for changed in (
        item | {"title": item["title"] + " (corrected)"},
        item | {"URL": item["URL"] + "x"},
        item | {"accessed": {"date-parts": [[2031, 3, 4]]}},
        item | {"note": "Paragraph 2"},
    ):
        citations.render_texts(changed, "APA")  # another key: rendered, never the cached text
    assert len(calls) == 5
    assert citations.render_texts(item | {"title": "Other"}, "APA") != first
    citation_texts.clear_cache()


def test_hold_waits_only_as_long_as_asked():
    citeproc_js.warm_up(("apa",))
    with engine_held():
        with pytest.raises(citeproc_js.Busy):
            citeproc_js.render("apa", seed_items()[0], wait=0)
        with pytest.raises(citeproc_js.Busy):
            with citeproc_js.hold(wait=0.01):
                pass
    got = []
    with engine_held():
        waiter = threading.Thread(target=lambda: got.append(citeproc_js.render("apa", seed_items()[0])))
        waiter.start()  # wait=None: waits for the holder
        waiter.join(0.2)
        assert got == []
    waiter.join(SAFETY)
    assert len(got) == 1
    with citeproc_js.hold(wait=0) as engine:  # reentrant in the holding thread
        assert citeproc_js.render("apa", seed_items()[0], wait=0) == got[0]
        assert engine is citeproc_js._engine


def test_pages_do_not_wait_for_the_background_warm_up(monkeypatch):
    monkeypatch.setattr(citeproc_js, "ready", lambda styles=None: False)
    citeproc_js._warming.set()
    try:
        with pytest.raises(citeproc_js.Busy):
            citeproc_js.render("apa", seed_items()[0], wait=0)
    finally:
        citeproc_js._warming.clear()
    monkeypatch.undo()
    citeproc_js.warm_up_in_background(then=citation_store.prime).join(SAFETY)
    assert citeproc_js.ready() and not citeproc_js._warming.is_set()
    with engine_held():  # today's access-date probes are rendered: stored texts need no engine
        for label in citations.STYLES:
            assert citation_store.date_forms(
                label, citation_store.dt.datetime.now(citation_store.dt.UTC).date(), "", 0
            )
