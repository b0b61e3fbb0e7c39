"""A statement's fingerprint is hashed a slice of paragraphs at a time (a long statement's
JSON is never one string) and equals the hash of the whole JSON, as stored fingerprints were
made: a re-ingest finds unchanged statements unchanged."""
from __future__ import annotations

import hashlib
import json

from app.ingest.load import Para, fingerprint


def whole_json_fingerprint(fields: dict) -> str:
    as_dicts = dict(fields, paragraphs=[p._asdict() for p in fields["paragraphs"]])
    return hashlib.sha1(json.dumps(as_dicts, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def fields_with(paragraphs: int, title: str) -> dict:
    paras = [Para(f"k.{i:04x}", i, i % 7 != 0, f"Paragraph {i} — «{title}»", "Q" if i % 5 == 0 else None,
                  "Лавров" if i % 3 == 0 else None, "ab" * 32, 3, [i, i + 1]) for i in range(1, paragraphs + 1)]
    return {"title": title, "kind": "speech", "date": "2021-06-01", "published": None, "venue": "Москва",
            "speakers": [{"name": "Sergey Lavrov", "role": None}], "topics": ["a", "b"], "excerpt": False,
            "paragraphs": paras, "original_url": "https://example.org/x", "publisher": None, "captured_at": None}


def test_the_sliced_hash_equals_the_hash_of_the_whole_json():
    for n in (0, 1, 999, 1000, 1001, 2500):
        for title in ("A title", 'A title with "paragraphs": null inside', "\"paragraphs\": [] ,"):
            fields = fields_with(n, title)
            assert fingerprint(fields) == whole_json_fingerprint(fields), (n, title)
