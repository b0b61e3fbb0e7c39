"""Downloads read by the real clients nobody here wrote (installed by .ci/install-exports.sh;
outside CI a missing client skips its test, with CI=true it fails):

- BibTeX 0.99 (plain.bst) and biber (biblatex, run from a .tex with \\nocite{*} under
  pdflatex), pybtex, bibtexparser and rispy over every BibTeX and RIS download of three
  archives: the seeds with pages made to break downloads (tests/export_support.py), the
  realistic pages of tests/data/export_pages through the real ingest, and, when ../shared is
  here (never in a user's clone or CI), the reference corpus (text and HTML pages): no error,
  no warning, one entry per key.
- LibreOffice Calc (headless) imports the search and statement CSVs with its default
  options (formulas evaluated) and saves them as .xlsx; openpyxl reads them back: no
  formula cell, every text cell as the archive has it (with the OWASP `'` where due).
- The Nu HTML checker (vnu.jar of the npm package vnu-jar, on the machine's Java) on a
  sample of every page type: no error.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.export_support import FORMULA_TITLE, build_export_archive, build_pages_archive, need
from tests.web_support import make_client

SHARED = ROOT.parent / "shared"
ARCHIVES = ("export", "pages", "corpus")


def build(name: str, root: Path) -> Path:
    if name == "export":
        return build_export_archive(root)
    if name == "pages":
        return build_pages_archive(root)
    if not (SHARED / "corpus").is_dir():
        pytest.skip("../shared/corpus is not here (a user's clone, CI)")
    pages = root / "shared-pages"  # the corpus's pages (text and HTML), without its truth files
    if not pages.is_dir():
        pages.mkdir()
        for src in sorted((SHARED / "corpus").glob("*.txt")) + sorted(
            (SHARED / "corpus-html").glob("*.html")
        ):
            (pages / f"{src.parent.name}-{src.name}").symlink_to(src)
    return build_pages_archive(root, pages, name="corpus-archive")


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with make_client(build_export_archive(tmp_path_factory.getbasetemp())) as c:
        yield c


@pytest.fixture(scope="module")
def pages_client(tmp_path_factory):
    with make_client(build_pages_archive(tmp_path_factory.getbasetemp())) as c:
        yield c


def all_downloads(client, paragraphs: int | None = None) -> tuple[str, list[str]]:
    """Every statement's and every paragraph's BibTeX (one file) and RIS records (with
    `paragraphs`, the first and last that many of each statement: they differ from the
    statement's only in key, permalink and paragraph)."""
    bib, ris = [], []
    results = client.get("/statements.json").json()["results"]
    assert results
    for st in results:
        detail = client.get(f"/api/statements/{st['key']}").json()
        shown = detail["paragraphs"]
        if paragraphs is not None and len(shown) > 2 * paragraphs:
            shown = shown[:paragraphs] + shown[-paragraphs:]
        urls = [f"/statements/{st['key']}"] + [f"/p/{p['key']}" for p in shown]
        for url in urls:
            bib.append(client.get(f"{url}/cite.bib").text)
            ris.append(client.get(f"{url}/cite.ris").text)
    return "\n".join(bib), ris


def _run(cmd: list[str], cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        cmd,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=os.environ | {"max_print_line": "10000"},
    )


@pytest.fixture(scope="module", params=ARCHIVES)
def downloads(request, tmp_path_factory) -> tuple[str, list[str]]:
    with make_client(build(request.param, tmp_path_factory.getbasetemp())) as c:
        return all_downloads(c, paragraphs=2 if request.param == "corpus" else None)


@pytest.fixture(scope="module")
def bib_dir(downloads, tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("bib")
    (d / "archive.bib").write_text(downloads[0], encoding="utf-8")
    return d


def test_every_download_parses_with_pybtex_bibtexparser_and_rispy_one_entry_per_key(downloads):
    import bibtexparser
    import pybtex.database
    import rispy

    bib, ris_texts = downloads
    keys = re.findall(r"^@misc\{([^,]+),", bib, re.M)
    assert len(keys) == len(set(keys)) == len(ris_texts) > 20
    assert set(pybtex.database.parse_string(bib, "bibtex").entries) == set(keys)
    lib = bibtexparser.parse_string(bib)
    assert not lib.failed_blocks and len(lib.entries) == len(keys)
    assert all(r.startswith("TY  - ELEC\r\n") and "\n" not in r.replace("\r\n", "") for r in ris_texts)
    assert len(rispy.loads("".join(ris_texts).replace("\r\n", "\n"))) == len(keys)


def test_bibtex_reads_every_download_without_error_or_warning(bib_dir):
    tool = need("bibtex", shutil.which("bibtex"))
    (bib_dir / "plain.aux").write_text("\\relax\n\\citation{*}\n\\bibstyle{plain}\n\\bibdata{archive}\n")
    out = _run([tool, "plain"], bib_dir)
    log = (bib_dir / "plain.blg").read_text(errors="replace")
    assert out.returncode == 0, log
    assert "Warning" not in log and "error" not in log.lower(), log
    entries = (bib_dir / "plain.bbl").read_text(encoding="utf-8").count("\\bibitem")
    assert entries == (bib_dir / "archive.bib").read_text(encoding="utf-8").count("@misc{")


def test_biber_reads_every_download_without_error_or_warning(bib_dir):
    latex = need("pdflatex", shutil.which("pdflatex"))
    biber = need("biber", shutil.which("biber"))
    (bib_dir / "biblatex.tex").write_text(
        "\\documentclass{article}\n\\usepackage[backend=biber]{biblatex}\n\\addbibresource{archive.bib}\n"
        "\\begin{document}\n\\nocite{*}\n\\end{document}\n"
    )
    first = _run([latex, "-interaction=nonstopmode", "-halt-on-error", "biblatex.tex"], bib_dir)
    assert first.returncode == 0, first.stdout[-3000:]
    out = _run([biber, "biblatex"], bib_dir)
    log = (bib_dir / "biblatex.blg").read_text(errors="replace")
    assert out.returncode == 0, log
    assert "WARN" not in log and "ERROR" not in log, log
    bbl = (bib_dir / "biblatex.bbl").read_text(encoding="utf-8")
    assert bbl.count("\\entry{") == (bib_dir / "archive.bib").read_text(encoding="utf-8").count("@misc{")


# -- LibreOffice Calc ------------------------------------------------------------------------


def _soffice() -> str:
    return need("LibreOffice (soffice)", shutil.which("soffice") or shutil.which("libreoffice"))


def _through_calc(csv_bytes: bytes, tmp: Path, name: str):
    """The CSV opened by LibreOffice Calc as a user would (UTF-8, comma, formulas evaluated),
    saved as .xlsx, read back with openpyxl (formulas as written, not their values)."""
    import openpyxl

    src = tmp / f"{name}.csv"
    src.write_bytes(csv_bytes)
    profile = tmp / "lo-profile"
    out = _run(
        [
            _soffice(),
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--norestore",
            "--infilter=CSV:44,34,76,1",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(tmp),
            str(src),
        ],
        tmp,
        timeout=180,
    )
    xlsx = tmp / f"{name}.xlsx"
    assert xlsx.exists(), out.stdout + out.stderr
    return openpyxl.load_workbook(xlsx).active


def _check_sheet(sheet, rows: list[list[str]]) -> None:
    cells = list(sheet.iter_rows())
    assert not [c.coordinate for row in cells for c in row if c.data_type == "f"], "formula cells"
    assert len(cells) == len(rows)
    for row, expected in zip(cells, rows, strict=True):
        for cell, want in zip(row, expected, strict=False):
            got = cell.value
            if isinstance(got, str) or got is None:
                # Calc reads the CSV's CRLF inside a quoted cell as a line break of its own
                assert (got or "") == want, (cell.coordinate, got, want)
            else:  # numbers and dates Calc recognised: the same value
                text = got.date().isoformat() if hasattr(got, "date") else str(got)
                assert text == want or str(got) == want or float(want) == got, (cell.coordinate, got, want)


@pytest.mark.parametrize(
    "url", ["/search.csv?q=ceasefire", "/search.csv?q=speaker:sergey-lavrov", "/statements.csv"]
)
def test_libreoffice_imports_the_csv_downloads_as_text(client, tmp_path, url):
    body = client.get(url).content
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    sheet = _through_calc(body, tmp_path, "download")
    _check_sheet(sheet, rows)
    titles = [c.value for c in next(sheet.iter_cols(min_col=2, max_col=2))]
    if "ceasefire" in url:
        assert "'" + FORMULA_TITLE in titles


@pytest.mark.parametrize("url", ["/search.csv?q=ceasefire OR setback OR hotline", "/statements.csv"])
def test_libreoffice_imports_the_csvs_of_the_realistic_pages_as_text(pages_client, tmp_path, url):
    """Cyrillic and Hebrew text, bidi controls, '-5%' and '+84 …' paragraphs, URLs with ~ _ % #."""
    body = pages_client.get(url).content
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    sheet = _through_calc(body, tmp_path, "pages")
    _check_sheet(sheet, rows)
    cells = {c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)}
    assert any(v.startswith("Выступление Министра") for v in cells)
    if "search" in url:
        assert "'-5% in bilateral trade last year was, he said, a temporary setback." in cells
        assert "'+84 24 3799 2000 is the number of the consular hotline." in cells


# -- Nu HTML checker -------------------------------------------------------------------------


def _vnu_jar() -> str | None:
    try:
        root = subprocess.run(
            ["npm", "root", "-g"], capture_output=True, text=True, timeout=30
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return None
    jar = Path(root) / "vnu-jar" / "build" / "dist" / "vnu.jar"
    return str(jar) if jar.exists() else None


def sample_pages(client) -> dict[str, str]:
    """One or two pages of every page type (each kind of statement page, search, browse, errors)."""
    statements = client.get("/statements.json").json()["results"]
    key = statements[0]["key"]
    pkey = client.get(f"/api/statements/{key}").json()["paragraphs"][0]["key"]
    speaker = client.get("/api/speakers").json()
    speaker = (speaker.get("results") or speaker.get("items") or speaker)[0]
    pages = {
        "home": "/",
        "statements": "/statements",
        "statements filtered": "/statements?kind=statement",
        "statement": f"/statements/{key}",
        "paragraph": f"/p/{pkey}",
        "search": "/search?q=ceasefire",
        "search empty": "/search",
        "search nothing": "/search?q=zzzzqqq",
        "search error": "/search?q=AND OR",
        "speakers": "/speakers",
        "speaker": f"/speakers/{speaker['slug']}",
        "venues": "/venues",
        "topics": "/topics",
        "dates": "/dates",
        "not found": "/statements/no-such-statement",
    }
    for name, title in (
        ("many paragraphs", "Statement with many ceasefire paragraphs"),
        ("hostile", FORMULA_TITLE),
    ):
        st = next(s for s in statements if s["title"] == title)
        pages[f"statement {name}"] = f"/statements/{st['key']}"
    return pages


def realistic_pages(client) -> dict[str, str]:
    """Pages of the realistic archive: a statement with an original page, publisher and capture
    time (HTML ingest), its paragraph, a Cyrillic statement, one with bidi controls, the API docs."""
    statements = client.get("/statements.json").json()["results"]
    pick = {"original": "Statement by Ambassador", "cyrillic": "Выступление", "bidi": "Remarks on the"}
    pages = {}
    for name, start in pick.items():
        st = next(s for s in statements if s["title"].startswith(start))
        pages[f"statement {name}"] = st["url"]
        pkey = client.get(st["api"]).json()["paragraphs"][-1]["key"]
        pages[f"paragraph {name}"] = f"/p/{pkey}"
    pages["api docs"] = "/docs"
    return pages


def test_nu_html_checker_finds_no_error_on_any_page_type(client, pages_client, tmp_path):
    java = need("java", shutil.which("java"))
    jar = need("vnu-jar (npm)", _vnu_jar())
    files = []
    sample = [(client, name, url) for name, url in sample_pages(client).items()]
    sample += [(pages_client, name, url) for name, url in realistic_pages(pages_client).items()]
    for c, name, url in sample:
        r = c.get(url)
        assert r.headers["content-type"].startswith("text/html"), (name, url, r.status_code)
        path = tmp_path / f"{len(files):02d}-{name.replace(' ', '-')}.html"
        path.write_bytes(r.content)
        files.append(path)
    out = subprocess.run(
        [java, "-Xss4m", "-jar", jar, "--format", "json", "--exit-zero-always", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(out.stderr or out.stdout)["messages"]
    errors = [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}"
        for m in messages
        if m["type"] == "error" or m.get("subType") == "fatal"
    ]
    assert not errors, "\n".join(errors)
