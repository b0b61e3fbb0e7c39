"""A long statement is shown a page of 500 paragraphs at a time (issue 11): the page and its
API twin answer with one page, `/statements/<key>/p/<n>` and every paragraph link land on
the page that shows n, and a request's memory does not grow with the statement. The
600,000-paragraph page with three readers is in the slow suite."""

from __future__ import annotations

import pytest

from tests.web_support import make_client, soup

N = 1_100


@pytest.fixture(scope="module")
def long_archive(tmp_path_factory):
    from app.config import Settings
    from app.db import open_database
    from app.ingest.run import ingest_paths
    from app.outbox.sync import sync_index

    root = tmp_path_factory.mktemp("long")
    page = root / "pages" / "long.txt"
    page.parent.mkdir()
    body = "".join(f"Point {i}: we discussed item number {i} at length.\n\n" for i in range(1, N + 1))
    page.write_text(
        "Remarks by the Minister of Foreign Affairs at a long meeting\n\n"
        "Submitted on Fri, 11/19/2021 - 11:47\n\n" + body
    )
    data = root / "data"
    settings = Settings(data_dir=data)
    engine, factory = open_database(settings)
    try:
        summary = ingest_paths(factory, [str(page.parent)], max_bytes=settings.max_page_bytes)
        assert not summary.failures
        sync_index(settings, factory)
    finally:
        engine.dispose()
    with make_client(data) as client:
        listing = client.get("/api/statements").json()["results"]
        (st,) = [s for s in listing if s["paragraph_count"] >= N]
        yield client, st["key"], st["paragraph_count"]


