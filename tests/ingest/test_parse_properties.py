"""Property-based tests of the page parser (hypothesis).

For any text: `parse_page` returns a page or raises PageError (nothing else); every
non-blank line of the page is accounted for exactly once — inside one paragraph's line
span, as a statement's title line, as a field (dateline, topics heading, topic tag), or
in one warning — so nothing is silently dropped; and parsing is deterministic. For any
bytes, `decode_page` (and the whole text reader) raises nothing but PageError.

Example counts are bounded so the file runs in a few seconds; the `slow` variant explores
more (make soak).
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.ingest.dates import dateline
from app.ingest.decode import decode_page
from app.ingest.parse import TEASER_RE, TOPICS_RE, parse_page
from app.ingest.readers import parse_text_bytes
from app.ingest.types import PageError, ParsedPage, page_to_dict
from tests.shared_data import shared_corpus_pages

ROOT = Path(__file__).resolve().parent.parent.parent
PAGES = (
    sorted((ROOT / "seeds").glob("*.txt")) + shared_corpus_pages()
)  # the real pages, when ../shared is here
REAL_LINES = sorted(
    {line.strip() for p in PAGES for line in p.read_text("utf-8").splitlines() if line.strip()}
)
REAL_PAGES = [p.read_text("utf-8") for p in PAGES]

# Lines that exercise each rule of the parser: chrome, datelines, labels, teasers, topics …
SYNTHETIC = [
    "3 December 2021",
    "Moscow: 07:30",
    "London: 04:30",
    "3 December 2021 Moscow: 07:30 London: 04:30",
    "Consular queries:",
    "+44 (0) 203 668 7474",
    "Tel.: 8 495 244 1606",
    "info@example.org",
    "1000 days have passed since the Salisbury incident" + " " * 300 + "- no response",
    "• de-DE1 en-GB1 es-ES1 fr-FR1 ru-RU1",
    "Pages: 1 2 3 … 10",
    "SPEECHES, INTERVIEWS, ARTICLES",
    "LATEST EVENTS",
    "all messages",
    "Web Content Display",
    "Advanced settings",
    "Москва: 10:15",
    "Консульские вопросы: +7 495 244 1606",
    "Submitted on Fri, 11/19/2021 - 11:47",
    "26.01.2018",
    "23 August 202019:37",
    "Publication date: 5 March 2019",
    "Additional materials",
    "Related materials:",
    "OSCE",
    "Arms control",
    "Question:",
    "Q:",
    "A.:",
    "Answer:",
    "Sergey Lavrov:",
    "Fyodor Lukyanov: Thank you.",
    "Question: What do you expect from the talks?",
    "Sergey Lavrov: We expect nothing.",
    "In a recent article Fyodor Lukyanov wrote: it is fine.",
    "12.11.2021 - Foreign Minister Sergey Lavrov’s remarks at a news conference, Moscow, November 12, 2021",
    "01.02.2020 - News",
    "Home / News / Statements",
    "Official website of the Embassy",
    "Photo: MFA Russia",
    "https://mid.ru/en/",
    "-----",
    "***",
    "1.",
    "2. Second.",
    "Foreign Minister Sergey Lavrov’s interview with RT, Moscow, October 2, 2021",
    "Statement by the Foreign Ministry",
    "Press release on the meeting in London, 27 November 2019",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "\u202eRTL override \u05e9\u05dc\u05d5\u05dd",
    "e\u0301\u0301\u0301 combining",
    "x" * 500,
    "A: " + "word " * 60,
    ":",
    "::::",
    "Q",
    "(",
]

line_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80)
one_line = st.one_of(
    st.sampled_from(REAL_LINES),
    st.sampled_from(SYNTHETIC),
    line_text,
    st.just(""),
    st.just("   "),
)
separators = st.sampled_from(["\n", "\r\n", "\r"])


@st.composite
def pages(draw) -> str:
    """A page: lines drawn from real pages, the parser's rules and arbitrary text, with
    blank lines and mixed line endings; or a real page with lines deleted/duplicated/inserted."""
    if draw(st.booleans()):
        lines = draw(st.lists(one_line, max_size=40))
    else:
        lines = draw(st.sampled_from(REAL_PAGES)).split("\n")
        rng = random.Random(draw(st.integers(0, 2**32 - 1)))
        for _ in range(draw(st.integers(0, 8))):
            op, i = rng.randrange(3), rng.randrange(len(lines) + 1)
            if op == 0 and lines:
                del lines[min(i, len(lines) - 1)]
            elif op == 1 and lines:
                lines.insert(i, lines[min(i, len(lines) - 1)])
            else:
                lines.insert(i, draw(one_line))
    sep = draw(separators)
    if draw(st.booleans()):  # mixed line endings
        return "".join(line + draw(separators) for line in lines)
    return sep.join(lines)


def _norm(s: str) -> str:
    return " ".join(s.split())


def _lines(text: str) -> list[str]:
    return [s.strip() for s in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]


def accounting(text: str, page: ParsedPage) -> dict[int, list[str]]:
    """What became of each non-blank line (0-based index -> every use found)."""
    lines = _lines(text)
    uses: dict[int, list[str]] = {i: [] for i, s in enumerate(lines) if s}
    for w in page.warnings:
        if w.startswith("title chosen: "):  # a note on a close choice, not a use of a line
            continue
        m = re.match(r"line (\d+): ", w)
        assert m, w
        uses.setdefault(int(m[1]) - 1, []).append(f"warning {w!r}")
    topics = {_norm(t) for s in page.statements for t in s.topics}
    for s in page.statements:
        uses.setdefault(s.title_line - 1, []).append("title")
        for p in s.paragraphs:
            for i in range(p.line_start - 1, p.line_end):
                if lines[i]:
                    uses.setdefault(i, []).append(f"paragraph {s.title_line}/{p.n}")
    for i, s in enumerate(lines):
        if s and not uses[i]:  # a field of a statement (no warning, no paragraph)
            if dateline(s) or TOPICS_RE.match(s) or _norm(s) in topics:
                uses[i].append("field")
    return uses


def check_page(text: str) -> None:
    try:
        page = parse_page(text)
    except PageError as e:
        assert e.message and (e.line is None or e.line >= 1)
        with pytest.raises(PageError):  # deterministic failure too
            parse_page(text)
        return
    lines = _lines(text)
    uses = accounting(text, page)
    for i, found in uses.items():
        assert 0 <= i < len(lines), (i, found)
        assert lines[i], f"blank line {i + 1} is used: {found}"
        warned = [u for u in found if u.startswith("warning")]
        if warned:  # chrome: one warning (a bare label merged across it may span it: not a second use)
            assert len(warned) == 1 and len(found) - 1 <= 1 and "title" not in found, (
                i + 1,
                lines[i][:80],
                found,
            )
        else:
            assert len(found) == 1, f"line {i + 1} {lines[i][:80]!r} is used {len(found)} times: {found}"
    for s in page.statements:
        title_line = lines[s.title_line - 1]
        if s.role == "main":
            assert s.title == _norm(title_line)
        else:
            assert TEASER_RE.match(title_line) and s.title in _norm(title_line)
        for p in s.paragraphs:
            assert 1 <= p.line_start <= p.line_end <= len(lines)
            assert p.text.strip() or p.label, (s.title_line, p)  # a bare "Question:" keeps its label
            source = _norm(" ".join(lines[p.line_start - 1 : p.line_end]))
            assert _norm(p.text) in source, (p.text, source)  # the paragraph's text is its lines' text
            assert p.label is None or _norm(p.label) in source, (p.label, source)
        assert [p.n for p in s.paragraphs] == list(range(1, len(s.paragraphs) + 1))
    again = parse_page(text)
    assert again == page
    assert json.dumps(page_to_dict(again, path="x", sha256="0")) == json.dumps(
        page_to_dict(page, path="x", sha256="0")
    )


PROFILE = dict(
    deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


@settings(max_examples=250, **PROFILE)
@given(pages())
@example(
    "Foreign Minister Sergey Lavrov’s interview with RT, Moscow, October 2, 2021\n\nFirst.\n\n"
    "Question:\n+44 (0) 203 668 7474\nWhat now?\n\nSergey Lavrov: Nothing."
)
@example("01.12.2021 - Foreign Ministry statement, November 30, 2021\nQuestion:")
def test_every_line_is_accounted_for_exactly_once_and_parsing_is_deterministic(text):
    check_page(text)


@settings(max_examples=150, **PROFILE)
@given(st.text(max_size=400))
def test_arbitrary_text_parses_or_fails_with_a_page_error(text):
    check_page(text)


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_every_line_of_the_real_pages_is_accounted_for(path):
    check_page(path.read_text("utf-8"))


_bytes = st.one_of(
    st.binary(max_size=600),
    st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.tuples(
        st.sampled_from(["utf-16", "utf-16-le", "utf-16-be", "cp1251", "latin-1", "koi8_r", "utf-32"]),
        st.sampled_from(REAL_LINES + SYNTHETIC),
        st.binary(max_size=8),
    ).map(lambda t: t[1].encode(t[0], "replace") + t[2]),
    st.tuples(st.sampled_from(REAL_PAGES), st.binary(max_size=16), st.integers(0, 4000)).map(
        lambda t: t[0].encode()[: t[2]] + t[1] + t[0].encode()[t[2] :]
    ),
)


@settings(max_examples=200, **PROFILE)
@given(_bytes)
def test_any_bytes_decode_and_parse_or_fail_with_a_page_error(raw):
    try:
        decoded = decode_page(raw)
    except PageError as e:
        assert e.message
        return
    assert decode_page(raw) == decoded
    assert "\r" not in decoded.text and "\x00" not in decoded.text
    assert all(re.match(r"line \d+: ", w) for w in decoded.warnings)
    try:
        text, page = parse_text_bytes(raw)
    except PageError:
        return
    assert text == decoded.text
    check_page(text)


@pytest.mark.slow
@settings(max_examples=5000, **PROFILE)
@given(pages())
def test_every_line_is_accounted_for_soak(text):
    check_page(text)
