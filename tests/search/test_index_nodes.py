"""One index built once, served by many: the first search after an index commit answers from
the new index; snapshots published to a directory (or served over HTTP) are installed by a
following node only when every checksum matches; /healthz, /metrics and the search results say
when the served index is behind the database; the access log is one JSON object per request."""

from __future__ import annotations

import functools
import http.server
import json
import logging
import threading

import pytest

from app.config import Settings
from app.db import open_database, session_scope
from app.outbox.sync import sync_index
from app.search.index import index_state, read_pointer
from app.search.publish import LATEST, MANIFEST, PublishError, follow_once, publish
from tests.web_support import load_sample, make_client


def _watermark(factory) -> dict:
    from app.outbox import watermark

    with factory() as session:
        return watermark(session)


@pytest.fixture
def node(tmp_path):
    """The ingest node: an archive of three sample pages with its index; yields (settings, factory)."""
    settings = Settings(data_dir=tmp_path / "ingest-node")
    engine, factory = open_database(settings)
    load_sample(factory, ["lavrov-news-conference.txt", "lavrov-interview.txt", "undated.txt"])
    sync_index(settings, factory)
    yield settings, factory
    engine.dispose()


def _follower(tmp_path, settings: Settings, name: str = "web-node") -> Settings:
    """A web node: a data dir of its own, the ingest node's database."""
    return Settings(data_dir=tmp_path / name, database_url=settings.db_url)


def _hits(client, q: str) -> int:
    r = client.get("/api/search", params={"q": q})
    assert r.status_code == 200, r.text
    return r.json()["total_paragraphs"]


def test_the_first_search_after_an_index_commit_answers_from_the_new_index(node):
    settings, factory = node
    with make_client(settings.data_dir, {"database_url": settings.db_url}) as client:
        assert _hits(client, "sanctions") == 0
        load_sample(factory, ["zakharova-briefing.txt"])
        sync_index(settings, factory)  # an ingest commits to the index
        assert _hits(client, "sanctions") > 0  # at once: no stale searcher for this worker's first search


def test_publish_then_follow_installs_a_checksummed_snapshot(node, tmp_path):
    settings, factory = node
    pub = tmp_path / "published"
    name = publish(settings, pub, _watermark(factory))
    latest = json.loads((pub / LATEST).read_text())
    assert latest["snapshot"] == name and (pub / name / MANIFEST).is_file()
    web = _follower(tmp_path, settings)
    done = follow_once(web, str(pub))
    assert done is not None and done.snapshot == name and index_state(web.index_dir) == "ok"
    assert read_pointer(web.index_dir)["snapshot"] == name
    assert follow_once(web, str(pub)) is None  # nothing new
    with make_client(web.data_dir, {"database_url": web.db_url}) as client:
        assert _hits(client, "Omsk") > 0
        health = client.get("/healthz").json()
        assert (
            health["status"] == "ok" and health["index"]["snapshot"] == name and not health["index"]["behind"]
        )

        # the ingest node loads a page: the web node's database has it, its index not yet
        client.app.state.archive.health.ttl = 0
        load_sample(factory, ["zakharova-briefing.txt"])
        sync_index(settings, factory)
        health = client.get("/healthz").json()
        assert (
            health["status"] == "behind" and health["index"]["behind"] and health["index"]["lag_seconds"] >= 0
        )
        r = client.get("/api/search", params={"q": "sanctions"})
        assert r.json()["total_paragraphs"] == 0 and r.headers["x-archive-index"].startswith("behind")
        page = client.get("/search", params={"q": "sanctions"})
        assert "The search index is catching up with the archive" in page.text

        second = publish(settings, pub, _watermark(factory))
        assert follow_once(web, str(pub)).snapshot == second
        assert _hits(client, "sanctions") > 0  # the next search opens the installed generation
        health = client.get("/healthz").json()
        assert health["status"] == "ok" and not health["index"]["behind"]
        assert "x-archive-index" not in client.get("/api/search", params={"q": "sanctions"}).headers


