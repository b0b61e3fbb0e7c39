"""The web application: `create_app(settings)`; the archive (engine, sessions, searcher) is
opened in the lifespan, or on first use, and kept on `app.state.archive`."""

from __future__ import annotations

import threading
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.trustedhost import TrustedHostMiddleware

from app.citations import citeproc_js, store
from app.config import Settings, get_settings
from app.web import errors
from app.web import limits as admission
from app.web.json_response import ArchiveJSONResponse
from app.web.limits import AdmissionMiddleware, Limits, heartbeat, set_thread_limit
from app.web.security import SecurityMiddleware
from app.web.templating import SITE_NAME, STATIC_DIR, make_env


class Archive:
    """The open archive: engine and session factory (and the searcher, when there is one)."""

    def __init__(self, settings: Settings, *, migrate: bool):
        self.settings = settings
        self.migrate = migrate
        self._lock = threading.Lock()
        self._engine = None
        self._factory = None
        self._searcher: Any = None
        from app.outbox.health import HealthCache

        self.health = HealthCache()  # is the served index behind the database? (/healthz, search)

    def open(self) -> None:
        with self._lock:
            if self._factory is not None:
                return
            from app.db import open_database
            from app.web.limits import Limits

            options = Limits.from_settings(self.settings).engine_options(self.settings.db_url)
            self._engine, self._factory = open_database(self.settings, migrate=self.migrate, **options)
            self._searcher = _open_searcher(self.settings, self._factory)

    @property
    def engine(self):
        if self._factory is None:
            self.open()
        return self._engine

    @property
    def factory(self):
        if self._factory is None:
            self.open()
        return self._factory

    @property
    def searcher(self) -> Any:
        if self._factory is None:
            self.open()
        return self._searcher

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None and hasattr(self._searcher, "close"):
                self._searcher.close()
            if self._engine is not None:
                self._engine.dispose()
            self._engine = self._factory = self._searcher = None


def _open_searcher(settings: Settings, factory) -> Any:
    from app.web.search_adapter import open_searcher

    return open_searcher(settings, factory)


_preloaded: FastAPI | None = None


def preload_worker_app() -> None:
    """Build the workers' app in the supervisor, templates compiled (~0.6 s of route and model
    set-up, ~0.3 s of template compiling), so forked workers start with it. Nothing is opened:
    each worker opens the archive in its own lifespan."""
    global _preloaded
    app = create_app(migrate=False)
    env = app.state.env
    for name in env.list_templates(extensions=("html", "xml", "txt")):
        env.get_template(name)
    _preloaded = app


def create_worker_app() -> FastAPI:
    """The app for `archive serve`'s workers: the command migrated the database before
    starting them, so they open it as it is (the app built by preload_worker_app, if any)."""
    app = _preloaded if _preloaded is not None else create_app(migrate=False)
    app.state.warm_citations = True  # set up citeproc-js in each worker as it starts (lifespan)
    return app


def create_app(settings: Settings | None = None, *, migrate: bool = True) -> FastAPI:
    settings = settings or get_settings()
    archive = Archive(settings, migrate=migrate)

    limits = Limits.from_settings(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        set_thread_limit(limits.threads)
        archive.open()
        if getattr(app.state, "warm_citations", False):
            citeproc_js.warm_up_in_background(then=store.prime)  # pages get Busy until it ends
        try:
            async with heartbeat():
                yield
        finally:
            archive.close()

    app = FastAPI(
        title=f"{SITE_NAME} API",
        version="1",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        default_response_class=ArchiveJSONResponse,
        description="Read-only JSON API of the archive. Every HTML page has a JSON twin under /api/.",
    )
    env = make_env()
    app.state.settings = settings
    app.state.archive = archive
    app.state.env = env
    errors.install(app, env)
    admission.install(app, env)
    app.add_middleware(
        AdmissionMiddleware,
        limit=limits.max_requests,
        queued=limits.max_queued,
        queue_wait=limits.queue_wait,
    )
    # citation and feed URLs are built from ARCHIVE_PUBLIC_URL, else from a Host header that
    # must be one of the allowed names (never one a client made up)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.host_names, www_redirect=False)
    app.add_middleware(SecurityMiddleware, env=env, max_query_chars=settings.max_query_chars)
    from app.web import ops

    app.add_middleware(ops.AccessMiddleware)  # outermost: counts and logs every answer, errors included
    app.include_router(ops.router)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")

    from app.web.routes import ROUTERS

    for router in ROUTERS:
        app.include_router(router)
    return app
