"""`archive citations fill`: the citation texts of every statement rendered and stored once
(a second run renders nothing), and a background filler that finds another one at work exits
at once with status 0."""

from __future__ import annotations

from sqlalchemy import func, select

from app.locking import archive_lock
from app.models import CitationText, Statement
from tests.conftest import SEEDS


def test_citations_fill_stores_every_statement_once(cli, settings, factory):
    assert cli("ingest", SEEDS).exit_code == 0
    with factory() as session:
        statements = session.scalar(select(func.count()).select_from(Statement))

    first = cli("citations", "fill")
    assert first.exit_code == 0, first.output
    assert first.output.strip() == f"citation texts written: {statements}"
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(CitationText)) == statements

    again = cli("citations", "fill", "--workers", "1")
    assert again.exit_code == 0 and again.output.strip() == "citation texts written: 0"


def test_citations_fill_in_the_background_leaves_a_busy_archive_alone(cli, settings, factory):
    with archive_lock(
        settings, "citations", settings.data_dir / "citations.lock", timeout=0, what="another citation filler"
    ):
        result = cli("citations", "fill", "--background")
    assert result.exit_code == 0
    assert "another citation filler" in result.output
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(CitationText)) == 0
