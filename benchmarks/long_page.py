"""Ingest of one very long page (issue 11: any page up to the size cap under 500 MB):
a text statement of N short paragraphs (600,000 by default, an 8 MB page) ingested with
`archive ingest` into a fresh archive, loading and indexing in that one process. Measures
wall time, CPU time and the peak resident memory of the process tree (sampled from /proc,
and the kernel's high-water mark of each process: the loader, its parse workers, the index
follower).

    python -m benchmarks.long_page --paragraphs 600000 --out benchmarks/results-long-page.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.html_warc import tree_rss_mb
from benchmarks.measure import run_ingest

ROOT = Path(__file__).resolve().parent.parent
TARGET_MB = 500


def write_page(path: Path, paragraphs: int) -> int:
    """A statement of `paragraphs` numbered paragraphs; returns its size in bytes."""
    with path.open("w", encoding="utf-8") as fh:
        fh.write(
            "Remarks by the Minister of Foreign Affairs at a very long meeting\n\n"
            "Submitted on Fri, 11/19/2021 - 11:47\n\n"
        )
        for i in range(1, paragraphs + 1):
            fh.write(f"Point {i}.\n\n")
    return path.stat().st_size


def process_peaks(pid: int, seen: dict[int, dict]) -> None:
    """Each process of the tree under `pid`: its parent, when it was first seen, and its
    kernel high-water mark of resident memory (VmHWM: exact, whatever the sampling rate)."""
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                status = dict(line.split(":", 1) for line in fh if ":" in line)
            with open(f"/proc/{p}/task/{p}/children") as fh:
                todo.extend(int(c) for c in fh.read().split())
        except OSError:
            continue
        entry = seen.setdefault(
            p, {"ppid": int(status["PPid"]), "first_seen_s": round(time.monotonic() - T0, 1)}
        )
        hwm = int(status.get("VmHWM", "0 kB").split()[0]) / 1024
        entry["peak_rss_mb"] = round(max(entry.get("peak_rss_mb", 0.0), hwm), 1)


T0 = time.monotonic()


def ingest(page: Path, work: Path) -> dict:
    peak = 0.0
    processes: dict[int, dict] = {}

    def sample(pid: int) -> None:
        nonlocal peak
        peak = max(peak, tree_rss_mb(pid))
        process_peaks(pid, processes)

    run = run_ingest(page, work, sample=sample, every=0.1)
    if run.returncode != 0:
        raise RuntimeError(f"ingest failed ({run.returncode}): {run.stderr[-2000:]}")
    return {
        "seconds": round(run.seconds, 1),
        "cpu_seconds": round(run.cpu_seconds, 1),
        "peak_tree_rss_mb": round(peak, 1),
        "peak_process_rss_mb": round(run.max_child_rss_mb, 1),
        "processes": [{"pid": pid, **info} for pid, info in sorted(processes.items())],
        "summary": run.stdout.strip().splitlines()[-1:],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--paragraphs", type=int, default=600_000)
    ap.add_argument("--work", type=Path, default=Path("/tmp/bench-long-page"))
    ap.add_argument("--out", type=Path, default=None)
    a = ap.parse_args(argv)
    a.work.mkdir(parents=True, exist_ok=True)
    page = a.work / "long.txt"
    size = write_page(page, a.paragraphs)
    subprocess.run(["rm", "-rf", str(a.work / "data")], check=True)
    load = os.getloadavg()[0]
    res = ingest(page, a.work)
    res.update(
        paragraphs=a.paragraphs,
        page_mb=round(size / 2**20, 2),
        target_mb=TARGET_MB,
        met=max(res["peak_tree_rss_mb"], res["peak_process_rss_mb"]) < TARGET_MB,
        cpus=os.cpu_count(),
        load_before=round(load, 1),
        load_after=round(os.getloadavg()[0], 1),
    )
    print(json.dumps(res, indent=1))
    if a.out:
        a.out.write_text(json.dumps(res, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
