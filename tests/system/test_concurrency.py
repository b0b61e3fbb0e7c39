"""Concurrency: two `archive ingest` at once (the second waits, or refuses with a clear message
after ARCHIVE_INGEST_LOCK_TIMEOUT), `archive reindex` racing an ingest (one index writer at a
time), and an ingest while a real `archive serve` (uvicorn; 2 workers in the soak) answers concurrent
clients: no request fails, and each response shows the archive before or after a commit,
never a mixture of both."""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from tests import backend
from tests.archive_procs import (
    Db,
    cli,
    export_bytes,
    free_port,
    invariant_violations,
    kill,
    no_traceback,
    reference_export,
    revise_pages,
    run,
    start,
    wait_for,
    write_pages,
)


def holds_ingest_lock(data: Path, pid: int) -> bool:
    if backend.POSTGRES:  # the lock is in the database: whose connection holds it
        from app.db import lock_holder_name
        from app.locking import LOCK_CLASS, LOCK_IDS

        return (
            Db(data).scalar(
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' "
                f"AND l.granted AND l.classid = {LOCK_CLASS} AND l.objid = {LOCK_IDS['ingest']} "
                f"AND a.application_name = '{lock_holder_name('ingest', pid)}'",
                0,
            )
            > 0
        )
    try:
        return (data / "ingest.lock").read_text().strip() == str(pid)
    except OSError:
        return False


def test_two_ingests_at_once_one_waits_one_refuses_and_reindex_waits_its_turn(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    write_pages(corpus, 600, seed=6)
    data = tmp_path / "data"
    procs = []
    try:
        first = start(data, "ingest", "corpus", cwd=tmp_path)
        procs.append(first)
        wait_for(
            lambda: holds_ingest_lock(data, first.pid), timeout=60, what="the first ingest to take the lock"
        )
        os.killpg(
            first.pid, signal.SIGSTOP
        )  # hold it there: the others meet a running ingest, whatever the speed
        refused = start(data, "ingest", "corpus", cwd=tmp_path, ARCHIVE_INGEST_LOCK_TIMEOUT="0.5")
        waiting = start(data, "ingest", "corpus", cwd=tmp_path)
        procs += [refused, waiting]
        out, err = refused.communicate(timeout=60)
        assert refused.returncode == 1, (out, err)
        assert f"error: another ingest is already running (process {first.pid}" in " ".join(err.split()), err
        assert "); try again when it has finished" in " ".join(err.split()), err
        assert "Traceback" not in err
        os.killpg(first.pid, signal.SIGCONT)
        wait_for(lambda: Db(data).count("source_documents") >= 5, timeout=60, what="pages being loaded")
        reindex = start(data, "reindex", cwd=tmp_path)  # a second index writer, mid-ingest
        procs.append(reindex)
        first_out, first_err = first.communicate(timeout=300)
        assert first.returncode == 0 and "Traceback" not in first_err, (first_out, first_err)
        w_out, w_err = waiting.communicate(timeout=300)
        assert waiting.returncode == 0, (w_out, w_err)
        assert f"waiting for another ingest (process {first.pid}" in w_err
        r_out, r_err = reindex.communicate(timeout=300)
        assert reindex.returncode == 0 and "Traceback" not in r_err, (r_out, r_err)
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGCONT)
                kill(p)
    assert invariant_violations(data) == {}
    assert cli(data, "check").exit_code == 0
    assert export_bytes(data) == reference_export(tmp_path, tmp_path / "ref", monkeypatch)


# --- serving while ingesting -----------------------------------------------------------------


def _build_archive(base: Path, corpus: Path, data: Path) -> None:
    done = run(data, "ingest", corpus.name, cwd=base)
    assert done.returncode == 0, done.stderr


