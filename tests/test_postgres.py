"""PostgreSQL as the shared catalogue of several machines: two ingests from two data dirs on one
database (the ingest lock is in the database), and clear one-line errors when the server cannot
be reached or the role lacks rights. Run with ARCHIVE_TEST_DATABASE=postgresql (.ci/test-postgres.sh)."""

from __future__ import annotations

import os
import signal

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from tests import backend
from tests.archive_procs import (
    cli,
    export_bytes,
    free_port,
    invariant_violations,
    kill,
    reference_export,
    run,
    start,
    wait_for,
    write_pages,
)
from tests.system.test_concurrency import holds_ingest_lock

pytestmark = backend.postgres_only


def test_two_ingests_from_two_data_dirs_on_one_database(tmp_path, monkeypatch):
    """Node A ingests; node B (another data dir, so another file-lock directory, the same
    database) meets A's lock in the database: with a short timeout it refuses in one line, else
    it waits, then finds every page unchanged. The database equals one ingest's, and each node's
    index agrees with it."""
    corpus = tmp_path / "corpus"
    write_pages(corpus, 400, seed=17)
    node_a, node_b = tmp_path / "node-a", tmp_path / "node-b"
    url = backend.database_url_for(node_a)
    procs = []
    try:
        first = start(node_a, "ingest", "corpus", cwd=tmp_path, ARCHIVE_DATABASE_URL=url)
        procs.append(first)
        wait_for(
            lambda: holds_ingest_lock(node_a, first.pid), timeout=90, what="the first ingest to take the lock"
        )
        os.killpg(first.pid, signal.SIGSTOP)  # hold it there, whatever the machine's speed
        refused = start(
            node_b,
            "ingest",
            "corpus",
            cwd=tmp_path,
            ARCHIVE_DATABASE_URL=url,
            ARCHIVE_INGEST_LOCK_TIMEOUT="0.5",
        )
        waiting = start(node_b, "ingest", "corpus", cwd=tmp_path, ARCHIVE_DATABASE_URL=url)
        procs += [refused, waiting]
        out, err = refused.communicate(timeout=90)
        assert refused.returncode == 1, (out, err)
        one_line = " ".join(err.split())
        assert f"error: another ingest is already running (process {first.pid} on " in one_line, err
        assert "Traceback" not in err and "UniqueViolation" not in err
        os.killpg(first.pid, signal.SIGCONT)
        a_out, a_err = first.communicate(timeout=300)
        assert first.returncode == 0 and "Traceback" not in a_err, (a_out, a_err)
        b_out, b_err = waiting.communicate(timeout=300)
        assert waiting.returncode == 0 and "Traceback" not in b_err, (b_out, b_err)
        assert f"waiting for another ingest (process {first.pid} on " in b_err
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGCONT)
                kill(p)
    assert invariant_violations(node_a) == {}
    for node in (node_a, node_b):
        checked = run(node, "check", cwd=tmp_path, ARCHIVE_DATABASE_URL=url)
        assert checked.returncode == 0, checked.stdout + checked.stderr
    assert export_bytes(node_a) == reference_export(tmp_path, tmp_path / "ref", monkeypatch)


def test_unreachable_server_is_one_line(tmp_path):
    url = f"postgresql+psycopg://archive@127.0.0.1:{free_port()}/nothing"
    done = run(
        tmp_path / "d", "stats", cwd=tmp_path, ARCHIVE_DATABASE_URL=url, ARCHIVE_DB_CONNECT_TIMEOUT="3"
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        f"error: cannot open the archive: cannot reach the database server at {url}"
    ), done.stderr


