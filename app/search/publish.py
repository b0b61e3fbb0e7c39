"""The index built once, served by many: immutable, checksummed snapshots of the live index
generation, published to a directory (local, a shared mount, or the document root of a static
web server) and followed by web nodes that install each one atomically as a new generation.

Published layout (DEST):

    LATEST                    {"snapshot": "snap-000012-3f9a…", …}: replaced atomically, last
    snap-000012-3f9a…/        immutable once LATEST names it
        MANIFEST.json         every file's size and sha256, the schema version, the watermark
        _MAIN_5.toc, …        the Whoosh files of the generation

A follower reads LATEST, copies a new snapshot's files into a fresh generation directory of its
own index, checks every size and sha256 against the manifest, and only then points CURRENT at
it (with the snapshot's name and watermark): a searcher never sees a partial copy, and the
next search of each worker opens the new generation (app.search.searcher).

The watermark is the database's state the index covers (app.search.watermark): a node compares
it with the database it serves to say whether its index is behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from app.config import Settings
from app.search.index import (
    GEN_RE,
    SearchIndexError,
    _cleanup,
    _next_generation,
    current_generation,
    fsync_dir,
    read_pointer,
    write_json_atomically,
    write_lock,
)
from app.search.schema import SCHEMA_VERSION

LATEST = "LATEST"
MANIFEST = "MANIFEST.json"
KEEP_SNAPSHOTS = 3  # a follower copying the previous one is not cut off by the next publish
SNAP_RE_PREFIX = "snap-"
CHUNK = 1 << 20


class PublishError(SearchIndexError):
    """A snapshot cannot be published or installed; the message says why."""


@dataclass(frozen=True)
class Installed:
    snapshot: str
    generation: str
    files: int
    bytes: int
    seconds: float


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(CHUNK):
            h.update(block)
    return h.hexdigest()


def _index_files(gen_path: Path) -> list[Path]:
    """The files of a generation (Whoosh's lock files are not part of the index)."""
    return sorted(
        p
        for p in gen_path.iterdir()
        if p.is_file() and not p.name.endswith("_LOCK") and not p.name.endswith(".lock")
    )


def _write_json_atomically(path: Path, data: dict) -> None:
    write_json_atomically(path, data, sort_keys=True)


# -- publishing (the node that ingests) -------------------------------------------------------


def publish(settings: Settings, dest: Path, watermark: dict, *, lock_timeout: float = 30.0) -> str:
    """Copy the live generation to DEST as a new snapshot and point LATEST at it; returns its
    name. `watermark`: the database state the index covers, read before the index was synced.
    Runs under the index's write lock, so no commit changes the files while they are copied."""
    dest.mkdir(parents=True, exist_ok=True)
    with write_lock(settings.index_dir, lock_timeout, settings=settings):
        gen = current_generation(settings.index_dir)
        if gen is None:
            raise PublishError(f"no search index in {settings.index_dir} to publish; run `archive reindex`")
        files = _index_files(gen.path)
        entries = {}
        tmp = dest / f".incoming-{os.getpid()}-{time.time_ns()}"
        tmp.mkdir()
        try:
            for f in files:
                shutil.copy2(f, tmp / f.name)
                entries[f.name] = {"size": (tmp / f.name).stat().st_size, "sha256": _sha256(tmp / f.name)}
            digest = hashlib.sha256(json.dumps(entries, sort_keys=True).encode()).hexdigest()[:12]
            number = _next_number(dest)
            name = f"{SNAP_RE_PREFIX}{number:06d}-{digest}"
            manifest = {
                "snapshot": name,
                "schema_version": gen.schema_version,
                "source_generation": gen.name,
                "watermark": watermark,
                "published_at": time.time(),
                "files": entries,
            }
            _write_json_atomically(tmp / MANIFEST, manifest)
            os.replace(tmp, dest / name)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    _write_json_atomically(
        dest / LATEST, {"snapshot": name, "schema_version": gen.schema_version, "watermark": watermark}
    )
    _prune(dest, keep=name)
    return name


def _snapshots(dest: Path) -> list[str]:
    return sorted(
        (p.name for p in dest.iterdir() if p.is_dir() and p.name.startswith(SNAP_RE_PREFIX)),
        key=lambda n: int(n.split("-")[1]),
    )


def _next_number(dest: Path) -> int:
    snaps = _snapshots(dest)
    return int(snaps[-1].split("-")[1]) + 1 if snaps else 1


def _prune(dest: Path, keep: str) -> None:
    snaps = [s for s in _snapshots(dest) if s != keep]
    for old in snaps[: max(0, len(snaps) - (KEEP_SNAPSHOTS - 1))]:
        shutil.rmtree(dest / old, ignore_errors=True)


# -- following (the web nodes) ----------------------------------------------------------------


class _Source:
    """A published directory, by path or by http(s) URL (the directory served as static files)."""

    def __init__(self, where: str, timeout: float = 30.0):
        self.where = where
        self.timeout = timeout
        self.http = urllib.parse.urlsplit(where).scheme in ("http", "https")

    def _url(self, *parts: str) -> str:
        return self.where.rstrip("/") + "/" + "/".join(urllib.parse.quote(p) for p in parts)

    def read_json(self, *parts: str) -> dict:
        try:
            if self.http:
                with urllib.request.urlopen(self._url(*parts), timeout=self.timeout) as r:  # noqa: S310
                    data = json.loads(r.read())
            else:
                data = json.loads(Path(self.where, *parts).read_bytes())
        except (OSError, ValueError) as e:
            raise PublishError(f"cannot read {'/'.join(parts)} from {self.where}: {e}") from None
        if not isinstance(data, dict):
            raise PublishError(f"{'/'.join(parts)} from {self.where} is not a JSON object")
        return data

    def copy(self, target: Path, *parts: str) -> None:
        try:
            if self.http:
                with (
                    urllib.request.urlopen(self._url(*parts), timeout=self.timeout) as r,
                    target.open("wb") as out,
                ):  # noqa: S310
                    shutil.copyfileobj(r, out, CHUNK)
            else:
                shutil.copyfile(Path(self.where, *parts), target)
        except OSError as e:
            raise PublishError(f"cannot copy {'/'.join(parts)} from {self.where}: {e}") from None


def latest(where: str) -> dict:
    return _Source(where).read_json(LATEST)


def installed_snapshot(index_dir: Path) -> str | None:
    pointer = read_pointer(index_dir)
    return pointer.get("snapshot") if pointer else None


def follow_once(settings: Settings, where: str) -> Installed | None:
    """Install the latest published snapshot if it is not the one in use; None when it is."""
    source = _Source(where)
    head = source.read_json(LATEST)
    name = head.get("snapshot")
    if not isinstance(name, str) or not name.startswith(SNAP_RE_PREFIX) or "/" in name:
        raise PublishError(f"LATEST at {where} names no snapshot")
    index_dir = settings.index_dir
    if installed_snapshot(index_dir) == name:
        return None
    started = time.perf_counter()
    manifest = source.read_json(name, MANIFEST)
    if manifest.get("schema_version") != SCHEMA_VERSION:
        raise PublishError(
            f"snapshot {name} was built by schema version {manifest.get('schema_version')} "
            f"(this node: {SCHEMA_VERSION}); upgrade the publishing node or this one"
        )
    files = manifest.get("files") or {}
    index_dir.mkdir(parents=True, exist_ok=True)
    tmp = index_dir / f".incoming-{os.getpid()}-{time.time_ns()}"
    tmp.mkdir()
    total = 0
    try:
        for fname, meta in sorted(files.items()):
            if "/" in fname or fname.startswith("."):
                raise PublishError(f"snapshot {name}: bad file name {fname!r}")
            target = tmp / fname
            source.copy(target, name, fname)
            size = target.stat().st_size
            if size != meta.get("size") or _sha256(target) != meta.get("sha256"):
                raise PublishError(
                    f"snapshot {name}: {fname} does not match its checksum (a partial or "
                    "corrupted copy); it was not installed"
                )
            total += size
        # the swap, under the index's own lock (one installer at a time on this node)
        with write_lock(index_dir, 30.0):
            previous = read_pointer(index_dir)
            gen = _next_generation(index_dir)
            os.replace(tmp, index_dir / gen)
            _write_pointer_with(index_dir, gen, manifest)
            _cleanup(
                index_dir,
                {gen}
                | (
                    {previous["generation"]}
                    if previous and GEN_RE.match(previous.get("generation", ""))
                    else set()
                ),
            )
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Installed(
        snapshot=name, generation=gen, files=len(files), bytes=total, seconds=time.perf_counter() - started
    )


def _write_pointer_with(index_dir: Path, generation: str, manifest: dict) -> None:
    _write_json_atomically(
        index_dir / "CURRENT",
        {
            "generation": generation,
            "schema_version": manifest["schema_version"],
            "snapshot": manifest["snapshot"],
            "watermark": manifest.get("watermark"),
            "published_at": manifest.get("published_at"),
        },
    )
    fsync_dir(index_dir)


def follow(
    settings: Settings, where: str, *, interval: float = 2.0, stop=lambda: False, report=print
) -> None:
    """Install each new snapshot as it is published, until stop(); errors are reported and retried."""
    last_error = None
    while not stop():
        try:
            done = follow_once(settings, where)
            last_error = None
            if done:
                report(
                    f"installed {done.snapshot} as {done.generation}: {done.files} files, "
                    f"{done.bytes:,} bytes in {done.seconds:.2f} s"
                )
        except PublishError as e:
            if str(e) != last_error:
                report(f"error: {e}")
            last_error = str(e)
        time.sleep(interval)
