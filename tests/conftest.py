"""Shared fixtures: a fresh archive (real SQLite file, or a fresh PostgreSQL database when
ARCHIVE_TEST_DATABASE=postgresql: see tests/backend.py; real migrations) per test, and the CLI."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.config import Settings
from app.db import open_database
from tests import backend

backend.install()

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DATA = Path(__file__).resolve().parent / "data"
SEED_TRUTH = DATA / "seed_truth"


def pytest_report_header(config):
    return f"archive database: {backend.BACKEND}"


def pytest_sessionfinish(session, exitstatus):
    if backend.POSTGRES:
        backend.drop_created()


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    d = tmp_path / "data"
    monkeypatch.setenv("ARCHIVE_DATA_DIR", str(d))
    monkeypatch.delenv("ARCHIVE_DATABASE_URL", raising=False)
    return d


@pytest.fixture
def settings(data_dir, request) -> Settings:
    if backend.POSTGRES:  # explicit: the settings reach spawned processes (pickled) as they are
        empty = request.node.get_closest_marker("empty_database") is not None
        return Settings(data_dir=data_dir, database_url=backend.database_url_for(data_dir, empty=empty))
    return Settings(data_dir=data_dir)


@pytest.fixture
def factory(settings):
    engine, factory = open_database(settings)
    yield factory
    engine.dispose()


@pytest.fixture
def cli(data_dir):
    """Run `archive …` in-process against the test's data dir; returns the click Result."""
    from app.cli import cli as app_cli

    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app_cli, [str(a) for a in args], catch_exceptions=False)

    return run


@pytest.fixture
def seed_copy(tmp_path) -> Path:
    """The seed pages copied to a scratch folder a test may modify."""
    d = tmp_path / "pages"
    shutil.copytree(SEEDS, d)
    return d
