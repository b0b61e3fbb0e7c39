"""Test support for the web layer: a small hand-made archive (Q&A turns, an excerpt, markup in
every field) loaded through the real loader, plus helpers to build apps and parse pages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bs4 import BeautifulSoup

from app.db import session_scope
from app.ingest.load import load_page
from app.ingest.types import ParsedPage, ParsedParagraph, ParsedSpeaker, ParsedStatement

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
XSS_TITLE = '<script>alert("title")</script> Remarks by <b>Evil</b> & "friends"'
XSS_SPEAKER = "Evil <img src=x onerror=alert(1)> Speaker"
XSS_TEXT = "<script>alert('text')</script> and \"><svg onload=alert(1)> end"
XSS_VENUE = "<i>Venue</i>"
XSS_TOPIC = "<b>topic</b>"


def _paras(*rows: tuple[str, str | None, str | None]) -> tuple[ParsedParagraph, ...]:
    return tuple(
        ParsedParagraph(n=i, text=t, speaker=s, label=lab, line_start=10 * i, line_end=10 * i + 2)
        for i, (t, s, lab) in enumerate(rows, 1)
    )


LAVROV = ParsedSpeaker("Sergey Lavrov", "Foreign Minister")
ZAKHAROVA = ParsedSpeaker("Maria Zakharova", "Foreign Ministry Spokeswoman")

SAMPLE_PAGES: dict[str, ParsedPage] = {
    "lavrov-news-conference.txt": ParsedPage(
        statements=(
            ParsedStatement(
                role="main",
                title="Foreign Minister Sergey Lavrov’s remarks and answers to media questions at a "
                "news conference, Moscow, October 2, 2021",
                kind="remarks",
                date=dt.date(2021, 10, 2),
                published=dt.date(2021, 10, 3),
                venue="Moscow",
                speakers=(LAVROV,),
                topics=("OSCE", "Arms control"),
                title_line=3,
                paragraphs=_paras(
                    (
                        "Good afternoon. We have discussed strategic stability and the OSCE.",
                        "Sergey Lavrov",
                        None,
                    ),
                    ("What do you expect from the Vienna talks on the ceasefire?", "Question", "Question"),
                    (
                        "Thank you for the question. The ceasefire must hold.",
                        "Sergey Lavrov",
                        "Sergey Lavrov",
                    ),
                    ("We will keep working with our partners in Vienna.", "Sergey Lavrov", None),
                    ("And what about Omsk?", "Question", "Question"),
                    ("Omsk is a beautiful city on the Irtysh.", "Sergey Lavrov", "Sergey Lavrov"),
                ),
            ),
            ParsedStatement(
                role="excerpt",
                title="Foreign Ministry statement on the planned summit, November 30, 2021",
                kind="statement",
                date=dt.date(2021, 11, 30),
                published=dt.date(2021, 12, 1),
                venue=None,
                speakers=(ParsedSpeaker("Foreign Ministry", None, "institution"),),
                topics=(),
                title_line=40,
                paragraphs=_paras(
                    ("In connection with the planned summit, we state the following.", None, None)
                ),
            ),
        )
    ),
    "lavrov-interview.txt": ParsedPage(
        statements=(
            ParsedStatement(
                role="main",
                title="Foreign Minister Sergey Lavrov’s interview with a newspaper, August 23, 2020",
                kind="interview",
                date=dt.date(2020, 8, 23),
                published=None,
                venue="Solnechnogorsk",
                speakers=(LAVROV,),
                topics=("Arms control",),
                title_line=2,
                paragraphs=_paras(
                    ("Mr Lavrov, how do you assess the situation?", "Interviewer", "Question"),
                    ("The situation is difficult but not hopeless.", "Sergey Lavrov", "Sergey Lavrov"),
                ),
            ),
        )
    ),
    "zakharova-briefing.txt": ParsedPage(
        statements=(
            ParsedStatement(
                role="main",
                title="Briefing by Foreign Ministry Spokeswoman Maria Zakharova, Moscow, November 10, 2021",
                kind="briefing",
                date=dt.date(2021, 11, 10),
                published=dt.date(2021, 11, 10),
                venue="Moscow",
                speakers=(ZAKHAROVA,),
                topics=("OSCE",),
                title_line=1,
                paragraphs=_paras(
                    ("Today I will start with the situation in Vienna.", "Maria Zakharova", None),
                    ("The OSCE monitoring mission continues its work.", "Maria Zakharova", None),
                    ("Could you comment on the sanctions?", "Question", "Question"),
                    ("The sanctions are illegitimate.", "Maria Zakharova", "Maria Zakharova"),
                ),
            ),
        )
    ),
    "hostile.txt": ParsedPage(
        statements=(
            ParsedStatement(
                role="main",
                title=XSS_TITLE,
                kind="comment",
                date=dt.date(2019, 5, 1),
                published=None,
                venue=XSS_VENUE,
                speakers=(ParsedSpeaker(XSS_SPEAKER, "<em>Role</em>"),),
                topics=(XSS_TOPIC,),
                title_line=1,
                paragraphs=_paras(
                    (XSS_TEXT, XSS_SPEAKER, None),
                    ("<a href=javascript:alert(2)>click</a>", "<q>Asker</q>", "<q>Asker</q>"),
                ),
            ),
        )
    ),
    "undated.txt": ParsedPage(
        statements=(
            ParsedStatement(
                role="main",
                title="Press release on consular matters",
                kind="press_release",
                date=None,
                published=None,
                venue=None,
                speakers=(),
                topics=(),
                title_line=1,
                paragraphs=_paras(("Consular services are available on weekdays.", None, None)),
            ),
        )
    ),
}


def load_sample(factory, names: list[str] | None = None) -> None:
    """Load the sample pages (all, or `names` in that order) through app.ingest.load."""
    now = dt.datetime(2024, 1, 1)
    for name in names or list(SAMPLE_PAGES):
        with session_scope(factory) as session:
            load_page(
                session,
                path=f"sample/{name}",
                file_name=name,
                raw=name.encode(),
                text=name,
                page=SAMPLE_PAGES[name],
                now=now,
            )


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def hrefs(node) -> list[str]:
    return [a["href"] for a in node.find_all("a", href=True)]


_BUILT: dict[str, Path] = {}


def build_archive(root: Path, *, seeds: bool = True, sample: bool = True) -> Path:
    """A data dir with the seed pages ingested (real parser) and the sample pages loaded, and
    its search index built. Built once per test process (per xdist worker) and shared."""
    name = f"seeds={seeds},sample={sample}"
    if name in _BUILT:
        return _BUILT[name]
    from app.config import Settings
    from app.db import open_database
    from app.ingest.run import ingest_paths
    from app.outbox.sync import sync_index

    data = root / name.replace(",", "-").replace("=", "")
    settings = Settings(data_dir=data)
    engine, factory = open_database(settings)
    try:
        if seeds:
            summary = ingest_paths(factory, [str(SEEDS)], max_bytes=settings.max_page_bytes)
            assert not summary.failures, [f.error for f in summary.failures]
        if sample:
            load_sample(factory)
        sync_index(settings, factory)  # builds the index and empties the index queue
    finally:
        engine.dispose()
    _BUILT[name] = data
    return data


def make_client(data_dir: Path, settings: dict | None = None, **kw):
    """A TestClient (lifespan run) over create_app for this data dir."""
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.web.app import create_app

    settings = {"allowed_hosts": TEST_HOSTS} | (settings or {})
    return TestClient(create_app(Settings(data_dir=data_dir, **settings)), **kw)


TEST_HOSTS = "testserver,localhost,127.0.0.1"  # TestClient's host name, and loopback


def sample_key(name: str, role: str = "main") -> str:
    """The deterministic key of a sample page's statement."""
    from app.ingest.keys import statement_key

    st = next(s for s in SAMPLE_PAGES[name].statements if s.role == role)
    return statement_key(st.title, st.date or st.published)


def sample_paragraph_keys(name: str, role: str = "main") -> list[str]:
    from app.ingest.keys import paragraph_keys

    st = next(s for s in SAMPLE_PAGES[name].statements if s.role == role)
    return paragraph_keys(sample_key(name, role), [p.text for p in st.paragraphs])
