"""PostgreSQL beside SQLite in one run, over the same synthetic corpus (issue 17's targets):
`benchmarks.run`'s harness on SQLite, then on an empty PostgreSQL database, back to back, then
the multi-node set-up (`benchmarks.nodes`: the PostgreSQL archive published once, N web nodes
following it, loaded at once). Writes one JSON with both results, the ratios the targets name
and the nodes' figures. `benchmarks/postgres.sh` starts the throwaway cluster and runs this.

    python -m benchmarks.pg_pair --paragraphs 100000 --database-url postgresql+psycopg://…/empty \
        --work DIR --out benchmarks/pg-100k.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from benchmarks import nodes
from benchmarks.run import bench, log

# (results name, target) — ingest: PostgreSQL's rate ≥ 80% of SQLite's; pages: p95 ≤ 1.5×
RATIOS = [
    ("ingest_paragraphs_per_s", 0.8, False),
    ("statement_p95_ms", 1.5, True),
    ("permalink_p95_ms", 1.5, True),
    ("list_p95_ms", 1.5, True),
    ("search_p95_ms", None, True),
    ("reindex_s", None, True),
]


def ratios(pg: dict, sq: dict) -> dict:
    out = {}
    for name, target, lower in RATIOS:
        r = round(pg[name] / sq[name], 2) if sq.get(name) else None
        ok = None if target is None or r is None else (r <= target if lower else r >= target)
        out[name] = {
            "postgresql": pg.get(name),
            "sqlite": sq.get(name),
            "ratio": r,
            "target": target,
            "met": ok,
        }
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--paragraphs", type=int, default=100_000)
    ap.add_argument("--database-url", required=True, help="an empty PostgreSQL database")
    ap.add_argument("--work", type=Path, required=True, help="scratch dir (the corpus is kept for re-runs)")
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--nodes", type=int, default=2)
    ap.add_argument("--node-rounds", type=int, default=400)
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args(argv)
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    log("SQLite")
    sq = bench(a.work / "sqlite", a.paragraphs, a.rounds)
    (a.work / "postgresql").mkdir(parents=True, exist_ok=True)
    pages = a.work / "postgresql" / "pages"
    if not pages.exists():
        pages.symlink_to(a.work / "sqlite" / "pages")  # the same corpus
    log("PostgreSQL")
    pg = bench(a.work / "postgresql", a.paragraphs, a.rounds, a.database_url)
    out = {
        "started": started,
        "paragraphs": pg["paragraphs"],
        "rounds": a.rounds,
        "load_end": round(os.getloadavg()[0], 2),
        "ratios": ratios(pg, sq),
        "sqlite": sq,
        "postgresql": pg,
    }
    a.out.write_text(json.dumps(out, indent=1) + "\n")
    if a.nodes:
        log(f"{a.nodes} web nodes following the published index")
        node_out = a.work / "nodes.json"
        nodes.main(
            [
                "--work",
                str(a.work / "postgresql"),
                "--nodes",
                str(a.nodes),
                "--concurrency",
                "16",
                "--rounds",
                str(a.node_rounds),
                "--database-url",
                a.database_url,
                "--out",
                str(node_out),
            ]
        )
        out["nodes"] = json.loads(node_out.read_text())
        a.out.write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps(out["ratios"], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
