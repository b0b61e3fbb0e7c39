"""The outbox between the database and the search index (table `index_queue`).

The protocol, and the invariants every writer and reader of the queue keeps:

1. Queued with the change. Whoever writes or deletes a statement (the loader, `archive
   import`, `archive reparse`) queues its key with `enqueue()` in the page's own database
   transaction: a committed change is always queued, a rolled-back one never is.
2. Cleared only after the index commit. An index run reads the queue up to a row id
   (`pending()` / `queued_since()`), indexes those statements, commits the index, and only
   then deletes the rows up to that id (`clear(upto)`); rows queued meanwhile stay.
3. Hence a run killed at any point loses nothing: the rows it read are still queued, and
   the next `ingest`, `serve`, `reindex` or `import` indexes them (re-indexing a statement
   twice is harmless: its documents are replaced). A key queued for a statement no longer in
   the database means "drop it from the index".
4. One writer at a time consumes the queue (the index's write lock, on PostgreSQL also a
   database lock shared by every machine).

Where each part lives:
    app.outbox.queue     the table: enqueue, pending, queued_since, clear, depth, watermark
    app.outbox.sync      the index brought up to date from the queue (sync_index, reindex)
    app.outbox.follower  the index built from the queue while an ingest loads (a process)
    app.outbox.health    is the index a node serves behind its database? (/healthz, /metrics)

This package imports no search code at import time (the loader imports `enqueue` from it);
`sync`, `follower` and `health` import app.search.
"""

from app.outbox.queue import (
    PendingKeys,
    clear,
    enqueue,
    has_pending,
    outbox_depth,
    pending,
    queued_since,
    queued_statements,
    unindexed_since,
    watermark,
)

__all__ = [
    "PendingKeys",
    "clear",
    "enqueue",
    "has_pending",
    "outbox_depth",
    "pending",
    "queued_since",
    "queued_statements",
    "unindexed_since",
    "watermark",
]
