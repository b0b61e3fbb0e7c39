"""Ingest on PostgreSQL beside SQLite, alternated: the same synthetic corpus ingested RUNS times
into a fresh SQLite file and a fresh PostgreSQL database in turn (ingest_paths in this process,
one parsing worker, so the two differ only in the database), with the SQL statements sent and
the seconds spent in them. Prints each run and the medians; the ratio is PostgreSQL's rate over
SQLite's (issue 17: ≥ 0.8).

    python -m benchmarks.ingest_pair --database-url postgresql+psycopg://…/postgres \
        --paragraphs 3000 --runs 3 --work /tmp/ingest-pair
(the URL names a server and a role that may create databases; `ingest_pair` is created and dropped)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from app.config import Settings
from app.db import open_database
from app.ingest.run import ingest_paths
from benchmarks.synth import write_corpus

DB = "ingest_pair"


def _fresh_pg(server_url: str) -> str:
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{DB}"')
    admin.dispose()
    return make_url(server_url).set(database=DB).render_as_string(hide_password=False)


def one(pages: Path, work: Path, url: str | None) -> dict:
    data = work / ("data-pg" if url else "data-sqlite")
    shutil.rmtree(data, ignore_errors=True)
    engine, factory = open_database(Settings(data_dir=data, database_url=url))
    sent = {"n": 0, "s": 0.0}

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn, *_):
        conn.info["t0"] = time.perf_counter()
        sent["n"] += 1

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn, *_):
        sent["s"] += time.perf_counter() - conn.info["t0"]

    load, t0, c0 = os.getloadavg()[0], time.perf_counter(), time.process_time()
    summary = ingest_paths(factory, [str(pages)], max_bytes=10**7, workers=1)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    engine.dispose()
    paragraphs = summary.count("paragraphs")
    return {
        "database": "postgresql" if url else "sqlite",
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "paragraphs_per_s": round(paragraphs / wall, 1),
        "statements": sent["n"],
        "in_sql_s": round(sent["s"], 2),
        "load": round(load, 1),
        "pages": len(summary.results),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--paragraphs", type=int, default=3000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--out", type=Path, default=None)
    a = ap.parse_args(argv)
    pages = a.work / "pages"
    if not pages.exists():
        write_corpus(pages, a.paragraphs, seed=1)
    runs = []
    for _ in range(a.runs):
        for url in (None, _fresh_pg(a.database_url)):
            runs.append(one(pages, a.work, url))
            print(json.dumps(runs[-1]), flush=True)
    med = {
        db: statistics.median(r["paragraphs_per_s"] for r in runs if r["database"] == db)
        for db in ("sqlite", "postgresql")
    }
    out = {"runs": runs, "median_paragraphs_per_s": med, "ratio": round(med["postgresql"] / med["sqlite"], 2)}
    if a.out:
        a.out.write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps({k: out[k] for k in ("median_paragraphs_per_s", "ratio")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