def test_a_corrupted_snapshot_is_not_installed(node, tmp_path):
    settings, factory = node
    pub = tmp_path / "published"
    name = publish(settings, pub, _watermark(factory))
    victim = max((p for p in (pub / name).iterdir() if p.name != MANIFEST), key=lambda p: p.stat().st_size)
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    web = _follower(tmp_path, settings)
    with pytest.raises(PublishError, match="does not match its checksum"):
        follow_once(web, str(pub))
    assert index_state(web.index_dir) == "missing"
    assert not [p for p in web.index_dir.iterdir() if p.name.startswith((".incoming", "gen-"))]


def test_follow_over_http(node, tmp_path):
    settings, factory = node
    pub = tmp_path / "published"
    name = publish(settings, pub, _watermark(factory))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(pub))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        web = _follower(tmp_path, settings)
        done = follow_once(web, f"http://127.0.0.1:{server.server_address[1]}/")
        assert done.snapshot == name and index_state(web.index_dir) == "ok"
    finally:
        server.shutdown()
        server.server_close()


def test_healthz_metrics_and_the_access_log(node):
    settings, factory = node
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logging.getLogger("app.access").addHandler(handler)
    try:
        with make_client(settings.data_dir, {"database_url": settings.db_url}) as client:
            client.app.state.archive.health.ttl = 0
            health = client.get("/healthz")
            assert health.status_code == 200 and health.json()["database"]["reachable"] is True
            assert health.json()["index"]["outbox"] == 0 and health.json()["index"]["generation"]
            assert client.get("/statements/no-such-key").status_code == 404
            with session_scope(factory) as session:  # a change queued for the index, not yet indexed
                from app.outbox import enqueue

                enqueue(session, ["some-statement"])
            queued = client.get("/healthz").json()
            assert queued["status"] == "behind" and queued["index"]["outbox"] == 1
            text = client.get("/metrics").text
    finally:
        logging.getLogger("app.access").removeHandler(handler)
    assert 'archive_http_requests_total{method="GET",route="/healthz",status="200"}' in text
    assert 'archive_http_requests_total{method="GET",route="/statements/{key}",status="404"}' in text
    assert 'archive_http_request_duration_seconds_bucket{le="0.005",route="/healthz"}' in text
    assert "archive_index_outbox 1.0" in text and "archive_index_behind 1.0" in text
    lines = [json.loads(r.getMessage()) for r in records]
    assert {"method", "path", "route", "status", "ms", "bytes"} <= set(lines[0])
    assert any(x["route"] == "/statements/{key}" and x["status"] == 404 for x in lines)


def test_healthz_when_the_database_is_unreachable(tmp_path):
    from tests.archive_procs import free_port

    url = f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none"
    client = make_client(tmp_path / "d", {"database_url": url, "db_connect_timeout": 2})
    r = client.get("/healthz")  # without the lifespan: the archive opens on first use, and fails
    assert r.status_code == 503 and r.json()["database"]["reachable"] is False
    assert "cannot reach the database server" in r.json()["database"]["error"]


def test_health_shows_a_newly_installed_snapshot_at_once_whatever_its_cache(node, tmp_path):
    """The health of a worker is cached between looks, but a new index generation (a
    follower's install) is seen by the next /healthz: never the snapshot just replaced."""
    settings, factory = node
    pub = tmp_path / "published"
    web = _follower(tmp_path, settings)
    first = publish(settings, pub, _watermark(factory))
    follow_once(web, str(pub))
    with make_client(web.data_dir, {"database_url": web.db_url}) as client:
        client.app.state.archive.health.ttl = float("inf")
        assert client.get("/healthz").json()["index"]["snapshot"] == first
        load_sample(factory, ["zakharova-briefing.txt"])
        sync_index(settings, factory)
        second = publish(settings, pub, _watermark(factory))
        assert follow_once(web, str(pub)).snapshot == second
        health = client.get("/healthz").json()
        assert health["index"]["snapshot"] == second and health["status"] == "ok", health
