"""A server that cannot be wedged (issue 11), against a real `archive serve` on 127.0.0.1:
idle and slow (slowloris) sockets are closed after the read timeout, a burst beyond the
admission limit gets fast 503s with Retry-After (never a 500), a plain request succeeds at
once after the load stops, and a worker that stops answering is replaced by the supervisor.
The 1,000-socket + 200-client soak is marked slow (`make soak`)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from app.web.limits import AdmissionMiddleware, Health
from tests.archive_procs import ROOT, kill, run, start, wait_for

SEEDS = ROOT / "seeds"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def raise_nofile() -> None:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < min(hard, 8192):
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))


class Serve:
    """`archive serve` in its own process group; stop() kills it and everything it started."""

    def __init__(self, data: Path, cwd: Path, *, workers: int = 1, **env: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = cwd / f"serve-{self.port}.log"
        self.proc = start(
            data, "serve", "--port", str(self.port), "--workers", str(workers), cwd=cwd, log=self.log, **env
        )
        try:
            wait_for(self.ready, timeout=90, interval=0.2, what="the server to answer")
        except BaseException:
            self.stop()
            raise

    def ready(self) -> bool:
        assert self.proc.poll() is None, self.log.read_text()
        try:
            return httpx.get(f"{self.url}/api", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    def workers(self) -> list[int]:
        """Pids of the supervisor's forked workers (children running the same command line)."""
        me = Path(f"/proc/{self.proc.pid}")
        mine = (me / "cmdline").read_bytes()
        kids = []
        for task in (me / "task").iterdir():
            for pid in (task / "children").read_text().split():
                try:
                    if Path(f"/proc/{pid}/cmdline").read_bytes() == mine:
                        kids.append(int(pid))
                except OSError:
                    pass
        return kids

    def stop(self) -> str:
        kill(self.proc)
        return self.log.read_text()


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("overload")
    data = base / "data"
    done = run(data, "ingest", str(SEEDS), cwd=base)
    assert done.returncode == 0, done.stderr
    return base, data


# --- admission control, in process ------------------------------------------------------------


def _gated_app(gates: dict[str, asyncio.Event], started: list[str]):
    """An app whose request for /<name> starts, then answers once gates[name] is set."""

    async def app(scope, receive, send):
        name = scope["path"].strip("/")
        started.append(name)
        await gates[name].wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": name.encode()})

    return app


async def _one_running_one_waiting(*, queued: int, queue_wait: float):
    """A one-slot middleware with /a running and /b waiting in line: (gates, health, mw, a, b)."""
    gates = {"a": asyncio.Event(), "b": asyncio.Event()}
    health = Health()
    mw = AdmissionMiddleware(
        _gated_app(gates, []), limit=1, queued=queued, queue_wait=queue_wait, health=health
    )
    first = asyncio.create_task(_call(mw, "/a"))
    await asyncio.sleep(0)
    waiting = asyncio.create_task(_call(mw, "/b"))
    await asyncio.sleep(0.01)
    return gates, health, mw, first, waiting


async def _call(mw, path: str) -> list[dict]:
    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    await mw({"type": "http", "path": path, "method": "GET"}, None, send)
    return sent


def test_admission_refuses_beyond_the_limit_at_once_and_counts_back_down():
    started, release = asyncio.Event(), asyncio.Event()

    async def slow_app(scope, receive, send):
        started.set()
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    health = Health()
    mw = AdmissionMiddleware(slow_app, limit=1, health=health)

    async def main():
        first = asyncio.create_task(_call(mw, "/search"))
        await started.wait()
        refused = await asyncio.wait_for(_call(mw, "/api/search"), 1)
        release.set()
        done = await first
        again = await _call(mw, "/")  # the slot is free again
        return refused, done, again

    release_after = asyncio.run(main())
    refused, done, again = release_after
    assert refused[0]["status"] == 503
    headers = dict(refused[0]["headers"])
    assert headers[b"retry-after"] == b"1" and headers[b"content-type"] == b"application/json"
    assert b"busy" in refused[1]["body"]
    assert done[0]["status"] == 200 and again[0]["status"] == 200
    assert health.active == 0


