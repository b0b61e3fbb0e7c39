"""Overload and queries of death: `python -m benchmarks.overload [--paragraphs 13000] [--out F]`.

Builds (or reuses) a synthetic archive (benchmarks/synth.py) through the real `archive ingest`,
starts `archive serve` on 127.0.0.1 and measures, over HTTP:

1. cheap searches (`q=sanctions` and a few others) one at a time: p50/p95/p99, alone, then
   while `--attackers` clients send queries of death (benchmarks/attacks.py: the issue's
   shapes and random wide prefix/fuzzy/OR queries) without pause; the attackers' own
   latencies and statuses (422 refusals, 200 approximate answers);
2. overload: `--idle` idle sockets held open, then `--clients` concurrent clients for
   `--duration` s over search, statement and permalink pages: statuses (only 200 and fast
   503s expected), the slowest 503, and how long after the load stops a plain request
   succeeds (recovery);
3. the server's RSS before and after.

Prints one JSON object (and writes it to --out). Loopback only."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

from benchmarks.attacks import SHAPES, random_query
from benchmarks.load import build, env_for, free_port, log
from benchmarks.raw_http import Client
from benchmarks.run import machine, pct

ROOT = Path(__file__).resolve().parent.parent
CHEAP = ["sanctions", "security cooperation", '"international law"', "said:lavrov", "europe"]


def start(env: dict, port: int, logfile: Path, extra: dict | None = None) -> subprocess.Popen:
    out = open(logfile, "a")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env | (extra or {}),
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api", timeout=2).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def stop(proc: subprocess.Popen) -> None:
    import signal

    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def rss_mb(pid: int) -> float:
    """RSS of the server and its workers (not the citation filler), MB."""
    total = 0
    pids = [pid] + [
        int(c) for t in Path(f"/proc/{pid}/task").iterdir() for c in (t / "children").read_text().split()
    ]
    for p in pids:
        try:
            cmd = Path(f"/proc/{p}/cmdline").read_bytes()
            if b"app.citations.store" in cmd:
                continue
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return round(total / 1024, 1)


def cheap_latencies(url: str, seconds: float) -> list[float]:
    out = []
    ends = time.monotonic() + seconds
    with httpx.Client(base_url=url, timeout=60) as c:
        i = 0
        while time.monotonic() < ends:
            t = time.perf_counter()
            r = c.get("/search", params={"q": CHEAP[i % len(CHEAP)]})
            out.append(time.perf_counter() - t)
            assert r.status_code == 200, r.status_code
            i += 1
    return out


def attacker(url: str, stop_at: float, seed: int, results: list) -> None:
    rng = random.Random(seed)
    shapes = list(SHAPES.values())
    with httpx.Client(base_url=url, timeout=120) as c:
        i = 0
        while time.monotonic() < stop_at:
            q = shapes[i % len(shapes)] if i % 2 == 0 else random_query(rng)
            path = ("/search", "/api/search", "/search.csv")[i % 3]
            t = time.perf_counter()
            try:
                r = c.get(path, params={"q": q})
                status = r.status_code
                if path == "/api/search" and status == 200 and r.json().get("approximate"):
                    status = "200 approximate"
            except httpx.HTTPError as e:
                status = type(e).__name__
            results.append((time.perf_counter() - t, status))
            i += 1


def summary(values: list[float]) -> dict:
    return {
        "n": len(values),
        "p50_ms": round(pct(values, 50) * 1000, 1),
        "p95_ms": round(pct(values, 95) * 1000, 1),
        "p99_ms": round(pct(values, 99) * 1000, 1),
        "max_ms": round(max(values) * 1000, 1) if values else None,
    }


def measure_attack(url: str, seconds: float, attackers: int) -> dict:
    base = cheap_latencies(url, seconds)
    results: list = []
    stop_at = time.monotonic() + seconds + 1
    threads = [threading.Thread(target=attacker, args=(url, stop_at, i, results)) for i in range(attackers)]
    for t in threads:
        t.start()
    time.sleep(1)
    attacked = cheap_latencies(url, seconds)
    for t in threads:
        t.join()
    statuses = Counter(str(s) for _d, s in results)
    return {
        "cheap_alone": summary(base),
        f"cheap_with_{attackers}_attackers": summary(attacked),
        "attack_queries": summary([d for d, _s in results]),
        "attack_statuses": dict(statuses),
    }


async def overload(url: str, port: int, idle: int, clients: int, duration: float, paths: list[str]) -> dict:
    """The clients speak HTTP/1.1 on raw asyncio streams (benchmarks/raw_http.py), kept alive as
    a browser does."""
    socks = []
    for _ in range(idle):
        try:
            socks.append(socket.create_connection(("127.0.0.1", port)))
        except OSError:
            break
    statuses: Counter = Counter()
    t503: list[float] = []
    t200: list[float] = []
    ends = time.monotonic() + duration

    async def one(i: int) -> None:
        rng = random.Random(i)
        client = Client(port)
        while time.monotonic() < ends:
            path = rng.choice(paths)
            t = time.perf_counter()
            try:
                r = await client.get(path)
            except (OSError, asyncio.IncompleteReadError, ValueError) as e:
                statuses[type(e).__name__] += 1
                continue
            statuses[r.status] += 1
            (t503 if r.status == 503 else t200).append(time.perf_counter() - t)
            if r.status == 503:
                await asyncio.sleep(r.retry_after * rng.random())
        client.close()
        if client.retries:
            statuses["keepalive_retry"] += client.retries

    await asyncio.gather(*(one(i) for i in range(clients)))
    stopped = time.perf_counter()
    recovered = None
    while time.perf_counter() - stopped < 60:
        try:
            if httpx.get(f"{url}/search", params={"q": "sanctions"}, timeout=5).status_code == 200:
                recovered = time.perf_counter() - stopped
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    for s in socks:
        s.close()
    return {
        "idle_sockets": len(socks),
        "clients": clients,
        "duration_s": duration,
        "statuses": {str(k): v for k, v in statuses.items()},
        "ok": summary(t200),
        "refused_503": summary(t503),
        "recovery_s": round(recovered, 3) if recovered is not None else None,
    }


def targets(url: str) -> list[str]:
    with httpx.Client(base_url=url, timeout=30) as c:
        keys = [s["key"] for s in c.get("/api/statements", params={"per_page": 100}).json()["results"]]
        paras = [p["key"] for k in keys[:20] for p in c.get(f"/api/statements/{k}").json()["paragraphs"][:3]]
    out = [f"/search?q={q}" for q in CHEAP] + [f"/api/search?q={q}" for q in CHEAP]
    return out + [f"/statements/{k}" for k in keys] + [f"/p/{k}" for k in paras] + ["/", "/static/app.css"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.overload")
    ap.add_argument("--paragraphs", type=int, default=13_000)
    ap.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "archive-overload")
    ap.add_argument("--seconds", type=float, default=20, help="of cheap searches, alone and attacked")
    ap.add_argument("--attackers", type=int, default=1)
    ap.add_argument("--idle", type=int, default=1000)
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--duration", type=float, default=30)
    ap.add_argument("--out", type=Path)
    a = ap.parse_args(argv)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    work = a.work / str(a.paragraphs)
    build(work, a.paragraphs)
    env = env_for(work)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    load_before = os.getloadavg()[0]
    proc = start(env, port, work / "serve.log")
    try:
        result = {
            "paragraphs": a.paragraphs,
            "machine": machine(),
            "load_before": round(load_before, 2),
            "rss_start_mb": rss_mb(proc.pid),
        }
        log("cheap searches, alone and attacked")
        for n in sorted({1, a.attackers}):
            result[f"attack_{n}"] = measure_attack(url, a.seconds, n)
        log(f"overload: {a.idle} idle sockets, {a.clients} clients for {a.duration} s")
        result["overload"] = asyncio.run(overload(url, port, a.idle, a.clients, a.duration, targets(url)))
        result["rss_end_mb"] = rss_mb(proc.pid)
        result["load_after"] = round(os.getloadavg()[0], 2)
    finally:
        stop(proc)
    text = json.dumps(result, indent=1)
    print(text)
    if a.out:
        a.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
