"""Versions and paragraph permanence (issue 16): every text a statement ever had is a version;
every statement and paragraph URL ever issued keeps its words, through edits under the same
file name and new ones (split, merge, reorder, reword, typo fix), a re-parse with a changed
paragraph rule, and a rebuild from the export; the current version is the latest capture,
whatever the ingest order."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from rapidfuzz import fuzz
from sqlalchemy import select

from app.bidi import close_bidi, export_line, restore_stored
from app.ingest import page_body as parse_module
from app.ingest.paragraphs import Block
from app.ingest.versions import changes, successor, word_diff
from app.models import Paragraph, SourceDocument, Statement
from tests.conftest import SEEDS
from tests.web_support import make_client, soup

FULL = "002_822fe0b5f90ffc11.txt"  # a full statement (Lavrov at the RSPP) with a page clock


def _records(cli) -> dict[str, dict]:
    result = cli("export")
    assert result.exit_code == 0, result.output
    return {r["key"]: r for r in map(json.loads, result.stdout.splitlines())}


def _issued(factory) -> tuple[dict[str, str], dict[str, str]]:
    """Every statement URL with its title, every paragraph URL with its text, as the archive has them."""
    with factory() as s:
        statements = {f"/statements/{k}": t for k, t in s.execute(select(Statement.key, Statement.title))}
        paragraphs = {f"/p/{k}": t for k, t in s.execute(select(Paragraph.key, Paragraph.text))}
    return statements, paragraphs


def _body_paragraphs(text: str) -> list[str]:
    """The long prose paragraphs of a seed page (the blocks an editor would touch)."""
    return [b for b in text.split("\n\n") if _prose(b)]


def _prose(block: str) -> bool:
    return len(block) > 300 and "\n" not in block.strip() and ". " in block.strip()


def _touch(path: Path, later_by: float) -> None:
    t = path.stat().st_mtime + later_by
    os.utime(path, (t, t))


def _edit(text: str) -> str:
    """Split one paragraph, merge two, swap two, reword one, make a typo-sized change in another."""
    blocks = text.split("\n\n")
    ps = [i for i, b in enumerate(blocks) if _prose(b)]
    assert len(ps) >= 8
    a, b, c, d, e, f, g = ps[:7]
    blocks[f] = blocks[f].replace(" the ", " this ", 2)  # reword
    blocks[g] = blocks[g].replace("e", "é", 1)  # typo-sized change
    blocks[d], blocks[e] = blocks[e], blocks[d]  # reorder
    head, tail = blocks[a].split(". ", 1)
    blocks[a] = f"{head}.\n\n{tail}"  # split
    blocks[b] = f"{blocks[b]} {blocks[c]}"  # merge (b and c need not be adjacent)
    del blocks[c]
    return "\n\n".join(blocks)


def _check_every_url(client, statements: dict[str, str], paragraphs: dict[str, str]) -> None:
    for url, title in statements.items():
        r = client.get(url)
        assert r.status_code == 200 and soup(r).h1.get_text() == title, url
    for url, text in paragraphs.items():
        r = client.get(url)
        assert r.status_code == 200, url
        assert soup(r).select_one("li.is-focus blockquote").get_text(strip=True) == text.strip(), url


def _split_long_blocks(real):
    """A changed paragraph rule: a block over 400 characters is split after its first sentence."""

    def blocks(lines, start, end, used, per_line):
        out = []
        for b in real(lines, start, end, used, per_line):
            if len(b.text) > 400 and ". " in b.text and "\n" not in b.text:
                head, tail = b.text.split(". ", 1)
                out += [Block(b.first, b.first, head + "."), Block(b.first, b.last, tail)]
            else:
                out.append(b)
        return out

    return blocks


def _check_every_url_by_api(client, statements: dict[str, str], paragraphs: dict[str, str]) -> None:
    """The same URLs through their JSON form (/api/…): 200 after redirects, the recorded words."""
    for url, title in statements.items():
        r = client.get("/api" + url)
        assert r.status_code == 200 and r.json()["title"] == title, url
    for url, text in paragraphs.items():
        r = client.get("/api" + url)
        assert r.status_code == 200 and r.json()["text"] == text, url


@pytest.fixture
def scenario(cli, factory, settings, seed_copy, tmp_path, monkeypatch):
    return _scenario(cli, factory, settings, seed_copy, tmp_path, monkeypatch)


@pytest.mark.slow  # the whole scenario (ingest, edits, re-parse, rebuild) and every URL ever issued: make soak
def test_every_issued_url_survives_edits_reparse_and_rebuild(scenario):
    """Every URL ever issued, through the API after the rebuild; the edited statement's pages
    as HTML (every page as HTML: the slow test below)."""
    statements, paragraphs, key, rebuilt = scenario
    with make_client(rebuilt) as client:
        _check_every_url_by_api(client, statements, paragraphs)
        _check_every_url(
            client,
            {f"/statements/{key}": statements[f"/statements/{key}"]},
            {u: t for u, t in paragraphs.items() if u.startswith(f"/p/{key}.")},
        )


@pytest.mark.slow
def test_every_issued_page_survives_edits_reparse_and_rebuild(scenario):
    statements, paragraphs, _key, rebuilt = scenario
    with make_client(rebuilt) as client:
        _check_every_url(client, statements, paragraphs)


def _scenario(cli, factory, settings, seed_copy, tmp_path, monkeypatch):
    """Build from the seeds; edit the full page under its name; a later copy under another name;
    re-parse with a changed paragraph rule; export and import into a fresh archive. Returns the
    URLs issued along the way (with their words), the edited statement's key, the rebuilt data dir."""
    assert cli("ingest", seed_copy).exit_code == 0
    statements, paragraphs = _issued(factory)
    full = seed_copy / FULL
    original = full.read_text(encoding="utf-8")
    key = next(k for k, r in _records(cli).items() if not r["excerpt"] and FULL in json.dumps(r["sources"]))

    full.write_text(_edit(original), encoding="utf-8")  # edited under the same file name
    _touch(full, 60)
    assert cli("ingest", full).exit_code == 0
    rec = _records(cli)[key]
    assert [v["current"] for v in rec["versions"]] == [False, True]
    assert rec["versions"][1]["changes"]["changed"] >= 3 and rec["versions"][1]["changes"]["added"] >= 0
    for url, text in _issued(factory)[1].items():
        paragraphs.setdefault(url, text)

    elsewhere = tmp_path / "mirror" / "copy-of-the-page.txt"  # a later capture under another name
    elsewhere.parent.mkdir()
    elsewhere.write_text(
        _edit(original).replace("Colleagues and friends,", "Colleagues, friends,"), encoding="utf-8"
    )
    _touch(elsewhere, 120)
    assert cli("ingest", elsewhere).exit_code == 0
    rec = _records(cli)[key]
    assert len(rec["versions"]) == 3 and rec["versions"][2]["current"]
    assert any(p["text"] == "Colleagues, friends," for p in rec["paragraphs"])
    for url, text in _issued(factory)[1].items():
        paragraphs.setdefault(url, text)

    with pytest.MonkeyPatch.context() as mp:  # a parser change, in this process
        mp.setattr(parse_module, "blocks", _split_long_blocks(parse_module.blocks))
        result = cli("reparse")
    assert result.exit_code == 0, result.output
    rec = _records(cli)[key]
    assert rec["versions"][-1]["reparse"] and rec["versions"][-1]["current"]
    for url, text in _issued(factory)[1].items():
        paragraphs.setdefault(url, text)
    statements.update({u: t for u, t in _issued(factory)[0].items()})

    with make_client(settings.data_dir) as client:  # here: the edited statement's (the rebuild: every URL)
        _check_every_url(
            client,
            {f"/statements/{key}": rec["title"]},
            {u: t for u, t in paragraphs.items() if u.startswith(f"/p/{key}.")},
        )
        old = next(u for u, t in paragraphs.items() if t == _body_paragraphs(original)[5].strip())
        page = soup(client.get(old))
        notice = page.select_one("p.notice.revised")
        assert notice is not None and "revised on" in notice.get_text()
        succ = notice.select_one("a[rel=successor]")["href"]
        assert succ.startswith("/p/") and succ != old
        words = soup(client.get(succ)).select_one("li.is-focus blockquote").get_text(strip=True)
        assert fuzz.partial_ratio(words, paragraphs[old]) > 80  # the revised words (or a half of them, split)
        r = client.get(f"/statements/{key}")
        assert "revised" in soup(r).select_one("section.versions").get_text()
        r = client.get(f"/statements/{key}/diff?from=1&to=2")
        assert r.status_code == 200 and soup(r).select("ins") and soup(r).select("del")
        assert client.get(f"/statements/{key}/diff?from=1&to=99").status_code == 404
        assert client.get(f"/statements/{key}/diff?from=x&to=2").status_code in (400, 422)
        api = client.get(f"/api/statements/{key}").json()
        assert len(api["versions"]) == 5 and api["versions"][1]["diff"].endswith("diff?from=1&to=2")
        revision = client.get("/api" + old).json()["revision"]
        assert revision["successor"] == succ.removeprefix("/p/") and revision["version"] == 1

    dump = tmp_path / "archive.jsonl"
    assert cli("export", "--out", dump).exit_code == 0
    rebuilt = tmp_path / "rebuilt"
    monkeypatch.setenv("ARCHIVE_DATA_DIR", str(rebuilt))
    result = cli("import", dump)
    assert result.exit_code == 0, result.output
    again = cli("export")
    assert again.stdout == dump.read_text(encoding="utf-8")  # the rebuild exports the same lines
    return statements, paragraphs, key, rebuilt


