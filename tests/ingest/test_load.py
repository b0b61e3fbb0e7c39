"""The loader on its own (app.ingest.load), not through the CLI: pages parsed by the real
readers, written into a real SQLite file, one transaction per page as `archive ingest` does."""

from __future__ import annotations

import datetime as dt
import zlib

from sqlalchemy import func, select

from app.db import session_scope
from app.ingest.load import LoadResult, load_failure, load_page
from app.ingest.provenance import Provenance
from app.ingest.readers import parse_document
from app.ingest.types import PageError
from app.models import (
    Contribution,
    IndexQueue,
    KeyAlias,
    Paragraph,
    SourceDocument,
    Statement,
    StatementVersion,
)
from tests.html_fixtures import presidential

PAGE = (
    "Foreign Minister Sergei Lavrov’s remarks at a news conference, Moscow, March 3, 2021\n\n"
    "Good afternoon. We have discussed strategic stability today.\n\n"
    "We will continue these talks next week in Geneva.\n\n"
    "Thank you for your attention.\n"
)
CHANGED = PAGE.replace("next week in Geneva", "next month in Vienna")
MONDAY = dt.datetime(2021, 3, 4, 9, 0)
TUESDAY = dt.datetime(2021, 3, 5, 9, 0)


def _load(factory, path: str, raw: bytes, *, now=MONDAY, name: str = "page.txt", **kw) -> LoadResult:
    doc = parse_document(raw, name)
    captured = kw.pop("captured", now)
    prov = kw.pop("provenance", None) or Provenance(captured_at=captured, captured_source="file mtime")
    with session_scope(factory) as session:
        return load_page(
            session,
            path=path,
            file_name=name,
            raw=raw,
            text=doc.text,
            page=doc.page,
            now=now,
            provenance=prov,
            **kw,
        )


def _counts(factory) -> dict[str, int]:
    with factory() as session:
        return {
            m.__tablename__: session.scalar(select(func.count()).select_from(m))
            for m in (SourceDocument, Contribution, Statement, Paragraph, StatementVersion, KeyAlias)
        }


def _texts(factory, current: bool = True) -> list[str]:
    with factory() as session:
        return session.scalars(
            select(Paragraph.text).where(Paragraph.current.is_(current)).order_by(Paragraph.n)
        ).all()


def test_a_new_page_becomes_a_statement_with_its_paragraphs_and_is_queued_for_the_index(factory):
    r = _load(factory, "pages/a.txt", PAGE.encode())
    assert (r.status, r.statements_new, r.paragraphs) == ("new", 1, 3)
    assert len(r.changed_keys) == 1 and not r.removed_keys
    (key,) = r.changed_keys
    with factory() as session:
        st = session.scalar(select(Statement))
        assert st.key == key and st.date == dt.date(2021, 3, 3) and st.paragraph_count == 3
        assert [s.speaker.name for s in st.speakers] == ["Sergey Lavrov"]  # the speaker table's spelling
        doc = session.scalar(select(SourceDocument))
        assert (doc.path, doc.status, doc.captured_at) == ("pages/a.txt", "ok", MONDAY)
        assert session.scalars(select(IndexQueue.statement_key)).all() == [key]
    assert _texts(factory)[0] == "Good afternoon. We have discussed strategic stability today."


def test_the_same_page_again_changes_nothing(factory):
    first = _load(factory, "pages/a.txt", PAGE.encode())
    before = _counts(factory)
    again = _load(factory, "pages/a.txt", PAGE.encode(), now=TUESDAY)
    assert again.status == "unchanged" and not again.changed_keys
    forced = _load(factory, "pages/a.txt", PAGE.encode(), now=TUESDAY, captured=MONDAY, force=True)
    assert (forced.status, forced.statements_unchanged, forced.changed_keys) == ("updated", 1, set())
    assert _counts(factory) == before
    with factory() as session:
        assert session.scalar(select(Statement.key)) == next(iter(first.changed_keys))