class Server:
    def __init__(self, data: Path, cwd: Path, workers: int = 2, **env: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = cwd / f"serve-{self.port}.log"
        self.proc = start(
            data, "serve", "--port", str(self.port), "--workers", str(workers), cwd=cwd, log=self.log, **env
        )
        try:
            wait_for(self.ready, timeout=90, interval=0.2, what="the server to answer")
        except BaseException:
            self.stop()
            raise

    def ready(self) -> bool:
        assert self.proc.poll() is None, self.log.read_text()
        try:
            return httpx.get(f"{self.url}/api", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    def stop(self) -> str:
        kill(self.proc)
        return self.log.read_text()


def _targets(client: httpx.Client) -> list[str]:
    """A mix of search, statement and permalink pages (HTML and JSON) of the archive as it is."""
    listing = client.get("/api/statements", params={"per_page": 100}).json()["results"]
    keys = [s["key"] for s in listing]
    paras = []
    for key in keys[:25]:
        paras += [p["key"] for p in client.get(f"/api/statements/{key}").json()["paragraphs"][:3]]
    queries = [
        "sanctions",
        "cooperation",
        "security council",
        '"international law"',
        "russia OR china",
        "said:lavrov",
        "kind:interview",
        "date:2010..2015 europe",
        '"revised after publication"',
        "revised",
        "question",
        "nato -europe",
    ]
    out = []
    for q in queries:
        out += [f"/search?q={q}", f"/api/search?q={q}"]
    out += [f"/statements/{k}" for k in keys] + [f"/api/statements/{k}" for k in keys]
    out += [f"/p/{k}" for k in paras] + [f"/api/p/{k}" for k in paras]
    out += ["/", "/statements", "/speakers", "/api/statements?sort=oldest", "/dates"]
    return out


def _consistent(path: str, r: httpx.Response) -> str | None:
    """None when one JSON response is internally consistent (from one snapshot)."""
    if not path.startswith("/api/"):
        return None
    body = r.json()
    if path.startswith("/api/statements/"):
        paras = body["paragraphs"]
        if len(paras) != body["paragraph_count"] or [p["n"] for p in paras] != list(range(1, len(paras) + 1)):
            return f"statement with paragraph_count {body['paragraph_count']} shows {len(paras)} paragraphs"
        if any(not p["key"].startswith(body["key"] + ".") for p in paras):
            return "paragraph of another statement"
        revised = ["revised version" in p["text"] for p in paras]
        if any(revised) and not any("revised after publication" in p["text"] for p in paras):
            return "half of a revision"
    if path.startswith("/api/search"):
        for group in body["results"]:
            if any(not p["key"].startswith(group["statement"]["key"] + ".") for p in group["paragraphs"]):
                return "search hit under another statement"
        if body["total_statements"] < len(body["results"]):
            return "more results than the total"
    return None


def drive(
    url: str, targets: list[str], stop: threading.Event, clients: int, seed: int = 0, timeout: float = 30
) -> dict:
    """`clients` threads requesting random targets until `stop`; every failure recorded
    (`timeout`: seconds a client waits for an answer before counting it a failure)."""
    statuses: Counter = Counter()
    failures: list[str] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        rng = random.Random(seed * 1000 + n)
        with httpx.Client(base_url=url, timeout=timeout, follow_redirects=True) as c:
            while not stop.is_set():
                path = rng.choice(targets)
                try:
                    r = c.get(path)
                    problem = f"status {r.status_code}" if r.status_code != 200 else _consistent(path, r)
                except (httpx.HTTPError, ValueError) as e:
                    r, problem = None, f"{type(e).__name__}: {e}"
                with lock:
                    statuses[r.status_code if r is not None else "error"] += 1
                    if problem:
                        failures.append(f"{path}: {problem}")

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    return {"threads": threads, "statuses": statuses, "failures": failures}


def _hits(url: str, q: str) -> int:
    return httpx.get(f"{url}/api/search", params={"q": q}, timeout=30).json()["total_paragraphs"]


def serve_while_ingesting(
    base: Path, *, paragraphs: int, clients: int, workers: int, rounds: int = 1
) -> Counter:
    corpus = base / "corpus"
    write_pages(corpus, paragraphs, seed=8)
    data = base / "data"
    _build_archive(base, corpus, data)
    server = Server(data, base, workers=workers)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as c:
            targets = _targets(c)
        assert _hits(server.url, '"revised after publication"') == 0
        stop = threading.Event()
        load = drive(server.url, targets, stop, clients)
        try:
            time.sleep(0.5)
            for n in range(rounds):
                revise_pages(corpus, every=3 + n, retitle_every=5 + n, new_pages=3, seed=50 + n)
                # (a deadline for progress, not a speed: the re-ingest shares 2 cores with the clients)
                done = run(data, "ingest", "corpus", cwd=base, timeout=1800)
                assert done.returncode == 0 and no_traceback(done), done.stderr
            wait_for(
                lambda: _hits(server.url, '"revised after publication"') > 0,
                timeout=30,
                what="the server to serve the new index",
            )
            # A floor on the load, not a speed: on a busy machine it takes longer to reach.
            wait_for(
                lambda: sum(load["statuses"].values()) > 50,
                timeout=180,
                what="the clients to be answered 50 times",
            )
        finally:
            stop.set()
            for t in load["threads"]:
                t.join(timeout=60)
        assert not load["failures"], load["failures"][:20]
        statuses = load["statuses"]
        assert set(statuses) == {200} and sum(statuses.values()) > 50, statuses
        # the old permalinks still resolve (re-keyed ones redirect to their new place)
        with httpx.Client(base_url=server.url, timeout=30) as c:
            for path in targets[::7]:
                r = c.get(path)
                assert r.status_code in (200, 301), (path, r.status_code)
    finally:
        log = server.stop()
    assert "Traceback" not in log and '"status": 500' not in log, log[-3000:]  # the JSON access log
    assert invariant_violations(data) == {}
    assert cli(data, "check").exit_code == 0
    return statuses


def test_ingest_while_the_server_answers_concurrent_clients(tmp_path):
    """Two workers forked from the supervisor (app/web/server.py), each with its own
    connections and searcher, see what the ingest commits while they answer."""
    serve_while_ingesting(tmp_path, paragraphs=700, clients=4, workers=2)


@pytest.mark.slow
def test_ingest_while_serving_soak(tmp_path):
    serve_while_ingesting(tmp_path, paragraphs=15_000, clients=12, workers=2, rounds=3)


def test_a_request_reads_one_snapshot_of_the_archive(tmp_path):
    """The web's sessions see the archive as of their first read: a commit made meanwhile (an
    ingest) shows in the next request, never in the second half of this one."""
    from app.config import Settings
    from app.db import open_database
    from app.web.deps import get_session

    engine, factory = open_database(Settings(data_dir=tmp_path / "data"))
    try:
        with factory.begin() as s:
            s.execute(text("CREATE TABLE probe (x INTEGER)"))
            s.execute(text("INSERT INTO probe VALUES (1)"))

        class _Req:  # what get_session reads from the request
            class app:  # noqa: N801
                class state:  # noqa: N801
                    class archive:  # noqa: N801
                        factory = None

        _Req.app.state.archive.factory = factory
        sessions = get_session(_Req())
        session = next(sessions)
        assert session.execute(text("SELECT x FROM probe")).scalar() == 1
        with factory.begin() as s:  # an ingest commits
            s.execute(text("UPDATE probe SET x = 2"))
        assert session.execute(text("SELECT x FROM probe")).scalar() == 1  # still the same snapshot
        sessions.close()
        nxt = get_session(_Req())
        assert next(nxt).execute(text("SELECT x FROM probe")).scalar() == 2  # the next request sees it
        nxt.close()
    finally:
        engine.dispose()


@pytest.mark.slow
def test_load_50_clients_for_60_seconds_without_an_error(tmp_path):
    """The load run of benchmarks/load.py: 50 clients, 60 s, 100k paragraphs, 2 workers.
    No error, and no collapse: the crowd is answered at no less than half the rate the same
    server gave one client per worker minutes before (a floor relative to this machine, as
    busy as it is, not a speed). LOAD_DATA_DIR keeps the built archive between runs."""
    from benchmarks.load import report, run_load

    data = Path(os.environ.get("LOAD_DATA_DIR") or tmp_path / "load")
    result = run_load(data=data, paragraphs=100_000, clients=50, duration=60, workers=2)
    print(report(result))
    assert result["errors"] == 0, result["error_samples"]
    assert result["requests"] > 0 and result["baseline"]["requests"] > 0, result
    assert result["vs_baseline"] >= 0.5, report(result)
