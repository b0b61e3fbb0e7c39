"""The index built while an ingest loads (app.outbox.follower: IndexFollower, follow_queue): pages
that arrive during the run, a statement queued again after it was indexed (a teaser, then its
full text), a re-scrape in update mode; the result agrees with the database and with a rebuild."""

from __future__ import annotations

import shutil

import pytest

from app.ingest.run import ingest_paths
from app.outbox import queue as index_queue
from app.outbox.follower import IndexFollower, follow_queue
from app.outbox.sync import reindex
from app.search import check_index, search_archive
from app.search.index import index_state
from tests.conftest import SEEDS

TEASER_PAGE = "001_e008f88601b054ee.txt"
QUERIES = ["sanctions", "russia", '"international law"', "question", "cooperation OR security"]


def _totals(settings, factory):
    out = {}
    for q in QUERIES:
        r = search_archive(settings, factory, q)
        out[q] = (r["total_statements"], r["total_paragraphs"])
    return out


def _scripted_follow(settings, factory, steps):
    """follow_queue with the loader's work done between its looks at the queue."""
    state = {"finished": False, "round": 0}

    def alive():
        i = state["round"]
        state["round"] += 1
        if i < len(steps):
            steps[i]()
        else:
            state["finished"] = True
        return True

    run, upto = follow_queue(settings, factory, finished=lambda: state["finished"], alive=alive, poll=0)
    index_queue.clear(factory, upto)
    return run


def test_follow_queue_indexes_pages_loading_meanwhile_and_redoes_what_changed(
    settings, factory, tmp_path, monkeypatch
):
    from whoosh.index import FileIndex

    writers = []
    stock_writer = FileIndex.writer
    monkeypatch.setattr(
        FileIndex, "writer", lambda self, **kw: writers.append(kw) or stock_writer(self, **kw)
    )
    teaser, rest = tmp_path / "teaser", tmp_path / "rest"
    teaser.mkdir(), rest.mkdir()
    for f in sorted(SEEDS.glob("*.txt")):
        shutil.copy(f, (teaser if f.name == TEASER_PAGE else rest) / f.name)

    def load(d):
        return lambda: ingest_paths(factory, [str(d)], max_bytes=settings.max_page_bytes, workers=1)

    assert index_state(settings.index_dir) == "missing"
    run = _scripted_follow(settings, factory, [lambda: None, load(teaser), load(rest)])
    assert run.rebuilt and run.documents > 0
    assert len(writers) == 2  # the build, then the statement first indexed as a teaser, again
    assert not index_queue.has_pending(factory)
    assert check_index(settings, factory).ok
    followed = _totals(settings, factory)
    assert any(p for _s, p in followed.values())

    # a re-scrape while an index exists: update mode, a page edited and a statement re-queued
    page = rest / sorted(p.name for p in rest.iterdir())[0]
    page.write_text(page.read_text("utf-8").replace("the", "THE the", 3) + "\n", "utf-8")
    run = _scripted_follow(
        settings,
        factory,
        [
            load(rest),
            lambda: ingest_paths(
                factory, [str(rest)], max_bytes=settings.max_page_bytes, workers=1, force=True
            ),
        ],
    )
    assert not run.rebuilt
    assert check_index(settings, factory).ok
    updated = _totals(settings, factory)

    reindex(settings, factory)
    assert check_index(settings, factory).ok
    assert _totals(settings, factory) == updated


@pytest.mark.slow  # a real follower process beside the ingest: make soak
def test_follower_process_end_to_end_and_abort(settings, factory):
    follower = IndexFollower(settings).start()
    ingest_paths(factory, [str(SEEDS)], max_bytes=settings.max_page_bytes, workers=1)
    run, problem = follower.finish()
    assert problem is None and run.rebuilt
    assert check_index(settings, factory).ok and not index_queue.has_pending(factory)

    before = sorted(p.name for p in settings.index_dir.iterdir())
    follower = IndexFollower(settings).start()
    ingest_paths(factory, [str(SEEDS)], max_bytes=settings.max_page_bytes, workers=1, force=True)
    follower.abort()  # nothing committed, nothing left behind
    assert sorted(p.name for p in settings.index_dir.iterdir()) == before
    assert check_index(settings, factory).ok or index_queue.has_pending(factory)
