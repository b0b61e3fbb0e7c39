"""Statement pages with 5 versions and the version diff (issue 16): p50/p95 over a real server.

`python -m benchmarks.versions --paragraphs 20000 --statements 20 --out benchmarks/results-versions.json`
builds a synthetic archive (benchmarks/synth.py) with `archive ingest`, then edits `--statements`
of its pages four times under the same file names (a reworded paragraph, a split, a merge, a
typo-sized change; each a later capture), ingesting after each round, so those statements have
5 versions. Then `archive serve --workers 1` and, at concurrency 1, GET /statements/{key} and
/statements/{key}/diff?from=1&to=5 `--rounds` times each (targets: p95 ≤ 30 ms and ≤ 50 ms).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.run import free_port, log, machine, pct, run_cli, start_server
from benchmarks.synth import write_corpus


def _edit(text: str, round_no: int, rng: random.Random) -> str:
    blocks = text.split("\n\n")
    prose = [i for i, b in enumerate(blocks) if len(b) > 200 and ". " in b and "\n" not in b.strip()]
    if len(prose) < 3:
        return text + f"\n\nA correction was added in revision {round_no}.\n"
    i = rng.choice(prose)
    b = blocks[i]
    if round_no == 1:
        blocks[i] = b.replace(" the ", " this ", 1) if " the " in b else b + " (corrected)"
    elif round_no == 2:
        head, tail = b.split(". ", 1)
        blocks[i] = f"{head}.\n\n{tail}"
    elif round_no == 3:
        j = prose[(prose.index(i) + 1) % len(prose)]
        if j != i:
            blocks[i] = f"{b} {blocks[j]}"
            blocks[j] = ""
    else:
        blocks[i] = b.replace("e", "é", 1)
    return "\n\n".join(x for x in blocks if x != "")


def measure(base: str, paths: list[str], rounds: int) -> dict:
    times = []
    with httpx.Client(base_url=base, timeout=30) as client:
        for path in paths[:3]:  # warm up
            client.get(path)
        for i in range(rounds):
            path = paths[i % len(paths)]
            t0 = time.perf_counter()
            r = client.get(path)
            times.append((time.perf_counter() - t0) * 1000)
            if r.status_code != 200:
                raise RuntimeError(f"{path}: {r.status_code}")
    return {"p50_ms": round(pct(times, 50), 1), "p95_ms": round(pct(times, 95), 1), "requests": len(times)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--paragraphs", type=int, default=20000)
    ap.add_argument("--statements", type=int, default=20, help="statements given 5 versions")
    ap.add_argument("--rounds", type=int, default=300)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-versions-"))
    env = dict(os.environ, ARCHIVE_DATA_DIR=str(work / "data"))
    env.pop("ARCHIVE_DATABASE_URL", None)
    proc = None
    try:
        load = os.getloadavg()[0]
        pages_dir = work / "pages"
        write_corpus(pages_dir, args.paragraphs)
        seconds, _rss = run_cli(env, "ingest", str(pages_dir))
        log(f"ingested {args.paragraphs:,} paragraphs in {seconds:.0f} s")
        rng = random.Random(16)
        chosen = sorted(rng.sample(sorted(pages_dir.rglob("*.txt")), args.statements))
        for round_no in range(1, 5):
            for page in chosen:
                page.write_text(_edit(page.read_text(encoding="utf-8"), round_no, rng), encoding="utf-8")
                t = page.stat().st_mtime + 3600 * round_no
                os.utime(page, (t, t))
            run_cli(env, "ingest", *map(str, chosen))
        with sqlite3.connect(work / "data" / "archive.sqlite3") as db:
            keys = [
                k
                for (k,) in db.execute(
                    "SELECT statement_key FROM statement_versions GROUP BY statement_key "
                    "HAVING count(*) = 5 ORDER BY statement_key"
                )
            ]
        log(f"{len(keys)} statements with 5 versions")
        port = free_port()
        proc, _started = start_server(env, port, 1, work / "server.log")
        base = f"http://127.0.0.1:{port}"
        result = {
            "paragraphs": args.paragraphs,
            "statements_with_5_versions": len(keys),
            "load_before": round(load, 1),
            "machine": machine(),
            "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "statement_page_5_versions": measure(base, [f"/statements/{k}" for k in keys], args.rounds),
            "version_diff_1_to_5": measure(
                base, [f"/statements/{k}/diff?from=1&to=5" for k in keys], args.rounds
            ),
            "load_after": round(os.getloadavg()[0], 1),
        }
        print(json.dumps(result, indent=1))
        if args.out:
            args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
