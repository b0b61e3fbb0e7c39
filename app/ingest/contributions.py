"""A page's contributions: each statement it holds (main text or teaser) as stored JSON, and
decoded again, compactly, into the paragraph rows of a statement (pure)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from typing import Any, NamedTuple

from app.ingest.keys import paragraph_keys, statement_key
from app.ingest.types import ParsedPage, ParsedStatement, statement_to_dict
from app.ingest.versions import capture_of, suffix, text_id

SLICE = 1000  # paragraphs serialised or hashed at a time


class PagePara(NamedTuple):
    """A paragraph of a stored contribution, decoded (a tuple, not a dict: a statement may have
    600,000 of them)."""

    n: int
    text: str
    speaker: str | None
    label: str | None
    lines: tuple[int, int]


class Para(NamedTuple):
    """A paragraph row of a materialised statement."""

    key: str
    n: int
    current: bool
    text: str
    label: str | None
    speaker: str | None
    doc: str
    doc_id: int
    lines: tuple[int, int]


def _compact(obj: dict) -> Any:
    """json.loads' object_hook: a paragraph object becomes a PagePara as soon as it is decoded."""
    if len(obj) == 5 and "lines" in obj and "text" in obj:
        return PagePara(obj["n"], obj["text"], obj["speaker"], obj["label"], tuple(obj["lines"]))
    return obj


def decode_contribution(data: str) -> dict:
    return json.loads(data, object_hook=_compact)


class Contrib(NamedTuple):
    data: dict
    role: str
    position: int
    doc_id: int
    sha256: str
    path: str
    original_url: str | None = None
    publisher: str | None = None
    captured_at: dt.datetime | None = None
    file_name: str = ""
    captured_source: str | None = None
    page_clock: dt.date | None = None
    ingested_at: dt.datetime | None = None
    parse_seq: int = 0
    superseded: bool = False
    folded: bool = False  # an earlier capture of a re-keyed page, under its old key (app.ingest.folds)

    def capture(self):
        return capture_of(self.captured_at, self.captured_source, self.page_clock, self.ingested_at)


def contribution_rows(page: ParsedPage) -> dict[str, dict]:
    """The page's contributions (each statement as JSON), by statement key."""
    rows: dict[str, dict] = {}
    for position, st in enumerate(page.statements):
        key = statement_key(st.title, st.date or st.published)
        if key not in rows:  # the same teaser twice on one page: once
            rows[key] = dict(position=position, statement_key=key, role=st.role, data=statement_json(st))
    return rows


def statement_json(st: ParsedStatement) -> str:
    """`json.dumps(statement_to_dict(st), ensure_ascii=False)`, the paragraphs serialised a slice
    at a time (600,000 paragraphs are never 600,000 dicts at once). Same string: stored
    contributions are compared with it to tell an unchanged page."""
    head = json.dumps(statement_to_dict(dataclasses.replace(st, paragraphs=())), ensure_ascii=False)
    end = '"paragraphs": []}'
    if not head.endswith(end):  # pragma: no cover - statement_to_dict put another key last
        return json.dumps(statement_to_dict(st), ensure_ascii=False)
    parts = [head[:-2]]
    paras = st.paragraphs
    for i in range(0, len(paras), SLICE):
        part = json.dumps(
            [
                {
                    "n": p.n,
                    "text": p.text,
                    "speaker": p.speaker,
                    "label": p.label,
                    "lines": [p.line_start, p.line_end],
                }
                for p in paras[i : i + SLICE]
            ],
            ensure_ascii=False,
        )
        parts.append((", " if i else "") + part[1:-1])
    parts.append("]}")
    return "".join(parts)


def text_id_of(c: Contrib) -> str:
    """The contribution's version identity (app.ingest.versions.text_id), computed once."""
    got = c.data.get("_text_id")
    if got is None:
        got = c.data["_text_id"] = text_id([p.text for p in c.data["paragraphs"]])
    return got


def suffixes(key: str, c: Contrib) -> list[str]:
    """The paragraph keys of a contribution, without the statement key (computed once per contribution)."""
    got = c.data.get("_suffixes")  # kept beside the decoded JSON, which is never written back
    if got is None:
        got = c.data["_suffixes"] = [
            suffix(k) for k in paragraph_keys(key, [p.text for p in c.data["paragraphs"]])
        ]
    return got


class ParagraphRows:
    """A statement's paragraph rows, made as they are iterated (each pass anew, never all held):
    current paragraphs from the best contribution; other contributions' paragraphs whose text
    is not among them are kept as retired, so their permalinks still resolve."""

    def __init__(self, key: str, rows: list[Contrib]):
        self.key, self.rows = key, rows

    def __iter__(self) -> Iterator[Para]:
        seen: set[str] = set()
        for rank, c in enumerate(self.rows):
            for sfx, p in zip(suffixes(self.key, c), c.data["paragraphs"], strict=True):
                if sfx in seen:
                    continue
                seen.add(sfx)
                yield Para(
                    f"{self.key}.{sfx}",
                    p.n,
                    rank == 0,
                    p.text,
                    p.label,
                    p.speaker,
                    c.sha256,
                    c.doc_id,
                    p.lines,
                )
