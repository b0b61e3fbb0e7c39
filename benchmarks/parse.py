"""Parse throughput in process: pages/s of `parse_document` (decode + parse) over a set of
page files, in CPU seconds (the machine is shared; wall time would measure the neighbours).

    python -m benchmarks.parse [DIR ...] [--runs 7] [--passes 5]

Default pages: seeds/ (and ../shared/corpus when present). Prints the
median of `runs` runs, each parsing every page `passes` times. The parser's memo caches are
cleared before every pass, so a page parsed again costs what a new page would.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from app.ingest.readers import parse_document

ROOT = Path(__file__).resolve().parent.parent


def clear_caches() -> None:
    for name, mod in list(sys.modules.items()):
        if name.startswith("app."):
            for obj in vars(mod).values():
                if callable(getattr(obj, "cache_clear", None)):
                    obj.cache_clear()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dirs", nargs="*", type=Path)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--passes", type=int, default=5)
    a = ap.parse_args(argv)
    dirs = a.dirs or [ROOT / "seeds"] + (
        [ROOT.parent / "shared" / "corpus"] if (ROOT.parent / "shared" / "corpus").is_dir() else []
    )
    raws = [f.read_bytes() for d in dirs for f in sorted(d.glob("*.txt"))]
    for raw in raws:  # warm caches and imports
        parse_document(raw, ".txt")
    rates = []
    for _ in range(a.runs):
        spent = 0.0
        for _ in range(a.passes):
            clear_caches()
            t = time.process_time()
            for raw in raws:
                parse_document(raw, ".txt")
            spent += time.process_time() - t
        rates.append(a.passes * len(raws) / spent)
    print(
        f"{len(raws)} pages, {a.runs} runs x {a.passes} passes: median {statistics.median(rates):.0f} pages/s "
        f"(CPU), runs {[round(r) for r in rates]}"
    )


if __name__ == "__main__":
    main()
