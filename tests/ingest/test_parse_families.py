"""The parser on page families it must handle on sites it has never seen (synthetic pages
written for these tests in tests/data/families, one per family), the whole parse of every seed
page pinned, `archive parse --explain`, and the score on ../shared/corpus when it is there."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import pytest

from app.ingest.decode import decode_page
from app.ingest.parse import explain_page, parse_page
from app.ingest.readers import parse_document
from app.ingest.types import page_to_dict
from tests.ingest.test_parse import alnum, iso, name_key, norm

ROOT = Path(__file__).resolve().parent.parent.parent
FAMILIES = sorted((Path(__file__).resolve().parent.parent / "data" / "families").glob("*.txt"))
SEED_PARSE = Path(__file__).resolve().parent.parent / "data" / "seed_parse"
SHARED = Path(os.environ.get("ARCHIVE_SHARED_DIR", ROOT.parent / "shared"))


def _parse(page: Path):
    return parse_page(decode_page(page.read_bytes()).text)


@pytest.mark.parametrize("page", FAMILIES, ids=lambda p: p.stem)
def test_family_page(page: Path):
    truth = json.loads(page.with_suffix(".json").read_text())
    result = _parse(page)
    if truth["page_kind"] == "listing":
        assert result.main is None
        return
    main = result.main
    assert main is not None
    assert norm(main.title) == norm(truth["title"])
    # the spelling the page printed (a speaker-table person is also renamed canonically)
    got = {name_key(s.as_printed or s.name): norm(s.role) for s in main.speakers if s.kind == "person"}
    want = {name_key(s["name"]): norm(s["role"]) for s in truth["speakers"]}
    assert set(got) == set(want), main.speakers
    for key, role in want.items():
        assert not role or role in got[key] or got[key] and got[key] in role, (role, got[key])
    assert iso(main.date) == truth["date"]
    assert iso(main.published) == truth["published"]
    venue = norm(main.venue)
    assert (
        (venue == "")
        if not truth["venue"]
        else (norm(truth["venue"]) in venue or venue in norm(truth["venue"]))
    )
    assert main.kind == truth["kind"]
    first = main.paragraphs[0]
    assert alnum((first.label or "") + first.text).startswith(alnum(truth["first_paragraph"])[:30])
    assert {name_key(p.label) for p in main.paragraphs if p.label} == {
        name_key(x) for x in truth["turn_speakers"]
    }


@pytest.mark.parametrize("page", sorted((ROOT / "seeds").glob("*.txt")), ids=lambda p: p.stem[:3])
def test_seed_parse_is_pinned(page: Path):
    """The whole parse of each seed page, as `parse --json` prints it (regenerate on purpose only)."""
    _, parsed = parse_document(page.read_bytes(), ".txt")
    got = page_to_dict(parsed, path=page.name, sha256="")
    got.pop("source")
    assert got == json.loads((SEED_PARSE / page.with_suffix(".json").name).read_text())


def test_explain_says_what_each_line_was_taken_for():
    page = "\n".join(
        [
            "Permanent Mission of Utopia to the United Nations",
            "",
            "Permanent Mission of Utopia to the United Nations",
            "",
            "Home > News > Statements",
            "Speech",
            "Remarks by Ambassador Jane Doe at the Security Council, New York, 3 May 2023",
            "",
            "Ambassador Doe: Thank you, Mr. President. We are here again to discuss the "
            "same crisis, and little has changed.",
            "",
            "Question: Will you vote for the draft?",
            "",
            "Ambassador: We will see.",
        ]
    )
    what = {n: w for n, _, w in explain_page(page)}
    assert what[1].startswith("dropped site chrome (site header)")
    assert "title candidate, score" in what[1] and "printed twice above other lines" in what[1]
    assert what[5].startswith("dropped site chrome (breadcrumb)")
    assert what[6].startswith("dropped site chrome (genre label)")
    assert what[7].startswith("title of the main statement, score") and "kind remarks" in what[7]
    assert what[9] == "paragraph 1, turn label 'Ambassador Doe', speaker Jane Doe"
    assert what[11] == "paragraph 2, turn label 'Question', speaker Question"
    assert what[13] == "paragraph 3, turn label 'Ambassador', speaker Jane Doe"  # a role alone: the speaker


def test_explain_cli(cli, tmp_path):
    f = tmp_path / "p.txt"
    f.write_text(
        "Speech\nForeign Minister Jane Doe’s speech at the Forum, Vienna, 3 May 2023\n\n"
        "Dear colleagues, it is an honour to speak here today about our common future.\n",
        "utf-8",
    )
    result = cli("parse", "--explain", f)
    assert result.exit_code == 0
    assert "dropped site chrome (genre label)" in result.output
    assert "title of the main statement, score" in result.output
    assert "paragraph 1, speaker Jane Doe" in result.output
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    result = cli("parse", "--explain", bad)
    assert result.exit_code == 1 and "empty file" in result.output


def _scorer():
    path = SHARED / "tools" / "score_parser.py"
    if not path.exists() or not (SHARED / "corpus").is_dir():
        pytest.skip("../shared (the reference corpus and its scorer) is not here")
    spec = importlib.util.spec_from_file_location("score_parser", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("folder,threshold", [("seeds", 1.0), ("corpus", 0.98)])
def test_shared_reference_score(folder, threshold):
    """score_parser's own scoring of every annotated page in ../shared (skips without it)."""
    sp = _scorer()
    ok = n = 0
    bad = []
    for tf in sorted((SHARED / folder).glob("*.json")):
        page = tf.with_suffix(".txt")
        if not page.exists():
            continue
        _, parsed = parse_document(page.read_bytes(), ".txt")
        res = sp.score_page(json.loads(tf.read_text()), page_to_dict(parsed, path=str(page), sha256=""))
        ok, n = ok + sum(res.values()), n + len(res)
        bad += [f"{tf.stem}:{f}" for f, v in res.items() if not v]
    assert n and ok / n >= threshold, (ok / n, bad)


