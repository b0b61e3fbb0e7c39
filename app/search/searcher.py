"""Open searchers: IndexView (one searcher plus its caches) and SearcherHolder (a server's
long-lived view, swapped when the index changes).

Whoosh's Searcher.refresh() and ix.reader(reuse=…) return merged documents twice
(whoosh3 3.54): never call them. A stale view is replaced by a new ix.searcher().
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path

from whoosh import query as wq
from whoosh.index import FileIndex
from whoosh.searching import Searcher

from app.search.engine import Postings
from app.search.index import POINTER, IndexMissing, SearchIndexError, open_index, read_pointer
from app.search.ranking import WEIGHTING
from app.search.schema import SEP

FILTER_CACHE_SIZE = 256


class IndexView:
    """One searcher on one index generation, with what is worth computing once per
    searcher: facet/sort columns as lists, and the document sets of filters.

    Shared by threads: a Whoosh searcher reads its files with seek()+read(), which is not
    safe concurrently (measured: "Damaged postings block" errors), so every use of the
    searcher holds `lock`. search() holds it for the index part only, not while it reads
    the database or builds snippets. (Whoosh is pure Python: threads would not run its
    code in parallel anyway; run several worker processes for parallelism.)"""

    def __init__(self, ix: FileIndex, generation: str):
        self.ix = ix
        self.generation = generation
        self.searcher: Searcher = ix.searcher(weighting=WEIGHTING)
        self.reader = self.searcher.reader()
        self.lock = threading.RLock()  # held while using the searcher: its reads are not thread-safe
        self._lock = threading.Lock()
        self._columns: dict[str, list] = {}
        self._readers: dict[str, object] = {}
        self._filters: OrderedDict[wq.Query, set[int]] = OrderedDict()
        self._memo: OrderedDict[object, object] = OrderedDict()
        self.postings = Postings(self, WEIGHTING)  # decoded terms and their scores (engine/)

    @classmethod
    def open(cls, index_dir: Path) -> IndexView:
        ix, gen = open_index(index_dir)
        return cls(ix, gen.name)

    def up_to_date(self) -> bool:
        try:
            with self.lock:
                return self.searcher.up_to_date()
        except Exception:  # the generation directory is gone: certainly not up to date
            return False

    def values(self, name: str, docnums: list[int]) -> dict[int, object]:
        """A column's values for a few documents (without loading the whole column)."""
        if not docnums:
            return {}
        with self.lock:
            reader = self._readers.get(name)
            if reader is None:
                reader = self._readers[name] = self.reader.column_reader(name)
            return {d: reader[d] for d in docnums}

    def column(self, name: str) -> list:
        """Values of a column field by document number (loaded once per view)."""
        values = self._columns.get(name)
        if values is None and not self.reader.has_column(name):  # an empty index has no columns
            values = self._columns[name] = [None] * self.reader.doc_count_all()
        if values is None:
            with self.lock:
                cr = list(self.reader.column_reader(name))
            if name in ("speakers_f", "topics_f"):
                intern: dict[bytes, tuple[str, ...]] = {}
                values = [
                    intern.get(v) or intern.setdefault(v, tuple(v.decode().split(SEP)) if v else ())
                    for v in cr
                ]
            elif name == "venue_f":
                intern_s: dict[bytes, str | None] = {}
                values = [intern_s.setdefault(v, v.decode() or None) for v in cr]
            else:
                values = cr
            with self._lock:
                self._columns.setdefault(name, values)
        return self._columns[name]

    def filter_docs(self, q: wq.Query) -> set[int]:
        """The (cached) set of documents a filter query matches. Shared: never modify it."""
        with self._lock:
            docs = self._filters.get(q)
            if docs is not None:
                self._filters.move_to_end(q)
                return docs
        docs = self._range_from_column(q)
        if docs is None and type(q) is wq.Term:  # from the decoded postings (shared with resolving)
            with self.lock:
                tp = self.postings.term(q.fieldname, q.text)
            docs = set(tp.ids) if tp is not None else set()
        if docs is None:
            with self.lock:
                docs = set(self.searcher.docs_for_query(q))
        with self._lock:
            self._filters[q] = docs
            while len(self._filters) > FILTER_CACHE_SIZE:
                self._filters.popitem(last=False)
        return docs

    def _range_from_column(self, q: wq.Query) -> set[int] | None:
        """A date range from the date column (Whoosh unions a few hundred trie terms for
        it: ~100 ms at 1.5M paragraphs); None for any other query."""
        if not (
            isinstance(q, wq.NumericRange)
            and q.fieldname == "date"
            and q.start is not None
            and q.end is not None
            and not q.startexcl
            and not q.endexcl
            and self.reader.has_column("date")
        ):
            return None
        lo, hi = q.start, q.end
        docs = {d for d, v in enumerate(self.column("date")) if lo <= v <= hi}
        if self.reader.has_deletions():
            with self.lock:
                docs = {d for d in docs if not self.reader.is_deleted(d)}
        return docs

    WARM_COLUMNS = ("count", "date", "year", "kind", "speakers_f", "topics_f", "venue_f")

    def warm(self) -> None:
        """Load what every search uses (columns, field lengths: ~0.3 s at 1.5M paragraphs)
        so that the first search does not pay for it."""
        for name in self.WARM_COLUMNS:
            self.column(name)
        with self.lock:
            for fieldname in ("text", "exact"):
                self.postings.lengths(fieldname)

    def memo(self, key, compute):
        """A small per-view cache (e.g. the facets and totals of a query and its filters):
        compute() once per key while this searcher lives."""
        with self._lock:
            if key in self._memo:
                self._memo.move_to_end(key)
                return self._memo[key]
        value = compute()
        with self._lock:
            self._memo[key] = value
            while len(self._memo) > FILTER_CACHE_SIZE:
                self._memo.popitem(last=False)
        return value

    def forget(self, key) -> None:
        with self._lock:
            self._memo.pop(key, None)

    def close(self) -> None:
        with self.lock, contextlib.suppress(Exception):
            self.searcher.close()
        with contextlib.suppress(Exception):
            self.ix.close()


