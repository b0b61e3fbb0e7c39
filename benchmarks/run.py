"""Benchmark harness: `python -m benchmarks.run --paragraphs N [--out results.json]`.

Generates a synthetic archive (benchmarks/synth.py), then measures through the real code
paths: `archive ingest` and `archive reindex` as subprocesses, sizes on disk, peak RSS,
HTTP latency against a real uvicorn server (2 workers) at concurrency 1 and 16, start-up
time to first answer, and the same query mix on SQLite FTS5 over the same paragraphs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import resource
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.synth import write_corpus

ROOT = Path(__file__).resolve().parent.parent

# The fixed query mix: common and rare words, AND, phrases, OR/NOT, prefixes, field filters.
QUERIES = [
    "security",
    "Ukraine",
    "sanctions",
    "multipolar world",
    '"international law"',
    '"United Nations" Security Council',
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
    "climate change",
    '"strategic stability"',
    "Afghanistan Taliban",
    "vaccine pandemic",
]
# Plain words that are speakers' surnames or occur in titles (benchmarks/synth.py: titles name the
# speaker and the event), alone and with other words: titles and names take part (issue 14).
NAME_QUERIES = [
    "Zakharova",
    "Lavrov sanctions",
    "Valdai",
    "Primakov Readings",
    "Ryabkov security",
    "Nebenzia",
    '"Raisina Dialogue"',
    "Titov cooperation",
    "Kelin",
    "Galuzin Ukraine",
]
# Concordance: words with >= 10,000 occurrences at 1.5M paragraphs, first page of 100 lines.
CONCORDANCE_WORDS = ["Russia", "security", "international", "cooperation"]
# Trends: three terms each, over the synthetic archive's 22 years.
TREND_TERMS = [
    ("sanctions", "cooperation", "security"),
    ("NATO", "Ukraine", "terrorism"),
    ('"international law"', "energy", "dialogue"),
    ("Syria", "Afghanistan", "China"),
]
FTS_QUERIES = [
    "security",
    "Ukraine",
    "sanctions",
    "multipolar world",
    '"international law"',
    '"United Nations" Security Council',
    "NATO OR OSCE",
    "Europe NOT Ukraine",
    "nucle*",
    "cooperat* partners",
    "Syria",
    "Zakharova",
    "interview China",
    "terrorism",
    "energy",
    "dialogue",
    "climate change",
    '"strategic stability"',
    "Afghanistan Taliban",
    "vaccine pandemic",
]


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_cli(env: dict, *args: str) -> tuple[float, int]:
    """Run `python -m app ARGS`; returns (seconds, peak RSS of the child in MB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "app", *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"archive {' '.join(args)} failed: {proc.stderr[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before) // 1024


def dir_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def current_index(index_dir: Path) -> Path:
    """The live generation (the previous one is kept beside it for open searchers)."""
    try:
        return index_dir / json.loads((index_dir / "CURRENT").read_text())["generation"]
    except (OSError, ValueError, KeyError):
        return index_dir


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


async def measure(base: str, paths: list[str], concurrency: int, rounds: int) -> dict:
    """`rounds` GETs cycling through `paths`, `concurrency` at a time. Anything but a 200
    counts as an error (a redirect or a 404 would measure the wrong page)."""
    latencies: list[float] = []
    errors = 0
    bad: list[str] = []
    work = [paths[i % len(paths)] for i in range(max(rounds, concurrency))]
    queue: asyncio.Queue[str] = asyncio.Queue()
    for w in work:
        queue.put_nowait(w)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while not queue.empty():
            path = queue.get_nowait()
            t0 = time.perf_counter()
            try:
                r = await client.get(base + path)
            except httpx.TransportError as e:  # a timeout or a dropped connection: counted, the run goes on
                latencies.append((time.perf_counter() - t0) * 1000)
                errors += 1
                bad.append(f"{type(e).__name__} {path}")
                continue
            latencies.append((time.perf_counter() - t0) * 1000)
            if r.status_code != 200:
                errors += 1
                bad.append(f"{r.status_code} {path}")

    async with httpx.AsyncClient(timeout=60) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return {
        "p50": pct(latencies, 50),
        "p95": pct(latencies, 95),
        "p99": pct(latencies, 99),
        "n": len(latencies),
        "errors": errors,
        "bad": sorted(set(bad))[:5],
    }


def db_url(data: Path, database_url: str | None) -> str:
    return database_url or f"sqlite:///{data / 'archive.sqlite3'}"


def db_rows(url: str, sql) -> list[tuple]:
    """Rows of one query (portable SQL text, or a Core select) on the archive's database."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql) if isinstance(sql, str) else sql)]
    finally:
        engine.dispose()


def db_mb(url: str, data: Path) -> float:
    if url.startswith("postgresql"):
        return round(db_rows(url, "SELECT pg_database_size(current_database())")[0][0] / 1e6, 1)
    return round((data / "archive.sqlite3").stat().st_size / 1e6, 1)


def sample_paths(url: str, rng: random.Random) -> dict[str, list[str]]:
    keys = [
        r[0] for r in db_rows(url, "SELECT key FROM statements ORDER BY paragraph_count DESC, key LIMIT 200")
    ]
    pkeys = [
        r[0] for r in db_rows(url, "SELECT key FROM paragraphs WHERE current ORDER BY random() LIMIT 200")
    ]
    speakers = [
        r[0]
        for r in db_rows(
            url,
            "SELECT s.slug FROM speakers s JOIN statement_speakers ss ON ss.speaker_id = s.id "
            "GROUP BY s.id, s.slug ORDER BY count(*) DESC, s.slug LIMIT 40",
        )
    ]
    from sqlalchemy import func, select

    from app.models import Statement

    year = func.extract("year", Statement.sort_date)  # strftime on SQLite, EXTRACT on PostgreSQL
    years = sorted(
        {
            str(int(r[0]))
            for r in db_rows(url, select(year).where(Statement.sort_date.is_not(None)).distinct())
        }
    )
    from urllib.parse import quote

    from benchmarks.quotes import perturb, spans
    from benchmarks.quotes import vocabulary as quote_vocabulary

    texts = db_rows(url, "SELECT key, text FROM paragraphs WHERE current ORDER BY random() LIMIT 2000")
    vocab = quote_vocabulary([tuple(r) for r in texts])
    quotes = [perturb(span, vocab, rng) for _k, span in spans([tuple(r) for r in texts], 100, rng)]
    return {
        "search": [f"/search?q={quote(q)}" for q in QUERIES],
        "search_filtered": [
            f"/search?q={quote(q)}&speaker={s}&from={y}-01-01&to={y}-12-31"
            for q, s, y in zip(QUERIES, speakers * 3, years * 3, strict=False)
        ],
        "search_deep": [f"/search?q={quote(q)}" for q in QUERIES[:10]],  # page set by deep_pages()
        "search_names": [f"/search?q={quote(q)}" for q in NAME_QUERIES],
        "concordance": [f"/concordance?q={quote(w)}" for w in CONCORDANCE_WORDS],
        "trends": ["/trends?" + "&".join(f"q={quote(t)}" for t in terms) for terms in TREND_TERMS],
        "statement": [f"/statements/{quote(k)}" for k in keys],
        "permalink": [f"/p/{quote(k)}" for k in pkeys],
        "list": [f"/statements?speaker={s}&year={rng.choice(years)}" for s in speakers],
        "speaker": [f"/speakers/{s}" for s in speakers],
        "dates": [f"/dates/{y}" for y in years],
        # the quote finder: perturbed spans of 12-40 words (benchmarks/quotes.py)
        "quote": [f"/api/quote?q={quote(q)}" for q in quotes],
    }


def concordance_word_paragraphs(url: str) -> dict[str, int]:
    """Paragraphs holding each concordance word (a lower bound of its occurrences): the case of
    >= 10,000 occurrences is met when these are."""
    return {
        w: db_rows(
            url, f"SELECT count(*) FROM paragraphs WHERE current AND lower(text) LIKE '%{w.lower()}%'"
        )[0][0]
        for w in CONCORDANCE_WORDS
    }


def concordance_occurrences(base: str) -> dict:
    """The concordance words' matching paragraphs, by the archive's own concordance (each
    paragraph holds at least one occurrence: a lower bound of the occurrences), so that a run
    shows its concordance words meet the ">= 10,000 occurrences" of the target."""
    found, approximate = {}, False
    for w in CONCORDANCE_WORDS:
        r = httpx.get(f"{base}/api/concordance", params={"q": w, "per_page": 1}, timeout=300)
        r.raise_for_status()
        found[w] = r.json()["total_paragraphs"]
        approximate = approximate or r.json()["approximate"]
    return {
        "concordance_word_matches": found,
        "concordance_matches_min": min(found.values()),
        "concordance_matches_approximate": approximate,
    }


def deep_pages(base: str, paths: list[str], deepest: int = 20) -> list[str]:
    """Each query at page 20 of its results, or its last page when it has fewer."""
    out = []
    for path in paths:
        r = httpx.get(base + path.replace("/search?", "/api/search?", 1), timeout=120)
        r.raise_for_status()
        pages = max(1, -(-r.json()["total_statements"] // 20))
        page = min(deepest, pages)
        out.append(f"{path}&page={page}" if page > 1 else path)  # page=1 redirects to the canonical URL
    return out


def without_admission_limit(env: dict) -> dict:
    """Latency at a fixed concurrency is measured here (16 clients over 2 workers would meet
    the default of 8 requests per worker unevenly and count 503s); admission itself is
    measured by benchmarks/overload.py."""
    return {**env, "ARCHIVE_MAX_REQUESTS": env.get("ARCHIVE_MAX_REQUESTS", "64")}


def start_server(env: dict, port: int, workers: int, logfile: Path) -> tuple[subprocess.Popen, float]:
    t0 = time.perf_counter()
    with logfile.open("ab") as out:
        proc = subprocess.Popen(
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
            env=without_admission_limit(env),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=out,
        )
    while time.perf_counter() - t0 < 120:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/", timeout=2).status_code == 200:
                return proc, time.perf_counter() - t0
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("server did not start")


def server_rss_mb(proc: subprocess.Popen) -> float:
    """Largest RSS among the server's processes (per worker)."""
    pids = [proc.pid] + [
        int(p)
        for p in subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
    ]
    best = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    best = max(best, int(line.split()[1]))
        except OSError:
            pass
    return best / 1024


def fts5_p95(db: Path, work: Path) -> tuple[float, float]:
    """The same query mix on SQLite FTS5 over the same paragraphs: (p50, p95) in ms."""
    fts = work / "fts5.sqlite3"
    fts.unlink(missing_ok=True)  # a reused --work dir keeps the last run's
    con = sqlite3.connect(fts)
    con.execute(f"ATTACH DATABASE '{db}' AS src")
    con.execute("CREATE VIRTUAL TABLE p USING fts5(text, tokenize='porter')")
    con.execute("INSERT INTO p(rowid, text) SELECT id, text FROM src.paragraphs WHERE current")
    con.commit()
    lat = []
    for _ in range(3):
        for q in FTS_QUERIES:
            t0 = time.perf_counter()
            con.execute(
                "SELECT rowid, snippet(p, 0, '<mark>', '</mark>', '…', 20) FROM p WHERE p MATCH ? "
                "ORDER BY rank LIMIT 20",
                (q,),
            ).fetchall()
            con.execute("SELECT count(*) FROM p WHERE p MATCH ?", (q,)).fetchone()
            lat.append((time.perf_counter() - t0) * 1000)
    con.close()
    return pct(lat, 50), pct(lat, 95)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores, {cpu}, {mem:.0f} GiB RAM, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--paragraphs", type=int, default=5000)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--work", type=Path, default=None, help="scratch dir (default: a temp dir, removed)")
    ap.add_argument(
        "--rounds",
        type=int,
        default=200,
        help="requests per measured route and concurrency (cycling through its sample of paths)",
    )
    ap.add_argument(
        "--readme", type=Path, default=None, help="rewrite this README's tables from results-*.json"
    )
    ap.add_argument(
        "--serve-only",
        action="store_true",
        help="reuse the archive already in --work: measure "
        "the server only (for iterating on page and search speed; not a full result)",
    )
    ap.add_argument("--only", default="", help="comma-separated route groups to measure (default: all)")
    ap.add_argument("--concurrency", default="1,16", help="comma-separated concurrency levels")
    ap.add_argument(
        "--database-url",
        default=None,
        help="an empty PostgreSQL database (postgresql+psycopg://…) "
        "to benchmark instead of SQLite in the work dir",
    )
    a = ap.parse_args(argv)
    if a.serve_only:
        if a.work is None:
            ap.error("--serve-only needs --work with an archive in it")
        print(json.dumps(serve_bench(a.work, a.rounds, a.only, a.concurrency, a.database_url), indent=1))
        return 0
    work = a.work or Path(tempfile.mkdtemp(prefix="archive-bench-"))
    try:
        results = bench(work, a.paragraphs, a.rounds, a.database_url)
    finally:
        if a.work is None:
            shutil.rmtree(work, ignore_errors=True)
    text = json.dumps(results, indent=1)
    if a.out:
        a.out.write_text(text + "\n")
    if a.readme:
        write_readme(a.readme)
    print(text)
    return 0