@pytest.mark.parametrize(
    "line,reason",
    [
        ("English | Русский | Français | 中文 | العربية", "language selector"),
        ("Read in Russian", "language selector"),
        ("Читать на русском языке", "language selector"),
        ("Versão de impressão", "share or print link"),
        ("Facebook Twitter Telegram Print", "share or print link"),
        ("[email protected]org.uk", "e-mail line"),
        ("Email: press@example.org, tel. +7 495 123 4567", "e-mail line"),
        ("Tel.: +7 495 123-45-67, +7 495 765-43-21; Fax: (495) 111 2233", "phone line"),
        ("Opening hours: Monday - Friday 09:30 - 12:30", "opening hours"),
        ("пн-пт 9:30-12:30", "opening hours"),
        ("2432-20-10-2014", "document number"),
        ("example.gov", "site name"),
    ],
)
def test_chrome_line_families(line, reason):
    from app.ingest.chrome import line_chrome

    assert line_chrome(line) == reason


@pytest.mark.parametrize(
    "line",
    [
        "2022-03-18 19:30",
        "11/19/2021",
        "1941-1945",
        "The text of the statement.",
        "Print media in Europe face new pressure every year.",
        "English is spoken here.",
    ],
)
def test_not_chrome(line):
    from app.ingest.chrome import line_chrome

    assert line_chrome(line) is None


@pytest.mark.parametrize(
    "line,reason",
    [
        ("Home > News > Statements", "breadcrumb"),
        ("Главная \\ Новости \\ Заявления", "breadcrumb"),
        ("Embassy of Utopia in the USA official site", "site name"),
    ],
)
def test_header_chrome_families(line, reason):
    from app.ingest.chrome import header_chrome

    assert header_chrome(line) == reason
