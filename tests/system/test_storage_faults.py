"""Storage faults detected and survived (issue 11): a damaged search index (truncated or
overwritten postings, truncated terms or column files) is reported by `archive check` in one
line, and a search meeting it answers 503 while the server rebuilds the index from the
database; an empty or damaged database file is reported (never migrated into a new, empty
archive next to the old index); a full disk (a small tmpfs, when the tests run as root and may
mount one) during ingest is one line and exit status 4, and `serve` then starts anyway."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from app.storage import DISK_FULL_EXIT
from tests import backend
from tests.archive_procs import ROOT, no_traceback, run, wait_for, write_pages
from tests.web_support import make_client

SEEDS = ROOT / "seeds"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("storage")
    data = base / "data"
    done = run(data, "ingest", str(SEEDS), cwd=base)
    assert done.returncode == 0, done.stderr
    return data


@pytest.fixture
def data(built, tmp_path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(built, copy)
    if backend.POSTGRES:  # the archive's database is on the server: copy it too
        backend.copy_database(built, copy)
    return copy


def _segment_file(data: Path, suffix: str) -> Path:
    (gen,) = [g for g in (data / "index").iterdir() if g.name.startswith("gen-")]
    return max((f for f in gen.iterdir() if f.name.endswith(suffix)), key=lambda f: f.stat().st_size)


def damage(data: Path, how: str) -> None:
    if how == "garbage postings":
        f = _segment_file(data, ".pst")
        size = f.stat().st_size
        with f.open("r+b") as fh:
            fh.seek(size // 4)
            fh.write(os.urandom(size // 2))
    else:
        f = _segment_file(
            data,
            {"truncated postings": ".pst", "truncated terms": ".trm", "truncated column": ".paras.col"}[how],
        )
        with f.open("r+b") as fh:
            fh.truncate(f.stat().st_size // 2)


def one_line_error(result: subprocess.CompletedProcess, *words: str) -> None:
    assert no_traceback(result), result.stderr[-3000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert all(w in errors[0] for w in words), errors[0]


HOWS = ["truncated postings", "garbage postings", "truncated terms", "truncated column"]


@pytest.mark.parametrize("how", HOWS)
def test_check_reports_a_damaged_index_in_one_line(data, how):
    assert run(data, "check", cwd=data.parent).returncode == 0
    damage(data, how)
    result = run(data, "check", cwd=data.parent)
    assert result.returncode == 1
    one_line_error(result, "damaged", "reindex")


@pytest.mark.parametrize("how", ["truncated postings", "garbage postings"])
def test_check_samples_postings_and_still_finds_the_damage_and_full_decodes_every_one(data, how, monkeypatch):
    """`check` decodes a sample of terms' postings per segment (its time does not grow with
    every posting of the archive); a tiny sample still meets damage spread over the file, and
    `check --full` decodes them all."""
    from app.config import Settings
    from app.db import open_database
    from app.search import check_index

    damage(data, how)
    monkeypatch.setattr("app.search.index.SAMPLE_TERMS", 10)
    settings = Settings(data_dir=data)
    engine, factory = open_database(settings, migrate=False)
    try:
        assert "damaged" in (check_index(settings, factory).problem or "")
    finally:
        engine.dispose()
    result = run(data, "check", "--full", cwd=data.parent)
    assert result.returncode == 1
    one_line_error(result, "damaged", "reindex")


def test_a_search_on_a_damaged_index_answers_503_and_the_index_is_rebuilt(data, monkeypatch):
    damage(data, "garbage postings")
    monkeypatch.setenv("ARCHIVE_DATA_DIR", str(data))  # the rebuild runs `archive reindex` in this env
    if backend.POSTGRES:  # and that process must find the same database
        monkeypatch.setenv("ARCHIVE_DATABASE_URL", backend.database_url_for(data))
    with make_client(data) as client:
        page = client.get("/search", params={"q": "cooperation"})
        assert page.status_code == 503 and "being rebuilt" in page.text and page.headers["retry-after"]
        r = client.get("/api/search", params={"q": "cooperation"})  # (unless the rebuild is done already)
        assert r.status_code == 200 or (r.status_code == 503 and "damaged" in r.json()["error"])
        assert client.get("/api/statements").status_code == 200  # browsing still works

        def answers() -> bool:
            return client.get("/api/search", params={"q": "cooperation"}).status_code == 200

        wait_for(answers, timeout=120, interval=0.5, what="the rebuilt index to answer")
    assert run(data, "check", cwd=data.parent).returncode == 0


@backend.sqlite_only
def test_an_empty_database_file_next_to_an_index_is_reported_not_recreated(data):
    db = data / "archive.sqlite3"
    for extra in ("-wal", "-shm"):
        Path(f"{db}{extra}").unlink(missing_ok=True)
    db.write_bytes(b"")
    for command in (["check"], ["serve", "--port", "1"], ["export"]):
        result = run(data, *command, cwd=data.parent, timeout=60)
        assert result.returncode == 1, (command, result.stderr)
        one_line_error(result, "empty", "backup")
    assert db.stat().st_size == 0  # nothing migrated into it


@backend.sqlite_only
def test_a_corrupted_database_is_reported_in_one_line(data):
    db = data / "archive.sqlite3"
    run(data, "db", "upgrade", cwd=data.parent)  # (checkpoints nothing: the WAL holds no frames after ingest)
    for extra in ("-wal", "-shm"):
        Path(f"{db}{extra}").unlink(missing_ok=True)
    size = db.stat().st_size
    with db.open("r+b") as fh:
        fh.seek(4096)
        fh.write(os.urandom(size - 8192))
    for command in (["check"], ["export"]):
        result = run(data, *command, cwd=data.parent, timeout=60)
        assert result.returncode == 1, (command, result.stdout[-500:], result.stderr[-2000:])
        one_line_error(result, "damaged")


@pytest.fixture
def small_disk(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mnt = tmp_path / "small-disk"
    mnt.mkdir()
    if subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mnt)], capture_output=True
    ).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


@pytest.mark.skipif(
    backend.POSTGRES,
    reason="open on PostgreSQL: the database is not on the small disk, the index "
    "alone fills it, and Whoosh's indexing subprocess prints a traceback (FileNotFoundError)",
)
def test_a_full_disk_during_ingest_is_one_line_and_serve_still_starts(small_disk, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_pages(corpus, 6000, seed=5)  # more than 3 MB of database and index
    data = small_disk / "data"
    result = run(data, "ingest", str(corpus), cwd=tmp_path, ARCHIVE_INGEST_WORKERS="1", timeout=600)
    assert result.returncode == DISK_FULL_EXIT, (result.returncode, result.stderr[-3000:])
    one_line_error(result, "disk", "full")
    from tests.web.test_overload import Serve

    server = Serve(data, tmp_path)  # the archive as it is: what was committed, indexing pending
    try:
        import httpx

        assert httpx.get(f"{server.url}/api/statements", timeout=10).status_code == 200
    finally:
        log = server.stop()
    assert "Traceback" not in log, log[-3000:]
