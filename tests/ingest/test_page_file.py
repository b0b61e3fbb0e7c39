"""Special files named like pages (a FIFO, a directory) are reported or skipped, never opened
for a blocking read, by every reader of the ingest pipeline: the walk's sniffing, the WARC
check, site-chrome learning and the page reader (app/ingest/page_file.py)."""

from __future__ import annotations

import os
import shutil

import pytest

from app.ingest.page_file import NotRegularFile, open_page, read_edges, read_head, read_limited
from tests.archive_procs import run
from tests.conftest import ROOT, SEEDS


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "fifo.txt"
    os.mkfifo(fifo)  # nobody writes to it: a blocking open() would never return
    with pytest.raises(NotRegularFile, match="a FIFO"):
        open_page(fifo)
    with pytest.raises(NotRegularFile, match="a directory"):
        read_limited(tmp_path, 1000)
    assert read_head(fifo) is None and read_edges(fifo, 1000, 10) is None


def test_regular_files_read_whole_and_at_their_edges(tmp_path):
    page = tmp_path / "p.txt"
    page.write_bytes(b"0123456789" * 10)
    assert read_limited(page, 100) == page.read_bytes()
    with pytest.raises(Exception, match="page too large"):
        read_limited(page, 99)
    assert read_edges(page, 1000, 20) == (b"0123456789" * 2, b"0123456789")
    assert read_edges(page, 50, 20) is None


def test_ingest_of_a_folder_with_fifos_fails_them_and_keeps_the_pages(tmp_path):
    pages = tmp_path / "pages"
    shutil.copytree(SEEDS, pages)  # five pages of one site: site chrome is learnt over them
    for name in ("fifo.txt", "fifo.warc.gz", "fifo-no-suffix"):
        os.mkfifo(pages / name)
    # a subprocess with a timeout: a reader that blocks fails the test instead of hanging the suite
    result = run(tmp_path / "data", "ingest", pages, cwd=ROOT, timeout=240)
    assert result.returncode == 1, result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 2 and all("not a regular file (a FIFO)" in e for e in errors), result.stderr
    assert any("fifo.txt" in e for e in errors) and any("fifo.warc.gz" in e for e in errors)
    assert "fifo-no-suffix" in result.stdout + result.stderr  # skipped with a note: not a page
    assert "Traceback" not in result.stderr
    assert run(tmp_path / "data", "check", cwd=ROOT).returncode == 0
