"""Error responses in the site's layout (HTML) or as {"error": …} (API, JSON downloads).
No traceback ever reaches a client."""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment
from starlette.exceptions import HTTPException

from app.web.json_response import ArchiveJSONResponse
from app.web.params import ParamError

log = logging.getLogger("app.web")

TITLES = {
    400: "Bad request",
    404: "Not found",
    405: "Method not allowed",
    422: "Invalid parameters",
    500: "Server error",
    503: "Service unavailable",
}
DEFAULT_MESSAGES = {
    404: "There is no page at this address.",
    405: "This address does not accept that method.",
    500: "Something went wrong on our side. The error has been logged.",
}


class NotFound(Exception):
    """A missing statement, paragraph, speaker…: 404, offering a search for `search`."""

    def __init__(self, message: str, search: str | None = None):
        super().__init__(message)
        self.message = message
        self.search = search


def check_page(page: int, pages: int) -> None:
    """404 for a page number beyond the last page of a list."""
    if page > pages:
        raise NotFound(f"page {page} does not exist: the last page is {pages}")


def wants_json(path: str) -> bool:
    return path.startswith("/api/") or path == "/api" or path.endswith(".json")


MAX_ECHO = 200  # characters of a client's input an error page repeats


def truncated(text: str | None, limit: int = MAX_ECHO) -> str | None:
    """What an error page may echo of a client's input: at most `limit` characters."""
    if text is None or len(text) <= limit:
        return text
    return text[:limit] + f"… ({len(text):,} characters)"


def error_response(
    env: Environment,
    path: str,
    status: int,
    message: str | None = None,
    *,
    search: str | None = None,
    details: list[str] | None = None,
) -> Response:
    message = truncated(message or DEFAULT_MESSAGES.get(status) or TITLES.get(status, "Error"), 2 * MAX_ECHO)
    search = truncated(search)
    details = [truncated(d) for d in details[:10]] if details else details
    if wants_json(path):
        body: dict = {"error": message}
        if details:
            body["detail"] = details
        return ArchiveJSONResponse(body, status_code=status)
    try:
        page = env.get_template("errors/error.html").render(
            status=status,
            title=TITLES.get(status, "Error"),
            message=message,
            search=search,
            details=details or [],
            nav=None,
        )
    except Exception:  # the error page itself must never fail
        log.exception("rendering the error page failed")
        return Response(
            f"{status} {TITLES.get(status, 'Error')}: {message}\n",
            status_code=status,
            media_type="text/plain; charset=utf-8",
        )
    return HTMLResponse(page, status_code=status)


def _validation_messages(exc: RequestValidationError) -> list[str]:
    out = []
    for err in exc.errors()[:10]:
        loc = ".".join(str(x) for x in err.get("loc", ()) if x not in ("query", "path", "body"))
        out.append(f"{loc}: {err.get('msg', 'invalid')}" if loc else str(err.get("msg", "invalid")))
    return out


def install(app, env: Environment) -> None:
    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) and exc.status_code != 404 else None
        resp = error_response(env, request.url.path, exc.status_code, detail)
        for k, v in (exc.headers or {}).items():
            resp.headers[k] = v
        return resp

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        msgs = _validation_messages(exc)
        path = request.url.path
        status = 422 if wants_json(path) else 400
        return error_response(env, path, status, "invalid parameters: " + "; ".join(msgs), details=msgs)

    @app.exception_handler(ParamError)
    async def bad_param(request: Request, exc: ParamError) -> Response:
        return error_response(env, request.url.path, exc.status, exc.message)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return error_response(env, request.url.path, 404, exc.message, search=exc.search)