TARGETS = [  # (results name, what, target, lower is better)
    ("ingest_paragraphs_per_s", "ingest end to end (paragraphs/s)", 1500, False),
    ("reindex_s", "reindex (s)", None, True),
    ("citations_s", "citation texts rendered ahead (s)", None, True),
    ("search_p50_ms", "search p50, facets + highlighting, c=1 (ms)", None, True),
    ("search_p95_ms", "search p95, facets + highlighting, c=1 (ms)", 150, True),
    ("search_filtered_c1_p95_ms", "search with filters p95 (ms)", 150, True),
    ("search_deep_c1_p95_ms", "deep result page p95 (ms)", 150, True),
    ("search_c16_p99_ms", "search p99 at concurrency 16 (ms)", None, True),
    ("search_names_c1_p95_ms", "search with titles and names in the query p95 (ms)", 150, True),
    ("concordance_c1_p95_ms", "concordance of a common word, first 100 lines, p95 (ms)", 300, True),
    (
        "concordance_matches_min",
        "concordance words: paragraphs holding the rarest (≥ occurrences)",
        10000,
        False,
    ),
    ("trends_c1_p95_ms", "trends of three terms over the years p95 (ms)", 400, True),
    ("statement_p95_ms", "statement page p95 (ms)", 20, True),
    ("permalink_p95_ms", "paragraph permalink p95 (ms)", 20, True),
    ("list_p95_ms", "filtered list / speaker / date archive p95 (ms)", 50, True),
    ("quote_p95_ms", "quote finder (/api/quote) p95, c=1 (ms)", 300, True),
    ("server_rss_mb", "server RSS per worker (MB)", 300, True),
    ("startup_s", "start-up to first answer (s)", 2, True),
    ("ingest_rss_mb", "ingest peak RSS (MB)", None, True),
    ("db_mb", "database size (MB)", None, True),
    ("index_mb", "index size (MB)", None, True),
    ("fts5_p95_ms", "same query mix on SQLite FTS5, p95 (ms)", None, True),
    ("fts5_ratio_p95", "our search p95 / FTS5 p95", None, True),
]


