"""Test support for crash and concurrency tests: `archive …` as real subprocesses (each in its
own process group, so SIGKILL takes its parse workers too), polling the data dir while they
run, synthetic corpora (benchmarks/synth.py), and the archive's structural invariants."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests import backend

ROOT = Path(__file__).resolve().parent.parent


def archive_env(data: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}
    env.update(ARCHIVE_DATA_DIR=str(data), PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    if backend.POSTGRES:
        env["ARCHIVE_DATABASE_URL"] = backend.database_url_for(data)
    env.update(extra)
    return env


def start(data: Path, *args: str, cwd: Path, log: Path | None = None, **extra: str) -> subprocess.Popen:
    """`python -m app ARGS` in the background (its own session: killpg reaches its workers).
    Output is piped, or appended to `log` for a long-running process (a server's access log
    would fill a pipe nobody reads, and block it)."""
    out = open(log, "a") if log else subprocess.PIPE  # noqa: SIM115 - closed with the process
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "app", *map(str, args)],
            cwd=cwd,
            env=archive_env(data, **extra),
            stdout=out,
            stderr=subprocess.STDOUT if log else subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
    finally:
        if log:
            out.close()


def run(data: Path, *args: str, cwd: Path, timeout: float = 300, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app", *map(str, args)],
        cwd=cwd,
        env=archive_env(data, **extra),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def kill(proc: subprocess.Popen) -> None:
    """SIGKILL the process and everything in its process group (a power cut for that run)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.communicate(timeout=30)


def kill_when(
    proc: subprocess.Popen, condition: Callable[[], bool], *, timeout: float = 120, interval: float = 0.001
) -> bool:
    """SIGKILL `proc` as soon as `condition()` holds. False if the process ended first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            proc.communicate(timeout=30)
            return False
        if condition():
            kill(proc)
            return True
        time.sleep(interval)
    kill(proc)
    raise AssertionError(f"condition not reached within {timeout} s")


def wait_for(
    condition: Callable[[], bool], *, timeout: float = 60, interval: float = 0.01, what: str = "condition"
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)


class Db:
    """Read-only peeks into a data dir's archive (its SQLite file, or its PostgreSQL database)
    while other processes write it."""

    def __init__(self, data: Path):
        self.data = data
        self.path = data / "archive.sqlite3"
        self._conn = None

    def scalar(self, sql: str, default=None):
        if backend.POSTGRES:
            return self._pg_scalar(sql, default)
        if not self.path.exists():
            return default
        try:
            if self._conn is None:
                self._conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=5)
            return self._conn.execute(sql).fetchone()[0]
        except sqlite3.Error:  # not created or migrated yet
            self.close()
            return default

    def _pg_scalar(self, sql: str, default):
        from sqlalchemy import create_engine
        from sqlalchemy.exc import DBAPIError
        from sqlalchemy.pool import NullPool

        try:
            if self._conn is None:
                engine = create_engine(
                    backend.database_url_for(self.data), poolclass=NullPool, isolation_level="AUTOCOMMIT"
                )
                self._conn = engine.connect()
            return self._conn.exec_driver_sql(sql).scalar()
        except DBAPIError:  # not migrated yet
            self.close()
            return default

    def count(self, table: str) -> int:
        return self.scalar(f"SELECT count(*) FROM {table}", 0)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def index_committing(data: Path) -> bool:
    """A Whoosh writer is finishing a segment (its column files exist only during a commit)."""
    index = data / "index"
    try:
        gens = [e for e in os.scandir(index) if e.name.startswith("gen-") and e.is_dir()]
        return any(f.name.endswith(".col") for g in gens for f in os.scandir(g.path))
    except OSError:
        return False


INVARIANTS = {
    "statement without a contribution": "SELECT s.key FROM statements s WHERE NOT EXISTS "
    "(SELECT 1 FROM contributions c WHERE c.statement_key = s.key)",
    "statement whose paragraph_count differs from its current paragraphs": "SELECT s.key FROM statements s WHERE s.paragraph_count != "
    "(SELECT count(*) FROM paragraphs p WHERE p.statement_id = s.id AND p.current)",
    "statement whose current paragraphs are not numbered 1..n": "SELECT s.key FROM statements s JOIN paragraphs p ON p.statement_id = s.id AND p.current "
    "GROUP BY s.id HAVING min(p.n) != 1 OR max(p.n) != count(*) OR count(DISTINCT p.n) != count(*)",
    "orphan paragraph": "SELECT p.key FROM paragraphs p LEFT JOIN statements s ON s.id = p.statement_id WHERE s.id IS NULL",
    "paragraph of another statement's key": "SELECT p.key FROM paragraphs p JOIN statements s ON s.id = p.statement_id AND p.current "
    "WHERE substr(p.key, 1, length(s.key) + 1) != s.key || '.'",
    "contribution without its page": "SELECT c.statement_key FROM contributions c LEFT JOIN source_documents d "
    "ON d.id = c.source_document_id WHERE d.id IS NULL",
    # An earlier capture (a superseded page, kept as a version: issue 16) may hold the text of a
    # statement since re-keyed (retitled); its key must then still resolve, through an alias.
    "contribution without its statement": "SELECT c.statement_key FROM contributions c JOIN source_documents d ON d.id = c.source_document_id "
    "LEFT JOIN statements s ON s.key = c.statement_key WHERE s.id IS NULL AND (NOT d.superseded "
    "OR NOT EXISTS (SELECT 1 FROM key_aliases a WHERE a.old_key = c.statement_key))",
    "page ingested without a statement": "SELECT d.path FROM source_documents d WHERE d.status = 'ok' AND NOT EXISTS "
    "(SELECT 1 FROM contributions c WHERE c.source_document_id = d.id)",
    "speaker link to nothing": "SELECT ss.statement_id FROM statement_speakers ss LEFT JOIN speakers sp ON sp.id = ss.speaker_id "
    "WHERE sp.id IS NULL",
}


def invariant_violations(data: Path) -> dict[str, list]:
    """What is structurally wrong with the archive (empty when nothing)."""
    if backend.POSTGRES:
        return _pg_invariant_violations(data)
    # read-write, like the app: after a kill the first connection may have to recover the WAL
    # index, which a read-only connection cannot do (it reports a malformed image instead)
    conn = sqlite3.connect(data / "archive.sqlite3", timeout=30)
    try:
        conn.execute("BEGIN")  # one snapshot for every check
        found = {what: [r[0] for r in conn.execute(sql).fetchmany(5)] for what, sql in INVARIANTS.items()}
        problems = conn.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            found["foreign key violation"] = problems[:5]
        if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            found["sqlite integrity check"] = ["failed"]
    finally:
        conn.close()
    return {k: v for k, v in found.items() if v}


def _pg_invariant_violations(data: Path) -> dict[str, list]:
    """The same checks in one REPEATABLE READ snapshot (the server enforces the foreign keys)."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    engine = create_engine(backend.database_url_for(data), poolclass=NullPool)
    try:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
            found = {
                what: [r[0] for r in conn.exec_driver_sql(sql).fetchmany(5)]
                for what, sql in INVARIANTS.items()
            }
    finally:
        engine.dispose()
    return {k: v for k, v in found.items() if v}


