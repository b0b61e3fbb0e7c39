"""`archive serve`: the web pages and the JSON API (uvicorn), after the index is brought up to
date (or, on a node that follows published snapshots, the latest snapshot installed)."""

from __future__ import annotations

import ipaddress
import os
import subprocess
import sys
import time

import typer

from app.cli.common import err, fail, note, open_archive, out
from app.cli.indexing import sync_index
from app.config import Settings, get_settings


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port."),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="Worker processes."),
) -> None:
    """Serve the web pages and the JSON API (uvicorn)."""
    from app.db import shown_url

    settings = get_settings()
    if not _loopback(host) and not (settings.public_url or settings.allowed_hosts):
        fail(
            f"refusing to serve on {host}: citation and feed URLs would come from the Host header clients "
            "send. Set ARCHIVE_PUBLIC_URL (e.g. https://archive.example.org) or ARCHIVE_ALLOWED_HOSTS "
            "(the host names this server answers to), or serve on 127.0.0.1 behind a proxy that sets them.",
            2,
        )
    engine, factory = open_archive(
        settings
    )  # migrations applied once; a clear error if the archive cannot be opened
    if settings.index_follow:
        _first_snapshot(settings)  # a node that follows published snapshots builds no index itself
    else:
        _index_before_serving(settings, factory)
    engine.dispose()
    out.print(
        f"serving {shown_url(settings.db_url)} at http://{host}:{port}/ ({workers} worker{'s' if workers > 1 else ''})"
    )
    _run(settings, host, port, workers)


def _index_before_serving(settings: Settings, factory) -> None:
    """A missing or outdated search index is rebuilt before serving; a full disk leaves the
    queue queued and serves the index as it is."""
    from app.storage import disk_full

    try:
        sync_index(settings, factory)
    except Exception as e:
        if not disk_full(e):
            raise
        note(
            "the disk is full: indexing is pending (the statements queued stay queued); "
            "serving the search index as it is"
        )


def _run(settings: Settings, host: str, port: int, workers: int) -> None:
    """uvicorn until stopped, with a snapshot follower beside it when this node follows one."""
    import shutil
    import tempfile

    from app.web.server import run

    follower = _start_index_follower(settings) if settings.index_follow else None
    metrics_dir = None
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # /metrics adds up all workers
        metrics_dir = tempfile.mkdtemp(prefix="archive-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    try:
        run(host=host, port=port, workers=workers)
    finally:
        if metrics_dir:  # the variable goes with its directory (an in-process caller lives on)
            os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
            shutil.rmtree(metrics_dir, ignore_errors=True)
        if follower is not None and follower.poll() is None:
            follower.terminate()
            follower.wait(timeout=10)


def _first_snapshot(settings: Settings, wait: float = 60.0) -> None:
    """Install the latest published snapshot before serving (waiting for a first one while this
    node has no index); a node with an index serves it and catches up in the background."""
    from app.search import index_state
    from app.search.publish import PublishError, follow_once

    deadline = time.monotonic() + wait
    while True:
        try:
            done = follow_once(settings, settings.index_follow)
            if done:
                out.print(f"search index: installed {done.snapshot}")
            return
        except PublishError as e:
            if index_state(settings.index_dir) == "ok" or time.monotonic() > deadline:
                err.print(
                    f"note: {e}; serving the index this node has"
                    if index_state(settings.index_dir) == "ok"
                    else f"error: {e}; searches answer 503 until a snapshot is installed",
                    markup=False,
                    highlight=False,
                    soft_wrap=True,
                )
                return
            time.sleep(1.0)


def _start_index_follower(settings: Settings):
    """`archive index follow` beside the server (same environment), stopped with it."""
    return subprocess.Popen([sys.executable, "-m", "app", "index", "follow", "--from", settings.index_follow])


def _loopback(host: str) -> bool:
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
