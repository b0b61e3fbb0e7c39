"""Admission control of a server worker: how many requests it runs at once, the threads and
database connections they may use, and its health for the supervisor's watchdog.

The three sizes are set together so that a request admitted never waits on another one:

- at most `max_requests` requests run at once in a worker; up to `max_queued` more wait
  for a slot, in the order they came, for at most `queue_wait` seconds (holding no thread,
  no database connection, no template); a request beyond that, or one whose wait ran out,
  is answered 503 with `Retry-After` (no thread, no connection either);
- a request uses at most one AnyIO thread at a time (its dependencies, then its endpoint,
  then a streamed body's chunks), so the thread pool has `max_requests + THREAD_MARGIN`
  threads: an admitted request never waits for a thread;
- a request holds at most one pooled database connection at a time, taken in the thread of
  its endpoint and given back when the endpoint returns (not when the client has read the
  response), so the pool has `max_requests + POOL_MARGIN` connections, and a request that
  still cannot get one within `db_wait` seconds (a leak, a locked database) gets 503.

The queue is there because the workers do not share the load evenly: each accepts what
connections it can from the shared socket (asyncio takes a whole burst at one wake-up),
and keep-alive clients stay where they landed, so one worker can hold 12 busy connections
while another holds none. Refusing at once beyond `max_requests` then turns a passing
imbalance into errors on a machine with slots free. A response to a request that had to
wait, and every refusal, closes its connection (`Connection: close`): the client's next
request opens a new one, which any worker may accept, so connections drift off a worker
that is over-subscribed.

(The wedge this replaces: the session dependency took a pooled connection in one thread and
the endpoint then waited for a second thread; with 40 threads and 15 connections, 40
requests in their dependencies waited for a connection held by requests waiting for a
thread, for the pool's 30 s timeout, again and again.)"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

THREAD_MARGIN = 4  # threads beyond max_requests: the searcher warm-up, background work
POOL_MARGIN = 4  # connections beyond max_requests: the citation filler's reads, start-up
RETRY_AFTER = "1"  # seconds a refused client is asked to wait
HEARTBEAT = 0.5  # seconds between two beats of a worker's event loop
# A worker stops answering pings when its event loop has not beaten while the worker itself
# burned STALLED_CPU seconds of CPU (a loop blocked by work of its own), or for STALLED_WALL
# seconds whatever it did (a loop blocked on a lock or I/O). A loop that is only waiting for
# a core on an overloaded machine uses no CPU, so it is not taken for stalled until much later.
STALLED_CPU = 10.0
STALLED_WALL = 60.0
STUCK_AFTER = 120.0  # ... and so does one in which requests run but none finished for this long
PING_WAIT = 30  # seconds the supervisor waits for a pong (the pong thread too may wait for a core)


@dataclass(frozen=True)
class Limits:
    max_requests: int = 8
    db_wait: float = 2.0
    max_queued: int = 8
    queue_wait: float = 2.0

    @property
    def threads(self) -> int:
        return self.max_requests + THREAD_MARGIN

    @property
    def pool_size(self) -> int:
        return self.max_requests + POOL_MARGIN

    def engine_options(self, db_url: str) -> dict:
        """create_engine() pool options (a fixed-size pool: no overflow to wait past)."""
        if db_url.startswith("sqlite") and (
            ":memory:" in db_url or db_url.rstrip("/") in ("sqlite:", "sqlite")
        ):
            return {}  # one shared in-memory connection: not pooled
        return {"pool_size": self.pool_size, "max_overflow": 0, "pool_timeout": self.db_wait}

    @classmethod
    def from_settings(cls, settings) -> Limits:
        return cls(
            max_requests=max(1, settings.max_requests),
            db_wait=max(0.1, settings.db_wait),
            max_queued=max(0, settings.max_queued),
            queue_wait=max(0.0, settings.queue_wait),
        )


class Health:
    """What the supervisor's ping asks a worker (app.web.server): is its event loop beating,
    and are its requests finishing? One per worker process (module state after the fork)."""

    def __init__(self) -> None:
        self.beat: float | None = None  # None until the worker's lifespan started the heart
        self.beat_cpu = 0.0  # the process's CPU time (all threads) at the last beat
        self.active = 0  # requests running
        self.queued = 0  # requests waiting for a slot
        self.refused = 0  # requests answered 503 by admission control, since the worker started
        self.finished = time.monotonic()

    def ok(self, now: float | None = None, cpu: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        cpu = time.process_time() if cpu is None else cpu
        if self.beat is None:
            return True
        if now - self.beat > STALLED_WALL or cpu - self.beat_cpu > STALLED_CPU:
            return False
        return not (self.active and now - self.finished > STUCK_AFTER)

    def beats(self) -> None:
        self.beat, self.beat_cpu = time.monotonic(), time.process_time()

    async def heart(self) -> None:
        while True:
            self.beats()
            await asyncio.sleep(HEARTBEAT)


HEALTH = Health()


def set_thread_limit(threads: int) -> None:
    """Size AnyIO's default thread limiter (sync endpoints, dependencies, StreamingResponse
    iterators, StaticFiles); call from within the event loop."""
    import anyio.to_thread

    anyio.to_thread.current_default_thread_limiter().total_tokens = threads


@contextlib.asynccontextmanager
async def heartbeat():
    """The worker's heart (while the app's lifespan runs)."""
    task = asyncio.get_running_loop().create_task(HEALTH.heart())
    try:
        yield
    finally:
        task.cancel()
        HEALTH.beat = None


def _refusal(path: str) -> tuple[bytes, bytes]:
    if path.startswith("/api/") or path.endswith(".json"):
        return b"application/json", b'{"error": "the server is busy; retry in a second"}'
    return b"text/plain; charset=utf-8", b"503 Service Unavailable: the server is busy; retry in a second.\n"


class AdmissionMiddleware:
    """At most `limit` requests at once in this worker; up to `queued` more wait for a slot
    (first come, first served) for at most `queue_wait` s; beyond, 503 + Retry-After."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limit: int,
        queued: int = 0,
        queue_wait: float = 0.0,
        health: Health = HEALTH,
    ):
        self.app = app
        self.limit = limit
        self.queued = queued
        self.queue_wait = queue_wait
        self.health = health
        self._waiting: deque[asyncio.Future] = deque()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        health = self.health
        waited = False
        if health.active >= self.limit or self._waiting:
            if len(self._waiting) >= self.queued or not await self._slot():
                health.refused += 1
                await refuse(send, scope.get("path", "/"))
                return
            waited = True  # the slot was handed over by the request that left it
        else:
            health.active += 1
        try:
            await self.app(scope, receive, _closing(send) if waited else send)
        finally:
            self._leave()
            health.finished = time.monotonic()

    async def _slot(self) -> bool:
        """Wait in line for a slot: True once one is ours, False when `queue_wait` ran out."""
        loop = asyncio.get_running_loop()
        turn = loop.create_future()
        self._waiting.append(turn)
        self.health.queued += 1
        timer = loop.call_later(self.queue_wait, lambda: turn.done() or turn.set_result(False))
        try:
            return await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled() and turn.result():
                self._leave()  # handed a slot as the request was cancelled: pass it on
            raise
        finally:
            timer.cancel()
            self.health.queued -= 1
            with contextlib.suppress(ValueError):
                self._waiting.remove(turn)

    def _leave(self) -> None:
        """A request is done with its slot: the longest waiter gets it, or it is free."""
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.done():
                turn.set_result(True)
                return
        self.health.active -= 1


