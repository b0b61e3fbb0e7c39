"""`archive db copy --to URL` moves an archive between databases (SQLite to PostgreSQL and
back on the PostgreSQL run; SQLite to SQLite on both) with a byte-identical `archive export`,
and refuses a target that already holds an archive."""

from __future__ import annotations

from tests import backend
from tests.archive_procs import cli
from tests.conftest import SEEDS


def _export(data, url=None) -> bytes:
    """`archive export` of the data dir's archive, or of the database `url`."""
    from typer.testing import CliRunner

    from app.cli import cli as app_cli

    result = CliRunner().invoke(
        app_cli,
        ["export"],
        env={"ARCHIVE_DATA_DIR": str(data), "ARCHIVE_DATABASE_URL": url},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


def _copy(data, to: str, url=None):
    from typer.testing import CliRunner

    from app.cli import cli as app_cli

    env = {"ARCHIVE_DATA_DIR": str(data), "ARCHIVE_DATABASE_URL": url}
    return CliRunner().invoke(app_cli, ["db", "copy", "--to", to], env=env, catch_exceptions=False)


def test_copy_round_trip_keeps_the_export_byte_identical(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "data"
    assert cli(data, "ingest", str(SEEDS)).exit_code == 0
    before = _export(data)
    assert before.count(b"\n") >= 5
    there = (
        backend.database_url_for(tmp_path / "target")
        if backend.POSTGRES
        else f"sqlite:///{tmp_path / 'target.sqlite3'}"
    )
    done = _copy(data, there)
    assert done.exit_code == 0, done.output
    assert "copied" in done.stdout and "rows of" in done.stdout
    assert _export(data, there) == before
    back = f"sqlite:///{tmp_path / 'back.sqlite3'}"
    done = _copy(data, back, url=there)
    assert done.exit_code == 0, done.output
    assert _export(data, back) == before
    # the copy is a working archive: a new page gets fresh ids after the copied ones
    assert _copy(data, there).exit_code == 1  # not empty any more
    from typer.testing import CliRunner

    from app.cli import cli as app_cli

    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "page.txt").write_text(
        (SEEDS / sorted(p.name for p in SEEDS.iterdir())[0])
        .read_text()
        .replace("\n", "\n\nAn added paragraph.\n\n", 1)
    )
    r = CliRunner().invoke(
        app_cli,
        ["ingest", str(tmp_path / "more")],
        env={"ARCHIVE_DATA_DIR": str(tmp_path / "d2"), "ARCHIVE_DATABASE_URL": there},
        catch_exceptions=False,
    )
    assert r.exit_code == 0, r.output


def test_copy_refuses_a_target_with_an_archive(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "data"
    assert cli(data, "ingest", str(SEEDS)).exit_code == 0
    same = _copy(data, f"sqlite:///{tmp_path / 'copy.sqlite3'}")
    assert same.exit_code == 0
    again = _copy(data, f"sqlite:///{tmp_path / 'copy.sqlite3'}")
    assert again.exit_code == 1 and "already holds an archive" in again.output
