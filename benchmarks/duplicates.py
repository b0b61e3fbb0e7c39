"""What duplicate detection adds to ingest (issue 16: at most 20%).

`python -m benchmarks.duplicates --paragraphs 100000 --out benchmarks/results-duplicates.json`
writes a synthetic archive (benchmarks/synth.py) plus a mirror of every tenth page on a second
"site" (its own title line, two paragraphs merged, a line of chrome), ingests it all with
`archive ingest`, and then times, in process, the whole detection over the ingested archive
(`regroup_all`: shingles, MinHash bands, candidates, exact Jaccard, groups; rolled back). The
share is detection time / the rest of the ingest's time (an ingest runs the detection
for the pages it wrote, so its time includes it). It also checks every mirror was grouped with its page.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from pathlib import Path

from benchmarks.run import log, machine, run_cli
from benchmarks.synth import write_corpus


def mirror(page: Path, dest: Path) -> None:
    """The page as another site prints it: no chrome, its own title line, two paragraphs merged."""
    blocks = [b.strip() for b in page.read_text(encoding="utf-8").split("\n\n") if b.strip()]
    at = next(i for i, b in enumerate(blocks) if "(no. " in b)  # synth.py's title line
    title, rest = blocks[at], blocks[at + 1 :]
    if len(rest) > 4:
        rest = [rest[0], rest[1], rest[2] + " " + rest[3], *rest[4:]]
    dest.write_text(
        "\n\n".join([f"Reprinted by the embassy: {title}", *rest, "Share: Facebook | Twitter | Print"])
        + "\n",
        encoding="utf-8",
    )


def _cpu(who: int) -> float:
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paragraphs", type=int, default=100_000)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dups-bench-") as tmp:
        work = Path(tmp)
        pages, paragraphs = write_corpus(work / "pages" / "ministry", args.paragraphs)
        mirrors = work / "pages" / "embassy"
        mirrors.mkdir(parents=True)
        originals = sorted((work / "pages" / "ministry").rglob("*.txt"))[::10]
        for p in originals:
            mirror(p, mirrors / f"mirror-{p.name}")
        env = dict(os.environ, ARCHIVE_DATA_DIR=str(work / "data"))
        log(f"ingest {pages:,} pages ({paragraphs:,} paragraphs) + {len(originals):,} mirrors")
        children0 = _cpu(resource.RUSAGE_CHILDREN)
        ingest_s, _peak = run_cli(env, "ingest", str(work / "pages"))
        ingest_cpu = _cpu(resource.RUSAGE_CHILDREN) - children0
        from sqlalchemy import func, select

        from app.config import Settings
        from app.db import open_database
        from app.ingest.duplicates import regroup_all
        from app.models import Statement

        engine, factory = open_database(Settings(data_dir=work / "data"))
        with factory() as session:
            grouped = session.scalar(select(func.count()).where(Statement.duplicate_of.is_not(None)))
            t0, cpu0 = time.perf_counter(), _cpu(resource.RUSAGE_SELF)
            regroup_all(session)
            detect_s, detect_cpu = time.perf_counter() - t0, _cpu(resource.RUSAGE_SELF) - cpu0
            session.rollback()
        engine.dispose()
    result = {
        "machine": machine(),
        "pages": pages,
        "mirrors": len(originals),
        "paragraphs": paragraphs,
        "ingest_seconds": round(ingest_s, 1),
        "detection_seconds": round(detect_s, 1),
        "detection_share_of_ingest": round(detect_s / max(ingest_s - detect_s, 1e-9), 3),
        "statements_grouped": grouped,
        # CPU seconds (user + system): what a loaded machine inflates least
        "ingest_cpu_seconds": round(ingest_cpu, 1),
        "detection_cpu_seconds": round(detect_cpu, 1),
        "detection_cpu_share_of_ingest": round(detect_cpu / max(ingest_cpu - detect_cpu, 1e-9), 3),
        "load_after": round(os.getloadavg()[0], 1),
    }
    log(json.dumps(result))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
