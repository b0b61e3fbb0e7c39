"""Load test: `python -m benchmarks.load [--paragraphs 100000 --clients 50 --duration 60]`.

Builds (or reuses) a synthetic archive (benchmarks/synth.py) through the real `archive ingest`,
starts `archive serve --workers 2` on 127.0.0.1 only, measures a baseline (one client per
worker), then drives `--clients` concurrent clients (raw HTTP/1.1 on asyncio streams, kept
alive: benchmarks/raw_http.py; httpx's client measured itself) for `--duration` seconds over
a mix of search pages (HTML and API), statement pages and paragraph permalinks. Any answer but a 2xx/3xx, and any connection error or timeout,
is an error. Prints the request count, throughput and latency p50/p95/p99 (overall and per
kind); `--out` writes them as JSON. Exit status 1 when there was any error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import httpx

from benchmarks.raw_http import Client
from benchmarks.synth import write_corpus

ROOT = Path(__file__).resolve().parent.parent
QUERIES = [
    "security",
    "Ukraine",
    "sanctions",
    "multipolar world",
    '"international law"',
    "NATO OR OSCE",
    "Europe NOT Ukraine",
    "nucle*",
    "cooperat* partners",
    "said:lavrov Syria",
    "speaker:zakharova",
    "kind:interview China",
    "date:2015 terrorism",
    "date:2010-01-01..2012-12-31 energy",
    "venue:moscow dialogue",
    '"strategic stability"',
    "Afghanistan Taliban",
    "climate change",
]
# kind of request -> share of the mix
MIX = {
    "search": 0.30,
    "api_search": 0.10,
    "statement": 0.25,
    "permalink": 0.25,
    "api_statement": 0.05,
    "list": 0.05,
}


def log(message: str) -> None:
    print(f"[load {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env_for(data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}
    env.update(ARCHIVE_DATA_DIR=str(data / "data"), PYTHONPATH=str(ROOT))
    return env


def build(data: Path, paragraphs: int) -> None:
    """The archive in `data` (corpus + data dir), built once per size and reused."""
    marker = data / f"built-{paragraphs}"
    if marker.exists():
        log(f"reusing the archive in {data}")
        return
    corpus = data / "corpus"
    if not corpus.exists():
        t0 = time.perf_counter()
        pages, total = write_corpus(corpus, paragraphs, seed=1)
        log(f"generated {pages:,} pages, {total:,} paragraphs in {time.perf_counter() - t0:.0f} s")
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "app", "ingest", "corpus"],
        cwd=data,
        env=env_for(data),
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise SystemExit(f"ingest failed ({proc.returncode}): {proc.stderr[-2000:]}")
    log(f"ingested in {time.perf_counter() - t0:.0f} s")
    marker.touch()


class Server:
    def __init__(self, data: Path, workers: int, port: int):
        self.url = f"http://127.0.0.1:{port}"
        self.log = (data / "serve.log").open("w")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "app",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            cwd=data,
            env=env_for(data) | {"ARCHIVE_MAX_REQUESTS": "64"},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 300
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"the server exited ({self.proc.returncode}); see {self.log.name}")
            try:
                if httpx.get(f"{self.url}/api", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise SystemExit("the server did not answer within 300 s")
            time.sleep(0.3)

    def cpu_seconds(self) -> float | None:
        """User + system CPU of the server's processes so far (supervisor and workers, from /proc)."""
        total, pids = 0.0, [self.proc.pid]
        try:
            with open(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children") as fh:
                pids += [int(p) for p in fh.read().split()]
            for pid in pids:
                with open(f"/proc/{pid}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            return None
        return round(total, 1)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


def targets(url: str, rng: random.Random) -> dict[str, list[str]]:
    """Real URLs of the archive, by kind: statements spread over the list, their paragraphs."""
    with httpx.Client(base_url=url, timeout=60) as c:
        first = c.get("/api/statements", params={"per_page": 100}).json()
        keys: list[str] = []
        for page in sorted(rng.sample(range(1, first["pages"] + 1), min(20, first["pages"]))):
            if page * 100 > 10_000:  # the pagination depth cap
                page = rng.randint(1, 100)
            keys += [
                s["key"]
                for s in c.get("/api/statements", params={"per_page": 100, "page": page}).json()["results"]
            ]
        keys = sorted(set(keys))
        paras: list[str] = []
        for key in rng.sample(keys, min(150, len(keys))):
            ps = c.get(f"/api/statements/{key}").json()["paragraphs"]
            paras += [p["key"] for p in rng.sample(ps, min(3, len(ps)))]
    return {
        "search": [f"/search?q={q}" for q in QUERIES] + [f"/search?q={q}&sort=newest" for q in QUERIES[:6]],
        "api_search": [f"/api/search?q={q}" for q in QUERIES],
        "statement": [f"/statements/{k}" for k in keys],
        "permalink": [f"/p/{k}" for k in paras],
        "api_statement": [f"/api/statements/{k}" for k in keys],
        "list": ["/", "/statements", "/statements?sort=oldest", "/speakers", "/dates", "/statements?page=3"],
    }


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))]