def test_missing_database_and_a_role_without_rights_are_one_line(tmp_path):
    """A role that may connect but not create tables (PostgreSQL 15's public schema) cannot
    migrate; a role that may only read can browse but not ingest: each says so in one line."""
    owner_url = backend.database_url_for(tmp_path / "data")  # migrated by the fixture's template
    server = create_engine(owner_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    name = make_url(owner_url).database
    with server.connect() as conn:
        conn.execute(text("DROP ROLE IF EXISTS archive_reader"))
        conn.execute(text("CREATE ROLE archive_reader LOGIN"))
        conn.execute(text(f'GRANT CONNECT ON DATABASE "{name}" TO archive_reader'))
        conn.execute(text("GRANT SELECT ON ALL TABLES IN SCHEMA public TO archive_reader"))
    server.dispose()
    reader = make_url(owner_url).set(username="archive_reader").render_as_string(hide_password=False)
    try:
        stats = run(tmp_path / "data", "stats", cwd=tmp_path, ARCHIVE_DATABASE_URL=reader)
        assert stats.returncode == 0, stats.stderr  # reading is allowed
        pages = tmp_path / "pages"
        write_pages(pages, 30, seed=3)
        done = run(
            tmp_path / "data",
            "ingest",
            "pages",
            cwd=tmp_path,
            ARCHIVE_DATABASE_URL=reader,
            ARCHIVE_INGEST_WORKERS="1",
        )
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
        lines = [ln for ln in done.stderr.strip().splitlines() if ln.startswith("error:")]
        assert lines and "the database role 'archive_reader' lacks a right it needs" in lines[-1], done.stderr
        assert "permission denied for table" in lines[-1]

        missing = make_url(owner_url).set(database="no_such_archive").render_as_string(hide_password=False)
        gone = run(tmp_path / "data", "stats", cwd=tmp_path, ARCHIVE_DATABASE_URL=missing)
        assert gone.returncode == 1 and "Traceback" not in gone.stderr
        assert "no such database at" in gone.stderr and "createdb" in gone.stderr, gone.stderr
    finally:
        server = create_engine(owner_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with server.connect() as conn:
            conn.execute(text("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM archive_reader"))
            conn.execute(text(f'REVOKE ALL ON DATABASE "{name}" FROM archive_reader'))
            conn.execute(text("DROP ROLE archive_reader"))
        server.dispose()


def test_cli_on_postgres_round_trip(tmp_path):
    assert cli(tmp_path / "data", "stats").exit_code == 0


def test_a_web_node_on_a_read_only_replica(tmp_path):
    """A web node whose role may only read and whose every transaction is read-only (as on a
    hot standby: default_transaction_read_only) serves every page, search and /healthz from the
    published index, without an error or a traceback in its log."""
    import httpx

    from tests.system.test_concurrency import Server, _targets

    write_pages(tmp_path / "corpus", 40, seed=21)
    published = tmp_path / "published"
    owner_url = backend.database_url_for(tmp_path / "ingest-node")
    done = run(
        tmp_path / "ingest-node",
        "ingest",
        "corpus",
        cwd=tmp_path,
        ARCHIVE_DATABASE_URL=owner_url,
        ARCHIVE_INDEX_PUBLISH=str(published),
    )
    assert done.returncode == 0, done.stderr
    role = f"replica_{os.getpid()}"
    name = make_url(owner_url).database
    admin = create_engine(owner_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN"))
        conn.execute(text(f"ALTER ROLE {role} SET default_transaction_read_only = on"))
        conn.execute(text(f'GRANT CONNECT ON DATABASE "{name}" TO {role}'))
        conn.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}"))
    reader = make_url(owner_url).set(username=role).render_as_string(hide_password=False)
    node = None
    try:
        node = Server(
            tmp_path / "web",
            tmp_path,
            workers=1,
            ARCHIVE_DATABASE_URL=reader,
            ARCHIVE_INDEX_FOLLOW=str(published),
        )
        with httpx.Client(base_url=node.url, timeout=60) as client:
            targets = _targets(client)
            bad = [(t, r.status_code) for t in targets if (r := client.get(t)).status_code != 200]
            health = client.get("/healthz")
        assert bad == [], bad[:10]
        assert health.status_code == 200 and health.json()["status"] == "ok", health.text
    finally:
        log = node.stop() if node else ""
        with admin.connect() as conn:
            conn.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}"))
            conn.execute(text(f'REVOKE ALL ON DATABASE "{name}" FROM {role}'))
            conn.execute(text(f"DROP ROLE {role}"))
        admin.dispose()
    assert "Traceback" not in log and '"status": 500' not in log, log[-3000:]