class _Slot:
    def __init__(self, view: IndexView, pointer: dict | None, signature: tuple | None = None):
        self.view, self.pointer, self.users, self.retired = view, pointer, 0, False
        self.signature = signature


def index_signature(index_dir: Path, pointer: dict | None) -> tuple | None:
    """What changes when the index does, in two stat() calls: the CURRENT pointer (replaced by
    a rebuild or a follower's swap) and the live generation's directory (a commit adds and
    removes files in it)."""
    try:
        cur = os.stat(index_dir / POINTER)
        gen = os.stat(index_dir / pointer["generation"]) if pointer else None
    except OSError:
        return None
    return (cur.st_ino, cur.st_mtime_ns, cur.st_size, gen and (gen.st_ino, gen.st_mtime_ns))


class SearcherHolder:
    """The searcher a server process keeps open (e.g. on app.state), shared by its threads.

        holder = SearcherHolder(settings.index_dir)
        with holder.view() as view:
            result = search(view, q, session=session, ...)
        holder.close()

    Every view() call first compares the index's signature (two stat() calls: index_signature)
    with the one its searcher was opened at; when it differs, a new searcher is opened before
    the call returns, so a search never answers from an index older than the one on disk (the
    first search after an ingest waits for the open). Every `check_interval` seconds it also
    checks in full (searcher.up_to_date() and the pointer), opening a replacement in a
    background thread when `background`. A replaced view is closed when its last user is
    done. Searches never wait for a writer.
    """

    def __init__(self, index_dir: Path, *, check_interval: float = 1.0, background: bool = True):
        self.index_dir = Path(index_dir)
        self.check_interval = check_interval
        self.background = background
        self._lock = threading.Lock()  # guards the slot and reference counts
        self._open_lock = threading.Lock()  # one thread opens a searcher at a time
        self._slot: _Slot | None = None
        self._checked = 0.0
        self._opening: threading.Thread | None = None
        self._closed = False

    @contextlib.contextmanager
    def view(self) -> Iterator[IndexView]:
        slot = self._acquire()
        try:
            yield slot.view
        finally:
            self._release(slot)

    def warm_in_background(self) -> threading.Thread:
        """Open the searcher and load its columns in a daemon thread (a server calls this at
        start-up, so that its first search does not wait for them). Errors are left for the
        first search to report."""

        def run():
            try:
                with self.view() as view:
                    view.warm()
            except Exception:  # e.g. no index yet: the first search says so
                pass

        thread = threading.Thread(target=run, name="searcher-warm", daemon=True)
        thread.start()
        return thread

    def refresh(self) -> None:
        """Check for a changed index now and swap in a new searcher before returning."""
        self._checked = time.monotonic()
        self._open_if_stale()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            slot, self._slot = self._slot, None
        if slot is not None:
            self._retire(slot)

    # -- internals --------------------------------------------------------------------------

    def _acquire(self) -> _Slot:
        if self._closed:
            raise SearchIndexError("the searcher holder is closed")
        slot = self._slot
        now = time.monotonic()
        if slot is None:
            self._open_if_stale()
        elif index_signature(self.index_dir, slot.pointer) != slot.signature:
            self._checked = now
            self._open_if_stale()  # e.g. an ingest committed: answer from the new index
            if self._slot is slot:  # the index was touched, not changed (a writer's lock file)
                slot.signature = index_signature(self.index_dir, slot.pointer)
        elif now - self._checked >= self.check_interval:
            self._checked = now
            if self._stale(slot):
                if self.background:
                    self._open_in_background()
                else:
                    self._open_if_stale()
        with self._lock:
            slot = self._slot
            if slot is None:
                raise IndexMissing(f"no search index in {self.index_dir}; run `archive reindex`")
            slot.users += 1
            return slot

    def _release(self, slot: _Slot) -> None:
        with self._lock:
            slot.users -= 1
            close = slot.retired and slot.users == 0
        if close:
            slot.view.close()

    def _stale(self, slot: _Slot | None) -> bool:
        if slot is None:
            return True
        if read_pointer(self.index_dir) != slot.pointer:
            return True
        return not slot.view.up_to_date()

    def _open_if_stale(self) -> None:
        with self._open_lock:
            if self._stale(self._slot):  # not already replaced by another thread
                self._swap(self._open())

    def _open(self) -> _Slot:
        pointer = read_pointer(self.index_dir)
        signature = index_signature(
            self.index_dir, pointer
        )  # before opening: a commit meanwhile shows next time
        return _Slot(IndexView.open(self.index_dir), pointer, signature)

    def _swap(self, new: _Slot) -> None:
        with self._lock:
            old, self._slot = self._slot, new
            if self._closed:
                self._slot = None
                old = new
        if old is not None:
            self._retire(old)

    def _retire(self, slot: _Slot) -> None:
        with self._lock:
            slot.retired = True
            close = slot.users == 0
        if close:
            slot.view.close()

    def _open_in_background(self) -> None:
        with self._lock:
            if self._opening is not None and self._opening.is_alive():
                return
            self._opening = threading.Thread(
                target=self._background_open, name="searcher-refresh", daemon=True
            )
            self._opening.start()

    def _background_open(self) -> None:
        try:
            self._open_if_stale()
        except Exception:  # e.g. a rebuild swapped generations meanwhile: the next check retries
            with self._lock:
                self._checked = 0.0
