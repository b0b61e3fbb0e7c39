"""Run the web app under uvicorn (one process, or a supervisor with N worker processes).

Start-up: `archive serve` has already migrated the database and brought the index up to
date, so workers open the archive without migrating (`create_worker_app`). With several
workers the supervisor imports the web app once and the workers are forked from it, so a
worker is ready in a fraction of a second instead of re-importing FastAPI, Jinja, Whoosh
and citeproc in a freshly spawned interpreter (uvicorn spawns by default)."""
from __future__ import annotations

import multiprocessing
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from uvicorn import _subprocess
from uvicorn.supervisors import Multiprocess

APP = "app.web.app:create_worker_app"


class _Config(uvicorn.Config):
    """uvicorn's shared listening socket for several workers is created without its protocol
    number, so asyncio does not set TCP_NODELAY on the connections it accepts, and every
    keep-alive response waits ~40 ms for the client's delayed ACK (Nagle). Re-open the socket
    from its descriptor: the protocol is then detected (TCP) and TCP_NODELAY applies."""

    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        return socket.socket(fileno=sock.detach())


def preload() -> None:
    """Import what every worker needs in the supervisor, before any database connection,
    searcher or thread exists, so forked workers share it."""
    from app.web.app import preload_worker_app  # FastAPI, Jinja, routes, Whoosh, citeproc

    preload_worker_app()


@contextmanager
def forked_workers() -> Iterator[None]:
    """Make uvicorn's Multiprocess fork its workers (Linux and macOS) instead of spawning them.
    uvicorn takes its process context from `uvicorn._subprocess.spawn` at each worker start."""
    if "fork" not in multiprocessing.get_all_start_methods():
        yield
        return
    saved = _subprocess.spawn
    _subprocess.spawn = multiprocessing.get_context("fork")
    try:
        yield
    finally:
        _subprocess.spawn = saved


def run(*, host: str, port: int, workers: int) -> None:
    config = _Config(APP, factory=True, host=host, port=port, workers=workers, proxy_headers=True,
                     server_header=False, log_level="info", access_log=False)  # app.web.ops logs each request (JSON)
    from app.web.citation_store import start_background_fill

    filler = start_background_fill()  # citation texts of new or changed statements, at low priority
    try:
        if workers > 1:
            preload()
            with forked_workers():
                Multiprocess(config, sockets=[config.bind_socket()]).run()
        else:
            uvicorn.Server(config).run()
    finally:
        if filler is not None and filler.poll() is None:
            filler.terminate()
            filler.wait(timeout=10)
