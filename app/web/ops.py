"""Operations: /healthz (database reachable, index generation and lag, outbox depth), /metrics
(Prometheus text format: requests by route and status, latency histograms, index lag) and a
structured access log (one JSON object per request on the `app.access` logger).

With several workers, `archive serve` points PROMETHEUS_MULTIPROC_DIR at a fresh directory
before the workers start, so /metrics adds up every worker's counts, whichever answers."""

from __future__ import annotations

import json
import logging
import os
import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from app.web.limits import HEALTH

access_log = logging.getLogger("app.access")
if not access_log.handlers:  # one JSON object per line on stderr (uvicorn's own access log is off)
    _handler = logging.StreamHandler()
    _handler.setFormatter(logging.Formatter("%(message)s"))
    access_log.addHandler(_handler)
    access_log.setLevel(logging.INFO)
    access_log.propagate = False
router = APIRouter(include_in_schema=False)

REQUESTS = Counter(
    "archive_http_requests_total",
    "HTTP requests answered, by route and status",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "archive_http_request_duration_seconds",
    "Time to answer an HTTP request, by route",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def _route(scope) -> str:
    """The route's template (/statements/{key}), not the path: one series per route."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if path:
        return path
    return "/static" if scope.get("path", "").startswith("/static/") else "(unmatched)"


class AccessMiddleware:
    """Counts and times every request, and logs it as one JSON line."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500, "bytes": 0}

        async def sending(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            elif message["type"] == "http.response.body":
                status["bytes"] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            elapsed = time.perf_counter() - started
            route = _route(scope)
            REQUESTS.labels(scope["method"], route, str(status["code"])).inc()
            LATENCY.labels(route).observe(elapsed)
            if access_log.isEnabledFor(logging.INFO):
                client = scope.get("client")
                access_log.info(
                    json.dumps(
                        {
                            "ts": round(time.time(), 3),
                            "method": scope["method"],
                            "path": scope.get("path"),
                            "query": scope.get("query_string", b"").decode("latin-1")[:500],
                            "route": route,
                            "status": status["code"],
                            "bytes": status["bytes"],
                            "ms": round(elapsed * 1000, 2),
                            "client": client[0] if client else None,
                            "pid": os.getpid(),
                        },
                        ensure_ascii=False,
                    )
                )


def _health(request: Request) -> tuple[int, dict]:
    from sqlalchemy import text

    from app.db import is_postgresql

    archive = request.app.state.archive
    settings = request.app.state.settings
    body: dict = {
        "status": "ok",
        "database": {"backend": "postgresql" if is_postgresql(settings.db_url) else "sqlite"},
    }
    started = time.perf_counter()
    try:
        with archive.factory() as session:
            session.execute(text("SELECT 1"))
        body["database"].update(reachable=True, seconds=round(time.perf_counter() - started, 4))
        health = archive.health.get(settings, archive.factory)
    except Exception as e:  # noqa: BLE001 - a health check reports, it does not fail
        from app.db import describe_error

        body["database"].update(reachable=False, error=describe_error(e, settings.db_url))
        body["status"] = "error"
        return 503, body
    body["index"] = health.as_dict()
    if health.state != "ok":
        body["status"] = "error"
        return 503, body
    if health.behind:
        body["status"] = "behind"
    return 200, body


@router.get("/healthz")
def healthz(request: Request) -> Response:
    """200 while the database answers and an index is installed (`status`: ok, or behind when
    the index lacks changes the database has); 503 otherwise. Always JSON."""
    code, body = _health(request)
    return JSONResponse(body, status_code=code, headers={"cache-control": "no-store"})


class _IndexCollector:
    """Index gauges, read when /metrics is scraped (the same for every worker)."""

    def __init__(self, request: Request):
        self.request = request

    def collect(self):
        archive = self.request.app.state.archive
        try:
            health = archive.health.get(self.request.app.state.settings, archive.factory)
        except Exception:  # noqa: BLE001 - the database is down: /healthz says so
            return
        yield GaugeMetricFamily(
            "archive_index_behind",
            "1 while the served index lacks changes of the database",
            value=int(health.behind),
        )
        yield GaugeMetricFamily(
            "archive_index_outbox", "Changes queued for the search index", value=health.outbox
        )
        yield GaugeMetricFamily(
            "archive_index_lag_seconds",
            "Seconds since the oldest page load the served snapshot lacks (0: none)",
            value=health.lag_seconds or 0.0,
        )
        # admission control of the worker that answers this scrape
        yield GaugeMetricFamily(
            "archive_worker_requests_running", "Requests running in this worker", value=HEALTH.active
        )
        yield GaugeMetricFamily(
            "archive_worker_requests_queued",
            "Requests of this worker waiting for a slot",
            value=HEALTH.queued,
        )
        yield CounterMetricFamily(
            "archive_worker_requests_refused",
            "Requests this worker answered 503 from admission control since it started",
            value=HEALTH.refused,
        )


@router.get("/metrics")
def metrics(request: Request) -> Response:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY

        registry = REGISTRY_VIEW(REGISTRY)
    registry.register(_IndexCollector(request))
    return Response(
        generate_latest(registry), media_type=CONTENT_TYPE_LATEST, headers={"cache-control": "no-store"}
    )


class REGISTRY_VIEW(CollectorRegistry):  # noqa: N801 - a registry: the default one's metrics and ours
    def __init__(self, default):
        super().__init__(auto_describe=False)
        self._default = default

    def collect(self):
        yield from self._default.collect()
        yield from super().collect()


def index_note(request: Request) -> dict | None:
    """For search results: how far behind the database the served index is, or None."""
    archive = request.app.state.archive
    try:
        health = archive.health.get(request.app.state.settings, archive.factory)
    except Exception:  # noqa: BLE001
        return None
    if not health.behind:
        return None
    return {"outbox": health.outbox, "lag_seconds": health.lag_seconds, "snapshot": health.snapshot}


def index_header(note: dict | None) -> dict[str, str]:
    if note is None:
        return {}
    lag = f"; lag={note['lag_seconds']:.1f}s" if note.get("lag_seconds") is not None else ""
    return {"x-archive-index": f"behind; outbox={note['outbox']}{lag}"}
