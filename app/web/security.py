"""Pure ASGI middleware: security headers on every response, hostile requests refused before
routing, and any unhandled exception turned into the site's 500 page (never a traceback)."""

from __future__ import annotations

import logging

from jinja2 import Environment
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.web.errors import error_response
from app.web.params import ParamError
from app.web.query_guard import check_path, check_raw_query, without_blank_values

log = logging.getLogger("app.web")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


# Like limits.AdmissionMiddleware, a plain ASGI middleware: the __init__/__call__ opening is
# the ASGI protocol's boilerplate, not shared logic.
class SecurityMiddleware:
    def __init__(self, app: ASGIApp, *, env: Environment, max_query_chars: int):
        self.app = app
        self.env = env
        self.max_query_chars = max_query_chars

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope.get("method") == "HEAD":  # every page answers HEAD as GET (the server drops the body)
            scope = dict(scope, method="GET")
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in HEADERS if k not in names]
                if scope["path"].startswith("/api/") and b"access-control-allow-origin" not in names:
                    extra.append((b"access-control-allow-origin", b"*"))
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        path = scope.get("path", "/")
        try:
            check_path(scope.get("raw_path") or path.encode("utf-8", "surrogateescape"))
            check_raw_query(scope.get("query_string", b""), max_query_chars=self.max_query_chars, path=path)
        except ParamError as e:
            await error_response(self.env, path, e.status, e.message)(scope, receive, send_with_headers)
            return
        raw_query = scope.get("query_string", b"")
        cleaned = None if path.startswith("/api/") else without_blank_values(raw_query)
        if cleaned is not None:  # (the API keeps its documented, strict parameters)
            # Empty fields (a form's untouched controls) are read as absent everywhere; pages then
            # redirect to their canonical URL, which they compare with what was actually sent.
            scope = dict(scope, query_string=cleaned, sent_query_string=raw_query)
        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            log.exception("unhandled error on %s", path)
            if started:
                raise
            await error_response(self.env, path, 500)(scope, receive, send_with_headers)
