"""Ingestion into a real SQLite archive: keys, merge of teasers and full texts, idempotence,
changed pages, and bad input that fails alone."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from sqlalchemy import func, select

from app.models import KeyAlias, Paragraph, SourceDocument, Statement
from tests.conftest import SEEDS

SEED_FILES = sorted(SEEDS.glob("*.txt"))
FULL_LAVROV_RSPP = "002_822fe0b5f90ffc11.txt"  # full text of a statement …
TEASER_PAGE = "001_e008f88601b054ee.txt"  # … that this page lists as a teaser


def export(cli) -> str:
    result = cli("export")
    assert result.exit_code == 0, result.output
    return result.stdout


def records(cli) -> dict[str, dict]:
    return {r["key"]: r for r in map(json.loads, export(cli).splitlines())}


def test_ingest_seeds_reports_summary_and_exits_zero(cli):
    result = cli("ingest", SEEDS)
    assert result.exit_code == 0, result.output
    assert "pages read" in result.stdout and "failures" in result.stdout
    recs = records(cli)
    mains = [r for r in recs.values() if not r["excerpt"]]
    assert len(mains) == 5  # every seed page has a main statement
    titles = {r["title"] for r in mains}
    assert "Main foreign policy outcomes of 2017" in titles


def test_export_line_shape(cli):
    cli("ingest", SEEDS)
    line = export(cli).splitlines()[0]
    rec = json.loads(line)
    assert list(rec) == [
        "key",
        "title",
        "kind",
        "date",
        "published",
        "venue",
        "speakers",
        "topics",
        "excerpt",
        "original_url",
        "publisher",
        "captured_at",
        "captured",
        "url",
        "sources",
        "paragraphs",
        "versions",
        "retired",
        "redirects",
    ]
    assert rec["url"] == f"/statements/{rec['key']}"
    assert list(rec["paragraphs"][0]) == ["key", "n", "text", "speaker", "label"]
    keys = [json.loads(x)["key"] for x in export(cli).splitlines()]
    assert keys == sorted(keys)


def test_keys_are_stable_across_fresh_archives_and_orders(cli, tmp_path, monkeypatch):
    cli("ingest", SEEDS)
    first = export(cli)
    # a second, fresh archive, pages one per run in reverse order
    monkeypatch.setenv("ARCHIVE_DATA_DIR", str(tmp_path / "other"))
    for page in reversed(SEED_FILES):
        assert cli("ingest", page).exit_code == 0
    assert export(cli) == first


def test_statement_key_is_date_slug_hash(cli):
    cli("ingest", SEEDS / FULL_LAVROV_RSPP)
    (key,) = [k for k, r in records(cli).items() if not r["excerpt"]]
    assert key.startswith("2021-11-23-foreign-minister-sergey-lavrovs-remarks-at-the")
    assert len(key.rsplit("-", 1)[1]) == 8


@pytest.mark.parametrize("order", ["teaser-first", "full-first"])
def test_teaser_and_full_text_are_one_statement(cli, order):
    pages = [SEEDS / TEASER_PAGE, SEEDS / FULL_LAVROV_RSPP]
    if order == "teaser-first":
        cli("ingest", pages[0])
        teaser = next(r for r in records(cli).values() if r["date"] == "2021-11-23")
        assert teaser["excerpt"] is True and len(teaser["paragraphs"]) == 1
        cli("ingest", pages[1])
    else:
        cli("ingest", pages[1])
        cli("ingest", pages[0])
    matches = [r for r in records(cli).values() if r["date"] == "2021-11-23"]
    assert len(matches) == 1
    full = matches[0]
    assert full["excerpt"] is False and len(full["paragraphs"]) > 10
    assert full["published"] == "2021-11-24"  # known only from the teaser's dateline
    assert sorted(s["file"] for s in full["sources"]) == [TEASER_PAGE, FULL_LAVROV_RSPP]
    # the teaser's lead is the full text's 4th paragraph: same key, same text
    lead = next(
        p for p in full["paragraphs"] if p["text"].startswith("The Russian Foreign Ministry has always")
    )
    assert lead["n"] == 4


def test_teaser_lead_not_in_full_text_still_resolves(cli, factory, seed_copy):
    teaser_page = seed_copy / TEASER_PAGE
    text = teaser_page.read_text(encoding="utf-8")
    teaser_page.write_text(
        text.replace(
            "The Russian Foreign Ministry has always proceeded",
            "The Russian Foreign Ministry has always, always proceeded",
        ),
        encoding="utf-8",
    )
    cli("ingest", teaser_page)
    teaser = next(r for r in records(cli).values() if r["date"] == "2021-11-23")
    lead_key = teaser["paragraphs"][0]["key"]
    cli("ingest", seed_copy / FULL_LAVROV_RSPP)
    with factory() as s:
        para = s.scalar(select(Paragraph).where(Paragraph.key == lead_key))
        assert para is not None and para.current is False
        assert "always, always proceeded" in para.text
        assert para.statement.excerpt is False


def test_reingest_unchanged_pages_changes_nothing(cli, factory):
    cli("ingest", SEEDS)
    before = export(cli)
    with factory() as s:
        counts = [s.scalar(select(func.count(m.id))) for m in (Statement, Paragraph, SourceDocument)]
    result = cli("ingest", SEEDS)
    assert result.exit_code == 0
    assert export(cli) == before
    with factory() as s:
        assert [s.scalar(select(func.count(m.id))) for m in (Statement, Paragraph, SourceDocument)] == counts
    assert "5 / 0 / 0" not in result.stdout and "0 / 0 / 5" in result.stdout


def test_changed_page_updates_statement_in_place(cli, factory, seed_copy):
    page = seed_copy / FULL_LAVROV_RSPP
    cli("ingest", page)
    before = next(r for r in records(cli).values() if not r["excerpt"])
    old_text = before["paragraphs"][2]["text"]
    page.write_text(
        page.read_text(encoding="utf-8").replace(old_text, old_text + " (Applause.)"), encoding="utf-8"
    )
    later = page.stat().st_mtime + 60  # the edit is the later capture, whatever the clock's resolution
    os.utime(page, (later, later))
    result = cli("ingest", page)
    assert result.exit_code == 0 and "0 / 1 / 0" in result.stdout
    after = records(cli)[before["key"]]  # same statement key
    assert [p["key"] for i, p in enumerate(after["paragraphs"]) if i != 2] == [
        p["key"] for i, p in enumerate(before["paragraphs"]) if i != 2
    ]
    assert after["paragraphs"][2]["key"] != before["paragraphs"][2]["key"]
    with factory() as s:  # the old paragraph permalink keeps its words, as a retired paragraph
        old = s.scalar(select(Paragraph).where(Paragraph.key == before["paragraphs"][2]["key"]))
        assert (old.text, old.current) == (old_text, False)
        assert s.get(KeyAlias, before["paragraphs"][2]["key"]) is None
    assert [v["current"] for v in after["versions"]] == [False, True]


def test_changed_title_aliases_old_keys(cli, factory, seed_copy):
    page = seed_copy / FULL_LAVROV_RSPP
    cli("ingest", page)
    before = next(r for r in records(cli).values() if not r["excerpt"])
    page.write_text(
        page.read_text(encoding="utf-8").replace(
            "Foreign Minister Sergey Lavrov’s remarks at the meeting",
            "Foreign Minister Sergey Lavrov’s speech at the meeting",
            1,
        ),
        encoding="utf-8",
    )
    cli("ingest", page)
    after = next(r for r in records(cli).values() if not r["excerpt"])
    assert after["key"] != before["key"]
    with factory() as s:
        assert s.get(KeyAlias, before["key"]).new_key == after["key"]
        old_p = before["paragraphs"][5]["key"]
        alias = s.get(KeyAlias, old_p)
        assert alias.new_kind == "paragraph"
        assert (
            s.scalar(select(Paragraph.text).where(Paragraph.key == alias.new_key))
            == before["paragraphs"][5]["text"]
        )


BAD_PAGES = {
    "empty.txt": b"",
    "blank.txt": b"   \n\n \t\n",
    "binary.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
    "chrome-only.txt": b"3 December 2021\nMoscow: 07:30\nLondon: 04:30\n\nConsular queries:\n"
    b"+44 (0) 203 668 7474\n\nall messages\n",
}


@pytest.mark.parametrize("name", sorted(BAD_PAGES))
def test_bad_page_fails_alone_with_a_clear_error(cli, factory, tmp_path, name):
    pages = tmp_path / "mixed"
    shutil.copytree(SEEDS, pages)
    (pages / name).write_bytes(BAD_PAGES[name])
    result = cli("ingest", pages)
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and name in errors[0]
    with factory() as s:
        doc = s.scalar(select(SourceDocument).where(SourceDocument.file_name == name))
        assert doc.status == "failed" and doc.error
        assert s.scalar(select(func.count(SourceDocument.id)).where(SourceDocument.status == "ok")) == 5
    assert len([r for r in records(cli).values() if not r["excerpt"]]) == 5


def test_oversized_single_line_page_is_refused(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("ARCHIVE_MAX_PAGE_BYTES", str(1024 * 1024))
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * (1024 * 1024 + 1))
    result = cli("ingest", big, SEEDS / FULL_LAVROV_RSPP)
    assert result.exit_code == 1
    assert "big.txt: page too large" in result.stderr
    assert len(records(cli)) >= 1


def test_50mb_single_line_with_default_cap(cli, tmp_path):
    big = tmp_path / "huge.txt"
    with big.open("wb") as fh:
        fh.write(b"word " * (10 * 1024 * 1024))  # 50 MB, one line
    result = cli("ingest", big)
    assert result.exit_code == 1 and "huge.txt: page too large" in result.stderr


def test_invalid_utf8_page_is_decoded_not_refused(cli, tmp_path):
    page = tmp_path / "cp1251.txt"
    text = (
        (SEEDS / FULL_LAVROV_RSPP)
        .read_text(encoding="utf-8")
        .replace("’", "'")
        .replace("“", '"')
        .replace("”", '"')
        .replace("–", "-")
        .replace("\u00a0", " ")
    )
    page.write_bytes(text.encode("cp1251", errors="replace") + "\nПривет\n".encode("cp1251"))
    result = cli("ingest", page)
    assert result.exit_code == 0, result.stderr
    assert any(r["title"].startswith("Foreign Minister Sergey Lavrov") for r in records(cli).values())


def test_unreadable_and_missing_paths_are_reported(cli, tmp_path):
    pages = tmp_path / "p"
    pages.mkdir()
    shutil.copy(SEEDS / FULL_LAVROV_RSPP, pages)
    (pages / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    (pages / "loop").symlink_to(pages, target_is_directory=True)  # a symlink loop is not followed
    result = cli("ingest", pages, tmp_path / "missing-dir")
    assert result.exit_code == 1
    assert "dangling.txt: cannot read" in result.stderr
    assert "missing-dir: no such file or directory" in result.stderr
    assert len(records(cli)) >= 1


def test_directory_passed_twice_and_globs_read_each_file_once(cli):
    result = cli("ingest", SEEDS, SEEDS, str(SEEDS / "00*.txt"))
    assert result.exit_code == 0
    assert "5 / 0 / 0" in result.stdout


def test_bad_usage_exits_2(cli):
    assert cli("ingest").exit_code == 2
    assert cli("no-such-command").exit_code == 2


def test_stats_counts_by_kind_speaker_year(cli):
    cli("ingest", SEEDS)
    result = cli("stats")
    assert result.exit_code == 0
    assert "Sergey Lavrov" in result.stdout and "remarks" in result.stdout and "2021" in result.stdout


def test_paragraphs_remember_source_and_line_span(cli, factory):
    cli("ingest", SEEDS / FULL_LAVROV_RSPP)
    with factory() as s:
        first = s.scalar(select(Paragraph).where(Paragraph.n == 1, Paragraph.current.is_(True)))
        assert first.text == "Mr Shokhin,"
        assert (first.line_start, first.line_end) == (14, 14)
        assert first.source.file_name == FULL_LAVROV_RSPP
        assert first.source.raw_text.splitlines()[13] == "Mr Shokhin,"


def test_same_page_under_two_names_is_one_statement_with_two_sources(cli, tmp_path):
    pages = tmp_path / "two"
    pages.mkdir()
    text = (SEEDS / "002_822fe0b5f90ffc11.txt").read_bytes()
    (pages / "a.txt").write_bytes(text)
    (pages / "b.txt").write_bytes(text)
    assert cli("ingest", pages).exit_code == 0
    records = [json.loads(line) for line in cli("export").stdout.splitlines()]
    main = [r for r in records if not r["excerpt"]]
    assert len(main) == 1
    assert [s["file"] for s in main[0]["sources"]] == ["a.txt", "b.txt"]
