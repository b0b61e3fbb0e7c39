"""Children die with their parent (issue 11): SIGKILL of the `archive ingest` process alone
(not its process group) while its parse pool and index follower run leaves no process
behind (app/lifeline.py), and the next ingest completes the archive to the same export as
an uninterrupted run."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from tests.archive_procs import (
    export_bytes,
    invariant_violations,
    no_traceback,
    reference_export,
    run,
    start,
    wait_for,
    write_pages,
)


def _group(pgid: int) -> list[int]:
    """Pids of the processes in a process group (from /proc)."""
    out = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                fields = Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                out.append(int(entry.name))
    return out


def _children(pid: int) -> list[int]:
    kids = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            kids += [int(k) for k in (task / "children").read_text().split()]
    except OSError:
        pass
    return kids


def test_sigkill_of_the_ingest_leaves_no_process_and_the_next_ingest_completes(tmp_path, monkeypatch):
    base = tmp_path / "orphans"
    (base / "corpus").mkdir(parents=True)
    write_pages(base / "corpus", 3000, seed=11)
    data = base / "data"
    proc = start(
        data, "ingest", "corpus", cwd=base, ARCHIVE_INGEST_WORKERS="2", ARCHIVE_INDEX_WHILE_LOADING="1"
    )
    try:
        # the parse pool (2) and the index follower are running
        wait_for(
            lambda: len(_children(proc.pid)) >= 3 or proc.poll() is not None,
            timeout=120,
            interval=0.05,
            what="the ingest's worker processes",
        )
        assert proc.poll() is None, "the ingest ended before its workers were seen"
        time.sleep(0.5)
        os.kill(proc.pid, signal.SIGKILL)  # the main process only: its children are on their own
        proc.communicate(timeout=30)
        wait_for(
            lambda: not _group(proc.pid),
            timeout=20,
            interval=0.1,
            what="every process of the killed ingest to exit",
        )
    finally:
        if _group(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
    assert invariant_violations(data) == {}
    done = run(data, "ingest", "corpus", cwd=base)
    assert done.returncode == 0 and no_traceback(done), done.stderr[-2000:]
    assert export_bytes(data) == reference_export(base, tmp_path / "ref", monkeypatch)