def test_current_version_is_the_latest_capture_whatever_the_order(cli, tmp_path, monkeypatch):
    """The same three captures of one page (two at the same path, one under another name),
    ingested in two orders into two archives: byte-identical exports, the latest capture current."""
    original = (SEEDS / FULL).read_text(encoding="utf-8")
    texts = [
        original,
        _edit(original),
        _edit(original).replace("Colleagues and friends,", "Colleagues, friends,"),
    ]
    times = [1_600_000_000, 1_600_000_600, 1_600_001_200]
    exports = []
    for order in ([0, 1, 2], [2, 1, 0]):
        monkeypatch.setenv("ARCHIVE_DATA_DIR", str(tmp_path / f"archive-{order[0]}"))
        pages = tmp_path / f"pages-{order[0]}"
        for i in order:
            target = pages / ("site" if i < 2 else "mirror") / FULL
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(texts[i], encoding="utf-8")
            os.utime(target, (times[i], times[i]))
            assert cli("ingest", target).exit_code == 0
        exports.append(cli("export").stdout)
    assert exports[0] == exports[1]
    rec = next(r for r in map(json.loads, exports[0].splitlines()) if len(r["versions"]) > 1)
    assert [v["current"] for v in rec["versions"]] == [False, False, True]
    assert any(p["text"] == "Colleagues, friends," for p in rec["paragraphs"])


