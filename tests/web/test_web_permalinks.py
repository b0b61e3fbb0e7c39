"""Permalinks never break: a rebuild from scratch (pages in another order) keeps every URL and
its text; retired keys redirect (301, chains followed, loops and long chains refused); retired
paragraphs still resolve; a page costs a bounded number of queries whatever its length."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import event, select

from app.db import session_scope
from app.ingest.load import load_page
from app.ingest.types import ParsedPage, ParsedParagraph
from app.models import KeyAlias, Paragraph, Statement
from tests.web_support import SAMPLE_PAGES, SEEDS, load_sample, make_client, sample_key, soup


def _urls_and_texts(factory) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Every statement URL with its title and paragraph texts, every paragraph URL with its text."""
    with factory() as session:
        statements = {
            f"/statements/{k}": [t] for k, t in session.execute(select(Statement.key, Statement.title))
        }
        paragraphs = {}
        for skey, pkey, text, current in session.execute(
            select(Statement.key, Paragraph.key, Paragraph.text, Paragraph.current)
            .join(Statement)
            .order_by(Statement.key, Paragraph.n)
        ):
            paragraphs[f"/p/{pkey}"] = text
            if current:
                statements[f"/statements/{skey}"].append(text)
    return statements, paragraphs


def _page_texts(client, url: str) -> tuple[int, list[str]]:
    r = client.get(url)
    page = soup(r)
    if url.startswith("/statements/"):
        return r.status_code, [page.h1.get_text()] + [p.get_text() for p in page.select("li.para .para-text")]
    return r.status_code, [page.select_one("li.is-focus blockquote").get_text(strip=True)]


def test_rebuild_from_scratch_in_another_order_keeps_every_url_and_text(factory, settings, sample_archive):
    """First build (shared by the web tests): the seed pages in one ingest run, then the sample
    pages. Second build, in this test's fresh data dir: one run per page, last page first, the
    samples reversed. Every statement and paragraph URL of the first build resolves on the
    second to the same text."""
    from app.config import Settings
    from app.db import open_database
    from app.ingest.run import ingest_paths

    first = Settings(data_dir=sample_archive)
    engine, first_factory = open_database(first, migrate=False)
    statements, paragraphs = _urls_and_texts(first_factory)
    engine.dispose()
    assert len(statements) > 30 and len(paragraphs) > 200

    for page in sorted(SEEDS.glob("*.txt"), reverse=True):
        assert not ingest_paths(factory, [str(page)], max_bytes=first.max_page_bytes).failures
    load_sample(factory, list(reversed(SAMPLE_PAGES)))

    with make_client(settings.data_dir) as client:
        for url, texts in statements.items():
            status, got = _page_texts(client, url)
            assert status == 200 and got == texts, url
        for url, text in paragraphs.items():
            status, got = _page_texts(client, url)
            assert status == 200 and got == [text.strip()], url


@pytest.fixture
def sample_client(settings, factory):
    load_sample(factory)
    with make_client(settings.data_dir) as c:
        yield c


def _retitle(name: str, title: str) -> ParsedPage:
    page = SAMPLE_PAGES[name]
    return dataclasses.replace(
        page, statements=(dataclasses.replace(page.statements[0], title=title), *page.statements[1:])
    )


