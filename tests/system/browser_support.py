"""The real-browser harness shared by the browser test modules: Debian's Chromium at
/usr/bin/chromium driven by Playwright (no browser download), against a real uvicorn server on a
free port of 127.0.0.1 serving the seed-and-sample archive. One server and one browser per
module. Without Chromium the module is skipped with a visible reason, except under CI (CI=true),
where that is a failure (.ci/run installs Debian's chromium)."""

from __future__ import annotations

import os
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
WAIT_MS = 180_000  # a bound on each wait for a page, not a speed target: the machine may be loaded
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium() -> None:
    """Call at module level: skip (fail under CI) without the browser or Playwright."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run must install Debian's chromium", pytrace=False)
        pytest.skip(
            f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)",
            allow_module_level=True,
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail(
                "the playwright package is missing: make test installs the test extras", pytrace=False
            )
        pytest.skip("the playwright package is not installed", allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server(root: Path):
    """A uvicorn server (in a thread of this process) on the seed-and-sample archive; its URL."""
    import uvicorn

    from app.config import Settings
    from app.web.app import create_app
    from tests.web_support import TEST_HOSTS, build_archive

    app = create_app(Settings(data_dir=build_archive(root), allowed_hosts=TEST_HOSTS))
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60  # a bound on start-up, not a timing assumption: it waits for `started`
    while not srv.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=30)


def new_context(browser, **kw):
    """A browser context whose waits (pages, clicks, expectations) are bounded by WAIT_MS: the
    first citation a server renders starts V8, which takes long on a loaded machine."""
    context = browser.new_context(**kw)
    context.set_default_timeout(WAIT_MS)
    context.set_default_navigation_timeout(WAIT_MS)
    return context


@contextmanager
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()
