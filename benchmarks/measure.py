"""`archive ingest PATH` in a child process, sampled while it runs: the one harness of the
memory and throughput benchmarks of ingest (html_warc, long_page, warc_memory)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class IngestRun:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    cpu_seconds: float  # user + system time of the run's processes (all reaped at the end)
    max_child_rss_mb: float  # the largest peak RSS of a reaped child process (getrusage)

    def notes(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith(("note:", "error:"))][:5]


def run_ingest(path: Path, work: Path, *, sample: Callable[[int], None], every: float) -> IngestRun:
    """Ingest `path` into `work`/data; `sample(pid)` is called every `every` seconds while it runs."""
    env = dict(os.environ, ARCHIVE_DATA_DIR=str(work / "data"))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "ingest", str(path)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    def sampler() -> None:
        while proc.poll() is None:
            sample(proc.pid)
            time.sleep(every)

    thread = threading.Thread(target=sampler, daemon=True)
    thread.start()
    out, err = proc.communicate()
    elapsed = time.perf_counter() - t0
    thread.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return IngestRun(proc.returncode, out, err, elapsed, cpu, after.ru_maxrss / 1024)