def write_readme(readme: Path) -> None:
    """Rewrite the generated part of benchmarks/README.md from every results-*.json beside it."""
    runs = sorted(  # the scale runs; other results-*.json (HTML/WARC, memory) have tables of their own
        (
            r
            for p in readme.parent.glob("results-*.json")
            if "ingest_paragraphs_per_s" in (r := json.loads(p.read_text()))
        ),
        key=lambda r: r["paragraphs"],
    )
    marker = "<!-- generated by benchmarks/run.py -->"
    text = readme.read_text() if readme.exists() else "# Benchmarks\n\n"
    head, _, rest = text.partition(marker)
    tail = rest[rest.find("\n## ") :] if "\n## " in rest else "\n"  # hand-written sections after the table
    lines = [
        marker,
        "",
        "| measure | target | "
        + " | ".join(
            f"{r['paragraphs']:,} paragraphs" + (f" ({r['database']})" if r.get("database") else "")
            for r in runs
        )
        + " |",
        "|---|---|" + "---|" * len(runs),
    ]
    for name, what, target, lower in TARGETS:
        cells = []
        for r in runs:
            v = r.get(name)
            ok = (
                ""
                if target is None or v is None
                else (" ✓" if (v <= target if lower else v >= target) else " ✗")
            )
            cells.append("—" if v is None else f"{v:,}{ok}")
        lines.append(f"| {what} | {target if target is not None else ''} | " + " | ".join(cells) + " |")
    lines += ["", "Machines: " + "; ".join(f"{r['paragraphs']:,}: {r['machine']}" for r in runs)]
    readme.write_text(head + "\n".join(lines) + "\n" + tail)


