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
import threading
import time
from pathlib import Path

from benchmarks.html_pages import TEMPLATES, render, warc_of
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


def make_warc(path: Path, pages: int, seed: int = 1) -> tuple[int, int]:
    """(pages, bytes of HTML) written to the WARC at `path`."""
    synth = Synth(seed)
    rnd = random.Random(seed)
    html_bytes = 0
    with path.open("wb") as fh:
        batch = []
        for i in range(pages):
            text, _n = synth.page(i)
            body = render(text, TEMPLATES[i % len(TEMPLATES)], kb=rnd.randint(50, 150), seed=i).encode()
            html_bytes += len(body)
            batch.append((f"https://ministry.example/press/{i}.html", body))
            if len(batch) >= 100:
                warc_of(batch, fh)
                batch = []
        warc_of(batch, fh)
    return pages, html_bytes


def ingest(warc: Path, work: Path) -> dict:
    env = dict(os.environ, ARCHIVE_DATA_DIR=str(work / "data"))
    peak = 0.0
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "app", "ingest", str(warc)], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def sample() -> None:
        nonlocal peak
        while proc.poll() is None:
            peak = max(peak, tree_rss_mb(proc.pid))
            time.sleep(0.2)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    out, err = proc.communicate()
    elapsed = time.perf_counter() - t0
    t.join()
    if proc.returncode not in (0, 1):
        raise RuntimeError(err[-2000:])
    return {"seconds": round(elapsed, 2), "peak_rss_mb": round(peak, 1), "exit": proc.returncode,
            "notes": [line for line in err.splitlines() if line.startswith(("note:", "error:"))][:5]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--pages", type=int, default=2000)
    ap.add_argument("--work", type=Path, default=Path("/tmp/bench-html-warc"))
    ap.add_argument("--out", type=Path, default=None)
    a = ap.parse_args(argv)
    a.work.mkdir(parents=True, exist_ok=True)
    warc = a.work / "pages.warc.gz"
    t0 = time.perf_counter()
    pages, html_bytes = make_warc(warc, a.pages)
    made = time.perf_counter() - t0
    subprocess.run(["rm", "-rf", str(a.work / "data")], check=True)
    res = ingest(warc, a.work)
    res.update(pages=pages, html_mb=round(html_bytes / 2**20, 1), warc_mb=round(warc.stat().st_size / 2**20, 1),
               pages_per_s=round(pages / res["seconds"], 1), made_s=round(made, 1), cpus=os.cpu_count(),
               load=os.getloadavg()[0])
    print(json.dumps(res, indent=1))
    if a.out:
        a.out.write_text(json.dumps(res, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
