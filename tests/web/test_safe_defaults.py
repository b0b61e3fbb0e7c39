"""Safe defaults (issue 11): the Host header is checked against the allowed names (citation and
feed URLs never come from one a client made up), `serve` on a non-loopback address without
ARCHIVE_PUBLIC_URL or ARCHIVE_ALLOWED_HOSTS refuses to start, and error pages echo at most a
few hundred characters of what a client sent, in HTML and JSON."""

from __future__ import annotations

import pytest

from tests.web_support import make_client


@pytest.fixture(scope="module")
def data(seeded_archive):
    return seeded_archive


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/statements.atom",
        "/api/statements",
        "/search.atom?q=security",
        "/statements.csv",
        "/api/search?q=security",
    ],
)
def test_a_host_that_is_not_allowed_is_refused_in_every_format(data, path):
    with make_client(data, settings={"allowed_hosts": None}) as client:  # the default: loopback names
        r = client.get(path, headers={"host": "evil.example"})
        assert r.status_code == 400 and "evil.example" not in r.text
        ok = client.get(path, headers={"host": "127.0.0.1:8000"})
        assert ok.status_code == 200
        assert "evil.example" not in ok.text


def test_feeds_and_citations_use_the_allowed_host(data):
    with make_client(data, settings={"allowed_hosts": "archive.example.org"}) as client:
        feed = client.get("/statements.atom", headers={"host": "archive.example.org"})
        assert feed.status_code == 200 and "http://archive.example.org/statements/" in feed.text
        assert client.get("/statements.atom", headers={"host": "other.example"}).status_code == 400


def test_serve_on_a_public_address_without_a_public_url_or_allowed_hosts_refuses(cli, monkeypatch):
    monkeypatch.delenv("ARCHIVE_PUBLIC_URL", raising=False)
    monkeypatch.delenv("ARCHIVE_ALLOWED_HOSTS", raising=False)
    from typer.testing import CliRunner

    from app.cli import cli as app_cli

    result = CliRunner().invoke(app_cli, ["serve", "--host", "0.0.0.0", "--port", "1"])
    assert result.exit_code == 2
    assert "ARCHIVE_PUBLIC_URL" in result.output and "ARCHIVE_ALLOWED_HOSTS" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("prefix", ["/statements/", "/api/statements/", "/speakers/", "/p/", "/nowhere/"])
def test_a_long_path_is_not_echoed_whole(data, prefix):
    with make_client(data) as client:
        long = "a" * 60_000  # (httpx refuses URLs over 64 KiB)
        r = client.get(prefix + long)
        assert r.status_code in (404, 400, 414)
        assert long[:1000] not in r.text and len(r.text) < 20_000


RLO, PDF = "\u202e", "\u202c"


@pytest.fixture(scope="module")
def bidi_archive(tmp_path_factory):
    from app.config import Settings
    from app.db import open_database
    from app.ingest.run import ingest_paths
    from app.outbox.sync import sync_index

    root = tmp_path_factory.mktemp("bidi")
    pages = root / "pages"
    pages.mkdir()
    (pages / "bidi.txt").write_text(
        f"Remarks on the {RLO}gnidaerts of the treaty\n\nSubmitted on Fri, 11/19/2021 - 11:47\n\n"
        f"The treaty {RLO}txet desrever continues here and never closes.\n\n"
        "A second paragraph about the treaty follows.\n"
    )
    data = root / "data"
    settings = Settings(data_dir=data)
    engine, factory = open_database(settings)
    try:
        assert not ingest_paths(factory, [str(pages)], max_bytes=settings.max_page_bytes).failures
        sync_index(settings, factory)
    finally:
        engine.dispose()
    return data


def _closed(text: str) -> bool:
    """Every RLO is closed by a PDF before the end of its line of output (its value)."""
    for line in text.splitlines():
        depth = 0
        for ch in line:
            depth += ch == RLO
            depth -= ch == PDF and depth > 0
        if depth:
            return False
    return True


def test_unterminated_bidi_controls_are_closed_in_pages_feeds_and_csv(bidi_archive):
    with make_client(bidi_archive) as client:
        (st,) = client.get("/api/statements").json()["results"]
        key = st["key"]
        outputs = {
            "statement page": client.get(f"/statements/{key}").text,
            "statement list": client.get("/statements").text,
            "search page": client.get("/search", params={"q": "treaty"}).text,
            "feed": client.get("/statements.atom").text,
            "search feed": client.get("/search.atom", params={"q": "treaty"}).text,
            "csv": client.get("/statements.csv").text,
            "search csv": client.get("/search.csv", params={"q": "treaty"}).text,
        }
        pkey = client.get(f"/api/statements/{key}").json()["paragraphs"][0]["key"]
        outputs["permalink page"] = client.get(f"/p/{pkey}").text
    for name, text in outputs.items():
        assert RLO in text, name  # the text is kept…
        assert _closed(text), name  # …and its override ends with it