def test_the_statement_page_shows_one_page_of_paragraphs_with_links_to_the_others(long_archive):
    client, key, count = long_archive
    first = soup(client.get(f"/statements/{key}"))
    ns = [int(li["value"]) for li in first.select("ol.paragraphs > li")]
    assert ns == list(range(1, 501))
    nav = first.select_one("nav.paragraph-pages")
    assert (
        f"of {count:,}" in nav.get_text()
        and nav.select_one("a[rel=next]")["href"] == f"/statements/{key}?page=2"
    )
    last_page = -(-count // 500)
    last = soup(client.get(f"/statements/{key}", params={"page": last_page}))
    ns = [int(li["value"]) for li in last.select("ol.paragraphs > li")]
    assert ns == list(range((last_page - 1) * 500 + 1, count + 1))
    assert last.select_one("nav.paragraph-pages a[rel=prev]")
    assert client.get(f"/statements/{key}", params={"page": last_page + 1}).status_code == 404
    assert client.get(f"/statements/{key}", params={"page": 0}).status_code == 400


def test_paragraph_shortcuts_and_links_land_on_the_page_that_shows_the_paragraph(long_archive):
    client, key, _count = long_archive
    r = client.get(f"/statements/{key}/p/750", follow_redirects=False)
    assert r.status_code == 301 and r.headers["location"] == f"/statements/{key}?page=2#p750"
    assert (
        client.get(f"/statements/{key}/p/12", follow_redirects=False).headers["location"]
        == f"/statements/{key}#p12"
    )
    page2 = soup(client.get(f"/statements/{key}", params={"page": 2}))
    li = page2.select_one("li#p750")
    assert li.select_one("a.para-number")["href"] == f"/statements/{key}?page=2#p750"
    # the paragraph's own permalink page links back to the right page of its statement
    pkey = client.get(f"/api/statements/{key}", params={"page": 2}).json()["paragraphs"][249]["key"]
    permalink = client.get(f"/p/{pkey}")
    assert permalink.status_code == 200 and f"/statements/{key}?page=2#p750" in permalink.text
    assert client.get(f"/statements/{key}/p/{N + 1}").status_code == 404


def test_the_api_pages_the_paragraphs_too(long_archive):
    client, key, count = long_archive
    one = client.get(f"/api/statements/{key}").json()
    assert [p["n"] for p in one["paragraphs"]] == list(range(1, 501))
    pg = one["paragraphs_page"]
    assert (
        pg["page"] == 1 and pg["pages"] == -(-count // 500) and pg["per_page"] == 500 and pg["prev"] is None
    )
    two = client.get(pg["next"].replace("http://testserver", "")).json()
    assert two["paragraphs"][0]["n"] == 501 and two["paragraphs_page"]["prev"].endswith(
        f"/api/statements/{key}"
    )


# --- 600,000 paragraphs (make soak) -------------------------------------------------------------


def _lengthen(data, paragraphs: int) -> str:
    """Give the archive's first statement `paragraphs` paragraphs (rows written directly: an
    8 MB page takes minutes to ingest, and the page's reading is what is measured here)."""
    import sqlite3

    conn = sqlite3.connect(data / "archive.sqlite3")
    try:
        sid, key, count = conn.execute(
            "SELECT id, key, paragraph_count FROM statements ORDER BY id LIMIT 1"
        ).fetchone()
        doc = conn.execute(
            "SELECT source_document_id FROM paragraphs WHERE statement_id = ?", (sid,)
        ).fetchone()[0]
        rows = (
            (
                f"{key}.long{n:07d}",
                sid,
                n,
                1,
                f"Paragraph {n} of a very long statement about item {n}.",
                doc,
                n,
                n,
            )
            for n in range(count + 1, paragraphs + 1)
        )
        conn.executemany(
            "INSERT INTO paragraphs (key, statement_id, n, current, text, source_document_id, "
            "line_start, line_end) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        conn.execute("UPDATE statements SET paragraph_count = ? WHERE id = ?", (paragraphs, sid))
        conn.commit()
    finally:
        conn.close()
    return key


def test_a_statement_serialised_a_slice_at_a_time_is_the_same_json_as_whole():
    """The loader serialises and hashes long statements a slice of paragraphs at a time; the
    strings and fingerprints equal the whole-JSON ones stored pages were compared and made with
    (else every re-ingest would find every page changed)."""
    import datetime as dt
    import hashlib
    import json

    from app.ingest.contributions import Para, statement_json
    from app.ingest.materialise import fingerprint
    from app.ingest.types import ParsedParagraph, ParsedSpeaker, ParsedStatement, statement_to_dict

    for n in (0, 1, 999, 1000, 1001, 2500):
        for title in ("A title", 'A title with "paragraphs": [] inside', '"paragraphs": null ,'):
            paras = tuple(
                ParsedParagraph(
                    i,
                    f"Paragraph {i} — «{title}»",
                    "Лавров" if i % 3 == 0 else None,
                    "Q" if i % 5 == 0 else None,
                    2 * i,
                    2 * i + 1,
                )
                for i in range(1, n + 1)
            )
            st = ParsedStatement(
                "main",
                title,
                "speech",
                dt.date(2021, 6, 1),
                None,
                "Москва",
                (ParsedSpeaker("Sergey Lavrov", None, as_printed="S.Lavrov"),),
                ("a",),
                paras,
                1,
                subtitle=title,
            )
            assert statement_json(st) == json.dumps(statement_to_dict(st), ensure_ascii=False), (n, title)
            rows = [
                Para(
                    f"k.{i:04x}",
                    i,
                    i % 7 != 0,
                    f"Paragraph {i} — «{title}»",
                    "Q" if i % 5 == 0 else None,
                    "Лавров" if i % 3 == 0 else None,
                    "ab" * 32,
                    3,
                    (i, i + 1),
                )
                for i in range(1, n + 1)
            ]
            fields = {
                "title": title,
                "kind": "speech",
                "date": "2021-06-01",
                "venue": "Москва",
                "speakers": [{"name": "Sergey Lavrov", "role": None}],
                "excerpt": False,
                "paragraphs": rows,
                "versions": [{"keys": ["0a1b", "2c3d"], "n": 1}],
            }
            whole = json.dumps(
                dict(fields, paragraphs=[{**p._asdict(), "lines": list(p.lines)} for p in rows]),
                sort_keys=True,
                ensure_ascii=False,
            )
            assert fingerprint(fields) == hashlib.sha1(whole.encode()).hexdigest()[:16], (n, title)


@pytest.mark.slow
def test_a_600000_paragraph_statement_answers_its_first_page_fast_and_memory_stays_flat(tmp_path):
    import random
    import threading
    import time

    import httpx

    from tests.archive_procs import ROOT, run
    from tests.web.test_overload import Serve

    data = tmp_path / "data"
    assert run(data, "ingest", str(ROOT / "seeds"), cwd=tmp_path).returncode == 0
    key = _lengthen(data, 600_000)
    server = Serve(data, tmp_path)

    def rss() -> int:
        total = 0
        for pid in [server.proc.pid, *server.workers()]:
            for line in open(f"/proc/{pid}/status"):
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        return total // 1024

    try:
        warm_by = time.monotonic() + 120  # warm: until the worker's citeproc-js is set up
        while "being prepared" in httpx.get(f"{server.url}/statements/{key}", timeout=60).text:
            assert time.monotonic() < warm_by, "citeproc-js never became ready"
            time.sleep(0.5)
        before = rss()
        t = time.perf_counter()
        first = httpx.get(f"{server.url}/statements/{key}", timeout=60)
        took = time.perf_counter() - t
        assert first.status_code == 200 and 'id="p500"' in first.text and 'id="p501"' not in first.text
        assert took < 1.0, took
        errors: list = []
        stop = time.monotonic() + 20

        def reader(seed: int) -> None:
            rng = random.Random(seed)
            with httpx.Client(base_url=server.url, timeout=60) as c:
                while time.monotonic() < stop:
                    path = rng.choice([f"/statements/{key}", f"/api/statements/{key}"])
                    r = c.get(path, params={"page": rng.randint(1, 1200)})
                    if r.status_code != 200:
                        errors.append(r.status_code)

        threads = [threading.Thread(target=reader, args=(i,)) for i in range(3)]
        for th in threads:
            th.start()
        peak = before
        while any(th.is_alive() for th in threads):
            peak = max(peak, rss())
            time.sleep(0.2)
        assert not errors
        assert peak - before < 100, (before, peak)
    finally:
        server.stop()


def test_hits_and_their_next_and_previous_links_cross_the_pages_of_a_long_statement(long_archive):
    """Arriving from a search, "hit k of N" counts the hits of the whole statement and the
    next/previous links lead to the page (and anchor) of the hit beyond this page: no script."""
    client, key, _count = long_archive
    q = '"item number 499" OR "item number 501" OR "item number 1001"'

    def hit_of(page_no: int):
        page = soup(client.get(f"/statements/{key}", params={"q": q, "page": page_no}))
        (li,) = page.select("li.para.is-hit")
        return page, li

    page1, first = hit_of(1)
    assert "item number 499 " in first.get_text() and "hit 1 of 3" in first.get_text()
    assert first.select_one("mark")
    assert not first.select_one("a[rel=prev]")
    to_second = first.select_one("a[rel=next]")["href"]
    assert to_second.startswith(f"/statements/{key}?q=") and "page=2#p" in to_second
    assert "3 paragraphs match" in page1.select_one(".hits-summary").get_text()
    page2 = soup(client.get(to_second.split("#")[0]))
    (second,) = page2.select("li.para.is-hit")
    assert f"#{second['id']}" == "#" + to_second.split("#")[1]
    assert "item number 501 " in second.get_text() and "hit 2 of 3" in second.get_text()
    assert second.select_one("a[rel=prev]")["href"].endswith(f"#{first['id']}")
    assert "page=3#p" in second.select_one("a[rel=next]")["href"]
    assert "hits 2 on this page" in page2.select_one(".hits-summary").get_text(" ")
    # the search's own count for the statement agrees
    group = client.get("/api/search", params={"q": q}).json()["results"][0]
    assert len(group["paragraphs"]) + group["more_paragraphs"] == 3