CLOSE = (b"connection", b"close")


def _closing(send: Send) -> Send:
    """`send` with `Connection: close` on the response: the client reconnects for its next
    request, and any worker may accept it (see the module's docstring)."""

    async def sending(message):
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), CLOSE]}
        await send(message)

    return sending


async def refuse(send: Send, path: str) -> None:
    media, body = _refusal(path)
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", media),
                (b"retry-after", RETRY_AFTER.encode()),
                (b"cache-control", b"no-store"),
                (b"content-length", str(len(body)).encode()),
                CLOSE,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def install(app, env) -> None:
    """503 + Retry-After for a request that could not get a database connection in time
    (sqlalchemy's pool timeout) or met a locked database, instead of a 500."""
    from sqlalchemy import exc as sa_exc
    from starlette.requests import Request

    from app.web.errors import error_response, log

    async def busy(request: Request, exc: Exception):
        log.warning("503 on %s: %s", request.url.path, str(exc).splitlines()[0][:200])
        resp = error_response(env, request.url.path, 503, "The server is busy; retry in a second.")
        resp.headers["retry-after"] = RETRY_AFTER
        return resp

    app.add_exception_handler(sa_exc.TimeoutError, busy)

    async def unreadable(request: Request, exc: Exception):
        # a damaged or unreachable database (malformed image, disk I/O error, server gone):
        # logged in full, answered with a clear 503, never a traceback
        log.error("database error on %s", request.url.path, exc_info=exc)
        resp = error_response(
            env,
            request.url.path,
            503,
            "The archive's database cannot be read at the moment; the error has been logged. Retry later.",
        )
        resp.headers["retry-after"] = "30"
        return resp

    app.add_exception_handler(sa_exc.DatabaseError, unreadable)