def test_a_request_beyond_the_limit_waits_in_line_and_its_connection_is_closed_after():
    names = ["a", "b", "c"]

    async def main():
        gates = {n: asyncio.Event() for n in names}
        started: list[str] = []
        health = Health()
        mw = AdmissionMiddleware(_gated_app(gates, started), limit=1, queued=2, queue_wait=30, health=health)
        calls = {}
        for n in names:
            calls[n] = asyncio.create_task(_call(mw, f"/{n}"))
            await asyncio.sleep(0)
        await asyncio.sleep(0.01)
        assert started == ["a"] and health.active == 1 and health.queued == 2
        gates["c"].set()
        gates["a"].set()  # a leaves: b (first in line) gets its slot, not c
        await calls["a"]
        await asyncio.sleep(0.01)
        assert started == ["a", "b"]
        gates["b"].set()
        done = {n: await calls[n] for n in names}
        return done, started, health

    done, started, health = asyncio.run(main())
    assert started == ["a", "b", "c"]
    assert all(done[n][0]["status"] == 200 for n in names)
    assert (b"connection", b"close") not in done["a"][0]["headers"]  # it did not wait
    assert (b"connection", b"close") in done["b"][0]["headers"]  # waited: reconnect, maybe elsewhere
    assert health.active == 0 and health.queued == 0 and health.refused == 0


def test_a_full_line_is_refused_at_once_and_a_wait_that_runs_out_is_refused():
    async def main():
        gates, health, mw, first, waiting = await _one_running_one_waiting(queued=1, queue_wait=0.2)
        full = await asyncio.wait_for(_call(mw, "/api/c"), 0.1)  # the line is full: at once
        ran_out = await asyncio.wait_for(waiting, 5)  # a is still running after 0.2 s
        gates["a"].set()
        await first
        gates["b"].set()
        again = await _call(mw, "/b")
        return full, ran_out, again, health

    full, ran_out, again, health = asyncio.run(main())
    for refused in (full, ran_out):
        headers = dict(refused[0]["headers"])
        assert refused[0]["status"] == 503 and headers[b"retry-after"] == b"1"
        assert headers[b"connection"] == b"close"
    assert dict(full[0]["headers"])[b"content-type"] == b"application/json"
    assert again[0]["status"] == 200
    assert health.active == 0 and health.queued == 0 and health.refused == 2


def test_a_waiting_request_cancelled_leaves_no_slot_taken():
    async def main():
        gates, health, mw, first, waiting = await _one_running_one_waiting(queued=4, queue_wait=30)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        gates["a"].set()
        await first
        return health

    health = asyncio.run(main())
    assert health.active == 0 and health.queued == 0


def test_health_fails_when_the_loop_stops_beating_or_requests_stop_finishing():
    h = Health()
    assert h.ok()  # not started yet: the worker is starting up
    now, cpu = time.monotonic(), time.process_time()
    h.beat, h.beat_cpu = now, cpu
    assert h.ok(now + 1, cpu + 0.5)
    assert not h.ok(now + 61, cpu)  # the event loop has not run for a minute
    h.beat, h.active, h.finished = now, 3, now - 500
    assert not h.ok(now, cpu)  # requests in flight, none finished for minutes
    h.active = 0
    assert h.ok(now, cpu)


def test_a_starved_worker_is_not_taken_for_a_stalled_one():
    """On an overloaded machine a worker's loop may wait many seconds for a core without doing
    anything wrong: only a loop that stays silent while the worker burns CPU (or for a minute)
    is stalled."""
    h = Health()
    now, cpu = time.monotonic(), time.process_time()
    h.beat, h.beat_cpu = now, cpu
    assert h.ok(now + 30, cpu + 1)  # 30 s without a beat, hardly any CPU: waiting for a core
    assert not h.ok(now + 12, cpu + 11)  # 11 s of CPU with no beat: the loop is blocked by work
    h.beats()
    assert h.beat >= now and h.beat_cpu >= cpu and h.ok()


def test_pool_threads_and_admission_are_sized_together(settings):
    from app.web.limits import Limits

    limits = Limits.from_settings(settings)
    assert limits.threads > limits.max_requests  # an admitted request never waits for a thread
    assert limits.pool_size > limits.max_requests  # ... nor for a connection
    assert limits.engine_options(settings.db_url) == {
        "pool_size": limits.pool_size,
        "max_overflow": 0,
        "pool_timeout": settings.db_wait,
    }


# --- a real server ---------------------------------------------------------------------------------


def _slowloris(port: int, n: int) -> list[socket.socket]:
    socks = []
    for i in range(n):
        s = socket.create_connection(("127.0.0.1", port))
        if i % 2:
            s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # headers never finished
        socks.append(s)
    return socks