def test_an_older_capture_arriving_late_does_not_become_current(cli, factory, seed_copy):
    page = seed_copy / FULL
    edited = _edit(page.read_text(encoding="utf-8"))
    original = page.read_text(encoding="utf-8")
    page.write_text(edited, encoding="utf-8")
    _touch(page, 600)
    cli("ingest", page)
    page.write_text(original, encoding="utf-8")
    _touch(page, -1200)  # the uncorrected text, captured earlier, ingested last
    cli("ingest", page)
    rec = next(r for r in _records(cli).values() if len(r["versions"]) > 1)
    assert rec["versions"][1]["current"] and not rec["versions"][0]["current"]
    with factory() as s:
        live = s.scalar(select(SourceDocument).where(SourceDocument.path.endswith(FULL)))
        assert live.superseded is False
        assert s.scalar(select(SourceDocument.superseded).where(SourceDocument.path.contains("@"))) is True


def test_import_refuses_bad_lines_and_a_full_archive(cli, tmp_path, monkeypatch):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"key": "a", "title": "t", "kind": "k", "paragraphs": []}\n{not json\n', encoding="utf-8")
    monkeypatch.setenv("ARCHIVE_DATA_DIR", str(tmp_path / "fresh"))
    result = cli("import", bad)
    assert result.exit_code == 2 and f"{bad}:2:" in result.output
    assert cli("import", tmp_path / "missing.jsonl").exit_code == 2
    cli("ingest", SEEDS / FULL)
    good = tmp_path / "good.jsonl"
    cli("export", "--out", good)
    result = cli("import", good)
    assert result.exit_code == 2 and "not empty" in result.output


def test_alignment_finds_split_merged_and_reworded_successors():
    old = ["a", "b", "c", "d"]
    texts = {
        "a": "One two three four five. Six seven eight nine ten.",
        "b": "Alpha beta gamma delta.",
        "c": "Epsilon zeta eta theta.",
        "d": "The minister said the talks went well.",
        "a1": "One two three four five.",
        "a2": "Six seven eight nine ten.",
        "bc": "Alpha beta gamma delta. Epsilon zeta eta theta.",
        "d2": "The minister said this talks went well.",
    }
    new = ["a1", "a2", "bc", "d2"]
    assert successor(old, 0, new, texts.__getitem__) == (0, False)
    assert successor(old, 1, new, texts.__getitem__) == (2, False)
    assert successor(old, 2, new, texts.__getitem__) == (2, False)
    assert successor(old, 3, new, texts.__getitem__) == (3, False)
    assert changes(old, new).as_dict() == {"changed": 4, "added": 0, "removed": 0}
    assert changes(["a", "b"], ["b", "a", "c"]).as_dict() == {"changed": 0, "added": 1, "removed": 0}


def test_word_diff_marks_words_and_keeps_text_unescaped_for_the_template():
    assert word_diff("the <b> talks", "the <i> talks") == [
        ("same", "the "),
        ("del", "<b>"),
        ("ins", "<i>"),
        ("same", " talks"),
    ]


def test_diff_page_escapes_html(cli, settings, seed_copy):
    page = seed_copy / FULL
    text = page.read_text(encoding="utf-8")
    p = _body_paragraphs(text)[2]
    cli("ingest", page)
    page.write_text(text.replace(p, p + " <script>alert(1)</script>"), encoding="utf-8")
    _touch(page, 60)
    cli("ingest", page)
    key = next(r["key"] for r in _records(cli).values() if len(r["versions"]) == 2)
    with make_client(settings.data_dir) as client:
        r = client.get(f"/statements/{key}/diff?from=1&to=2")
    assert r.status_code == 200 and "<script>alert" not in r.text and "&lt;script&gt;" in r.text


@pytest.mark.empty_database
def test_an_archive_made_at_0008_keeps_every_url_after_the_upgrade(
    cli, settings, seed_copy, tmp_path, monkeypatch
):
    """Built, then taken back to migration 0008 (no versions, no superseded documents): after the
    upgrade every statement and paragraph URL resolves to its words, the export (one version a
    statement) rebuilds an archive, and the next edit makes versions."""
    from alembic import command
    from alembic.script import ScriptDirectory

    from app.db import alembic_config, current_revision, make_engine, open_database

    assert cli("ingest", seed_copy).exit_code == 0
    command.downgrade(alembic_config(settings), "0008")
    engine = make_engine(settings)
    assert current_revision(engine) == "0008"
    with engine.connect() as conn:
        statements = {
            f"/statements/{k}": t for k, t in conn.exec_driver_sql("SELECT key, title FROM statements")
        }
        paragraphs = {f"/p/{k}": t for k, t in conn.exec_driver_sql("SELECT key, text FROM paragraphs")}
    engine.dispose()
    with make_client(settings.data_dir) as client:  # the server migrates to head as it starts
        _check_every_url_by_api(client, statements, paragraphs)
    engine, factory = open_database(settings)
    assert (
        current_revision(engine) == ScriptDirectory.from_config(alembic_config(settings)).get_current_head()
    )
    engine.dispose()
    dump = tmp_path / "old.jsonl"
    assert cli("export", "--out", dump).exit_code == 0
    assert all(
        len(json.loads(line)["versions"]) == 1 for line in dump.read_text(encoding="utf-8").splitlines()
    )
    monkeypatch.setenv("ARCHIVE_DATA_DIR", str(tmp_path / "rebuilt"))
    assert cli("import", dump).exit_code == 0
    with make_client(tmp_path / "rebuilt") as client:
        _check_every_url_by_api(client, statements, paragraphs)


def test_an_export_imported_exports_the_same_bytes_pages_with_teasers_and_clocks(cli, tmp_path, monkeypatch):
    """Seeds and the export fixture pages (page clocks, teasers of statements printed in full on
    other pages): export → import into a fresh archive → export gives the same bytes. A source
    listed bare (it only holds a teaser of the statement) must not lose the capture fields its
    other statements' versions carry, whichever line of the export comes first."""
    import shutil

    from tests.conftest import DATA

    pages = tmp_path / "pages"
    shutil.copytree(SEEDS, pages)
    for page in (DATA / "export_pages").iterdir():
        # bidi_controls.txt included: its unterminated controls are closed in the export's
        # strings, and its stored words travel under bidi_stored (app.bidi.export_line)
        if page.suffix in (".txt", ".html"):
            shutil.copy(page, pages / page.name)
    assert cli("ingest", pages).exit_code == 0
    dump = tmp_path / "dump.jsonl"
    assert cli("export", "--out", dump).exit_code == 0
    monkeypatch.setenv("ARCHIVE_DATA_DIR", str(tmp_path / "rebuilt"))
    assert cli("import", dump).exit_code == 0
    assert cli("export").stdout == dump.read_text(encoding="utf-8")
    lines = dump.read_text(encoding="utf-8").splitlines()
    bidi = [json.loads(x) for x in lines if "bidi_stored" in x]
    assert bidi and all(close_bidi(v) == v for r in bidi for _path, v in r["bidi_stored"])  # escaped
    assert all(close_bidi(v) == v for r in bidi for v in (r["title"], *(p["text"] for p in r["paragraphs"])))


def test_an_export_line_keeps_the_stored_words_and_import_puts_them_back():
    record = {"title": "a \u202eb", "paragraphs": [{"text": "x\u2067y", "n": 1}, {"text": "plain", "n": 2}]}
    read = json.loads(export_line(record))
    assert read["title"] == close_bidi("a \u202eb") and read["paragraphs"][1]["text"] == "plain"
    assert read["bidi_stored"] == [[["title"], "a \\u202eb"], [["paragraphs", 0, "text"], "x\\u2067y"]]
    assert restore_stored(read) == record
    tricky = {"title": "\\u202e is how \u202e is written"}  # a backslash in the text survives
    assert restore_stored(json.loads(export_line(tricky))) == tricky
    assert export_line({"title": "plain"}) == json.dumps({"title": "plain"}, ensure_ascii=False)
    with pytest.raises(ValueError):
        restore_stored({"title": "t", "bidi_stored": [[["n"], 5]]})


def test_a_retitled_and_edited_page_keeps_the_old_words_at_the_old_keys(cli, factory, settings, seed_copy):
    """The same page, later, with a corrected title (a new statement key) and edited paragraphs:
    the old statement URL leads to the new statement, and every old paragraph URL still shows
    the words it was issued for (a changed one from its old version, with its successor)."""
    page = seed_copy / FULL
    assert cli("ingest", page).exit_code == 0
    statements, paragraphs = _issued(factory)
    key, rec = next((k, r) for k, r in _records(cli).items() if not r["excerpt"])
    original = page.read_text(encoding="utf-8")
    assert original.count(rec["title"]) == 1
    page.write_text(_edit(original).replace(rec["title"], rec["title"] + " (corrected)"), encoding="utf-8")
    _touch(page, 60)
    assert cli("ingest", page).exit_code == 0
    now, _ = _issued(factory)
    assert f"/statements/{key}" not in now  # re-keyed
    with make_client(settings.data_dir) as client:
        for url in statements:
            assert client.get(url).status_code == 200, url
        _check_every_url(client, {}, paragraphs)
        changed = next(u for u, t in paragraphs.items() if t == _body_paragraphs(original)[5].strip())
        notice = soup(client.get(changed)).select_one("p.notice.revised")
        assert notice is not None and notice.select_one("a[rel=successor]")["href"].startswith("/p/")


def _issued_by_export(cli) -> tuple[set[str], dict[str, str]]:
    """Every statement URL and every paragraph URL with its words, read from the export."""
    statements, paragraphs = set(), {}
    for key, rec in _records(cli).items():
        statements.add(f"/statements/{key}")
        for p in [
            *rec["paragraphs"],
            *rec["retired"],
            *(q for v in rec["versions"] for q in v["paragraphs"] or []),
        ]:
            paragraphs.setdefault(f"/p/{p['key']}", p["text"])
    return statements, paragraphs


def test_a_retitled_page_keeps_every_url_whatever_the_order_and_through_an_export(cli, tmp_path, monkeypatch):
    """The page and its later retitled, edited capture at the same path, ingested in both orders
    into two archives: the same export bytes, the later capture current, the earlier one an
    earlier version of it; the export imported into a fresh archive exports the same bytes; and
    in each of the three archives every URL the first order issued keeps its words."""
    original = (SEEDS / FULL).read_text(encoding="utf-8")
    times = (1_600_000_000, 1_600_086_400)
    exports, statements, paragraphs = [], set(), {}

    def ingest(name: str, text: str, when: int) -> None:
        monkeypatch.setenv("ARCHIVE_DATA_DIR", str(tmp_path / name))
        page = tmp_path / f"pages-{name}" / "site" / FULL
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(text, encoding="utf-8")
        os.utime(page, (when, when))
        assert cli("ingest", page).exit_code == 0

    ingest("forward", original, times[0])
    old_key, old = next((k, r) for k, r in _records(cli).items() if not r["excerpt"])
    assert original.count(old["title"]) == 1
    retitled = _edit(original).replace(old["title"], old["title"] + " (corrected)")
    _add_issued(cli, statements, paragraphs)
    ingest("forward", retitled, times[1])
    _add_issued(cli, statements, paragraphs)
    exports.append(cli("export").stdout)
    ingest("reverse", retitled, times[1])
    ingest("reverse", original, times[0])
    exports.append(cli("export").stdout)
    assert exports[0] == exports[1]
    rec = next(r for r in map(json.loads, exports[0].splitlines()) if len(r["versions"]) > 1)
    assert rec["key"] != old_key and rec["title"] == old["title"] + " (corrected)"
    assert [v["current"] for v in rec["versions"]] == [False, True]
    assert {p["text"] for p in rec["versions"][0]["paragraphs"]} == {p["text"] for p in old["paragraphs"]}
    assert old_key not in {json.loads(line)["key"] for line in exports[0].splitlines()}
    dump = tmp_path / "reverse.jsonl"
    dump.write_text(exports[1], encoding="utf-8")
    monkeypatch.setenv("ARCHIVE_DATA_DIR", str(tmp_path / "rebuilt"))
    assert cli("import", dump).exit_code == 0
    assert cli("export").stdout == exports[0]
    changed = next(u for u, t in paragraphs.items() if t == _body_paragraphs(original)[5].strip())
    assert changed.startswith(f"/p/{old_key}.")
    for name in ("forward", "reverse", "rebuilt"):
        with make_client(tmp_path / name) as client:
            for url in statements:
                assert client.get("/api" + url).status_code == 200, (name, url)
            assert client.get(f"/api/statements/{old_key}").json()["key"] == rec["key"]
            for url, words in paragraphs.items():
                r = client.get("/api" + url)
                assert r.status_code == 200 and r.json()["text"] == words, (name, url)
            revision = client.get("/api" + changed).json()["revision"]
            assert revision["version"] == 1 and revision["successor"].startswith(rec["key"] + ".")


def _add_issued(cli, statements: set[str], paragraphs: dict[str, str]) -> None:
    """Every statement URL and every paragraph URL (with its words) the archive has, from its export."""
    for key, rec in _records(cli).items():
        statements.add(f"/statements/{key}")
        versions = [q for v in rec["versions"] for q in v["paragraphs"] or []]
        for p in [*rec["paragraphs"], *rec["retired"], *versions]:
            paragraphs.setdefault(f"/p/{p['key']}", p["text"])
