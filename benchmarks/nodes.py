"""The multi-node set-up measured: the archive in WORK (built by `benchmarks.run --work WORK`,
SQLite or --database-url) published once, N web nodes (`archive serve --workers 2`, data dirs
of their own, following the published index) all loaded at once at concurrency C each;
requests/s and p95 per node. On one 2-core machine the nodes share the cores, so the figures
say that it works and what one machine gives, not what N machines would.

    python -m benchmarks.nodes --work /tmp/bench --nodes 2 --concurrency 16 [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.run import ROOT, db_url, free_port, log, measure, sample_paths, start_server


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--nodes", type=int, default=2)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=400, help="requests per node")
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--out", type=Path, default=None)
    a = ap.parse_args(argv)
    data = a.work / "data"
    url = db_url(data, a.database_url)
    published = a.work / "published"
    env = {**os.environ, "ARCHIVE_DATA_DIR": str(data), "ARCHIVE_DATABASE_URL": url}
    subprocess.run(
        [sys.executable, "-m", "app", "index", "publish", str(published)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    procs = []
    ports = []
    try:
        for n in range(a.nodes):
            port = free_port()
            node_env = {
                **env,
                "ARCHIVE_DATA_DIR": str(a.work / f"node-{n}"),
                "ARCHIVE_INDEX_FOLLOW": str(published),
            }
            proc, startup = start_server(node_env, port, workers=2, logfile=a.work / f"node-{n}.log")
            procs.append(proc)
            ports.append(port)
            log(f"node {n} up in {startup:.2f} s")
        paths = sample_paths(url, random.Random(7))
        mix = paths["statement"][:60] + paths["permalink"][:60] + paths["search"] + paths["list"][:20]

        async def all_nodes():
            return await asyncio.gather(
                *(_timed(measure(f"http://127.0.0.1:{p}", mix, a.concurrency, a.rounds)) for p in ports)
            )

        results = asyncio.run(all_nodes())
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=30)
    out = {
        "database": "postgresql" if url.startswith("postgresql") else "sqlite",
        "nodes": a.nodes,
        "concurrency_per_node": a.concurrency,
        "load_before": round(os.getloadavg()[0], 2),
        "per_node": [
            {
                "requests_per_s": round(m["n"] / s, 1),
                "p50_ms": round(m["p50"], 1),
                "p95_ms": round(m["p95"], 1),
                "errors": m["errors"],
            }
            for m, s in results
        ],
    }
    text = json.dumps(out, indent=1)
    if a.out:
        a.out.write_text(text + "\n")
    print(text)
    return 0


async def _timed(coro):
    t0 = time.perf_counter()
    m = await coro
    return m, time.perf_counter() - t0


if __name__ == "__main__":
    sys.exit(main())
