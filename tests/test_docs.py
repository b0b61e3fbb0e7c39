"""The README documents every setting and every CLI command."""

from __future__ import annotations

from app.cli import cli
from app.config import Settings
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented():
    for name in Settings.model_fields:
        assert f"ARCHIVE_{name.upper()}" in README, name


def test_every_command_is_documented():
    import typer.main

    group = typer.main.get_command(cli)
    for name in group.commands:
        assert f"archive {name}" in README, name
