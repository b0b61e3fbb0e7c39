"""Child processes die with their parent: the ingest's parse pool and index follower must not
outlive an ingest killed with SIGKILL (nothing else would stop them: a pool worker waits
for work for ever, and nobody reads what it would send).

`die_with_parent()` is called first thing in such a child. On Linux it asks the kernel for
SIGKILL when the parent goes (prctl PR_SET_PDEATHSIG; the kernel sends it when the thread that
started the child ends, so the parent must start its children from its main thread, as
ours do); everywhere, a daemon thread also checks every second that the parent is still the
one it started with, and exits if not."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
CHECK_EVERY = 1.0  # seconds


def die_with_parent(parent_pid: int | None = None) -> None:
    parent_pid = parent_pid or os.getppid()
    if sys.platform.startswith("linux"):
        _pdeathsig(signal.SIGKILL)
    if os.getppid() != parent_pid:  # the parent died before the signal was asked for
        os._exit(1)
    threading.Thread(target=_watch, args=(parent_pid,), name="lifeline", daemon=True).start()


def _pdeathsig(sig: int) -> bool:
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):  # not glibc/musl: the watch thread alone
        return False


def _watch(parent_pid: int) -> None:
    while True:
        time.sleep(CHECK_EVERY)
        if os.getppid() != parent_pid:
            os._exit(1)
