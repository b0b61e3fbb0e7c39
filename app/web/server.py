"""Run the web app under uvicorn (one process, or a supervisor with N worker processes).

Start-up: `archive serve` has already migrated the database and brought the index up to
date, so workers open the archive without migrating (`create_worker_app`). With several
workers the supervisor imports the web app once and the workers are forked from it, so a
worker is ready in a fraction of a second instead of re-importing FastAPI, Jinja, Whoosh
and citeproc in a freshly spawned interpreter (uvicorn spawns by default)."""

from __future__ import annotations

import multiprocessing
import resource
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import h11
import uvicorn
from uvicorn import _subprocess
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.supervisors import multiprocess
from uvicorn.supervisors.multiprocess import Multiprocess

from app.web.limits import PING_WAIT

APP = "app.web.app:create_worker_app"


class _Config(uvicorn.Config):
    """uvicorn's shared listening socket for several workers is created without its protocol
    number, so asyncio does not set TCP_NODELAY on the connections it accepts, and every
    keep-alive response waits ~40 ms for the client's delayed ACK (Nagle). Re-open the socket
    from its descriptor: the protocol is then detected (TCP) and TCP_NODELAY applies."""

    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        return socket.socket(fileno=sock.detach())


class TimedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for reading each request: a client has
    `read_timeout` seconds from connecting (or from the end of the previous response) to send
    the whole request, headers and body, or the connection is closed. uvicorn's keep-alive
    timeout is reset by every byte, so a client sending one byte every few seconds (slowloris)
    or opening a connection and sending nothing would otherwise hold it for ever."""

    read_timeout = 10.0

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._read_deadline = None
        self._arm()

    def _arm(self) -> None:
        self._disarm()
        self._read_deadline = self.loop.call_later(self.read_timeout, self._read_timed_out)

    def _disarm(self) -> None:
        handle = getattr(self, "_read_deadline", None)
        if handle is not None:
            handle.cancel()
            self._read_deadline = None

    def handle_events(self) -> None:
        super().handle_events()
        if self.conn.their_state in (h11.DONE, h11.MUST_CLOSE, h11.CLOSED, h11.ERROR):
            self._disarm()  # the whole request is in: the app has it

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()  # the next request on this keep-alive connection

    def connection_lost(self, exc) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _read_timed_out(self) -> None:
        self._read_deadline = None
        if self.conn.their_state in (h11.DONE, h11.MUST_CLOSE, h11.CLOSED):
            return  # request received meanwhile: the app is answering it
        if not self.transport.is_closing():
            if self.cycle is not None and not self.cycle.response_complete:
                self.cycle.disconnected = True  # a body that never finished: the app stops waiting
            self.transport.close()


class WatchedProcess(multiprocess.Process):
    """A worker that stops answering the supervisor's ping when its event loop has not run for
    a while or its requests stopped finishing (app.web.limits.Health): uvicorn's supervisor
    then kills it and starts another. (The ping is answered by a thread of the worker, which
    a wedged event loop or thread pool would not stop on its own.)"""

    def pong(self) -> None:
        from app.web.limits import HEALTH

        self.child_conn.recv()
        if HEALTH.ok():
            self.child_conn.send(self.server.started)
        # else: no answer; the supervisor's ping times out, and the worker is replaced


@contextmanager
def watched_workers() -> Iterator[None]:
    saved = multiprocess.Process
    multiprocess.Process = WatchedProcess
    try:
        yield
    finally:
        multiprocess.Process = saved


def raise_open_files_limit() -> int:
    """Soft limit of open files up to the hard limit: 1,000 idle clients must not make the
    server fail to accept (EMFILE)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if soft < want:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
            soft = want
        except (ValueError, OSError):
            pass
    return soft


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


def server_config(*, host: str, port: int, workers: int, settings=None) -> _Config:
    from app.config import get_settings

    settings = settings or get_settings()
    protocol = type("ArchiveH11Protocol", (TimedH11Protocol,), {"read_timeout": settings.read_timeout})
    return _Config(
        APP,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        server_header=False,
        log_level="info",
        http=protocol,
        timeout_keep_alive=max(1, round(settings.keepalive_timeout)),
        timeout_worker_healthcheck=PING_WAIT,
        backlog=4096,
        access_log=False,
    )  # app.web.ops logs each request (JSON)


def run(*, host: str, port: int, workers: int) -> None:
    """The supervisor and its forked workers (one or more): uvicorn restarts a worker that
    dies, and WatchedProcess makes a worker that stops answering die."""
    config = server_config(host=host, port=port, workers=workers)
    raise_open_files_limit()
    from app.citations.store import start_background_fill

    filler = start_background_fill()  # citation texts of new or changed statements, at low priority
    try:
        preload()
        with forked_workers(), watched_workers():
            Multiprocess(config, sockets=[config.bind_socket()]).run()
    finally:
        if filler is not None and filler.poll() is None:
            filler.terminate()
            filler.wait(timeout=10)
