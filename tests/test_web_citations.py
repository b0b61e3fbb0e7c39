"""Memoising citeproc-py's style XPath lookups (app.web.citations) changes nothing in the output."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from citeproc import model

from app.web import citations
from tests.conftest import SEEDS


def seed_items() -> list[dict]:
    from app.ingest.readers import parse_document

    items = []
    for page in sorted(SEEDS.glob("*.txt")):
        _text, parsed = parse_document(page.read_bytes(), ".txt")
        for st in parsed.statements:
            people = [{"given": p.name.rsplit(" ", 1)[0], "family": p.name.rsplit(" ", 1)[-1]}
                      if p.kind == "person" and " " in p.name else {"literal": p.name} for p in st.speakers]
            item = {"type": "speech", "title": st.title, "genre": st.kind, "URL": f"https://a.example/{len(items)}",
                    "container-title": "Diplomatic Statements Archive",
                    "accessed": {"date-parts": [[2026, 11, 22]]}}
            if people:
                item["author"] = people
            if st.date or st.published:
                d = st.date or st.published
                item["issued"] = {"date-parts": [[d.year, d.month, d.day]]}
            items.append(item)
    return items


@pytest.mark.parametrize("style", sorted(citations.STYLES))
def test_memoised_rendering_equals_plain_citeproc(style, monkeypatch):
    items = seed_items()
    assert len(items) > 30
    memoised = [citations._render_cached.__wrapped__(json.dumps(i, sort_keys=True), style) for i in items]
    monkeypatch.setattr(model.CitationStylesElement, "xpath_search",
                        model.CitationStylesElement.xpath_search.original)
    plain = [citations._render_cached.__wrapped__(json.dumps(i, sort_keys=True), style) for i in items]
    assert memoised == plain
    assert all(t for t in plain)


def test_citation_set_has_the_three_styles_with_the_permalink():
    item = seed_items()[0]
    cs = citations.citation_set(item, date=dt.date(2021, 11, 19), accessed=dt.date(2026, 11, 22))
    assert [label for label, _ in cs.texts] == ["Chicago", "APA", "MLA"]
    assert all(item["URL"] in text for _, text in cs.texts)
