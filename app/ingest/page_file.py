"""The one way the ingest pipeline opens a page file: only a regular file, never blocking.

A FIFO, socket or device named like a page (`fifo.txt`) would block `open()` or never reach
end of file. The file is opened non-blocking and checked on the open descriptor (`fstat`),
so a path swapped between a check and the open cannot slip through."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from app.ingest.types import PageError

_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a directory"),
)


class NotRegularFile(PageError):
    """A path that is not a regular file (the page is reported, nothing is read)."""


def open_page(path: Path | str) -> BinaryIO:
    """The file opened for binary reading; NotRegularFile unless it is a regular file.
    OSError (missing, unreadable) passes through."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _KINDS if test(mode)), "a special file")
            raise NotRegularFile(f"not a regular file ({kind})")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_head(path: Path | str, size: int = 8192) -> bytes | None:
    """The first `size` bytes of a regular file; None for anything that cannot be read as one."""
    try:
        with open_page(path) as fh:
            return fh.read(size)
    except (OSError, PageError):
        return None


def read_limited(path: Path | str, max_bytes: int) -> bytes:
    """The whole file, refused (PageError) when it is larger than `max_bytes`."""
    with open_page(path) as fh:
        size = os.fstat(fh.fileno()).st_size
        if size > max_bytes:
            raise PageError(f"page too large ({size:,} bytes; limit {max_bytes:,})")
        raw = fh.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise PageError(f"page too large (over {max_bytes:,} bytes)")
    return raw


def read_edges(path: Path | str, max_bytes: int, edge: int) -> tuple[bytes, bytes] | None:
    """The first `edge` bytes and the last `edge // 2` (b"" when the file is short) of a
    regular file no larger than `max_bytes`; None otherwise."""
    try:
        with open_page(path) as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > max_bytes:
                return None
            head = fh.read(edge)
            tail = b""
            if size > edge:
                fh.seek(max(edge, size - edge // 2))
                tail = fh.read()
            return head, tail
    except (OSError, PageError):
        return None
