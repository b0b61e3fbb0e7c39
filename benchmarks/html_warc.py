"""HTML/WARC ingest benchmark: the synthetic archive's pages rendered in site templates with
50-150 KB of chrome each (benchmarks.html_pages), written as one gzipped WARC, then
`archive ingest` of that WARC into a fresh archive: pages/s end to end, and the peak memory
of the whole process tree (the loader and its parser processes, sampled from /proc).

    python -m benchmarks.html_warc --pages 2000 --work /tmp/bench-html
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.html_pages import TEMPLATES, render, warc_of
from benchmarks.measure import run_ingest
from benchmarks.synth import Synth

ROOT = Path(__file__).resolve().parent.parent


def tree_rss_mb(pid: int) -> float:
    """Resident memory of `pid` and all its descendants (MB)."""
    total = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            with open(f"/proc/{p}/task/{p}/children") as fh:
                todo.extend(int(c) for c in fh.read().split())
        except OSError:
            continue
    return total / 1024


def paragraph_range(mean: int) -> tuple[int, int]:
    """The least and most paragraphs of a page, for pages of `mean` paragraphs on average (the
    issue's pages have 25; the text benchmark's synthetic pages 10-80, ~45)."""
    return (max(1, mean - 15), mean + 15)


def make_warc(path: Path, pages: int, seed: int = 1, paragraphs: int = 25) -> tuple[int, int]:
    """(pages, bytes of HTML) written to the WARC at `path`."""
    synth = Synth(seed)
    rnd = random.Random(seed)
    html_bytes = 0
    with path.open("wb") as fh:
        batch = []
        for i in range(pages):
            text, _n = synth.page(i, paragraph_range(paragraphs))
            body = render(text, TEMPLATES[i % len(TEMPLATES)], kb=rnd.randint(50, 150), seed=i).encode()
            html_bytes += len(body)
            batch.append((f"https://ministry.example/press/{i}.html", body))
            if len(batch) >= 100:
                warc_of(batch, fh)
                batch = []
        warc_of(batch, fh)
    return pages, html_bytes


def ingest(warc: Path, work: Path) -> dict:
    peak = 0.0

    def sample(pid: int) -> None:
        nonlocal peak
        peak = max(peak, tree_rss_mb(pid))

    run = run_ingest(warc, work, sample=sample, every=0.2)
    if run.returncode not in (0, 1):
        raise RuntimeError(run.stderr[-2000:])
    return {
        "seconds": round(run.seconds, 2),
        "cpu_s": round(run.cpu_seconds, 2),
        "peak_rss_mb": round(peak, 1),
        "exit": run.returncode,
        "notes": run.notes(),
    }


def _paragraphs(work: Path) -> int:
    import sqlite3

    db = next((work / "data").glob("*.db"), None) or next((work / "data").rglob("*.sqlite*"), None)
    if db is None:
        return 0
    with sqlite3.connect(db) as con:
        return con.execute("select count(*) from paragraphs").fetchone()[0]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--pages", type=int, default=2000)
    ap.add_argument("--work", type=Path, default=Path("/tmp/bench-html-warc"))
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--runs", type=int, default=3, help="ingests of the same WARC (medians are reported)")
    ap.add_argument(
        "--paragraphs", type=int, default=25, help="paragraphs a page on average (the issue's 25)"
    )
    a = ap.parse_args(argv)
    a.work.mkdir(parents=True, exist_ok=True)
    warc = a.work / "pages.warc.gz"
    t0 = time.perf_counter()
    pages, html_bytes = make_warc(warc, a.pages, paragraphs=a.paragraphs)
    made = time.perf_counter() - t0
    runs = []
    for _ in range(a.runs):
        subprocess.run(["rm", "-rf", str(a.work / "data")], check=True)
        load = os.getloadavg()[0]
        r = ingest(warc, a.work)
        r.update(
            load_before=round(load, 1),
            pages_per_s=round(pages / r["seconds"], 1),
            pages_per_cpu_s=round(pages / r["cpu_s"], 1),
        )
        runs.append(r)
    med = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
    cpu_med = sorted(r["cpu_s"] for r in runs)[len(runs) // 2]
    paragraphs = _paragraphs(a.work)
    res = dict(
        med,
        pages=pages,
        paragraphs=paragraphs,
        html_mb=round(html_bytes / 2**20, 1),
        warc_mb=round(warc.stat().st_size / 2**20, 1),
        made_s=round(made, 1),
        cpus=os.cpu_count(),
        median_seconds=med["seconds"],
        median_cpu_s=cpu_med,
        paragraphs_per_s=round(paragraphs / med["seconds"], 1),
        # what the run would do on 2 idle cores: its CPU seconds spread over them (an upper bound)
        pages_per_s_idle_estimate=round(pages * (os.cpu_count() or 1) / cpu_med, 1),
        runs=[
            {k: r[k] for k in ("seconds", "cpu_s", "pages_per_s", "peak_rss_mb", "load_before")} for r in runs
        ],
    )
    print(json.dumps(res, indent=1))
    if a.out:
        a.out.write_text(json.dumps(res, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
