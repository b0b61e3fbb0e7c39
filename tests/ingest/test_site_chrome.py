"""Chrome learnt across the pages of one site at ingest (app.ingest.site_chrome, table
site_chrome of migration 0006): learnt from a folder of pages, stored, used when parsing,
order-independent; a single page still parses without it."""

from __future__ import annotations

import json

from sqlalchemy import create_engine, text

from app.config import Settings
from app.ingest.parse import parse_page
from app.ingest.site_chrome import learn, lookup


def _page(i: int, header: str = "Stay connected with Utopia", footer: str = "Utopia at a glance") -> str:
    return (
        f"{header}\n\nOur people abroad\n\nTalks between the two ministers, round {i}\n\n"
        f"The Minister met his counterpart for round {i} of the talks and discussed trade, energy and "
        f"the situation in the region at length.\n\nThank you.\n\n{footer}\n"
    )


def test_learn_counts_distinct_pages_and_skips_body_lines():
    pages = [_page(i) for i in range(4)]
    learnt = learn(pages + [pages[0]])  # a second snapshot of one page is not a fifth page
    assert learnt == {"stay connected with utopia": 4, "our people abroad": 4, "utopia at a glance": 4}
    assert "thank you." not in learnt  # ends many speeches: never learnt
    assert learn(pages[:2]) == {}  # too few pages


def test_learn_needs_a_share_of_the_site():
    pages = [_page(i) for i in range(3)] + [_page(i, "Other header", "Other footer") for i in range(3, 40)]
    assert "stay connected with utopia" not in learn(pages)  # on 3 of 40 pages
    assert learn(pages)["other header"] == 37


def test_parse_uses_what_was_learnt():
    learnt = learn([_page(i) for i in range(4)])
    main = parse_page(_page(9), lookup(learnt)).main
    assert main.title == "Talks between the two ministers, round 9"
    assert [p.text for p in main.paragraphs][-1] == "Thank you."
    warnings = parse_page(_page(9), lookup(learnt)).warnings
    assert "line 1: dropped site chrome (recurs on 4 pages of the site)" in warnings
    assert "line 11: dropped site chrome (recurs on 4 pages of the site)" in warnings
    # without it the page still parses (the title by its own evidence), the footer is body text
    alone = parse_page(_page(9)).main
    assert alone.title == "Talks between the two ministers, round 9"
    assert alone.paragraphs[-1].text == "Utopia at a glance"


def test_ingest_learns_stores_and_is_order_independent(cli, tmp_path, data_dir, monkeypatch):
    site = tmp_path / "utopia"
    site.mkdir()
    for i in range(4):
        (site / f"p{i}.txt").write_text(_page(i), "utf-8")
    assert cli("ingest", str(site)).exit_code == 0
    first = cli("export").output
    engine = create_engine(Settings(data_dir=data_dir).db_url)  # SQLite, or its PostgreSQL database
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(text("select line, pages from site_chrome order by line"))]
    engine.dispose()
    assert rows == [("our people abroad", 4), ("stay connected with utopia", 4), ("utopia at a glance", 4)]
    exported = [json.loads(x) for x in first.splitlines()]
    assert sorted(x["title"] for x in exported) == [
        f"Talks between the two ministers, round {i}" for i in range(4)
    ]
    assert all(x["paragraphs"][-1]["text"] == "Thank you." for x in exported)
    # a fresh archive, the files named in the other order: the same export, byte for byte
    monkeypatch.setenv("ARCHIVE_DATA_DIR", str(tmp_path / "data2"))
    assert cli("ingest", *[str(site / f"p{i}.txt") for i in reversed(range(4))]).exit_code == 0
    assert cli("export").output == first
