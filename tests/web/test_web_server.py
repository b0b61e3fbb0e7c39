"""The multi-worker listening socket keeps its TCP protocol number, so asyncio sets
TCP_NODELAY on accepted connections (without it, keep-alive responses waited ~40 ms)."""

from __future__ import annotations

import socket

from app.web.server import _Config


def test_shared_worker_socket_is_tcp_so_nodelay_applies():
    config = _Config("app.web.app:create_app", factory=True, host="127.0.0.1", port=0, workers=2)
    sock = config.bind_socket()
    try:
        assert sock.proto == socket.IPPROTO_TCP
        assert sock.get_inheritable()
    finally:
        sock.close()


def test_workers_are_forked_only_while_the_supervisor_runs():

    from uvicorn import _subprocess

    from app.web.server import forked_workers

    before = _subprocess.spawn
    with forked_workers():
        assert _subprocess.spawn.get_start_method() == "fork"
    assert _subprocess.spawn is before


def test_worker_app_does_not_migrate(data_dir, monkeypatch):
    """`archive serve` migrates once, before the workers start; a worker opens the database as it is."""
    from app import db
    from app.web.app import create_worker_app

    calls = []
    monkeypatch.setattr(db, "upgrade", lambda *a, **k: calls.append(a))
    app = create_worker_app()
    assert app.state.archive.migrate is False
    app.state.archive.open()
    app.state.archive.close()
    assert calls == []


def test_the_supervisor_builds_the_workers_app_without_opening_the_archive(data_dir, monkeypatch):
    """Forked workers share the app the supervisor built (routes, compiled templates); each
    opens the archive itself, so nothing may be open in the supervisor."""
    from app.web import app as web_app

    monkeypatch.setattr(web_app, "_preloaded", None)
    web_app.preload_worker_app()
    app = web_app.create_worker_app()
    assert app is web_app._preloaded and web_app.create_worker_app() is app
    assert app.state.archive._factory is None and app.state.archive.migrate is False
    compiled = {key[1] for key in app.state.env.cache.keys()}
    assert {"home.html", "base.html", "_paragraph.html"} <= compiled
    assert not (data_dir / "archive.sqlite3").exists()
