"""Faster external-sort runs for Whoosh index builds.

Whoosh sorts postings in runs written to disk with one pickle.dump() per posting and read
back with one pickle.load() per posting: a third of a build's time (py-spy, 100k paragraphs).
Here a run is written as length-prefixed marshal dumps of 20,000 postings at a time and
read back a chunk at a time (postings are tuples of str, bytes, int, float, bytes|None,
which marshal handles in C). Installed once, on import of app.search.index, over
SortingPool's private _write_run/_read_run; the runs are temporary files of one build, so the
format never outlives the process that wrote it. Each pool decides once (at its first run)
whether to use the fast format (version.fast_paths()); otherwise Whoosh's own methods run.
"""

from __future__ import annotations

import marshal
import struct
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from whoosh import externalsort

from app.search.engine.version import fast_paths

CHUNK = 20_000
_LEN = struct.Struct("<I")
_STOCK: dict[str, Any] = {}  # Whoosh's own methods, kept when the fast ones are installed


def _fast(pool) -> bool:
    got = pool.__dict__.get("_archive_fast_runs")
    if got is None:
        got = pool._archive_fast_runs = fast_paths()
    return got


def _write_run(self, f, items: Iterable[Any]) -> None:
    if not _fast(self):
        return _STOCK["_write_run"](self, f, items)
    it = iter(items)
    while chunk := list(islice(it, CHUNK)):
        data = marshal.dumps(chunk)
        f.write(_LEN.pack(len(data)))
        f.write(data)
    f.close()
    return None


def _read_run(self, path: str) -> Iterator[Any]:
    if not _fast(self):
        yield from _STOCK["_read_run"](self, path)
        return
    f = self._open_run(path)
    try:
        while head := f.read(_LEN.size):
            (size,) = _LEN.unpack(head)
            yield from marshal.loads(f.read(size))
    finally:
        f.close()
        self._remove_run(path)


def install() -> None:
    """Patch SortingPool (once; not at all on an untested Whoosh, whose pool may differ)."""
    pool = externalsort.SortingPool
    if not fast_paths() or pool._write_run is _write_run:
        return
    _STOCK["_write_run"], _STOCK["_read_run"] = pool._write_run, pool._read_run
    pool._write_run = _write_run
    pool._read_run = _read_run
