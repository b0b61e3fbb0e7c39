"""Crash safety: `archive ingest` killed with SIGKILL (the whole process group: loader and parse
workers) at several points of a run — after N pages, during the search index's commit, after
some changed pages of a re-scrape, during an incremental index commit — then `archive check`
and `archive ingest` again. Each page is its own transaction and the index is fed from an
outbox in the database, so after every kill there is no partial statement and no orphan
paragraph, `check` says what lags (never crashes), the next ingest completes the work, and
the final export is byte-identical to an archive built without any kill."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.archive_procs import (
    Db,
    cli,
    export_bytes,
    index_committing,
    invariant_violations,
    kill_when,
    no_traceback,
    reference_export,
    revise_pages,
    run,
    start,
    write_pages,
)


def assert_consistent(data: Path, when: str) -> None:
    assert invariant_violations(data) == {}, when


def check_after_kill(data: Path, when: str) -> None:
    """`archive check` right after a kill: may report the lag (exit 1), never crashes."""
    result = cli(data, "check")
    assert result.exit_code in (0, 1), (when, result.exit_code, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), (when, result.exception)
    if result.exit_code:
        assert "error:" in result.stderr and "reindex" in result.stderr, (when, result.stderr)
        if Db(data).count("index_queue"):
            assert "queued for the search index" in result.stderr, (when, result.stderr)


def finish(data: Path, cwd: Path, when: str) -> None:
    """An uninterrupted ingest completes what the killed ones left; then everything agrees."""
    done = run(data, "ingest", "corpus", cwd=cwd, timeout=1800)  # a deadline for progress, not a speed
    assert done.returncode == 0 and no_traceback(done), (when, done.stdout, done.stderr)
    assert_consistent(data, when)
    check = cli(data, "check")
    assert check.exit_code == 0, (when, check.output)
    assert Db(data).count("index_queue") == 0, when


def ingest_until(
    data: Path, cwd: Path, condition, what: str, *, required: bool = True, timeout: float = 1800
) -> bool:
    """Start an ingest and SIGKILL it when `condition()` holds (`timeout`: a deadline for the
    ingest's progress on a busy machine, not a speed)."""
    proc = start(data, "ingest", "corpus", cwd=cwd)
    killed = kill_when(proc, condition, timeout=timeout)
    if required:
        assert killed, f"the ingest ended before {what}"
    if killed:
        assert proc.returncode == -9
        assert_consistent(data, f"killed {what}")
        check_after_kill(data, f"killed {what}")
    return killed


@pytest.fixture
def crash_dir(tmp_path):
    base = tmp_path / "crash"
    base.mkdir()
    return base


def test_ingest_killed_at_several_points_resumes_to_the_same_archive(crash_dir, monkeypatch):
    corpus = crash_dir / "corpus"
    pages = write_pages(corpus, 1000, seed=5)
    data = crash_dir / "data"
    db = Db(data)

    # 1. a first ingest, killed after some pages: the index does not exist yet
    ingest_until(data, crash_dir, lambda: db.count("source_documents") >= 8, "after 8 pages")
    assert 8 <= db.count("source_documents") < pages
    # 2. again, killed while the search index is being committed (the first build)
    ingest_until(data, crash_dir, lambda: index_committing(data), "during the index build's commit")
    assert db.count("source_documents") == pages and db.count("index_queue") > 0
    # 3. to completion
    finish(data, crash_dir, "after the kills of a first ingest")
    first = export_bytes(data)
    # The archive keeps every text it was given (versions, issue 16): the reference is built,
    # without a kill, from the same states of the pages in the same order.
    states = [_snapshot(corpus, crash_dir / "state-0")]
    # 4. a re-scrape (edited paragraphs, changed titles, new pages), killed during the incremental
    #    index commit (a short window: retried with fresh changes if the run was quicker)
    revise_pages(corpus)
    kill_during_index_update(
        data,
        crash_dir,
        corpus,
        completed=lambda: states.append(_snapshot(corpus, crash_dir / f"state-{len(states)}")),
    )
    # 5. to completion: byte-identical to an archive built from the same pages without a kill
    finish(data, crash_dir, "after the kills of a re-scrape")
    states.append(corpus)
    final = replayed_reference(states, crash_dir, monkeypatch)
    assert export_bytes(data) == final
    assert final != first


def _snapshot(corpus: Path, dest: Path) -> Path:
    """The pages as they are now (with their modification times, which date a capture)."""
    shutil.copytree(corpus, dest)
    return dest


def replayed_reference(states: list[Path], base: Path, monkeypatch) -> bytes:
    """The export of an archive built without a kill by ingesting each state of the pages in turn."""
    ref_pages, ref_data = base / "ref-pages", base / "ref"
    for state in states:
        shutil.rmtree(ref_pages / "corpus", ignore_errors=True)
        shutil.copytree(state, ref_pages / "corpus")  # copy2: the files' times come along
        final = reference_export(ref_pages, ref_data, monkeypatch)
    return final


def kill_during_index_update(data: Path, cwd: Path, corpus: Path, attempts: int = 3, completed=None) -> None:
    """`completed()` is called when an attempt's ingest ran to its end (before the next changes)."""
    for attempt in range(attempts):
        if ingest_until(data, cwd, lambda: index_committing(data), "during an index update", required=False):
            return
        assert_consistent(data, "an ingest that ended before the kill")
        if completed is not None:
            completed()
        for f in sorted(corpus.rglob("page-*.txt"))[attempt::4]:  # more changes for the next attempt
            f.write_text(f.read_text("utf-8") + f"\nA closing remark, take {attempt}.\n", encoding="utf-8")
    pytest.fail(f"could not catch the index update's commit in {attempts} attempts")


@pytest.mark.slow
def test_kills_at_many_points_of_a_large_run(tmp_path, monkeypatch):
    """Soak: a few hundred pages, killed after N pages at several N, at fractions of the run
    time, during the first index build and during updates; the result equals a clean build."""
    base = tmp_path / "crash"
    corpus = base / "corpus"
    pages = write_pages(corpus, 18_000, seed=21)
    data = base / "data"
    db = Db(data)
    for n in (pages // 10, pages // 3, (2 * pages) // 3):
        ingest_until(data, base, lambda n=n: db.count("source_documents") >= n, f"after {n} pages")
    ingest_until(data, base, lambda: index_committing(data), "during the index build's commit")
    finish(data, base, "first ingest")
    assert export_bytes(data) == reference_export(base, base / "ref0", monkeypatch)
    # The archive keeps every text it was given (versions, issue 16): the final reference is
    # built, without a kill, from the same states of the pages in the same order.
    states = [_snapshot(corpus, base / "state-0")]

    revise_pages(corpus, every=3, retitle_every=5, new_pages=30)
    clean = base / "clean"  # the timing of one uninterrupted re-scrape, on a copy
    # copied by another process: closing a descriptor of a database file drops every POSIX lock
    # this process holds on it (SQLite's documented hazard), and the test holds connections
    subprocess.run(["cp", "-a", str(data), str(clean)], check=True)
    started = time.monotonic()
    assert run(clean, "ingest", "corpus", cwd=base, timeout=1800).returncode == 0
    duration = time.monotonic() - started
    for fraction in (0.15, 0.35, 0.55, 0.75, 0.9):
        proc = start(data, "ingest", "corpus", cwd=base)
        deadline = time.monotonic() + fraction * duration
        kill_when(proc, lambda deadline=deadline: time.monotonic() >= deadline, timeout=1800)
        assert_consistent(data, f"killed at {fraction:.0%} of the run")
        check_after_kill(data, f"killed at {fraction:.0%}")
    finish(data, base, "re-scrape, killed at fractions of the run")
    states.append(_snapshot(corpus, base / "state-1"))
    revise_pages(corpus, every=4, retitle_every=9, new_pages=10, seed=7)
    ingest_until(data, base, lambda: db.count("index_queue") >= 20, "after some changed pages")
    kill_during_index_update(
        data,
        base,
        corpus,
        attempts=5,
        completed=lambda: states.append(_snapshot(corpus, base / f"state-{len(states)}")),
    )
    finish(data, base, "re-scrape")
    states.append(corpus)
    assert export_bytes(data) == replayed_reference(states, base, monkeypatch)
    assert os.path.exists(data / "index" / "CURRENT")