def serve_bench(
    work: Path, rounds: int, only: str = "", concurrency: str = "1,16", database_url: str | None = None
) -> dict:
    """Start `archive serve --workers 2` on the archive in WORK and time every route group."""
    data = work / "data"
    url = db_url(data, database_url)
    env = {**os.environ, "ARCHIVE_DATA_DIR": str(data), "ARCHIVE_DATABASE_URL": url}
    wanted = {g for g in only.split(",") if g}
    levels = [int(c) for c in concurrency.split(",") if c]
    res: dict = {}
    port = free_port()
    proc, startup = start_server(env, port, workers=2, logfile=work / "server.log")
    res["startup_s"] = round(startup, 2)
    log(f"server up in {startup:.2f} s")
    try:
        base = f"http://127.0.0.1:{port}"
        paths = sample_paths(url, random.Random(7))
        if wanted:
            paths = {k: v for k, v in paths.items() if k in wanted}
        if "search_deep" in paths:
            paths["search_deep"] = deep_pages(base, paths["search_deep"])
        for name, group in paths.items():
            for conc in levels:
                m = asyncio.run(measure(base, group, conc, rounds))
                for stat in ("p50", "p95", "p99"):
                    res[f"{name}_c{conc}_{stat}_ms"] = round(m[stat], 1)
                res[f"{name}_c{conc}_errors"] = m["errors"]
                if m["bad"]:
                    res[f"{name}_c{conc}_bad"] = m["bad"]
                log(f"{name} c={conc}: p50 {m['p50']:.1f} p95 {m['p95']:.1f} ms, {m['errors']} errors")
        if "concordance" in paths:
            res.update(concordance_occurrences(base))
        res["server_rss_mb"] = round(server_rss_mb(proc), 1)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return res


