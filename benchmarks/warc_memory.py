"""Ingest memory on a large WARC: a WARC of `--gb` gigabytes is written on the fly (warcio), then
`archive ingest` reads it while every process of the run (loader, parser workers, index follower
and its helpers) is sampled from /proc: peak RSS per process, the peak of their sum, and the peak
of their summed PSS (shared pages counted once, in shares: what the run really holds).

The WARC is what a crawl of a ministry's site holds: HTML pages in site templates (50-150 KB of
chrome, benchmarks.html_pages) among the images, PDFs and scripts the crawler fetched with them
(incompressible bytes, 0.2-4 MB a record), each behind its request record, and a few
multi-megabyte HTML pages. `--html` pages are spread evenly over the file, so the reader has
streamed all of it by the time the last page is loaded.

    python -m benchmarks.warc_memory --gb 2 --html 1000 --out benchmarks/results-warc-memory.json
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.html_pages import TEMPLATES, render
from benchmarks.html_warc import paragraph_range
from benchmarks.measure import run_ingest
from benchmarks.synth import Synth

ROOT = Path(__file__).resolve().parent.parent
_BINARY_TYPES = ("image/jpeg", "image/png", "application/pdf", "application/javascript", "font/woff2")


def _proc_mem(pid: int) -> tuple[float, float]:
    """(RSS, PSS) of one process in MB (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            vals = {
                k: int(v.split()[0])
                for k, _, v in (line.partition(":") for line in fh)
                if v.strip().endswith("kB")
            }
        return vals.get("Rss", 0) / 1024, vals.get("Pss", 0) / 1024
    except (OSError, ValueError):
        return 0.0, 0.0


def _tree(pid: int) -> dict[int, str]:
    """pid -> command line (shortened) of `pid` and all its descendants."""
    out: dict[int, str] = {}
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/cmdline", "rb") as fh:
                cmd = fh.read().replace(b"\0", b" ").decode(errors="replace").strip()
            with open(f"/proc/{p}/task/{p}/children") as fh:
                todo.extend(int(c) for c in fh.read().split())
        except OSError:
            continue
        out[p] = _role(cmd, p == pid)
    return out


def _role(cmd: str, top: bool) -> str:
    if top:
        return "loader (archive ingest)"
    if "resource_tracker" in cmd:
        return "multiprocessing resource tracker"
    return "child: " + cmd[-60:]


def make_big_warc(path: Path, gb: float, html_pages: int, seed: int = 7) -> dict:
    """Write the WARC; returns what it holds."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    target = int(gb * 2**30)
    rnd = random.Random(seed)
    synth = Synth(seed)
    blob = os.urandom(4 << 20)  # incompressible payload, sliced per record
    held = {"html": 0, "big_html": 0, "binary": 0, "html_mb": 0.0}
    with path.open("wb") as fh:

        def response(url: str, ctype: str, body: bytes) -> None:
            """A request and a response record, each its own gzip member (as warcio writes them;
            level 1 here: zlib at its default level on incompressible bytes is the slow part)."""
            for kind, payload, http in (
                ("request", b"GET / HTTP/1.1\r\n\r\n", None),
                (
                    "response",
                    body,
                    StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1"),
                ),
            ):
                buf = io.BytesIO()
                w = WARCWriter(buf, gzip=False)
                w.write_record(
                    w.create_warc_record(url, kind, payload=io.BytesIO(payload), http_headers=http)
                )
                fh.write(gzip.compress(buf.getvalue(), compresslevel=1))

        per_page = max(1, target // max(1, html_pages))
        for i in range(html_pages):
            text, _n = synth.page(i, paragraph_range(25))  # the pages: 25 paragraphs
            big = i % 100 == 50  # a few pages of several MB (a long speech with a huge menu)
            body = render(
                text, TEMPLATES[i % len(TEMPLATES)], kb=4000 if big else rnd.randint(50, 150), seed=i
            ).encode()
            response(f"https://ministry.example/press/{i}.html", "text/html; charset=utf-8", body)
            held["big_html" if big else "html"] += 1
            held["html_mb"] += len(body) / 2**20
            while fh.tell() < per_page * (i + 1) and fh.tell() < target:
                n = rnd.randint(200 << 10, 4 << 20)
                start = rnd.randint(0, len(blob) - n)
                response(
                    f"https://ministry.example/media/{held['binary']}",
                    rnd.choice(_BINARY_TYPES),
                    blob[start : start + n],
                )
                held["binary"] += 1
    held["html_mb"] = round(held["html_mb"], 1)
    held["warc_mb"] = round(path.stat().st_size / 2**20, 1)
    return held


def ingest_measured(warc: Path, work: Path, interval: float = 0.5) -> dict:
    peak_rss = peak_pss = 0.0
    per: dict[str, float] = {}

    def sample(top: int) -> None:
        nonlocal peak_rss, peak_pss
        rss = pss = 0.0
        for pid, role in _tree(top).items():
            r, p = _proc_mem(pid)
            rss, pss = rss + r, pss + p
            per[role] = max(per.get(role, 0.0), r)
        peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)

    run = run_ingest(warc, work, sample=sample, every=interval)
    if run.returncode not in (0, 1):
        raise RuntimeError(run.stderr[-2000:])
    roles: dict[str, float] = {}
    for role, mb in per.items():  # the two parser workers share a role name: keep the largest
        key = "parser worker / index process" if role.startswith("child: ") else role
        roles[key] = round(max(roles.get(key, 0.0), mb), 1)
    return {
        "seconds": round(run.seconds, 1),
        "cpu_s": round(run.cpu_seconds, 1),
        "peak_tree_rss_mb": round(peak_rss, 1),
        "peak_tree_pss_mb": round(peak_pss, 1),
        "peak_rss_by_process_mb": roles,
        "exit": run.returncode,
        "notes": run.notes(),
        "summary": run.stdout.strip().splitlines()[-14:],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--gb", type=float, default=2.0)
    ap.add_argument("--html", type=int, default=1000, help="HTML pages among the records")
    ap.add_argument("--work", type=Path, default=Path("/tmp/bench-warc-memory"))
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument(
        "--keep", action="store_true", help="keep the WARC, and ingest a kept one of the same size again"
    )
    a = ap.parse_args(argv)
    a.work.mkdir(parents=True, exist_ok=True)
    warc = a.work / f"crawl-{a.gb:g}gb-{a.html}.warc.gz"
    t0 = time.perf_counter()
    kept = a.keep and (a.work / f"{warc.name}.json").exists()
    held = (
        json.loads((a.work / f"{warc.name}.json").read_text()) if kept else make_big_warc(warc, a.gb, a.html)
    )
    if a.keep:
        (a.work / f"{warc.name}.json").write_text(json.dumps(held))
    made = time.perf_counter() - t0
    subprocess.run(["rm", "-rf", str(a.work / "data")], check=True)
    load = os.getloadavg()[0]
    res = ingest_measured(warc, a.work)
    res.update(
        held,
        made_s=round(made, 1),
        cpus=os.cpu_count(),
        load_before=round(load, 1),
        load_after=round(os.getloadavg()[0], 1),
    )
    print(json.dumps(res, indent=1))
    if a.out:
        a.out.write_text(json.dumps(res, indent=1) + "\n")
    if not a.keep:
        warc.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
