"""An exclusive lock between processes (flock on a file), waited for with a bound."""
from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


class LockBusy(Exception):
    pass


def _holder(path: Path) -> str:
    try:
        pid = path.read_text().strip()
    except OSError:
        return "another process"
    return f"process {pid}" if pid else "another process"


@contextmanager
def exclusive_lock(path: Path, *, timeout: float, what: str,
                   on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold `path` locked; wait up to `timeout` seconds for another holder, then raise LockBusy."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline, told = time.monotonic() + timeout, False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockBusy(f"{what} is already running ({_holder(path)}); try again when it has finished") from None
                if on_wait and not told:
                    on_wait(f"waiting for {what} ({_holder(path)}) to finish …")
                    told = True
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        os.close(fd)  # closing releases the lock