def bench(work: Path, paragraphs: int, rounds: int, database_url: str | None = None) -> dict:
    pages_dir, data = work / "pages", work / "data"
    shutil.rmtree(data, ignore_errors=True)
    pages, total = (
        write_corpus(pages_dir, paragraphs)
        if not pages_dir.exists()
        else (len(list(pages_dir.rglob("*.txt"))), paragraphs)
    )
    log(f"{pages:,} pages ({total:,} paragraphs) in {pages_dir}")
    url = db_url(data, database_url)
    env = {**os.environ, "ARCHIVE_DATA_DIR": str(data), "ARCHIVE_DATABASE_URL": url}
    load = os.getloadavg()[0]
    ingest_s, ingest_rss = run_cli(env, "ingest", str(pages_dir))
    log(f"ingest: {ingest_s:.1f} s")
    reindex_s, _ = run_cli(env, "reindex")
    log(f"reindex: {reindex_s:.1f} s")
    # Citation texts are rendered ahead of time (app/citations/store.py); `serve` would fill
    # them in the background, competing with the measurements, so fill them first and time it.
    citations_s, _ = run_cli(env, "citations", "fill", "--workers", "2")
    log(f"citation texts: {citations_s:.1f} s")
    db = data / "archive.sqlite3"
    n_paragraphs = db_rows(url, "SELECT count(*) FROM paragraphs WHERE current")[0][0]
    res: dict = {
        "machine": machine(),
        "paragraphs": n_paragraphs,
        "pages": pages,
        "database": "postgresql" if url.startswith("postgresql") else "sqlite",
        "ingest_s": round(ingest_s, 2),
        "ingest_pages_per_s": round(pages / ingest_s, 1),
        "ingest_paragraphs_per_s": round(n_paragraphs / ingest_s, 1),
        "ingest_rss_mb": ingest_rss,
        "reindex_s": round(reindex_s, 2),
        "reindex_paragraphs_per_s": round(n_paragraphs / reindex_s, 1),
        "citations_s": round(citations_s, 2),
        "load_before": round(load, 2),
        "db_mb": db_mb(url, data),
        "index_mb": round(dir_mb(current_index(data / "index")), 1),
    }
    res.update(serve_bench(work, rounds, database_url=database_url))
    # stable headline names
    res["search_p50_ms"] = res["search_c1_p50_ms"]
    res["search_p95_ms"] = res["search_c1_p95_ms"]
    res["statement_p95_ms"] = res["statement_c1_p95_ms"]
    res["permalink_p95_ms"] = res["permalink_c1_p95_ms"]
    res["quote_p95_ms"] = res.get("quote_c1_p95_ms")
    res["list_p95_ms"] = max(res["list_c1_p95_ms"], res["speaker_c1_p95_ms"], res["dates_c1_p95_ms"])
    res["concordance_word_paragraphs"] = concordance_word_paragraphs(url)
    if database_url:  # the FTS5 comparison reads the SQLite file
        return res
    fts_p50, fts_p95 = fts5_p95(db, work)
    log(f"FTS5: p50 {fts_p50:.1f} p95 {fts_p95:.1f} ms")
    res["fts5_p50_ms"], res["fts5_p95_ms"] = round(fts_p50, 1), round(fts_p95, 1)
    res["fts5_ratio_p95"] = round(res["search_p95_ms"] / max(fts_p95, 0.01), 2)
    return res


if __name__ == "__main__":
    sys.exit(main())