def test_retired_statement_and_paragraph_keys_redirect_301(sample_client, factory):
    name = "zakharova-briefing.txt"
    old_key = sample_key(name)
    with factory() as session:
        old_pkeys = session.scalars(
            select(Paragraph.key).join(Statement).where(Statement.key == old_key).order_by(Paragraph.n)
        ).all()
    import datetime as dt

    with session_scope(factory) as session:  # the same page, re-ingested with a corrected title
        load_page(
            session,
            path=f"sample/{name}",
            file_name=name,
            raw=b"v2",
            text="v2",
            page=_retitle(name, "Briefing by Maria Zakharova (corrected), Moscow, November 10, 2021"),
            now=dt.datetime(2024, 2, 1),
        )
    with factory() as session:
        new_key = session.scalar(select(Statement.key).where(Statement.title.like("%corrected%")))
        new_pkeys = session.scalars(
            select(Paragraph.key).join(Statement).where(Statement.key == new_key).order_by(Paragraph.n)
        ).all()
    assert new_key != old_key
    r = sample_client.get(f"/statements/{old_key}", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (301, f"/statements/{new_key}")
    for old, new in zip(old_pkeys, new_pkeys, strict=True):
        r = sample_client.get(f"/p/{old}", follow_redirects=False)
        assert (r.status_code, r.headers["location"]) == (301, f"/p/{new}")
    r = sample_client.get(f"/api/statements/{old_key}", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (301, f"/api/statements/{new_key}")
    assert sample_client.get(f"/p/{old_pkeys[0]}").status_code == 200
    r = sample_client.get(f"/statements/{old_key}/cite.bib", follow_redirects=False)
    assert r.status_code == 301


def test_alias_chains_are_followed_and_loops_or_long_chains_are_404(sample_client, factory):
    target = sample_key("undated.txt")
    with session_scope(factory) as session:
        session.add_all(
            [
                KeyAlias(
                    old_key="2000-01-01-a-00000001",
                    kind="statement",
                    new_key="2000-01-01-b-00000002",
                    new_kind="statement",
                ),
                KeyAlias(
                    old_key="2000-01-01-b-00000002", kind="statement", new_key=target, new_kind="statement"
                ),
                KeyAlias(
                    old_key="2000-01-01-x-00000003",
                    kind="statement",
                    new_key="2000-01-01-y-00000004",
                    new_kind="statement",
                ),
                KeyAlias(
                    old_key="2000-01-01-y-00000004",
                    kind="statement",
                    new_key="2000-01-01-x-00000003",
                    new_kind="statement",
                ),
            ]
        )
        for i in range(30):
            session.add(
                KeyAlias(
                    old_key=f"2000-01-01-chain-{i:08d}",
                    kind="statement",
                    new_key=f"2000-01-01-chain-{i + 1:08d}",
                    new_kind="statement",
                )
            )
        session.add(
            KeyAlias(
                old_key="2000-01-01-chain-00000030", kind="statement", new_key=target, new_kind="statement"
            )
        )
    r = sample_client.get("/statements/2000-01-01-a-00000001", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (301, f"/statements/{target}")
    assert sample_client.get("/statements/2000-01-01-x-00000003").status_code == 404
    assert sample_client.get("/statements/2000-01-01-chain-00000000").status_code == 404
    assert (
        sample_client.get("/statements/2000-01-01-chain-00000025", follow_redirects=False).status_code == 301
    )


def test_retired_paragraph_still_resolves_with_a_note(sample_client, factory):
    import datetime as dt

    from app.ingest.keys import paragraph_keys

    full = next(s for s in SAMPLE_PAGES["zakharova-briefing.txt"].statements if s.role == "main")
    teaser = dataclasses.replace(
        full,
        role="excerpt",
        paragraphs=(
            ParsedParagraph(1, "A teaser lead that the full text words differently.", None, None, 3, 3),
        ),
    )
    with session_scope(factory) as session:
        load_page(
            session,
            path="sample/listing.txt",
            file_name="listing.txt",
            raw=b"listing",
            text="listing",
            page=ParsedPage(statements=(teaser,)),
            now=dt.datetime(2024, 3, 1),
        )
    key = sample_key("zakharova-briefing.txt")
    retired = paragraph_keys(key, [teaser.paragraphs[0].text])[0]
    page = soup(sample_client.get(f"/p/{retired}"))
    assert "not part of the statement's current text" in page.select_one("p.notice").get_text()
    assert page.select_one("a.in-place")["href"] == f"/statements/{key}"
    statement = soup(sample_client.get(f"/statements/{key}"))
    assert f"/p/{retired}" not in [a["href"] for a in statement.select("a.para-permalink")]
    assert len(statement.select("li.para")) == len(full.paragraphs)


@pytest.fixture(scope="module")
def counted(sample_archive):
    with make_client(sample_archive) as client:
        engine = client.app.state.archive.engine
        client.get("/healthz")  # the index health (shown by search pages) read once, then kept:
        client.app.state.archive.health.ttl = float("inf")  # its refresh every 2 s is not a page's cost
        statements: list[str] = []
        event.listen(engine, "before_cursor_execute", lambda *a, **k: statements.append(a[2]))

        def count(url: str) -> int:
            statements.clear()
            assert client.get(url).status_code == 200, url
            return len(statements)

        yield client, count


def test_statement_and_paragraph_pages_cost_a_bounded_number_of_queries(counted):
    client, count = counted
    rows = client.get("/api/statements?per_page=100").json()["results"]
    longest = max(rows, key=lambda r: r["paragraph_count"])
    shortest = min((r for r in rows if r["speakers"]), key=lambda r: r["paragraph_count"])
    assert longest["paragraph_count"] >= 50 > shortest["paragraph_count"]
    long_cost, short_cost = count(longest["url"]), count(shortest["url"])
    assert long_cost == short_cost and long_cost <= 20
    long_p = client.get(longest["api"]).json()["paragraphs"]
    assert count(long_p[0]["url"]) == count(long_p[len(long_p) // 2]["url"]) <= 12
    assert count("/statements?per_page=5") == count("/statements?per_page=100") <= 15
    assert count("/api/statements?per_page=5") == count("/api/statements?per_page=100")
    assert count("/search?q=the&per_page=3") == count("/search?q=the&per_page=50")
