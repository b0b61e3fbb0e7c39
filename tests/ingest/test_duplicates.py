"""Duplicates across sites (app.ingest.duplicates): one text published at several places is
one group with one canonical statement; search counts its words once; every member's own
URL keeps resolving; grouping does not depend on the order pages arrive in."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from app.ingest import duplicates as dup
from app.models import Statement
from tests import backend
from tests.conftest import SEEDS

BODY_SEED = "000_1bbf74939fffeac4.txt"  # a long speech (the original)
OTHER_SEED = "001_e008f88601b054ee.txt"  # an unrelated statement


def _body(name: str) -> tuple[str, list[str]]:
    lines = (SEEDS / name).read_text(encoding="utf-8").split("\n\n")
    return lines[0], [p.strip() for p in lines[1:] if p.strip()]


def _archive_in(settings, data_dir: Path):
    """Settings of a second, fresh archive in `data_dir` (on PostgreSQL: its own database; the
    fixture's settings name the test's database explicitly)."""
    update: dict = {"data_dir": data_dir}
    if backend.POSTGRES:
        update["database_url"] = backend.database_url_for(data_dir)
    return settings.model_copy(update=update)


def _mirror_pages(root: Path) -> dict[str, Path]:
    """The seed speech on a second site: its own title line and byline, two paragraphs merged
    into one, a typo and a line of chrome; a third site has it a year later (a yearly text
    re-used is not a duplicate); a fourth site publishes only its first paragraphs (an excerpt
    of it is another, shorter text)."""
    title, paras = _body(BODY_SEED)
    dated, body = paras[0], paras[1:]
    sites = {name: root / name for name in ("ministry", "embassy", "later", "digest", "other")}
    for d in sites.values():
        d.mkdir(parents=True)
    pages = {}
    pages["original"] = sites["ministry"] / "speech.txt"
    shutil.copy(SEEDS / BODY_SEED, pages["original"])
    merged = [body[0], body[1] + " " + body[2], *body[3:]]
    merged[4] = merged[4].replace("foreign policy", "foreign polciy", 1)
    pages["mirror"] = sites["embassy"] / "news-item.txt"
    pages["mirror"].write_text(
        "\n\n".join(
            [
                "Remarks by the President at the expanded Collegium of the Foreign Ministry (Embassy reprint)",
                dated,
                *merged,
                "Share this page: Facebook | Twitter | Print",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    pages["later"] = sites["later"] / "again.txt"
    pages["later"].write_text(
        "\n\n".join([title + " (archive)", dated.replace("2021", "2022"), *body]) + "\n", encoding="utf-8"
    )
    pages["digest"] = sites["digest"] / "digest.txt"
    pages["digest"].write_text("\n\n".join([title + " - digest", dated, *body[:2]]) + "\n", encoding="utf-8")
    pages["other"] = sites["other"] / "other.txt"
    shutil.copy(SEEDS / OTHER_SEED, pages["other"])
    return pages


def _ingest(factory, paths, settings) -> None:
    from app.ingest.run import ingest_paths

    ingest_paths(factory, [str(p) for p in paths], max_bytes=settings.max_page_bytes)


def _state(factory) -> dict[str, str | None]:
    with factory() as session:
        return dict(session.execute(select(Statement.key, Statement.duplicate_of)).all())


def _key_of(factory, path: Path) -> str:
    from app.models import Contribution, SourceDocument

    with factory() as session:
        return session.scalar(
            select(Contribution.statement_key)
            .join(SourceDocument)
            .where(SourceDocument.path.like(f"%{path.parent.name}/{path.name}"), Contribution.role == "main")
        )


# --- the pure parts ------------------------------------------------------------------------


def test_shingles_do_not_depend_on_paragraph_split_case_or_quotes():
    a = dup.shingles(["The Minister said: “we will act now.” Then he left the room quickly."])
    b = dup.shingles(['the minister said "We will act now".', "Then he left the room quickly"])
    assert a == b and len(a) == 9  # 13 words


def test_short_texts_are_one_shingle_and_empty_texts_none():
    assert dup.shingles(["Thank you."]) == {"thank you"}
    assert dup.shingles(["", " "]) == set()


def test_band_hashes_are_deterministic_and_shared_by_equal_texts():
    s = dup.shingles(["one two three four five six seven eight nine ten eleven twelve"])
    assert dup.band_hashes(s) == dup.band_hashes(set(sorted(s, reverse=True)))
    assert len(dup.band_hashes(s)) == dup.BANDS
    assert all(-(2**63) <= h < 2**63 for h in dup.band_hashes(s))


def test_jaccard_and_dates():
    assert dup.jaccard({"a", "b"}, {"b", "c"}) == pytest.approx(1 / 3)
    assert dup.jaccard(set(), {"a"}) == 0.0
    d = dt.date(2021, 11, 19)
    assert dup.dates_compatible(d, d + dt.timedelta(days=7))
    assert not dup.dates_compatible(d, d + dt.timedelta(days=8))
    assert dup.dates_compatible(None, d)


def test_canonical_is_earliest_then_fullest_then_smallest_key():
    d = dt.date(2021, 1, 1)
    members = [
        dup.Member("b", d, 10),
        dup.Member("a", d, 9),
        dup.Member("c", d - dt.timedelta(1), 1),
        dup.Member("z", None, 99),
    ]
    assert dup.canonical(members).key == "c"
    assert dup.canonical(members[:2]).key == "b"
    assert dup.canonical([dup.Member("b", d, 5), dup.Member("a", d, 5)]).key == "a"


# --- in an archive ---------------------------------------------------------------------------


def test_a_mirror_is_grouped_under_the_original_and_the_rest_is_not(tmp_path, factory, settings):
    pages = _mirror_pages(tmp_path / "pages")
    _ingest(factory, pages.values(), settings)
    state = _state(factory)
    original, mirror = _key_of(factory, pages["original"]), _key_of(factory, pages["mirror"])
    assert original != mirror  # two statements: their own titles, their own keys
    canon = state[original] or original
    assert {state[original], state[mirror]} == {None, canon}
    for name in ("later", "digest", "other"):
        assert state[_key_of(factory, pages[name])] is None, name
    with factory() as session:
        [group] = dup.groups(session)
    assert group.canonical == canon and set(group.members) == {original, mirror}
    assert len(group.links) == 1 and group.links[0][2] >= dup.THRESHOLD


def test_grouping_does_not_depend_on_ingest_order(tmp_path, settings):
    from app.db import open_database

    pages = _mirror_pages(tmp_path / "pages")
    seen = []
    for i, order in enumerate(
        [
            list(pages.values()),
            list(reversed(pages.values())),
            [pages["mirror"], pages["other"], pages["original"], pages["digest"], pages["later"]],
        ]
    ):
        run_settings = _archive_in(settings, tmp_path / f"d{i}")
        engine, factory = open_database(run_settings)
        for p in order:  # one page per run: each arrives when the others are already grouped
            _ingest(factory, [p], run_settings)
        seen.append(_state(factory))
        engine.dispose()
    assert seen[0] == seen[1] == seen[2]
    assert sum(1 for v in seen[0].values() if v) == 1


def test_search_counts_the_words_once_and_both_urls_resolve(tmp_path, cli, data_dir):
    from tests.web_support import make_client

    pages = _mirror_pages(tmp_path / "pages")
    assert cli("ingest", pages["original"], pages["other"]).exit_code == 0
    alone = json.loads(cli("search", "--json", '"insidious disease"').stdout)
    assert cli("ingest", pages["mirror"]).exit_code == 0
    both = json.loads(cli("search", "--json", '"insidious disease"').stdout)
    assert both["total_statements"] == alone["total_statements"] == 1
    assert both["total_paragraphs"] == alone["total_paragraphs"]
    assert cli("check").exit_code == 0
    listing = cli("duplicates", "--json")
    [group] = json.loads(listing.stdout)
    with make_client(data_dir) as client:
        for key in group["members"]:
            page = client.get(f"/statements/{key}")
            assert page.status_code == 200
            assert "insidious disease" in page.text
            if key == group["canonical"]:
                assert "Also published at" in page.text
            else:
                assert "The same text is also in the archive as" in page.text
                assert f'href="/statements/{group["canonical"]}"' in page.text


def test_a_member_changed_away_leaves_the_group(tmp_path, cli, factory):
    pages = _mirror_pages(tmp_path / "pages")
    assert cli("ingest", pages["original"], pages["mirror"]).exit_code == 0
    assert sum(1 for v in _state(factory).values() if v) == 1
    _title, other_paras = _body(OTHER_SEED)
    text = pages["mirror"].read_text(encoding="utf-8").split("\n\n")
    pages["mirror"].write_text("\n\n".join(text[:2] + other_paras[1:]) + "\n", encoding="utf-8")
    assert cli("ingest", pages["mirror"]).exit_code == 0
    assert not any(_state(factory).values())
    assert cli("check").exit_code == 0
    assert "0 groups" in cli("duplicates").stdout


def test_regrouping_a_statement_at_a_time_gives_the_groups_of_one_go(tmp_path, settings, monkeypatch):
    """An ingest regroups its statements in chunks (memory holds one chunk's shingles); with
    chunks of one statement the groups, and the links behind them, are those of one go,
    also when a second run changes a member away while the rest is regrouped."""
    from app.db import open_database

    pages = _mirror_pages(tmp_path / "pages")
    _title, other_paras = _body(OTHER_SEED)
    changed_away = "\n\n".join(
        pages["mirror"].read_text(encoding="utf-8").split("\n\n")[:2] + other_paras[1:]
    )
    seen = []
    for chunk in (1, 10_000):
        monkeypatch.setattr(dup, "CHUNK", chunk)
        run_settings = _archive_in(settings, tmp_path / f"chunk{chunk}")
        engine, factory = open_database(run_settings)
        _ingest(factory, pages.values(), run_settings)
        first = _state(factory)
        with factory() as session:
            links = [g.links for g in dup.groups(session)]
        original = pages["mirror"].read_text(encoding="utf-8")
        pages["mirror"].write_text(changed_away + "\n", encoding="utf-8")
        _ingest(factory, pages.values(), run_settings)
        pages["mirror"].write_text(original, encoding="utf-8")
        seen.append((first, links, _state(factory)))
        engine.dispose()
    assert seen[0] == seen[1]
    first, links, after = seen[0]
    assert sum(1 for v in first.values() if v) == 1 and len(links) == 1
    assert not any(after.values())


def test_regroup_recomputes_the_same_groups(tmp_path, cli, factory):
    pages = _mirror_pages(tmp_path / "pages")
    assert cli("ingest", *pages.values()).exit_code == 0
    before = _state(factory)
    result = cli("duplicates", "--regroup")
    assert result.exit_code == 0, result.output
    assert _state(factory) == before
    assert "1 groups of duplicates" in result.stdout


def test_band_hashes_of_a_long_text_hashed_a_slice_at_a_time_equal_one_batch(monkeypatch):
    """band_hashes feeds MinHash HASH_SLICE shingles at a time (memory): the bands are those of
    the whole set hashed at once."""
    words = [f"word{i % 997} point{i}" for i in range(3000)]
    shingle_set = dup.shingles(" ".join(words))
    assert len(shingle_set) > 2 * dup.HASH_SLICE
    sliced = dup.band_hashes(shingle_set)
    monkeypatch.setattr(dup, "HASH_SLICE", len(shingle_set))
    assert dup.band_hashes(shingle_set) == sliced


def _counts(factory) -> dict:
    """Every list and count of the read side, as plain values."""
    from dataclasses import asdict

    from app import browse
    from app.browse import summary
    from app.browse.views import StatementFilter

    with factory() as session:
        home = browse.home_overview(session)
        listed = browse.list_statements(session, StatementFilter(), per_page=100)
        speakers = browse.list_speakers(session, per_page=100)
        out = {
            "home": (home.statements, home.excerpts, home.paragraphs, home.speakers),
            "home_dates": (home.first_date, home.last_date),
            "home_latest": [r.key for r in home.latest],
            "home_speakers": [asdict(r) for r in home.top_speakers],
            "list": (listed.total, [r.key for r in listed.items]),
            "facets": {
                k: [(f.value, f.count) for f in v]
                for k, v in browse.statement_facets(session, StatementFilter()).items()
            },
            "speakers": (speakers.total, [asdict(r) for r in speakers.items]),
            "years": browse.date_years(session),
            "venues": [asdict(r) for r in browse.list_venues(session)],
            "topics": [asdict(r) for r in browse.list_topics(session)],
            "by_kind": summary.counts_by_kind(session),
            "by_speaker": summary.counts_by_speaker(session),
            "by_year": summary.counts_by_year(session),
        }
        for year, _n in out["years"][0]:
            out[f"months {year}"] = months = browse.date_months(session, year)
            for month, _m in months:
                out[f"days {year}-{month}"] = browse.date_days(session, year, month)
        for row in speakers.items:
            one = browse.list_statements(session, StatementFilter(speakers=(row.slug,)), per_page=100)
            year = browse.list_statements(
                session,
                StatementFilter(speakers=(row.slug,), start=dt.date(2000, 1, 1), end=dt.date(2030, 1, 1)),
                per_page=100,
            )
            out[f"speaker {row.slug}"] = (
                asdict(browse.get_speaker(session, row.slug)),
                browse.speaker_years(session, row.slug),
                (one.total, [r.key for r in one.items]),
                (year.total, [r.key for r in year.items]),
            )
    return out


def test_lists_and_counts_count_a_group_once_and_the_copy_still_resolves(tmp_path, cli, factory, data_dir):
    """The mirror adds nothing to any list or count (home totals, /statements and its facets,
    speakers and their pages, the date archive, venues, topics, `archive stats`); its own URL
    still answers with its words and names the canonical statement."""
    from tests.web_support import make_client

    pages = _mirror_pages(tmp_path / "pages")
    assert cli("ingest", pages["original"], pages["other"]).exit_code == 0
    alone, stats_alone = _counts(factory), cli("stats").stdout
    assert cli("ingest", pages["mirror"]).exit_code == 0
    mirror, original = _key_of(factory, pages["mirror"]), _key_of(factory, pages["original"])
    assert _state(factory)[mirror] == original  # the mirror is the copy: the original is earlier and fuller
    assert _counts(factory) == alone
    # the page files are counted as such (one more), the statements and paragraphs are not
    assert re.sub(r"\d+ source", "", cli("stats").stdout) == re.sub(r"\d+ source", "", stats_alone)
    with make_client(data_dir) as client:
        assert mirror not in client.get("/statements").text
        assert client.get("/api/statements").json()["total"] == alone["list"][0]
        page = client.get(f"/statements/{mirror}")
        assert page.status_code == 200 and "insidious disease" in page.text
        assert f'href="/statements/{original}"' in page.text and "counted once" in page.text
        api = client.get(f"/api/statements/{mirror}")
        assert api.status_code == 200 and api.json()["key"] == mirror
