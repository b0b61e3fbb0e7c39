"""The page parser against hand-made truth (seed pages and the real-page corpus), and its
rules one by one: chrome, titles, turns, teasers, dates, determinism, robustness, speed."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.ingest.dates import dateline
from app.ingest.decode import decode_page
from app.ingest.parse import parse_page
from app.ingest.titles import analyse_title
from app.ingest.types import KINDS, PageError, ParsedPage, ParsedStatement
from tests.shared_data import SHARED_CORPUS, needs_shared_corpus, shared_corpus_pages

ROOT = Path(__file__).resolve().parent.parent.parent
DATA = Path(__file__).resolve().parent.parent / "data"
SEED_PAGES = sorted((ROOT / "seeds").glob("*.txt"))
# The pages of ../shared/corpus pinned field by field here (the whole corpus is scored by
# tests/test_parse_families.py against a threshold).
PINNED = [
    "001",
    "003",
    "004",
    "005",
    "006",
    "009",
    "010",
    "012",
    "014",
    "016",
    "017",
    "021",
    "022",
    "025",
    "028",
    "030",
    "033",
    "041",
    "046",
    "051",
]
CORPUS_PAGES = shared_corpus_pages(PINNED)


def truth_of(page: Path) -> dict:
    if page.parent.name == "seeds":
        return json.loads((DATA / "seed_truth" / page.with_suffix(".json").name).read_text())
    return json.loads(page.with_suffix(".json").read_text())


def parse_file(page: Path) -> ParsedPage:
    return parse_page(decode_page(page.read_bytes()).text)


# --- comparison helpers (the same leniency as the project's scorer: quotes, case, spacing) ---


def norm(s: str | None) -> str:
    s = unicodedata.normalize("NFKD", s or "")
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = s.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"\s+", " ", s).strip().lower()


def alnum(s: str | None) -> str:
    return re.sub(r"[^0-9a-z]", "", norm(s))


def name_key(name: str) -> tuple[str, ...]:
    return tuple(sorted(re.findall(r"[a-z]+", norm(name))))


def iso(d) -> str | None:
    return d.isoformat() if d else None


# --- every annotated page, field by field ---

ALL_PAGES = SEED_PAGES + CORPUS_PAGES


@pytest.fixture(scope="module")
def parsed() -> dict[Path, ParsedPage]:
    return {p: parse_file(p) for p in ALL_PAGES}


@pytest.mark.parametrize("page", ALL_PAGES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_page_matches_truth(page: Path, parsed):
    truth, result = truth_of(page), parsed[page]
    excerpts = [s for s in result.statements if s.role == "excerpt"]
    assert len(excerpts) == int(truth.get("teasers") or 0)
    if truth["page_kind"] == "listing":
        assert result.main is None
        return
    main = result.main
    assert main is not None
    assert norm(main.title) == norm(truth["title"])
    people = [s for s in main.speakers if s.kind == "person"]
    want = {name_key(s["name"]): norm(s["role"]) for s in truth["speakers"] if s.get("name")}
    got = {name_key(s.name): norm(s.role) for s in people}
    assert set(got) == set(want)
    for key, role in want.items():  # the title may say "Russian Foreign Minister" for "Foreign Minister"
        assert role in got[key], (role, got[key])
    assert iso(main.date) == truth["date"]
    assert iso(main.published) == truth["published"]
    if truth.get("clock_date"):
        assert iso(main.captured) == truth["clock_date"]
    venue = norm(main.venue)
    assert (
        (venue == "")
        if not truth["venue"]
        else (norm(truth["venue"]) in venue or venue in norm(truth["venue"]))
    )
    assert main.kind == truth["kind"] and main.kind in KINDS
    if truth.get("first_paragraph"):
        first = main.paragraphs[0]
        assert alnum((first.label or "") + first.text).startswith(alnum(truth["first_paragraph"])[:30])
    labels = {name_key(p.label) for p in main.paragraphs if p.label}
    assert labels == {name_key(x) for x in truth["turn_speakers"]}
    if "paragraphs" in truth:
        assert len(main.paragraphs) == truth["paragraphs"]
    assert list(main.topics) == truth.get("topics", [])


@pytest.mark.parametrize("page", ALL_PAGES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_line_is_accounted_for(page: Path, parsed):
    """Each text line is in a paragraph, a title, a field (dateline, subtitle, topics) or a warning."""
    text = decode_page(page.read_bytes()).text
    result = parsed[page]
    covered = {int(m) for w in result.warnings for m in re.findall(r"^line (\d+):", w)}
    for s in result.statements:
        covered.add(s.title_line)
        for p in s.paragraphs:
            covered.update(range(p.line_start, p.line_end + 1))
    fields = {t for s in result.statements for t in (*s.topics, s.subtitle) if t}
    for n, line in enumerate(text.split("\n"), 1):
        line = line.strip()
        if line and n not in covered:
            assert line in fields or dateline(line) or line == "Additional materials", (n, line)


def test_paragraph_numbers_and_spans_are_ordered(parsed):
    for result in parsed.values():
        for s in result.statements:
            assert [p.n for p in s.paragraphs] == list(range(1, len(s.paragraphs) + 1))
            ends = [p.line_start for p in s.paragraphs]
            assert ends == sorted(ends) and all(p.line_start <= p.line_end for p in s.paragraphs)


# --- chrome ---


def test_chrome_warnings_carry_line_numbers(parsed):
    warnings = parsed[ROOT / "seeds" / "001_e008f88601b054ee.txt"].warnings
    assert "line 1: dropped site chrome (page clock)" in warnings
    assert "line 2: dropped site chrome (page clock)" in warnings
    assert "line 5: dropped site chrome (consular line)" in warnings
    assert "line 6: dropped site chrome (phone line)" in warnings
    assert "line 8: dropped site chrome (day counter)" in warnings
    assert "line 91: dropped site chrome (site control)" in warnings  # "all messages"
    assert all(
        re.match(r"line \d+: |title chosen: line \d+ ", w) for r in parsed.values() for w in r.warnings
    )


def test_page_clock_is_captured_not_published(parsed):
    result = parsed[ROOT / "seeds" / "001_e008f88601b054ee.txt"]
    assert iso(result.captured) == "2021-12-03"
    assert result.main.published is None
    assert all(iso(s.captured) == "2021-12-03" for s in result.statements)


@needs_shared_corpus
def test_russian_page_clock_and_consular_line(parsed):
    result = parsed[SHARED_CORPUS / "041.txt"]
    assert iso(result.captured) == "2016-09-30"
    assert "line 5: dropped site chrome (consular line)" in result.warnings


def test_site_chrome_rules_generalise():
    page = "\n".join(
        [
            "14 February 2023",
            "Moscow: 10:00",
            "Edinburgh: 07:00",
            "",
            "Consular queries:",
            "+44 (0) 20 7229 3628",
            "press@example.org",
            "[email protected]",
            "1 day has passed since the incident",
            "",
            "  • en-GB1 ru-RU1",
            "Pages: ««« :: 12345 :: »»»",
            "STATEMENTS",
            "",
            "Foreign Ministry statement on a thing",
            "",
            "The text of the statement.",
            "",
            "(Reuters Photo/Someone)",
            "",
            "Web Content Display",
        ]
    )
    result = parse_page(page)
    assert result.main.title == "Foreign Ministry statement on a thing"
    assert [p.text for p in result.main.paragraphs] == ["The text of the statement."]
    assert iso(result.captured) == "2023-02-14"
    dropped = [int(re.match(r"line (\d+)", w).group(1)) for w in result.warnings]
    assert dropped == [1, 2, 3, 5, 6, 7, 8, 9, 11, 12, 13, 19, 21]
    assert result.main.kind == "statement"


@needs_shared_corpus
def test_repeated_header_line_is_not_the_title(parsed):
    main = parsed[SHARED_CORPUS / "025.txt"].main
    assert main.title.startswith("Permanent Representative Vassily Nebenzia")
    assert main.title_line == 5


def test_title_printed_twice_counts_once():
    result = parse_page(
        "Ambassador Andrei Kelin’s speech\n\nAmbassador Andrei Kelin’s speech\n\nGood evening.\n"
    )
    assert result.main.title == "Ambassador Andrei Kelin’s speech"
    assert [p.text for p in result.main.paragraphs] == ["Good evening."]
    assert (
        "line 1: dropped repeated title" in result.warnings and result.main.title_line == 3
    )  # the second copy


def test_only_chrome_is_not_a_statement():
    with pytest.raises(PageError, match="no statement found"):
        parse_page(
            "3 December 2021\nMoscow: 07:30\nLondon: 04:30\n\nConsular queries:\n+44 (0) 203 668 7474\n"
        )


# --- titles, dates, bylines ---


def test_glued_mid_ru_date_is_published(parsed):
    main = parsed[ROOT / "seeds" / "003_f4947906e86da8af.txt"].main
    assert iso(main.published) == "2020-08-23" and iso(main.date) == "2020-08-23"
    assert main.venue == "Solnechnogorsk"
    assert iso(parse_page("23 August 202019:37\n\nSome title\n\nBody.").main.published) == "2020-08-23"


def test_submitted_on_is_published_and_no_event_date(parsed):
    main = parsed[ROOT / "seeds" / "000_1bbf74939fffeac4.txt"].main
    assert iso(main.published) == "2021-11-19" and main.date is None


@needs_shared_corpus
def test_kremlin_date_venue_line_and_label_role(parsed):
    main = parsed[SHARED_CORPUS / "022.txt"].main
    assert (iso(main.date), main.venue, main.kind) == ("2012-12-20", "Moscow", "briefing")
    assert [(s.name, s.role) for s in main.speakers] == [("Vladimir Putin", "President of Russia")]
    turn = next(p for p in main.paragraphs if p.label)
    assert (turn.label, turn.speaker) == ("President of Russia Vladimir Putin", "Vladimir Putin")


@needs_shared_corpus
def test_usembassy_byline_and_photo_caption(parsed):
    result = parsed[SHARED_CORPUS / "046.txt"]
    main = result.main
    assert [(s.name, s.role) for s in main.speakers] == [
        ("Robert Wood", "Alternate Representative for Special Political Affairs")
    ]
    assert (iso(main.date), main.venue) == ("2023-05-18", "New York")
    assert "line 3: dropped site chrome (photo caption)" in result.warnings


@needs_shared_corpus
def test_role_from_the_body_when_the_title_has_none(parsed):
    main = parsed[SHARED_CORPUS / "012.txt"].main
    assert [(s.name, s.role) for s in main.speakers] == [
        ("Alexander Yakovenko", "Russian Ambassador to the UK")
    ]
    assert main.kind == "interview"


@needs_shared_corpus
def test_subheading_under_the_title(parsed):
    main = parsed[SHARED_CORPUS / "051.txt"].main
    assert main.subtitle == "Media coverage of the World Cup in Russia"
    assert main.paragraphs[0].text.startswith("The 2018 FIFA World Cup")


@needs_shared_corpus
def test_institution_when_no_person_is_named(parsed):
    main = parsed[SHARED_CORPUS / "003.txt"].main
    assert [(s.name, s.kind) for s in main.speakers] == [("Foreign Ministry", "institution")]


@needs_shared_corpus
def test_kind_from_section_heading_when_title_has_none(parsed):
    assert parsed[SHARED_CORPUS / "041.txt"].main.kind == "press_release"
    assert parsed[ROOT / "seeds" / "004_8ee92459caf7f0c6.txt"].main.kind == "other"


@pytest.mark.parametrize(
    "title, kind",
    [
        (
            "Foreign Minister Sergey Lavrov’s press conference following talks, Moscow, May 5, 2021",
            "briefing",
        ),
        ("News conference of Vladimir Putin", "briefing"),
        ("Embassy Press Officer’s reply to a media question concerning sanctions", "answers"),
        ("President Vladimir Putin replies to a BBC question", "answers"),
        ("Ambassador Andrei Kelin’s Christmas and New Year Address, 2021", "speech"),
        ("Foreign Minister Sergey Lavrov’s statement and answers to questions at the forum", "statement"),
        ("Foreign Minister Sergey Lavrov’s remarks and answers to media questions", "remarks"),
        ("Press release on the situation in Kazakhstan", "press_release"),
        ("Ambassador Yakovenko holds a briefing on the case", "briefing"),
        ("Foreign Ministry Spokeswoman Maria Zakharova on NATO", "comment"),
        ("Article by Foreign Minister Sergey Lavrov for Izvestia", "article"),
        ("Ambassador Andrei Kelin's letter to the Times", "letter"),
        ("FT cannot muster political will to publish Russian Ambassador’s letter", None),
        ("Main foreign policy outcomes of 2017", None),
    ],
)
def test_kind_from_title(title, kind):
    assert analyse_title(title).kind == kind


@pytest.mark.parametrize(
    "title, speakers",
    [
        (
            "Foreign Minister Sergey Lavrov’s interview with Sophie Shevardnadze",
            [("Sergey Lavrov", "Foreign Minister")],
        ),
        (
            "Remarks by Ambassador Linda Thomas-Greenfield at the UN",
            [("Linda Thomas-Greenfield", "Ambassador")],
        ),
        (
            "Ambassador of the Russian Federation to the UK Andrei Kelin’s speech",
            [("Andrei Kelin", "Ambassador of the Russian Federation to the UK")],
        ),
        ("Talks between Foreign Minister Sergey Lavrov and Wang Yi", []),
        (
            "Joint news conference of Foreign Minister Sergey Lavrov and Foreign Minister Wang Yi",
            [("Sergey Lavrov", "Foreign Minister"), ("Wang Yi", "Foreign Minister")],
        ),
        (
            "Statement by the Ministry of Foreign Affairs of the Russian Federation",
            [("Ministry of Foreign Affairs of the Russian Federation", None)],
        ),
    ],
)
def test_speakers_from_title(title, speakers):
    assert [(s.name, s.role) for s in analyse_title(title).speakers] == speakers


# --- paragraphs and turns ---


def test_mention_of_a_name_is_not_a_turn(parsed):
    main = parsed[ROOT / "seeds" / "001_e008f88601b054ee.txt"].main
    p = next(p for p in main.paragraphs if p.text.startswith("In a recent article Fyodor Lukyanov wrote"))
    assert p.label is None and p.speaker == "Sergey Lavrov"
    assert [(p.label, p.speaker) for p in main.paragraphs[:3]] == [
        (None, "Sergey Lavrov"),
        ("Fyodor Lukyanov", "Fyodor Lukyanov"),
        ("Sergey Lavrov", "Sergey Lavrov"),
    ]


def test_transcript_that_opens_with_an_answer():
    page = (
        "Ambassador Andrei Kelin’s answers to media questions, 5 May 2021\n\nA: Yes, we have.\n\n"
        "Q: Anything else?\n\nA.: Nothing.\n\nThat is all.\n"
    )
    main = parse_page(page).main
    assert main.kind == "answers" and iso(main.date) == "2021-05-05"
    assert [(p.label, p.speaker, p.text) for p in main.paragraphs] == [
        ("A", "Andrei Kelin", "Yes, we have."),
        ("Q", "Q", "Anything else?"),
        ("A", "Andrei Kelin", "Nothing."),
        (None, "Andrei Kelin", "That is all."),
    ]


def test_label_alone_on_a_line_and_labels_inside_a_block():
    page = "Sergey Lavrov’s interview\n\nQuestion:\nWhat now?\n\nSergey Lavrov: We wait.\nQuestion: Why?\n"
    paras = parse_page(page).main.paragraphs
    assert [(p.label, p.text, p.line_start, p.line_end) for p in paras] == [
        ("Question", "What now?", 3, 4),
        ("Sergey Lavrov", "We wait.", 6, 6),
        ("Question", "Why?", 7, 7),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Note: this is not a turn.",
        "Answers to media questions:",
        "Second: we disagree.",
        "In a recent article Fyodor Lukyanov wrote: this.",
        "Ladies and Gentlemen: welcome.",
        "Moscow: 12:30 is the time",
    ],
)
def test_not_turn_labels(text):
    main = parse_page(f"Some title\n\nFirst paragraph.\n\n{text}\n").main
    assert main.paragraphs[-1].label is None


@needs_shared_corpus
def test_no_blank_lines_means_one_paragraph_per_line(parsed):
    main = parsed[SHARED_CORPUS / "009.txt"].main
    assert [p.text for p in main.paragraphs[:3]] == [
        "Dear friends!",
        "Dear compatriots!",
        "The year 2021 is coming to a close.",
    ]
    assert all(p.line_start == p.line_end for p in main.paragraphs)


def test_numbered_paragraphs_are_kept(parsed):
    main = parsed[ROOT / "seeds" / "004_8ee92459caf7f0c6.txt"].main
    assert main.paragraphs[1].text.startswith("1. Special attention")


# --- teasers ---


def test_teasers_are_excerpts_not_main_paragraphs(parsed):
    result = parsed[ROOT / "seeds" / "002_822fe0b5f90ffc11.txt"]
    excerpts = [s for s in result.statements if s.role == "excerpt"]
    assert len(result.main.paragraphs) == 27 and len(excerpts) == 10
    first = excerpts[0]
    assert (iso(first.published), iso(first.date), first.kind) == (
        "2022-01-09",
        "2022-01-08",
        "press_release",
    )
    assert len(first.paragraphs) == 1 and first.paragraphs[0].text.startswith("Following the events")
    interview = next(s for s in excerpts if "Grushko" in s.title)
    assert [(s.name, s.role) for s in interview.speakers] == [
        ("Alexander Grushko", "Deputy Foreign Minister")
    ]
    assert interview.paragraphs[0].label == "Question"


@needs_shared_corpus
def test_listing_page_has_no_main_and_inline_question_answer_stays_one_paragraph(parsed):
    result = parsed[SHARED_CORPUS / "016.txt"]
    assert result.main is None
    last = result.statements[-1]
    assert iso(last.published) == "2018-03-26" and last.kind == "answers"
    assert len(last.paragraphs) == 1 and last.paragraphs[0].label == "Question"
    assert "Answer: For us in London" in last.paragraphs[0].text


def test_teaser_title_parsed_like_a_main_title(parsed):
    result = parsed[ROOT / "seeds" / "004_8ee92459caf7f0c6.txt"]
    speech = next(s for s in result.statements if s.title.startswith("Ambassador Andrei Kelin’s speech"))
    assert (iso(speech.date), speech.venue, speech.kind) == ("2019-11-27", "London", "speech")


# --- determinism, robustness, speed ---


def test_parse_is_deterministic(parsed):
    for page, result in parsed.items():
        assert parse_file(page) == result


LINES = [
    "3 December 2021",
    "Moscow: 07:30",
    "Consular queries:",
    "+44 (0) 203 668 7474",
    "12 days have passed since",
    "PRESS RELEASES",
    "26.01.2018",
    "23 August 202019:37",
    "01.12.2021 - Foreign Ministry statement, May 3, 2021",
    "Question:",
    "A.:",
    "Sergey Lavrov: yes",
    "Foreign Minister Sergey Lavrov’s remarks, Moscow, October 2, 2021",
    "Additional materials",
    "all messages",
    "December 20, 2012, Moscow",
    "* * *",
    "Ambassador Robert Wood",
    "Submitted on Fri, 11/19/2021 - 11:47",
    "",
    "",
    "Body text.",
    "Short heading",
    "Transcripts   /",
    "’s",
    ":",
]


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.one_of(
        st.text(max_size=200),
        st.lists(st.one_of(st.sampled_from(LINES), st.text(max_size=30)), max_size=25).map("\n".join),
    )
)
def test_any_text_parses_or_raises_page_error(text):
    try:
        first = parse_page(text)
    except PageError:
        return
    assert first == parse_page(text)
    assert all(s.kind in KINDS for s in first.statements)
    assert sum(isinstance(s, ParsedStatement) and s.role == "main" for s in first.statements) <= 1


# Speed is measured by the benchmarks, not asserted here: these check that big and
# pathological pages parse completely (no catastrophic regex backtracking would finish).
def test_a_100000_line_page_parses_completely():
    body = [
        f"Paragraph {i} of the remarks, with a date May {i % 28 + 1}, 2020 and a Name: here."
        for i in range(50000)
    ]
    page = "Foreign Minister Sergey Lavrov’s remarks, Moscow, October 2, 2021\n\n" + "\n\n".join(body)
    result = parse_page(page)
    assert len(result.main.paragraphs) == 50000
    assert result.main.paragraphs[-1].line_start == 3 + 2 * 49999


def test_pathological_long_lines_parse():
    page = parse_page("Title " + "Aa " * 200000 + "\n\n" + "Name " * 100000 + ":\n\n" + "1" * 300000)
    assert page.main is not None
