"""Citation texts rendered ahead of time (table `citation_texts`), so a statement or paragraph
page does not run citeproc-js (a few ms a style, and 1-3 s to build a process's engines).

What is stored is exactly what citeproc-js gives (app.citations.texts.render_texts), with three
values left open: the permalink (rendered as PLACEHOLDER), the access date (rendered as
SENTINEL, 11 November 1111) and the paragraph locator (rendered as LOCATOR). Serving replaces
the placeholder (as written, or capitalised where a style capitalises the first word of a part),
the sentinel date as the style writes it (taken from a probe entry rendered with two dates, once
per style, form and day) and the locator by the page's values. A text is only stored when that
replacement is unambiguous: its inputs never mention the sentinel year, the placeholder or the
locator, and the rendered text holds the placeholder once (or not at all, for citations that
print no URL), the sentinel date once or not at all, and the locator once in the paragraph
form; otherwise that text is rendered live. For each style three texts are stored: the
bibliography entry (STYLE), the citation (STYLE/cite) and the citation of a paragraph
(STYLE/para). A row is keyed by statement and carries a fingerprint of the citation's inputs
and of the renderer (the citeproc-js file, the glue, the style and locale files): when a title,
a speaker's name, a date or the renderer changes, the fingerprint no longer matches and the
page renders live until the row is refreshed.

Rows are filled by `fill(factory)`; `fill_command()` is the whole command (`archive citations
fill [--workers N] [--background]`: settings, the one-filler-per-archive lock, exit status),
which `archive serve` also starts in the background (start_background_fill(), at low priority)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing
import os
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from functools import cache, lru_cache

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session, sessionmaker

from app.citations import citeproc_js, csl, texts
from app.citations.csl import STYLES
from app.models import CitationText, Statement

PLACEHOLDER = "https://permalink.invalid/x"
SENTINEL = dt.date(1111, 11, 11)  # the access date stored texts are rendered with
_OTHER = dt.date(2222, 2, 22)  # a second probe date that shares no character with it
_YEAR = str(SENTINEL.year)
LOCATOR = "97531"  # the paragraph number stored paragraph citations are rendered with
FORMS = ("", "/cite", "/para")  # bibliography entry, citation, paragraph citation
BATCH = 200


@cache
def version() -> str:
    """The renderer: a hash of every file that decides the texts."""
    h = hashlib.sha1()
    for path in [
        citeproc_js.processor_path(),
        citeproc_js.GLUE,
        citeproc_js.locale_path(),
        *(citeproc_js.style_path(name) for name in STYLES.values()),
    ]:
        h.update(path.read_bytes())
    return f"2|citeproc-js {citeproc_js.processor_version()}|{h.hexdigest()}|" + ",".join(
        f"{k}={v}" for k, v in STYLES.items()
    )


def inputs(item: dict) -> str:
    """What a citation text depends on besides the permalink, access date and paragraph, as
    canonical JSON (the permalink's field holds PLACEHOLDER: where it sits matters)."""
    clean = {k: v for k, v in item.items() if k not in ("note", "id", "accessed")}
    clean[csl.permalink_field(item)] = PLACEHOLDER
    return json.dumps(clean, sort_keys=True, ensure_ascii=False)


def fingerprint(clean: str) -> str:
    return hashlib.sha1(f"{version()}\n{clean}".encode()).hexdigest()


def _parts(d: dt.date) -> dict:
    return {"date-parts": [[d.year, d.month, d.day]]}


def _render(data: dict, style: str, wait: float | None = None) -> dict[str, str]:
    """{form: text} of one entry rendered by citeproc-js, the paragraph form with LOCATOR."""
    out = citeproc_js.render(STYLES[style], data, locator=LOCATOR, label=csl.LOCATOR_LABEL, wait=wait)
    return {"": out.bibliography, "/cite": out.citation, "/para": out.located or ""}


_PROBE = {"type": "webpage", "title": "Probe", "container-title": "Archive", "URL": PLACEHOLDER}


_probes: OrderedDict[tuple[str, dt.date], dict[str, str]] = OrderedDict()
_probes_lock = threading.Lock()


def _probe(style: str, accessed: dt.date, wait: float | None = None) -> dict[str, str]:
    """The probe entry rendered with `accessed` (kept for the 32 (style, day) pairs used last);
    `wait` as for citeproc_js.hold() when it must be rendered."""
    with _probes_lock:
        hit = _probes.get((style, accessed))
        if hit is not None:
            _probes.move_to_end((style, accessed))
    if hit is None:
        hit = _render(_PROBE | {"accessed": _parts(accessed)}, style, wait)
        with _probes_lock:
            while len(_probes) >= 32:
                _probes.pop(next(iter(_probes)))
            _probes[(style, accessed)] = hit
    return hit


def _sentinel_form(style: str, form: str) -> tuple[str, str, str] | None:
    """(text before, the sentinel date as `style` writes it in `form`, text after) in a probe entry."""
    s, o = _probe(style, SENTINEL)[form], _probe(style, _OTHER)[form]
    i = 0
    while i < min(len(s), len(o)) and s[i] == o[i]:
        i += 1
    j = 0
    while j < min(len(s), len(o)) - i and s[-1 - j] == o[-1 - j]:
        j += 1
    found = s[i : len(s) - j]
    if _YEAR not in found or s.count(found) != 1:
        return None
    return s[:i], found, s[len(s) - j :]


def date_forms(
    style: str, accessed: dt.date, form: str = "", wait: float | None = None
) -> tuple[str, str] | None:
    """_date_forms(), the probes it reads rendered first if needed, `wait` as for
    citeproc_js.hold() (the probes are rendered once a day and style)."""
    for day in (SENTINEL, _OTHER, accessed):
        _probe(style, day, wait)
    return _date_forms(style, accessed, form)


@lru_cache(maxsize=256)
def _date_forms(style: str, accessed: dt.date, form: str) -> tuple[str, str] | None:
    """(sentinel date, `accessed`) as `style` writes them in `form`, checked on the probe:
    replacing the one by the other in the probe rendered with the sentinel gives the probe
    rendered with `accessed`. None when that does not hold (stored texts with a date are then
    not used)."""
    found = _sentinel_form(style, form)
    if found is None:
        return None
    before, sentinel, after = found
    t = _probe(style, accessed)[form]
    if not (t.startswith(before) and t.endswith(after) and len(t) >= len(before) + len(after)):
        return None
    new = t[len(before) : len(t) - len(after)]
    if (before + sentinel + after).replace(sentinel, new) != t:
        return None
    return sentinel, new


def _placeholders(text: str) -> int:
    return text.count(PLACEHOLDER) + text.count(_CAPITAL)


_CAPITAL = PLACEHOLDER[:1].upper() + PLACEHOLDER[1:]


def render_stored(clean: str) -> dict[str, str | None]:
    """The texts to store for these inputs: {style + form: text with the placeholder permalink,
    the sentinel access date and the sentinel locator, or None when serving could not replace
    them unambiguously}."""
    keys = [label + form for label in STYLES for form in FORMS]
    if _YEAR in clean or LOCATOR in clean or clean.count(PLACEHOLDER) != 1:
        return dict.fromkeys(keys)
    data = json.loads(clean) | {"accessed": _parts(SENTINEL)}
    out: dict[str, str | None] = {}
    for label in STYLES:
        for form, text in _render(data, label).items():
            ok = _placeholders(text) == 1 or (form != "" and _placeholders(text) == 0)
            if ok and _YEAR in text:
                found = _sentinel_form(label, form)
                ok = found is not None and text.count(_YEAR) == 1 and text.count(found[1]) == 1
            if form == "/para":
                ok = ok and text.count(LOCATOR) == 1
            out[label + form] = text if ok else None
    return out


def serve_text(
    stored: str | None,
    style: str,
    url: str,
    accessed: dt.date,
    form: str = "",
    locator: str | None = None,
    wait: float | None = None,
) -> str | None:
    """A stored text with its permalink, access date and paragraph filled in; None when it
    cannot be used."""
    if stored is None or _placeholders(stored) > 1 or (form == "" and _placeholders(stored) != 1):
        return None
    if _YEAR in stored:
        forms = date_forms(style, accessed, form, wait)
        if forms is None or stored.count(forms[0]) != 1:
            return None
        stored = stored.replace(forms[0], forms[1])
    if form == "/para":
        if locator is None or stored.count(LOCATOR) != 1:
            return None
        stored = stored.replace(LOCATOR, locator)
    return stored.replace(PLACEHOLDER, url).replace(_CAPITAL, url[:1].upper() + url[1:])


def citation_texts(
    session: Session, statement_key: str, item: dict, *, wait: float | None = None
) -> dict[str, texts.Texts | None]:
    """{style: texts} for a statement's or paragraph's CSL item: from the stored row when its
    fingerprint matches, else rendered by citeproc-js (identical either way). `wait` as for
    citeproc_js.hold(): with a bound (0 for a page), a style whose text needs the engine while
    it is busy is None (being prepared)."""
    clean = inputs(item)
    row = session.execute(
        select(CitationText.fingerprint, CitationText.texts)
        .join(Statement, Statement.id == CitationText.statement_id)
        .where(Statement.key == statement_key)
    ).first()
    stored = json.loads(row[1]) if row is not None and row[0] == fingerprint(clean) else {}
    accessed, url, loc = csl.accessed(item), csl.permalink(item), csl.locator(item)
    short = "/para" if loc else "/cite"
    out = {}
    for label in STYLES:
        try:
            bib = serve_text(stored.get(label), label, url, accessed, "", None, wait)
            cite = serve_text(stored.get(label + short), label, url, accessed, short, loc, wait)
            if bib is None or cite is None:
                out[label] = texts.render_texts(item, label, wait=wait)
            else:
                out[label] = texts.Texts(bib, cite)
        except citeproc_js.Busy:
            out[label] = None
    return out


def prime(day: dt.date | None = None) -> None:
    """Render the probes stored texts need for `day` (default today and tomorrow, UTC), after
    the server's warm-up, so that serving stored texts does not need the engine."""
    today = day or dt.datetime.now(dt.UTC).date()
    for d in (today,) if day else (today, today + dt.timedelta(days=1)):
        for label in STYLES:
            date_forms(label, d)


# --- filling ------------------------------------------------------------------------------------


def _pending(session: Session, batch: int = BATCH) -> Iterator[list[tuple[int, str]]]:
    """(statement id, inputs) of statements without a row or with an outdated one, batch by batch."""
    from app.browse.rows import load_rows as _rows
    from app.browse.views import StatementRow
    from app.config import SITE_NAME

    last = 0
    while True:
        rows = _rows(session, Statement.id > last, order=(Statement.id,), limit=batch)
        if not rows:
            return
        last = rows[-1][0]
        have = dict(
            session.execute(
                select(CitationText.statement_id, CitationText.fingerprint).where(
                    CitationText.statement_id.in_([i for i, _f in rows])
                )
            ).all()
        )
        todo = []
        for sid, fields in rows:
            item = csl.csl_item(StatementRow(**fields), url=PLACEHOLDER, accessed=SENTINEL, archive=SITE_NAME)
            clean = inputs(item)
            if have.get(sid) != fingerprint(clean):
                todo.append((sid, clean))
        if todo:
            yield todo


def _render_batch(batch: list[tuple[int, str]]) -> list[tuple[int, str, str]]:
    return [
        (sid, fingerprint(clean), json.dumps(render_stored(clean), ensure_ascii=False))
        for sid, clean in batch
    ]


def _write(factory: sessionmaker[Session], rows: list[tuple[int, str, str]]) -> int:
    with factory() as session, session.begin():
        ids = [r[0] for r in rows]
        session.execute(
            delete(CitationText).where(CitationText.statement_id.in_(ids))
        )  # takes the write lock
        alive = set(session.scalars(select(Statement.id).where(Statement.id.in_(ids))))
        values = [{"statement_id": s, "fingerprint": f, "texts": t} for s, f, t in rows if s in alive]
        if values:
            session.execute(insert(CitationText), values)
    return len(values)


def fill(
    factory: sessionmaker[Session], *, workers: int = 1, progress: Callable[[int], None] | None = None
) -> int:
    """Render and store the citation texts of every statement that lacks an up-to-date row;
    `workers` processes render. Returns the number of rows written."""
    written = 0
    with factory() as session:
        batches = _pending(session)
        if workers <= 1:
            for batch in batches:
                written += _write(factory, _render_batch(batch))
                if progress:
                    progress(written)
            return written
        # spawned, not forked: V8's threads (citeproc-js) do not survive a fork
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            for rows in pool.map(_render_batch, batches):
                written += _write(factory, rows)
                if progress:
                    progress(written)
    return written


BACKGROUND_DELAY = 5.0  # seconds a background filler leaves the server's start-up alone


def _lowest_priority() -> None:  # pragma: no cover - runs in the child before exec
    """From the first instruction (its imports included), not only once it has parsed its
    arguments: the filler must not slow the server's workers as they start."""
    os.nice(19)


def start_background_fill() -> subprocess.Popen | None:
    """fill_command(background=True) in a child process (same environment, so the same
    ARCHIVE_DATA_DIR), at the lowest CPU priority."""
    try:
        return subprocess.Popen(
            [sys.executable, "-c", _BACKGROUND],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            preexec_fn=_lowest_priority if hasattr(os, "nice") else None,
        )
    except OSError:  # pragma: no cover - the server works without it (citations render live)
        return None


_BACKGROUND = (
    "import sys; from app.citations.store import fill_command; sys.exit(fill_command(background=True))"
)


def fill_command(*, workers: int = 1, background: bool = False) -> int:
    """Fill the citation texts of the archive the settings (ARCHIVE_*) name: `workers`
    rendering processes; `background`: lowest CPU priority, leave at once (status 0) when
    another filler holds the archive, and report a failure instead of raising it. Prints
    "citation texts written: N"; returns the exit status."""
    from app.config import get_settings
    from app.db import make_engine, make_sessionmaker
    from app.locking import LockBusy, archive_lock

    settings = get_settings()
    try:  # one filler per archive: on PostgreSQL across every web node (a lock in the database)
        with archive_lock(
            settings,
            "citations",
            settings.data_dir / "citations.lock",
            timeout=0 if background else 600,
            what="another citation filler",
        ):
            if background:
                os.nice(19)
                time.sleep(BACKGROUND_DELAY)  # the first answers read a cold database: leave them the disk
            engine = make_engine(settings)
            try:
                n = fill(make_sessionmaker(engine), workers=workers)
            finally:
                engine.dispose()
    except LockBusy as e:
        print(e, file=sys.stderr)
        return 0 if background else 1
    except Exception as e:  # e.g. the database stayed locked: pages render live, the next start fills
        if not background:
            raise
        print(f"citation texts not filled: {e}", file=sys.stderr)
        return 1
    print(f"citation texts written: {n}")
    return 0
