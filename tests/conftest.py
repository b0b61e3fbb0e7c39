"""Shared fixtures: a fresh archive (real SQLite file, or a fresh PostgreSQL database when
ARCHIVE_TEST_DATABASE=postgresql: see tests/backend.py; real migrations) per test, the CLI, and
the seeded archives built once per test process for the tests that only read them."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.config import Settings
from app.db import open_database, upgrade
from tests import backend

backend.install()

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DATA = Path(__file__).resolve().parent / "data"
SEED_TRUTH = DATA / "seed_truth"


# tests/system/: real processes killed mid-run, servers under concurrent load, a real browser,
# storage faults (damaged files, a full disk), the benchmark harness, outside tools (citeproc-js
# under node, the Nu checker, LibreOffice, biber, schemathesis). All marked slow: `make soak` runs
# them (and CI, .ci/run); `make test` (-m "not slow") does not even import them.
SYSTEM = Path(__file__).resolve().parent / "system"


def _system(path: Path) -> bool:
    return path == SYSTEM or SYSTEM in path.parents


def pytest_ignore_collect(collection_path, config):
    if config.getoption("markexpr") == "not slow" and _system(Path(collection_path).resolve()):
        return True
    return None


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _system(Path(item.path).resolve()):
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(optionalhook=True)  # without xdist (-p no:xdist) the hook does not exist
def pytest_xdist_make_scheduler(config, log):
    """--dist loadfile hands the modules out longest first (tests/xdist_order.py)."""
    if config.getoption("dist") == "loadfile":
        from tests.xdist_order import LongestFirst

        return LongestFirst(config, log)
    return None


def pytest_configure(config):
    if config.pluginmanager.hasplugin("xdist") and not hasattr(config, "workerinput"):
        from tests.xdist_order import Durations

        config.pluginmanager.register(Durations(config), "archive-module-durations")


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


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory) -> Path:
    """An empty SQLite archive at the migrations' head, made once per test process: a test's
    archive starts as a copy of it (a file copy instead of every migration, ~0.15 s of CPU), as
    on PostgreSQL a test's database is a copy of a migrated one (tests/backend.py)."""
    data = tmp_path_factory.getbasetemp() / "migrated-template"
    upgrade(Settings(data_dir=data))
    assert not (data / "archive.sqlite3-wal").exists()  # the file alone is the archive
    return data / "archive.sqlite3"


@pytest.fixture
def from_template(migrated_template, request):
    """start(data dir): its SQLite archive begins as a copy of the migrated template, unless
    the test is marked empty_database or the dir already holds a database or an index."""
    empty = request.node.get_closest_marker("empty_database") is not None

    def start(data: Path) -> None:
        if empty or backend.POSTGRES or (data / "archive.sqlite3").exists() or (data / "index").exists():
            return
        data.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(migrated_template, data / "archive.sqlite3")

    return start


@pytest.fixture
def settings(data_dir, request, from_template) -> Settings:
    if backend.POSTGRES:  # explicit: the settings reach spawned processes (pickled) as they are
        empty = request.node.get_closest_marker("empty_database") is not None
        return Settings(data_dir=data_dir, database_url=backend.database_url_for(data_dir, empty=empty))
    from_template(data_dir)
    return Settings(data_dir=data_dir)


@pytest.fixture
def factory(settings):
    engine, factory = open_database(settings)
    yield factory
    engine.dispose()


@pytest.fixture
def one_parse_process(monkeypatch):
    """Ingest parses in the loading process: for tests of a small WARC, where the process pool
    (and index follower) a WARC asks for is not what is tested (~3 s of CPU a process to start);
    test_warc_pages_keep_url_capture_time_and_offset keeps the pool."""
    monkeypatch.setenv("ARCHIVE_INGEST_WORKERS", "1")


@pytest.fixture
def cli(data_dir, from_template):
    """Run `archive …` in-process against the test's data dir (ARCHIVE_DATA_DIR: the test may
    point it elsewhere); returns the click Result. A data dir without an archive gets the
    migrated template first (what the command's own migrations would make)."""
    from app.cli import cli as app_cli

    runner = CliRunner()

    def run(*args: str):
        if not os.environ.get("ARCHIVE_DATABASE_URL"):
            from_template(Path(os.environ["ARCHIVE_DATA_DIR"]))
        return runner.invoke(app_cli, [str(a) for a in args], catch_exceptions=False)

    metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    yield run
    # an in-process `serve --workers 2` leaves this set to the directory it removed, which breaks
    # /metrics for every later test in the process
    if metrics_dir is None:
        os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
    else:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir


def run_cli(data: Path, *args):
    """`archive ARGS` in process against the data dir `data`, for fixtures wider than one test
    (a test itself uses the `cli` fixture); returns the click Result."""
    from app.cli import cli as app_cli

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ARCHIVE_DATA_DIR", str(data))
        mp.delenv("ARCHIVE_DATABASE_URL", raising=False)
        return CliRunner().invoke(app_cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="session")
def seeded_archive(tmp_path_factory) -> Path:
    """The data dir of the seed pages ingested (real parser) and indexed, built once per test
    process (xdist worker). Read only: a test that changes an archive works on a copy."""
    from tests.web_support import build_archive

    return build_archive(tmp_path_factory.getbasetemp(), sample=False)


@pytest.fixture(scope="session")
def sample_archive(tmp_path_factory) -> Path:
    """The seed pages and the hand-made sample pages (tests/web_support.py), indexed; built once
    per test process. Read only."""
    from tests.web_support import build_archive

    return build_archive(tmp_path_factory.getbasetemp())


@pytest.fixture
def seed_copy(tmp_path) -> Path:
    """The seed pages copied to a scratch folder a test may modify."""
    d = tmp_path / "pages"
    shutil.copytree(SEEDS, d)
    return d
