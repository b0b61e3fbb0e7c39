"""Is the search index this node serves behind its database? For /healthz, /metrics and the
search results. A node that builds its own index is behind while the outbox holds changes; a
node that follows published snapshots (app.search.publish) is also behind while the database
has moved past the watermark of the snapshot it installed."""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from app.config import Settings
from app.outbox import queue
from app.search.index import POINTER, index_state, read_pointer


@dataclass(frozen=True)
class IndexHealth:
    state: str  # ok | missing | outdated
    generation: str | None
    snapshot: str | None  # the published snapshot installed (following nodes)
    outbox: int  # changes queued for an index
    behind: bool
    lag_seconds: float | None  # following nodes: since the oldest page load the snapshot lacks

    def as_dict(self) -> dict:
        return asdict(self)


def index_health(settings: Settings, session: Session) -> IndexHealth:
    pointer = read_pointer(settings.index_dir) or {}
    state = index_state(settings.index_dir)
    outbox = queue.outbox_depth(session)
    behind = outbox > 0
    mark = pointer.get("watermark")
    if "snapshot" in pointer and mark != queue.watermark(session):
        behind = True
    lag = None
    if behind and "snapshot" in pointer:  # a local index's lag is its outbox (queue rows carry no time)
        since = queue.unindexed_since(session, mark)
        lag = (
            max(0.0, (dt.datetime.now(dt.UTC).replace(tzinfo=None) - since).total_seconds()) if since else 0.0
        )
    return IndexHealth(
        state=state,
        generation=pointer.get("generation"),
        snapshot=pointer.get("snapshot"),
        outbox=outbox,
        behind=behind or state != "ok",
        lag_seconds=lag,
    )


def _pointer_stamp(index_dir: Path) -> tuple | None:
    """Changes whenever the index pointer is replaced (it is written by rename: a new inode)."""
    try:
        st = (index_dir / POINTER).stat()
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


class HealthCache:
    """index_health() at most once per `ttl` seconds per process (every search shows it), and
    at once after a new index generation was installed (a follower's install, a rebuild): a
    node never reports the generation it has just replaced."""

    def __init__(self, ttl: float = 2.0):
        self.ttl = ttl
        self._lock = threading.Lock()
        self._value: tuple[float, tuple | None, IndexHealth] | None = None

    def _fresh(self, now: float, stamp: tuple | None) -> IndexHealth | None:
        cached = self._value
        if cached is not None and now - cached[0] < self.ttl and cached[1] == stamp:
            return cached[2]
        return None

    def get(self, settings: Settings, factory) -> IndexHealth:
        now = time.monotonic()
        stamp = _pointer_stamp(settings.index_dir)
        value = self._fresh(now, stamp)
        if value is not None:
            return value
        with self._lock:
            value = self._fresh(now, stamp)
            if value is not None:
                return value
            with factory() as session:
                value = index_health(settings, session)
            self._value = (time.monotonic(), stamp, value)
            return value