def test_a_changed_page_is_a_new_version_and_the_old_paragraph_keeps_resolving(factory):
    first = _load(factory, "pages/a.txt", PAGE.encode())
    (key,) = first.changed_keys
    with factory() as session:
        old_keys = dict(session.execute(select(Paragraph.text, Paragraph.key)).all())
    later = _load(factory, "pages/a.txt", CHANGED.encode(), now=TUESDAY)
    assert (later.status, later.statements_updated, later.changed_keys) == ("updated", 1, {key})
    assert "We will continue these talks next month in Vienna." in _texts(factory)
    with factory() as session:
        versions = session.scalars(
            select(StatementVersion).where(StatementVersion.statement_key == key).order_by(StatementVersion.n)
        ).all()
        assert [(v.n, v.current) for v in versions] == [(1, False), (2, True)]
        docs = session.scalars(select(SourceDocument).order_by(SourceDocument.id)).all()
        assert [d.superseded for d in docs] == [True, False]  # the first capture is kept
        assert docs[1].path == "pages/a.txt"
        gone = old_keys["We will continue these talks next week in Geneva."]
        kept = session.scalar(select(Paragraph).where(Paragraph.key == gone))
        # every key issued keeps its words: as a retired paragraph of the statement
        assert kept is not None and not kept.current and "next week in Geneva" in kept.text


def test_an_older_capture_arriving_late_leaves_the_latest_live(factory):
    _load(factory, "pages/a.txt", CHANGED.encode(), now=TUESDAY)
    late = _load(factory, "pages/a.txt", PAGE.encode(), now=MONDAY)
    assert late.status == "updated"
    assert "We will continue these talks next month in Vienna." in _texts(factory)
    with factory() as session:
        live = session.scalar(select(SourceDocument).where(SourceDocument.path == "pages/a.txt"))
        assert live.captured_at == TUESDAY
        assert session.scalar(select(func.count()).select_from(StatementVersion)) == 2


def test_a_bad_page_is_recorded_and_loses_nothing_around_it(factory):
    _load(factory, "pages/a.txt", PAGE.encode())
    with session_scope(factory) as session:
        r = load_failure(
            session,
            path="pages/b.txt",
            file_name="b.txt",
            raw=b"\x00garbage",
            error=PageError("no text body", line=3),
            now=MONDAY,
        )
    assert (r.status, r.error) == ("failed", "line 3: no text body")
    other = PAGE.replace("remarks at a news conference", "statement on the anniversary")
    assert _load(factory, "pages/c.txt", other.encode()).status == "new"
    with session_scope(factory) as session:  # a later bad capture of a good page keeps the good one
        load_failure(
            session, path="pages/a.txt", file_name="a.txt", raw=b"", error=PageError("empty"), now=TUESDAY
        )
    with factory() as session:
        docs = {d.path: (d.status, d.error, d.error_line) for d in session.scalars(select(SourceDocument))}
        assert docs["pages/b.txt"] == ("failed", "no text body", 3)
        assert docs["pages/c.txt"] == ("ok", None, None)
        assert docs["pages/a.txt"] == ("failed", "empty", None)
        assert session.scalar(select(func.count()).select_from(Statement)) == 2
    assert len(_texts(factory)) == 6


def test_an_html_capture_keeps_its_provenance_and_raw_page(factory):
    url = "https://president.example/news/1"
    raw = presidential(
        "Statement by the President on the flood relief",
        "March 3, 2021",
        "2021-03-03",
        [
            "Good afternoon. The government has released emergency funds for the regions hit by the "
            "flood, and the ministries will report on their use every week until the work is done.",
            "Rescue teams are at work in the north, where the water is still rising; we thank the "
            "volunteers who came from every part of the country to help their fellow citizens.",
        ],
        url=url,
    ).encode()
    prov = Provenance(
        original_url=url,
        url_source="WARC-Target-URI",
        captured_at=MONDAY,
        captured_source="WARC-Date",
        warc_file="crawl.warc.gz",
        warc_offset=1234,
        format="html",
        capture=zlib.compress(raw),
    )
    r = _load(factory, "crawl.warc.gz#1234", raw, name="record.html", provenance=prov)
    assert (r.status, r.paragraphs) == ("new", 2)
    with factory() as session:
        doc = session.scalar(select(SourceDocument))
        assert (doc.original_url, doc.warc_offset, doc.format) == (url, 1234, "html")
        assert zlib.decompress(doc.capture) == raw
        st = session.scalar(select(Statement))
        assert (st.original_url, st.captured_at) == (url, MONDAY)