async def drive(
    port: int, urls: dict[str, list[str]], clients: int, duration: float, seed: int = 7, timeout: float = 60
) -> dict:
    """`clients` closed-loop clients (raw HTTP/1.1, kept alive: benchmarks/raw_http.py) for
    `duration` s; an answer slower than `timeout` s counts as an error."""
    kinds, weights = list(MIX), list(MIX.values())
    latencies: dict[str, list[float]] = defaultdict(list)
    statuses: Counter = Counter()
    errors: list[str] = []
    stop_at = time.monotonic() + duration

    async def client(n: int) -> None:
        rng = random.Random(seed * 1000 + n)
        c = Client(port)
        try:
            while time.monotonic() < stop_at:
                kind = rng.choices(kinds, weights)[0]
                path = rng.choice(urls[kind])
                t0 = time.perf_counter()
                try:
                    r = await asyncio.wait_for(c.get(path), timeout)
                except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as e:
                    c.close()
                    statuses["error"] += 1
                    errors.append(f"{path}: {type(e).__name__}: {e}")
                    continue
                latencies[kind].append(time.perf_counter() - t0)
                statuses[r.status] += 1
                if r.status >= 400:
                    errors.append(f"{path}: {r.status}")
        finally:
            c.close()
            if c.retries:
                statuses["keepalive_retry"] += c.retries

    started = time.monotonic()
    await asyncio.gather(*(client(n) for n in range(clients)))
    elapsed = time.monotonic() - started
    everything = [x for v in latencies.values() for x in v]

    def figures(xs: list[float]) -> dict:
        return {
            "requests": len(xs),
            "p50_ms": round(percentile(xs, 50) * 1000, 1),
            "p95_ms": round(percentile(xs, 95) * 1000, 1),
            "p99_ms": round(percentile(xs, 99) * 1000, 1),
            "max_ms": round(max(xs, default=0) * 1000, 1),
        }

    answered = sum(v for k, v in statuses.items() if k not in ("error", "keepalive_retry"))
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "requests": answered,
        "per_second": round(answered / elapsed, 1),
        "errors": len(errors),
        "statuses": {str(k): v for k, v in sorted(statuses.items(), key=str)},
        **figures(everything),
        "by_kind": {k: figures(v) for k, v in sorted(latencies.items())},
        "error_samples": errors[:20],
    }


def run_load(
    *,
    data: Path,
    paragraphs: int,
    clients: int,
    duration: float,
    workers: int = 2,
    warmup: float = 5.0,
    baseline: float = 20.0,
) -> dict:
    """Warm-up, then a baseline of `workers` clients (one per worker: the server's throughput
    without queueing) for `baseline` s, then `clients` clients for `duration` s, on one server.
    The baseline, measured on the same machine minutes apart, is what the loaded run's
    throughput is compared with (`vs_baseline`): a server that holds keeps it under a crowd."""
    data.mkdir(parents=True, exist_ok=True)
    build(data, paragraphs)
    port = free_port()
    server = Server(data, workers, port)
    cpu0 = os.times()
    try:
        urls = targets(server.url, random.Random(1))
        log(f"{sum(map(len, urls.values())):,} URLs; warming up {warmup:g} s")
        asyncio.run(drive(port, urls, min(clients, 8), warmup))
        base = None
        if baseline:
            log(f"baseline: {workers} clients for {baseline:g} s")
            base = asyncio.run(drive(port, urls, workers, baseline, seed=3))
        log(f"{clients} clients for {duration:g} s on {server.url}")
        load_before = os.getloadavg()[0]
        result = asyncio.run(drive(port, urls, clients, duration))
        server_cpu = server.cpu_seconds()
    finally:
        server.stop()
    client_cpu = sum(os.times()[:2]) - sum(cpu0[:2])
    out = {
        "paragraphs": paragraphs,
        "workers": workers,
        "load_before": round(load_before, 2),
        "load_after": round(os.getloadavg()[0], 2),
        "server_cpu_s": server_cpu,
        "client_cpu_s": round(client_cpu, 1),
        **result,
    }
    if base is not None:
        out["baseline"] = {
            k: base[k] for k in ("clients", "seconds", "requests", "per_second", "p50_ms", "errors")
        }
        out["vs_baseline"] = (
            round(result["per_second"] / base["per_second"], 2) if base["per_second"] else None
        )
    return out


def report(r: dict) -> str:
    lines = [
        f"{r['requests']:,} requests in {r['seconds']} s ({r['per_second']}/s) by {r['clients']} clients, "
        f"{r['workers']} workers, {r['paragraphs']:,} paragraphs: {r['errors']} errors "
        f"(load {r['load_before']} -> {r['load_after']}; CPU s: server {r['server_cpu_s']}, clients {r['client_cpu_s']})",
        f"latency p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, p99 {r['p99_ms']} ms, max {r['max_ms']} ms",
        f"{'kind':<14} {'requests':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}",
    ]
    if "baseline" in r:
        b = r["baseline"]
        lines.append(
            f"baseline: {b['clients']} clients {b['per_second']}/s (p50 {b['p50_ms']} ms); "
            f"under {r['clients']} clients: {r['vs_baseline']} of it"
        )
    for kind, f in r["by_kind"].items():
        lines.append(f"{kind:<14} {f['requests']:>9,} {f['p50_ms']:>8} {f['p95_ms']:>8} {f['p99_ms']:>8}")
    lines += [f"error: {e}" for e in r["error_samples"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--paragraphs", type=int, default=100_000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--duration", type=float, default=60)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument(
        "--data",
        type=Path,
        default=None,
        help="where the archive is built and kept (default: /tmp/archive-load-<paragraphs>)",
    )
    ap.add_argument("--out", type=Path, default=None, help="write the figures as JSON here")
    args = ap.parse_args(argv)
    data = args.data or Path("/tmp") / f"archive-load-{args.paragraphs}"
    result = run_load(
        data=data.resolve(),
        paragraphs=args.paragraphs,
        clients=args.clients,
        duration=args.duration,
        workers=args.workers,
    )
    print(report(result))
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n")
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