def _closed(s: socket.socket) -> bool:
    s.settimeout(0.1)
    try:
        return s.recv(1) == b""
    except TimeoutError:
        return False
    except OSError:
        return True


async def _burst(url: str, paths: list[str], n: int) -> tuple[Counter, float]:
    """n requests at once; statuses and the slowest 503."""
    statuses: Counter = Counter()
    slowest_503 = 0.0
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:

        async def one(i: int) -> None:
            nonlocal slowest_503
            t = time.perf_counter()
            try:
                r = await client.get(paths[i % len(paths)])
                statuses[r.status_code] += 1
                if r.status_code == 503:
                    assert r.headers["retry-after"] == "1"
                    slowest_503 = max(slowest_503, time.perf_counter() - t)
            except httpx.HTTPError as e:
                statuses[type(e).__name__] += 1

        await asyncio.gather(*(one(i) for i in range(n)))
    return statuses, slowest_503


@pytest.mark.slow  # a real multi-worker server: make soak
def test_idle_and_slow_sockets_are_closed_and_a_burst_gets_only_fast_503s(archive):
    raise_nofile()
    base, data = archive
    server = Serve(data, base, ARCHIVE_MAX_REQUESTS="4", ARCHIVE_READ_TIMEOUT="3")
    try:
        idle = _slowloris(server.port, 40)
        # the idle and half-sent sockets do not stop the server answering meanwhile
        assert httpx.get(f"{server.url}/api", timeout=5).status_code == 200
        wait_for(
            lambda: all(_closed(s) for s in idle),
            timeout=20,
            interval=0.2,
            what="the idle sockets to be closed after the read timeout",
        )
        for s in idle:
            s.close()
        keys = [s["key"] for s in httpx.get(f"{server.url}/api/statements", timeout=10).json()["results"]]
        paths = ["/", "/search?q=sanctions", "/api/search?q=cooperation"] + [f"/statements/{k}" for k in keys]
        statuses, slowest_503 = asyncio.run(_burst(server.url, paths, 120))
        assert set(statuses) <= {200, 503}, statuses
        assert statuses[200] >= 4
        assert slowest_503 < 30  # (fast in practice; timed in benchmarks/overload.py, not here)
        t = time.perf_counter()
        assert httpx.get(f"{server.url}/search?q=sanctions", timeout=5).status_code == 200
        assert time.perf_counter() - t < 5
    finally:
        log = server.stop()
    assert "Traceback" not in log, log[-3000:]


@pytest.mark.slow  # a real multi-worker server: make soak
def test_a_worker_that_stops_answering_is_replaced(archive):
    base, data = archive
    server = Serve(data, base)
    try:
        (worker,) = server.workers()
        os.kill(worker, signal.SIGSTOP)  # neither its event loop nor its ping thread runs now
        wait_for(
            lambda: server.workers() and server.workers() != [worker],
            timeout=60,
            interval=0.5,
            what="the supervisor to replace the stopped worker",
        )
        wait_for(server.ready, timeout=30, interval=0.2, what="the new worker to answer")
    finally:
        server.stop()


# --- the soak (make soak) ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def archive_13k(tmp_path_factory) -> tuple[Path, Path]:
    from tests.archive_procs import write_pages

    base = tmp_path_factory.mktemp("overload13k")
    (base / "corpus").mkdir()
    write_pages(base / "corpus", 13_000, seed=1)
    data = base / "data"
    done = run(data, "ingest", "corpus", cwd=base, timeout=3600)
    assert done.returncode == 0, done.stderr[-2000:]
    return base, data


