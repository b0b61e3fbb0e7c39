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


def tree_cpu(pid: int) -> float:
    """User + system CPU seconds of a process and its descendants (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def measure(base: str, paths: list[str], rounds: int, server_pid: int | None = None) -> dict:
    """Wall p50/p95 at concurrency 1, and the server's CPU per request (what the machine's
    load does not inflate as much)."""
    times = []
    with httpx.Client(base_url=base, timeout=30) as client:
        for path in paths[:3]:  # warm up
            client.get(path)
        cpu0 = tree_cpu(server_pid) if server_pid else None
        for i in range(rounds):
            path = paths[i % len(paths)]
            t0 = time.perf_counter()
            r = client.get(path)
            times.append((time.perf_counter() - t0) * 1000)
            if r.status_code != 200:
                raise RuntimeError(f"{path}: {r.status_code}")
    out = {"p50_ms": round(pct(times, 50), 1), "p95_ms": round(pct(times, 95), 1), "requests": len(times)}
    if cpu0 is not None:
        out["server_cpu_ms_per_request"] = round((tree_cpu(server_pid) - cpu0) * 1000 / len(times), 1)
    return out


def build(work: Path, env: dict, paragraphs: int, statements: int) -> None:
    pages_dir = work / "pages"
    write_corpus(pages_dir, paragraphs)
    seconds, _rss = run_cli(env, "ingest", str(pages_dir))
    log(f"ingested {paragraphs:,} paragraphs in {seconds:.0f} s")
    rng = random.Random(16)
    chosen = sorted(rng.sample(sorted(pages_dir.rglob("*.txt")), statements))
    for round_no in range(1, 5):
        for page in chosen:
            page.write_text(_edit(page.read_text(encoding="utf-8"), round_no, rng), encoding="utf-8")
            t = page.stat().st_mtime + 3600 * round_no
            os.utime(page, (t, t))
        run_cli(env, "ingest", *map(str, chosen))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--paragraphs", type=int, default=20000)
    ap.add_argument("--statements", type=int, default=20, help="statements given 5 versions")
    ap.add_argument("--rounds", type=int, default=300)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--keep", type=Path, help="build the archive here and keep it; reuse it if it is there")
    args = ap.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-versions-"))
    built = args.keep is not None and (work / "data" / "archive.sqlite3").exists()
    env = dict(os.environ, ARCHIVE_DATA_DIR=str(work / "data"))
    env.pop("ARCHIVE_DATABASE_URL", None)
    proc = None
    try:
        load = os.getloadavg()[0]
        if not built:
            build(work, env, args.paragraphs, args.statements)
        # as in benchmarks.run: citation texts rendered ahead (`serve` would start filling them in
        # the background; until then each page of an edited statement runs citeproc-js live)
        citations_s, _ = run_cli(env, "citations", "fill", "--workers", "2")
        log(f"citation texts: {citations_s:.1f} s")
        with sqlite3.connect(work / "data" / "archive.sqlite3") as db:
            (paragraphs,) = db.execute("SELECT count(*) FROM paragraphs WHERE current").fetchone()
            keys = [
                k
                for (k,) in db.execute(
                    "SELECT statement_key FROM statement_versions GROUP BY statement_key "
                    "HAVING count(*) = 5 ORDER BY statement_key"
                )
            ]
            single = [  # statements of the same archive with one version: what the list adds
                k
                for (k,) in db.execute(
                    "SELECT key FROM statements WHERE excerpt = 0 AND key NOT IN (SELECT statement_key "
                    "FROM statement_versions GROUP BY statement_key HAVING count(*) > 1) ORDER BY key LIMIT ?",
                    (len(keys),),
                )
            ]
        log(f"{len(keys)} statements with 5 versions")
        port = free_port()
        proc, _started = start_server(env, port, 1, work / "server.log")
        base = f"http://127.0.0.1:{port}"
        result = {
            "paragraphs": paragraphs,
            "statements_with_5_versions": len(keys),
            "load_before": round(load, 1),
            "machine": machine(),
            "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "statement_page_5_versions": measure(
                base, [f"/statements/{k}" for k in keys], args.rounds, proc.pid
            ),
            "statement_page_1_version": measure(
                base, [f"/statements/{k}" for k in single], args.rounds, proc.pid
            ),
            "version_diff_1_to_5": measure(
                base, [f"/statements/{k}/diff?from=1&to=5" for k in keys], args.rounds, proc.pid
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
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
