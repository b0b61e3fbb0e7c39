"""`archive ingest --manifest pages.csv`: the original URL and capture time of pages that do
not carry them (text dumps), in the CSV form scrapers write: columns path,url,captured.

A relative path is relative to the manifest's folder. `captured` is an ISO date or date and
time (a time zone is converted to UTC). Bad rows are errors with their line number.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path


class ManifestError(Exception):
    pass


@dataclass(frozen=True)
class ManifestEntry:
    url: str | None
    captured: dt.datetime | None


def parse_captured(value: str) -> dt.datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        d = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ManifestError(f"captured {value!r} is not an ISO date or date-time") from None
    if d.tzinfo is not None:
        d = d.astimezone(dt.UTC).replace(tzinfo=None)
    return d.replace(microsecond=0)


def read_manifest(path: Path) -> dict[str, ManifestEntry]:
    """realpath of each page -> its entry."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise ManifestError(f"{path}: cannot read: {e}") from None
    rows = csv.DictReader(text.splitlines())
    if rows.fieldnames is None or "path" not in [f.strip().lower() for f in rows.fieldnames]:
        raise ManifestError(f"{path}: line 1: expected the columns path,url,captured")
    out: dict[str, ManifestEntry] = {}
    base = path.parent
    for n, row in enumerate(rows, 2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        if not row.get("path"):
            raise ManifestError(f"{path}: line {n}: empty path")
        url = row.get("url") or None
        if url and not url.lower().startswith(("http://", "https://")):
            raise ManifestError(f"{path}: line {n}: url {url!r} is not an http(s) URL")
        try:
            captured = parse_captured(row.get("captured", ""))
        except ManifestError as e:
            raise ManifestError(f"{path}: line {n}: {e}") from None
        page = Path(row["path"])
        out[os.path.realpath(page if page.is_absolute() else base / page)] = ManifestEntry(url, captured)
    return out