@pytest.mark.slow
def test_1000_idle_sockets_then_200_clients_for_30_s_only_fast_503s_and_recovery_within_1_s(archive_13k):
    from benchmarks.overload import overload, targets

    raise_nofile()
    base, data = archive_13k
    server = Serve(data, base)
    try:
        got = asyncio.run(overload(server.url, server.port, 1000, 200, 30, targets(server.url)))
    finally:
        log = server.stop()
    print(got)
    statuses = got["statuses"]
    retried = statuses.pop("keepalive_retry", 0)  # the keep-alive race, retried once (benchmarks/overload.py)
    assert retried <= max(5, sum(statuses.values()) // 100), got
    assert set(statuses) <= {"200", "503"}, statuses
    assert statuses.get("200", 0) > 100
    if got["refused_503"]["n"]:
        assert got["refused_503"]["p99_ms"] < 5000, got["refused_503"]  # refusals do not queue behind work
    assert got["recovery_s"] is not None and got["recovery_s"] < 1.0, got
    assert "Traceback" not in log, log[-3000:]


@pytest.mark.slow
def test_every_query_of_death_answers_within_its_deadline_at_13k(archive_13k):
    """In process, one query at a time: the index part is bounded by the deadline (refused
    queries in milliseconds); the whole search, database and snippets included, well under 2 s."""
    import random

    from app.config import Settings
    from app.db import open_database
    from app.search import IndexView, QueryError
    from app.search import search_json as search
    from benchmarks.attacks import SHAPES, random_query

    _base, data = archive_13k
    settings = Settings(data_dir=data)
    engine, factory = open_database(settings, migrate=False)
    view = IndexView.open(settings.index_dir)
    view.warm()
    rng = random.Random(7)
    queries = list(SHAPES.values()) + [random_query(rng) for _ in range(100)]
    slowest = 0.0
    try:
        with factory() as session:
            for q in queries:
                t = time.perf_counter()
                try:
                    search(view, q, session=session)
                except QueryError as e:
                    assert e.message
                slowest = max(slowest, time.perf_counter() - t)
    finally:
        view.close()
        engine.dispose()
    assert slowest < 2.0, slowest


def test_a_request_that_cannot_get_a_connection_in_time_gets_503(seeded_archive):
    """Every pooled connection taken (a leak, say): the next page is a 503 with Retry-After
    after ARCHIVE_DB_WAIT seconds, not a 30 s wait or a 500."""
    from tests.web_support import make_client

    data = seeded_archive
    with make_client(data, settings={"max_requests": 1, "db_wait": 0.2}) as client:
        engine = client.app.state.archive.engine
        held = [engine.connect() for _ in range(engine.pool.size())]
        try:
            t = time.perf_counter()
            r = client.get("/statements")
            assert r.status_code == 503 and r.headers["retry-after"] == "1"
            assert time.perf_counter() - t < 10
        finally:
            for conn in held:
                conn.close()
        assert client.get("/statements").status_code == 200


# --- Connection: close, as uvicorn carries it out -------------------------------------------------


async def _exchange(port: int, path: str, go: asyncio.Event) -> tuple[int, dict[str, str], str]:
    """One kept-alive HTTP/1.1 request on a raw socket opened before `go`: (status, headers,
    what the server did next: "closed" when it closed the connection, "kept" when a second
    request on it was answered)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
    try:
        await go.wait()
        writer.write(request)
        status, headers = await _response(reader)
        writer.write(request)  # the connection kept: answered; closed: nothing more comes
        try:
            await asyncio.wait_for(_response(reader), 10)
            after = "kept"
        except (asyncio.IncompleteReadError, ConnectionError):
            after = "closed"
        return status, headers, after
    finally:
        writer.close()


async def _response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in head[1:] if ": " in line)
    headers = {k.lower(): v for k, v in headers.items()}
    await reader.readexactly(int(headers.get("content-length", "0")))
    return int(head[0].split()[1]), headers


def test_a_refused_or_waited_response_really_closes_its_connection_on_a_real_server(archive):
    """The admission middleware asks for `Connection: close` on every refusal and on every
    response that waited in line; uvicorn must carry it out (close the socket after the
    response), and keep every other connection alive."""
    base, data = archive
    server = Serve(data, base, ARCHIVE_MAX_REQUESTS="1", ARCHIVE_MAX_QUEUED="2", ARCHIVE_QUEUE_WAIT="20")

    async def burst(n: int):
        go = asyncio.Event()
        tasks = [asyncio.create_task(_exchange(server.port, "/search?q=cooperation", go)) for _ in range(n)]
        await asyncio.sleep(0.5)  # every socket connected
        go.set()
        return await asyncio.gather(*tasks)

    try:
        got = asyncio.run(burst(20))
    finally:
        log = server.stop()
    statuses = Counter(status for status, _h, _a in got)
    assert set(statuses) <= {200, 503} and statuses[503] >= 1 and statuses[200] >= 1, statuses
    for status, headers, after in got:
        closing = headers.get("connection", "").lower() == "close"
        assert closing or status == 200, headers  # every refusal closes
        assert after == ("closed" if closing else "kept"), (status, headers, after)
    assert "Traceback" not in log, log[-3000:]
