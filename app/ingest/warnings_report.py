"""What ingest dropped or guessed, as a report: the parser's warnings of each stored page
(SourceDocument.warnings), counted by kind and listed per file. A warning's kind is its text
without the line number and other numbers ("line 5: dropped site chrome (phone line)" →
"dropped site chrome (phone line)")."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

_LINE = re.compile(r"^lines? \d+(?:[-–]\d+)?:\s*")
_NUMBER = re.compile(r"\d+")


def warning_kind(warning: str) -> str:
    return _NUMBER.sub("N", _LINE.sub("", warning.strip()))


@dataclass
class WarningsReport:
    by_kind: Counter = field(default_factory=Counter)
    per_file: dict[str, list[str]] = field(default_factory=dict)  # path -> warnings, in page order

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())

    def as_json(self) -> dict:
        return {
            "total": self.total,
            "by_kind": dict(self.by_kind.most_common()),
            "files": [{"path": p, "warnings": w} for p, w in self.per_file.items()],
        }


def build_report(rows: Iterable[tuple[str, list[str]]]) -> WarningsReport:
    """From (path, warnings) pairs; pages without a warning are left out."""
    report = WarningsReport()
    for path, warnings in rows:
        if not warnings:
            continue
        report.per_file[path] = list(warnings)
        report.by_kind.update(warning_kind(w) for w in warnings)
    return report


def stored_report(
    session: Session, paths: Iterable[str] | None = None, contains: str | None = None
) -> WarningsReport:
    """The report of the pages in the archive (only `paths`, or those whose path holds `contains`)."""
    from app.models import SourceDocument

    query = select(SourceDocument.path, SourceDocument.warnings).where(
        SourceDocument.status == "ok", SourceDocument.warnings != "[]"
    )
    wanted = set(paths) if paths is not None else None
    rows = []
    for path, raw in session.execute(query.order_by(SourceDocument.path)):
        if (wanted is not None and path not in wanted) or (contains and contains not in path):
            continue
        try:
            rows.append((path, [str(w) for w in json.loads(raw or "[]")]))
        except ValueError:
            rows.append((path, ["(the stored warnings cannot be read)"]))
    return build_report(rows)