def write_pages(out: Path, paragraphs: int, seed: int) -> int:
    """A synthetic corpus (benchmarks/synth.py): realistic pages with chrome, Q&A, …; returns pages."""
    sys.path.insert(0, str(ROOT))
    from benchmarks.synth import write_corpus

    pages, _ = write_corpus(out, paragraphs, seed=seed)
    return pages


def reference_export(corpus_parent: Path, data: Path, monkeypatch) -> bytes:
    """The archive built in one uninterrupted run (in-process; no index needed for the export)."""
    from app.browse.export import export_lines
    from app.config import Settings
    from app.db import open_database
    from app.ingest.run import ingest_paths

    monkeypatch.chdir(corpus_parent)  # stored paths are relative to the working directory
    settings = Settings(data_dir=data)
    engine, factory = open_database(settings)
    try:
        summary = ingest_paths(factory, ["corpus"], max_bytes=settings.max_page_bytes, workers=1)
        assert not summary.failures
        with factory() as session:
            return "".join(export_lines(session)).encode()
    finally:
        engine.dispose()


def cli(data: Path, *args: str):
    """`archive ARGS` in-process (no interpreter start-up) against `data`."""
    from typer.testing import CliRunner

    from app.cli import cli as app_cli

    return CliRunner().invoke(
        app_cli,
        list(args),
        env={"ARCHIVE_DATA_DIR": str(data), "ARCHIVE_DATABASE_URL": None},
        catch_exceptions=False,
    )


def export_bytes(data: Path) -> bytes:
    result = cli(data, "export")
    assert result.exit_code == 0
    return result.stdout_bytes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def no_traceback(proc_result) -> bool:
    return "Traceback" not in (proc_result.stderr or "") and "Traceback" not in (proc_result.stdout or "")


def revise_pages(
    corpus: Path, *, every: int = 4, retitle_every: int = 7, new_pages: int = 4, seed: int = 99
) -> dict:
    """Change the corpus the way a re-scrape does: a paragraph edited on every `every`-th page
    (new paragraph key, old one aliased), the title changed on every `retitle_every`-th page
    (the statement is re-keyed: the old one disappears), and `new_pages` pages added."""
    import re

    sys.path.insert(0, str(ROOT))
    from benchmarks.synth import Synth

    files = sorted(p for p in corpus.rglob("*.txt") if "extra" not in p.parts)
    edited, retitled = [], []
    for i, f in enumerate(files):
        text = f.read_text("utf-8")
        if i % retitle_every == retitle_every // 2:
            text, n = re.subn(r"\(no\. (\d+)", r"(no. \1, revised", text, count=1)
            assert n == 1, f
            retitled.append(f)
        elif i % every == 1:
            parts = text.split("\n\n")
            parts[-2] = parts[-2] + " This paragraph was revised after publication."
            parts.insert(-1, "A paragraph added in the revised version of this statement.")
            text = "\n\n".join(parts)
            edited.append(f)
        else:
            continue
        f.write_text(text, encoding="utf-8")
    extra = corpus / "extra"
    extra.mkdir(exist_ok=True)
    synth = Synth(seed)
    for k in range(new_pages):
        text, _ = synth.page(100_000 + k)
        (extra / f"page-new-{k:03d}.txt").write_text(text, encoding="utf-8")
    return {"edited": edited, "retitled": retitled}
