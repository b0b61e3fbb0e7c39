"""`archive ingest --warnings` and `archive warnings`: what the parser dropped or guessed, by
kind and per file, read back from the archive (the summary only counted them)."""

from __future__ import annotations

import json
import re

from app.ingest.warnings_report import build_report, warning_kind
from tests.conftest import SEEDS


def test_warning_kind_drops_line_numbers_and_numbers():
    assert warning_kind("line 5: dropped site chrome (phone line)") == "dropped site chrome (phone line)"
    assert warning_kind("lines 3-4: merged 2 lines") == "merged N lines"
    report = build_report([("a.txt", ["line 1: x", "line 2: x"]), ("b.txt", []), ("c.txt", ["line 9: y"])])
    assert (
        report.total == 3
        and report.by_kind == {"x": 2, "y": 1}
        and list(report.per_file) == ["a.txt", "c.txt"]
    )


def test_ingest_shows_the_warnings_it_counted(cli, data_dir):
    result = cli("ingest", "--warnings", SEEDS)
    assert result.exit_code == 0, result.output
    counted = int(re.search(r"warnings\s*│\s*(\d+)", result.output)[1])
    listed = json.loads(cli("warnings", "--json").output)
    assert listed["total"] == counted == sum(listed["by_kind"].values())
    assert sum(len(f["warnings"]) for f in listed["files"]) == counted
    if counted:
        assert "Warnings by kind" in result.output
        first = listed["files"][0]
        assert first["path"] in result.output and first["warnings"][0] in result.output
        only = json.loads(cli("warnings", "--json", "--file", first["path"]).output)
        assert [f["path"] for f in only["files"]] == [first["path"]]
    else:
        assert "no warnings" in result.output


def test_what_was_guessed_is_listed_and_an_empty_selection_says_so(cli, data_dir, tmp_path):
    page = tmp_path / "plain.txt"
    page.write_text("Statement by the Minister\n\n12 March 2022\n\nWe welcome the agreement reached today.\n")
    cli("ingest", page)
    shown = cli("warnings", "--file", "plain.txt").output
    stored = json.loads(cli("warnings", "--json", "--file", "plain.txt").output)
    assert all(w in shown for f in stored["files"] for w in f["warnings"])
    assert "no warnings" in cli("warnings", "--file", "no-such-page").output
