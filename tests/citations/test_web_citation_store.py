"""Citation texts rendered ahead of time (app.citations.store) give exactly the texts citeproc-js
renders on demand; outdated rows are ignored; and the read-side query plans chosen by size
(neighbours, speaker/topic filters) return the same rows whichever plan runs."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select, update

from app import browse, citations
from app.browse import speaker_neighbours as browse_neighbours
from app.browse import statements as browse_statements
from app.browse.views import StatementFilter
from app.citations import store as citation_store
from app.locking import exclusive_lock
from app.models import CitationText, Speaker, Statement, StatementSpeaker
from tests.citations.test_web_citations import seed_items
from tests.web_support import load_sample, make_client, soup

DATES = [
    dt.date(2026, 11, 22),
    dt.date(2026, 5, 1),
    dt.date(2021, 1, 11),
    dt.date(2030, 12, 31),
    dt.date(1999, 2, 2),
]


def _hostile_items() -> list[dict]:
    base = {
        "type": "webpage",
        "container-title": "Archive",
        "URL": "https://a.example/s/x",
        "accessed": {"date-parts": [[2026, 1, 1]]},
    }
    return [
        base | {"title": "On 11 Nov. 1111 and November 11, 1111"},
        base | {"title": f"{citation_store.PLACEHOLDER} twice {citation_store.PLACEHOLDER}"},
        base | {"title": "A URL with the year", "URL": "https://a.example/1111"},
        base | {"title": "Issued in the sentinel year", "issued": {"date-parts": [[1111, 11, 11]]}},
        base | {"title": "<b>markup</b> & “quotes”", "author": [{"literal": "Ministry & Co"}]},
    ]


@pytest.mark.parametrize("accessed", DATES)
def test_stored_texts_are_served_exactly_as_citeproc_renders_them(accessed):
    used = 0
    items = seed_items() + _hostile_items()
    for item in items[::3] + _hostile_items():
        item = dict(item, accessed={"date-parts": [[accessed.year, accessed.month, accessed.day]]})
        stored = citation_store.render_stored(citation_store.inputs(item))
        para = item | {"note": "Paragraph 17"}
        for label in citations.STYLES:
            whole, located = citations.render_texts(item, label), citations.render_texts(para, label)
            for form, expected, loc in (
                ("", whole.bibliography, None),
                ("/cite", whole.citation, None),
                ("/para", located.citation, "17"),
            ):
                served = citation_store.serve_text(
                    stored[label + form], label, item["URL"], accessed, form, loc
                )
                if served is not None:
                    used += 1
                    assert served == expected, (label, form, item["title"])
    assert used >= 9 * len(items[::3])  # every ordinary entry is served from the store


def test_inputs_that_mention_the_sentinel_year_are_never_stored():
    item = _hostile_items()[0]
    assert set(citation_store.render_stored(citation_store.inputs(item)).values()) == {None}
    issued = _hostile_items()[3]
    assert set(citation_store.render_stored(citation_store.inputs(issued)).values()) == {None}


def test_the_access_date_as_each_style_writes_it():
    forms = {label: citation_store.date_forms(label, dt.date(2026, 5, 1)) for label in citations.STYLES}
    assert forms == {
        "Chicago": ("November 11, 1111", "May 1, 2026"),
        "APA": ("November 11, 1111", "May 1, 2026"),
        "MLA": ("11 Nov. 1111", "1 May 2026"),
    }


def test_the_fingerprint_ignores_url_access_date_and_paragraph_but_not_the_inputs():
    item = seed_items()[0] | {"id": "a", "note": "Paragraph 3"}
    same = item | {
        "URL": "https://other/",
        "accessed": {"date-parts": [[2000, 1, 1]]},
        "id": "b",
        "note": "x",
    }
    assert citation_store.fingerprint(citation_store.inputs(item)) == citation_store.fingerprint(
        citation_store.inputs(same)
    )
    assert citation_store.fingerprint(citation_store.inputs(item)) != citation_store.fingerprint(
        citation_store.inputs(item | {"title": item["title"] + "!"})
    )


def _cites(client, url: str) -> list[str]:
    return [p.get_text() for p in soup(client.get(url)).select("p.citation")]


def test_pages_serve_stored_texts_identical_to_live_ones_and_ignore_outdated_rows(
    factory, data_dir, monkeypatch
):
    load_sample(factory)
    with factory() as s:
        statements = s.scalar(select(func.count()).select_from(Statement))
    with make_client(data_dir) as client:
        rows = client.get("/api/statements?per_page=100").json()["results"]
        urls = [r["url"] for r in rows]
        para_urls = [client.get(r["api"]).json()["paragraphs"][0]["url"] for r in rows[:3]]
        live = {u: _cites(client, u) for u in urls + para_urls}
        assert all(len(t) == 3 for t in live.values())

        assert citation_store.fill(factory) == statements
        assert citation_store.fill(factory) == 0  # up to date: nothing rendered again

        def no_citeproc(*a, **k):
            raise AssertionError("citeproc called although the texts are stored")

        with monkeypatch.context() as m:
            m.setattr(citations, "render", no_citeproc)
            assert {u: _cites(client, u) for u in live} == live

        # a speaker's display name changes: the rows of their statements are outdated, pages render live
        with factory() as s, s.begin():
            sid, name = s.execute(select(Speaker.id, Speaker.name).join(StatementSpeaker).limit(1)).one()
            s.execute(update(Speaker).where(Speaker.id == sid).values(name=name + " Jr"))
            affected = s.scalar(
                select(func.count(func.distinct(StatementSpeaker.statement_id))).where(
                    StatementSpeaker.speaker_id == sid
                )
            )
        renamed = [u for u in urls if _cites(client, u) != live[u]]
        assert len(renamed) == affected > 0
        with monkeypatch.context() as m:  # what citeproc renders now, without any stored row
            m.setattr(citation_store, "serve_text", lambda *a: None)
            fresh = {u: _cites(client, u) for u in renamed}
        assert {u: _cites(client, u) for u in renamed} == fresh
        assert citation_store.fill(factory) == affected  # only the outdated rows are rendered again
        with monkeypatch.context() as m:
            m.setattr(citations, "render", no_citeproc)
            assert {u: _cites(client, u) for u in renamed} == fresh


@pytest.mark.slow  # a process pool, each worker starting citeproc-js: make soak
def test_fill_with_a_process_pool_writes_the_same_rows(factory, monkeypatch):
    load_sample(factory)
    citation_store.fill(factory, workers=2)
    with factory() as s:
        pooled = s.execute(
            select(CitationText.statement_id, CitationText.fingerprint, CitationText.texts).order_by(
                CitationText.statement_id
            )
        ).all()
        s.execute(CitationText.__table__.delete())
        s.commit()
    citation_store.fill(factory, workers=1)
    with factory() as s:
        single = s.execute(
            select(CitationText.statement_id, CitationText.fingerprint, CitationText.texts).order_by(
                CitationText.statement_id
            )
        ).all()
    assert pooled == single and pooled
    assert all(
        set(json.loads(t)) == {s + f for s in citations.STYLES for f in citation_store.FORMS}
        for _i, _f, t in single
    )


def test_the_filler_command_and_its_background_mode(factory, data_dir, capsys, monkeypatch):
    monkeypatch.setattr(citation_store.os, "nice", lambda n: 0)
    load_sample(factory)
    assert citation_store.fill_command() == 0
    assert "citation texts written" in capsys.readouterr().out
    with exclusive_lock(data_dir / "citations.lock", timeout=1, what="test"):
        assert (
            citation_store.fill_command(background=True) == 0
        )  # another filler holds the data dir: leaves at once


def test_rows_of_removed_statements_go_with_them(factory):
    load_sample(factory)
    citation_store.fill(factory)
    with factory() as s, s.begin():
        victim = s.scalar(select(Statement.id).limit(1))
        s.execute(Statement.__table__.delete().where(Statement.id == victim))
    with factory() as s:
        assert s.get(CitationText, victim) is None


# --- plans chosen by size give the same rows -----------------------------------------------------


def _expected_neighbours(session, detail):
    out = []
    here = ((detail.sort_date or dt.date(1, 1, 1)), detail.key)
    for sp in detail.speakers[: browse_neighbours.NEIGHBOUR_SPEAKERS]:
        rows = session.execute(
            select(Statement.key, Statement.sort_date)
            .join(StatementSpeaker)
            .join(Speaker)
            .where(Speaker.slug == sp.slug)
        ).all()
        pos = sorted(((d or dt.date(1, 1, 1)), k) for k, d in rows)
        before = [p for p in pos if p < here]
        after = [p for p in pos if p > here]
        out.append((sp.slug, before[-1][1] if before else None, after[0][1] if after else None))
    return out


def test_neighbours_are_the_same_whichever_way_they_are_found(factory, monkeypatch):
    load_sample(factory)
    with factory() as s:
        keys = s.scalars(select(Statement.key)).all()
        assert keys
        for small in (-1, 10**9):
            monkeypatch.setattr(browse_neighbours, "SMALL_SPEAKER", small)
            for key in keys:
                detail = browse.get_statement(s, key)
                got = [
                    (n.speaker.slug, n.prev.key if n.prev else None, n.next.key if n.next else None)
                    for n in browse.neighbours(s, detail)
                ]
                assert got == _expected_neighbours(s, detail), (small, key)


def test_speaker_and_topic_filters_give_the_same_rows_with_either_plan(factory, monkeypatch):
    load_sample(factory)
    with factory() as s:
        slugs = s.scalars(select(Speaker.slug)).all()
        filters = [StatementFilter(speakers=(slug,)) for slug in slugs]
        filters += [
            StatementFilter(speakers=(slug,), start=dt.date(2000, 1, 1), end=dt.date(2022, 12, 31))
            for slug in slugs
        ]
        filters += [StatementFilter(speakers=tuple(slugs[:2]), kinds=("remarks", "interview"))]
        results = []
        for factor in (0, 10**9):  # never walk / always walk
            monkeypatch.setattr(browse_statements, "WALK_FACTOR", factor)
            results.append(
                [(browse.list_statements(s, f, per_page=5), browse.statement_facets(s, f)) for f in filters]
            )
        assert results[0] == results[1]


def test_speaker_years_counted_with_the_speaker_equal_a_fresh_count(factory):
    load_sample(factory)
    with factory() as s:
        for slug in s.scalars(select(Speaker.slug)).all():
            detail = browse.get_speaker(s, slug)
            with_speaker = browse.speaker_years(s, slug)
            s.info.clear()
            assert browse.speaker_years(s, slug) == with_speaker
            assert sum(c for _y, c in with_speaker) <= detail.statements


def test_a_background_filler_that_fails_leaves_quietly(factory, monkeypatch, capsys):
    def locked(*a, **k):
        raise RuntimeError("database is locked")

    monkeypatch.setattr(citation_store, "fill", locked)
    monkeypatch.setattr(citation_store.os, "nice", lambda n: 0)
    assert citation_store.fill_command(background=True) == 1
    assert "citation texts not filled: database is locked" in capsys.readouterr().err
    with pytest.raises(RuntimeError):
        citation_store.fill_command()
