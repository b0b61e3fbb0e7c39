"""HTML and WARC ingestion: readers by content, extraction into the statement parser,
encodings, provenance (URL, capture time, WARC offset) on pages, API and export, bad input."""

from __future__ import annotations

import gzip
import json
import os
import shutil

from tests import html_fixtures as fx
from tests.conftest import SEEDS
from tests.web_support import make_client

PARAS = [
    "Good afternoon, colleagues. We have met today to discuss the state of our bilateral relations and "
    "the prospects for the coming year.",
    "The parties agreed that dialogue &amp; cooperation remain the only way forward, and that the "
    "agreements reached last year must be honoured in full.",
    "Thank you for your attention.",
]


def parse_json(cli, path) -> dict:
    result = cli("parse", "--json", path)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def main_of(data: dict) -> dict:
    return next(s for s in data["statements"] if s["role"] == "main")


def test_presidential_page_parses_into_a_statement(cli, tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        fx.presidential(
            "Meeting with the Prime Minister of Examplestan",
            "December 1, 2021",
            "2021-12-01",
            PARAS,
            url="https://president.example/events/1",
        )
    )
    data = parse_json(cli, page)
    st = main_of(data)
    assert st["title"] == "Meeting with the Prime Minister of Examplestan"
    assert st["date"] == "2021-12-01"  # the date line under the title
    texts = [p["text"] for p in st["paragraphs"]]
    assert texts[0].startswith("Good afternoon, colleagues.")
    assert "dialogue & cooperation" in texts[1]  # entity decoded
    assert not any("<" in t or "Section 3" in t or "tracker" in t for t in texts)  # no markup, menu, script
    assert data["source"]["url"] == "https://president.example/events/1"
    assert data["source"]["publisher"] == "Presidential Site"
    chrome = next(w for w in data["warnings"] if w.startswith("dropped page chrome"))
    assert "2 scripts" in chrome and "1 footer" in chrome and "1 comment" in chrome


def test_windows_1251_page_and_closing_date_line(cli, tmp_path):
    page = tmp_path / "mfa.htm"
    page.write_bytes(
        fx.ministry_cp1251(
            "Statement of the Foreign Ministry on the situation in the region",
            [
                "Мы с глубокой озабоченностью следим за развитием ситуации в регионе, "
                "которая стремительно ухудшается в последние дни.",
                PARAS[1],
            ],
            "December 6, 2021, Minsk",
        )
    )
    data = parse_json(cli, page)
    st = main_of(data)
    assert data["source"]["encoding"] == "cp1251"
    assert st["paragraphs"][0]["text"].startswith("Мы с глубокой озабоченностью")
    assert st["date"] == "2021-12-06" and st["venue"] == "Minsk"
    assert not any("December 6" in p["text"] for p in st["paragraphs"])


def test_bold_turn_labels_and_metadata(cli, tmp_path):
    page = tmp_path / "un.html"
    page.write_text(
        fx.un_press(
            "Security Council debates the situation in Examplestan",
            [
                (None, PARAS[0]),
                ("Question", "What is your view on the latest proposal?"),
                ("Answer", "We will study it carefully and give our reply next week."),
            ],
            url="https://press.example.org/2021/sc1.html",
        )
    )
    st = main_of(parse_json(cli, page))
    assert [p["label"] for p in st["paragraphs"]] == [None, "Question", "Answer"]
    assert st["published"] == "2021-11-30"  # article:published_time


def test_own_line_bold_labels_become_turns(cli, tmp_path):
    page = tmp_path / "briefing.html"
    page.write_text(
        fx.state_briefing(
            "Department Press Briefing",
            [
                (
                    "MR SMITH:",
                    "Good afternoon, everybody. I have two things at the top and then I will take questions.",
                ),
                ("QUESTION:", "Thank you. Can you say anything about the talks scheduled for next week?"),
                (
                    "MR SMITH:",
                    "Not much beyond what we said yesterday, I am afraid; the talks will go ahead.",
                ),
            ],
            url="https://state.example/briefings/1",
        )
    )
    st = main_of(parse_json(cli, page))
    assert [p["label"] for p in st["paragraphs"]] == ["MR SMITH", "QUESTION", "MR SMITH"]


def test_html_under_a_txt_name_is_read_as_html(cli, tmp_path):
    page = tmp_path / "saved.txt"
    page.write_text(
        fx.presidential("Statement on the anniversary of the treaty", "May 5, 2020", "2020-05-05", PARAS)
    )
    data = parse_json(cli, page)
    assert data["source"]["format"] == "html"
    assert main_of(data)["title"] == "Statement on the anniversary of the treaty"


def test_gzipped_html(cli, tmp_path):
    page = tmp_path / "page.html.gz"
    page.write_bytes(
        gzip.compress(
            fx.presidential(
                "Statement on the anniversary of the treaty", "May 5, 2020", "2020-05-05", PARAS
            ).encode()
        )
    )
    assert main_of(parse_json(cli, page))["title"] == "Statement on the anniversary of the treaty"


def test_listing_page_has_no_main_statement(cli, tmp_path):
    page = tmp_path / "list.html"
    page.write_text(
        fx.listing(
            "Press Releases",
            [
                ("Statement on the elections", "2/28/22"),
                ("Visit of the Foreign Minister to Examplestan", "2/27/22"),
                ("Humanitarian aid delivered", "2/22/22"),
            ],
        )
    )
    data = parse_json(cli, page)
    assert not [s for s in data["statements"] if s["role"] == "main"]
    assert any(w.startswith("listing page") for w in data["warnings"])


def test_press_office_byline_block_names_both_speakers_and_turns_by_office(cli, tmp_path):
    page = tmp_path / "address.html"
    page.write_text(
        fx.press_office(
            "WEEKLY ADDRESS: Holiday Greetings from the President and the First Lady",
            "December 23, 2016",
            "In this week's address, the President and the First Lady wished everyone a happy holiday season.",
            [
                "Remarks of President Alan Example and First Lady Beth Example as Delivered",
                "Weekly Address",
                "The White House",
                "December 24, 2016",
            ],
            [
                "THE PRESIDENT: Happy holidays, everybody! This is a season for spending time with family.",
                "THE FIRST LADY: And it is a season for thinking of those who serve far from home.",
                "[<em>LAUGHTER</em>]",
                "THE PRESIDENT: So from our family to yours: thank you, and happy holidays.",
            ],
            url="https://whitehouse.example/briefing-room/2016/12/24/weekly-address",
        )
    )
    data = parse_json(cli, page)
    st = main_of(data)
    assert [(s["name"], s["role"]) for s in st["speakers"]] == [
        ("Alan Example", "President"),
        ("Beth Example", "First Lady"),
    ]
    assert st["date"] == "2016-12-24" and st["published"] == "2016-12-23"  # delivered / released
    assert st["venue"] == "The White House"  # the byline's place line, not a person
    assert st["paragraphs"][0]["text"].startswith("In this week's address")
    labels = [p["label"] for p in st["paragraphs"] if p["label"]]
    assert labels == ["THE PRESIDENT", "THE FIRST LADY", "THE PRESIDENT"]
    assert not any(p["text"] in ("Weekly Address", "The White House") for p in st["paragraphs"])


def test_role_then_name_between_commas_in_the_title(cli, tmp_path):
    page = tmp_path / "mfa.htm"
    title = (
        "Statement by Minister of Foreign Affairs of the Republic of Exampleland, A.Petrov, at the "
        "Virtual Meeting of the Regional Initiative (May 15, 2020)"
    )
    page.write_bytes(fx.ministry_cp1251(title, ["Dear Chair,", PARAS[0], PARAS[1]], ""))
    st = main_of(parse_json(cli, page))
    assert [(s["name"], s["role"]) for s in st["speakers"]] == [
        ("A.Petrov", "Minister of Foreign Affairs of the Republic of Exampleland")
    ]
    assert st["date"] == "2020-05-15" and st["paragraphs"][0]["text"] == "Dear Chair,"


def test_section_page_named_by_its_title_is_a_listing(cli, tmp_path):
    page = tmp_path / "speeches.html"
    page.write_text(
        fx.section_page(
            "Speeches",
            "Prime Minister's Office",
            [("GOVERNMENT'S PROGRAMME FOR THE 2021 FINANCIAL YEAR", "25/11/2020")],
            [
                ("Prime Minister, Head of Government", "EXAMPLE Joseph"),
                ("Minister of State, Minister of Tourism", "SAMPLE Maigari"),
                ("Minister of External Relations", "TEST Lejeune"),
            ],
        )
    )
    data = parse_json(cli, page)
    assert not [s for s in data["statements"] if s["role"] == "main"], data["statements"]


def test_summary_naming_the_speaker_then_the_name_under_the_title(cli, tmp_path):
    """gov.uk's shape: a one-sentence summary and the speaker's name between the title and the body
    (extractors drop both as page metadata)."""
    page = tmp_path / "speech.html"
    page.write_text(
        fx.gov_speech(
            "We call for restraint: statement at the Security Council, 18 March 2022",
            "Ambassador Jane Example gave a statement at the Security Council meeting on the region.",
            "Ambassador Jane Example",
            [
                "Thank you, Madam President. Let me begin by thanking the briefers for their sobering accounts.",
                "We call on all parties to show restraint and to return to the negotiating table without delay.",
            ],
            url="https://gov.example/speeches/1",
        )
    )
    st = main_of(parse_json(cli, page))
    assert [(s["name"], s["role"]) for s in st["speakers"]] == [("Jane Example", "Ambassador")]
    assert st["paragraphs"][0]["text"].startswith("Thank you, Madam President.")


def test_a_cut_off_first_paragraph_is_still_the_article(cli, tmp_path):
    page = tmp_path / "cut.html"
    cut = (
        "For quite a while the government has been referring to the perceived interests of others whenever "
        "it faced the problem of selling its policies to the public at home, at every level, including the "
        "foreign and defence secretaries, and the claim is always the same: that they know bett"
    )
    page.write_text(fx.presidential("Statement on the policy debate", "March 11, 2016", "2016-03-11", [cut]))
    st = main_of(parse_json(cli, page))
    assert st["paragraphs"] and st["paragraphs"][0]["text"].startswith("For quite a while")


def test_page_of_chrome_with_no_heading_is_one_clear_error(cli, tmp_path):
    page = tmp_path / "chrome.html"
    page.write_text(
        f"<html><head><title>Ministry</title></head><body><header><a href='/'>Ministry of Foreign "
        f"Affairs</a></header><div class='menu'><ul>{fx.MENU}</ul></div><div>Press Service</div>"
        f"<div>Contacts</div>{fx.FOOTER}</body></html>"
    )
    result = cli("parse", "--json", page)
    assert result.exit_code == 1 and "no article found" in result.output


def test_pdf_only_page_keeps_title_and_date_and_says_so(cli, tmp_path):
    page = tmp_path / "speech.html"
    page.write_text(fx.pdf_only("GOVERNMENT PROGRAMME FOR THE 2021 FINANCIAL YEAR PRESENTED TO PARLIAMENT"))
    data = parse_json(cli, page)
    st = main_of(data)
    assert st["date"] == "2020-11-25" and st["paragraphs"] == []
    assert any("speech_en.pdf" in w for w in data["warnings"])
    (tmp_path / "in").mkdir()
    shutil.move(page, tmp_path / "in" / "speech.html")
    result = cli("ingest", tmp_path / "in")
    assert result.exit_code == 0, result.output
    assert "speech.html: no text body: the page only links /files/speech_en.pdf" in result.output


def test_page_without_article_or_title_is_one_clear_line(cli, tmp_path):
    pages = tmp_path / "in"
    pages.mkdir()
    (pages / "empty.html").write_text(
        "<html><head><script>x()</script></head><body><div></div></body></html>"
    )
    (pages / "broken.html").write_bytes(
        b"<html><body><h1>Statement on the border</h1><p>We call on all sides "
        b"to show restraint and to resume the talks without any delay.</p><p>We re"
        b"main ready to host the next round of the talks in our capi"
    )
    (pages / "ok.html").write_text(
        fx.presidential("Statement on the anniversary of the treaty", "May 5, 2020", "2020-05-05", PARAS)
    )
    result = cli("ingest", pages)
    assert result.exit_code == 1
    assert (
        "error: in/empty.html" in result.output.replace(str(tmp_path) + "/", "")
        or "empty.html:" in result.output
    )
    assert sum("empty.html" in line for line in result.output.splitlines()) == 1
    assert "broken.html" not in result.output  # truncated HTML is still read
    titles = {json.loads(x)["title"] for x in cli("export").stdout.splitlines()}
    assert titles == {"Statement on the anniversary of the treaty", "Statement on the border"}
    assert cli("check").exit_code == 0


def test_huge_page_is_refused_by_size(cli, tmp_path):
    pages = tmp_path / "in"
    pages.mkdir()
    big = pages / "huge.html"
    with big.open("wb") as fh:  # 200 MB, sparse
        fh.write(b"<html><body><h1>x</h1>")
        fh.truncate(200 * 1024 * 1024)
    (pages / "ok.html").write_text(
        fx.presidential("Statement on the treaty", "May 5, 2020", "2020-05-05", PARAS)
    )
    result = cli("ingest", pages)
    assert result.exit_code == 1
    assert "huge.html: page too large (209,715,200 bytes" in result.output
    assert cli("check").exit_code == 0


def _warc_pages():
    return [
        (
            "response",
            "https://president.example/events/1",
            fx.presidential(
                "Meeting with the Prime Minister of Examplestan", "December 1, 2021", "2021-12-01", PARAS
            ).encode(),
            "text/html; charset=utf-8",
        ),
        ("metadata", "https://president.example/events/1", b"outlinks: none", "application/warc-fields"),
        ("response", "https://president.example/logo.png", b"\x89PNG\r\n", "image/png"),
        (
            "response",
            "https://mfa.example/statement/2",
            fx.ministry_cp1251(
                "Statement of the Foreign Ministry on the situation in the region",
                PARAS[:2],
                "December 6, 2021",
            ),
            "text/html; charset=windows-1251",
        ),
    ]


def test_warc_pages_keep_url_capture_time_and_offset(cli, tmp_path):
    w = tmp_path / "crawl.warc.gz"
    w.write_bytes(fx.warc(_warc_pages()))
    result = cli("ingest", w)
    assert result.exit_code == 0, result.output
    assert "2 HTML page(s)" in result.output and "request record" in result.output
    assert "metadata record" in result.output and "non-HTML response (image/png)" in result.output
    recs = {r["title"]: r for r in map(json.loads, cli("export").stdout.splitlines())}
    st = recs["Meeting with the Prime Minister of Examplestan"]
    assert st["original_url"] == "https://president.example/events/1" and st["captured_at"]
    assert st["sources"][0]["file"].startswith("crawl.warc.gz#")
    assert recs["Statement of the Foreign Ministry on the situation in the region"]["date"] == "2021-12-06"
    assert cli("check").exit_code == 0


def test_corrupt_record_and_truncated_member_are_reported_with_offsets(cli, tmp_path, one_parse_process):
    good = fx.warc(_warc_pages()[:1])
    second = fx.warc(_warc_pages()[3:])
    bad = bytearray(fx.warc([_warc_pages()[0]]))
    bad[40:80] = b"\x00" * 40  # a corrupt gzip member
    data = good + bytes(bad) + second + second[: len(second) // 2]  # … and a truncated last member
    w = tmp_path / "broken.warc.gz"
    w.write_bytes(data)
    result = cli("ingest", w)
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert errors and all("record at offset" in e for e in errors)
    titles = {json.loads(x)["title"] for x in cli("export").stdout.splitlines()}
    assert {
        "Meeting with the Prime Minister of Examplestan",
        "Statement of the Foreign Ministry on the situation in the region",
    } <= titles
    assert cli("check").exit_code == 0


def test_folder_of_html_with_assets_and_unknown_files(cli, tmp_path):
    pages = tmp_path / "in"
    (pages / "page_files").mkdir(parents=True)
    (pages / "page.html").write_text(
        fx.presidential("Statement on the treaty", "May 5, 2020", "2020-05-05", PARAS)
    )
    (pages / "page_files" / "style.css").write_text("p{}")
    (pages / "page_files" / "logo.png").write_bytes(b"\x89PNG\r\n")
    (pages / "notes.docx").write_bytes(b"PK\x03\x04 office")
    result = cli("ingest", pages)
    assert result.exit_code == 0, result.output
    assert "skipped 2 asset file(s)" in result.output
    assert sum("notes.docx" in line for line in result.output.splitlines()) == 1


def test_manifest_gives_text_pages_url_and_capture_time(cli, tmp_path):
    pages = tmp_path / "in"
    shutil.copytree(SEEDS, pages)
    name = sorted(p.name for p in pages.glob("*.txt"))[1]
    manifest = tmp_path / "pages.csv"
    manifest.write_text(f"path,url,captured\nin/{name},https://mfa.example/1,2021-12-03T07:30:00+03:00\n")
    result = cli("ingest", "--manifest", manifest, pages)
    assert result.exit_code == 0, result.output
    withurl = [r for r in map(json.loads, cli("export").stdout.splitlines()) if r["original_url"]]
    assert withurl and all(r["original_url"] == "https://mfa.example/1" for r in withurl)
    assert withurl[0]["captured_at"] == "2021-12-03T04:30:00"
    bad = tmp_path / "bad.csv"
    bad.write_text("path,url,captured\nx.txt,ftp://x,2021\n")
    result = cli("ingest", "--manifest", bad, pages)
    assert result.exit_code == 2 and "line 2" in result.output


def _as_html(text_page: str) -> str:
    """A text page wrapped in a site template: its first line the <h1>, its blocks <p>s."""
    lines = text_page.split("\n\n")
    head, rest = lines[0].split("\n", 1) if "\n" in lines[0] else (lines[0], "")
    paras = ([rest] if rest else []) + lines[1:]
    body = "".join("<p>" + "<br>".join(map(_esc, p.split("\n"))) + "</p>" for p in paras if p.strip())
    return (
        f"<html><head><meta charset='utf-8'><title>{_esc(head)}</title></head><body><nav><ul>{fx.MENU}</ul></nav>"
        f"<main><h1>{_esc(head)}</h1>{body}</main>{fx.FOOTER}</body></html>"
    )


def _esc(s: str) -> str:
    import html

    return html.escape(s)


def test_same_statement_from_text_and_html_is_one_statement_in_any_order(cli, tmp_path, monkeypatch):
    text = (
        "Statement by the Foreign Ministry on the talks\n\n"
        + "\n\n".join(p.replace("&amp;", "&") for p in PARAS)
        + "\n"
    )
    a, b = tmp_path / "a", tmp_path / "b"
    for d in (a, b):
        d.mkdir()
    (a / "1.txt").write_text(text)
    (a / "2.html").write_text(_as_html(text))
    outs = []
    for order in ([a / "1.txt", a / "2.html"], [a / "2.html", a / "1.txt"]):
        monkeypatch.setenv("ARCHIVE_DATA_DIR", str(tmp_path / f"data{len(outs)}"))
        for f in order:
            assert cli("ingest", f).exit_code == 0
        outs.append(cli("export").stdout)
    assert outs[0] == outs[1]
    assert len(outs[0].splitlines()) == 1


def test_statement_page_shows_original_and_capture_as_text(cli, tmp_path, data_dir, one_parse_process):
    w = tmp_path / "crawl.warc.gz"
    w.write_bytes(fx.warc(_warc_pages()))
    assert cli("ingest", w).exit_code == 0
    rec = next(
        r
        for r in map(json.loads, cli("export").stdout.splitlines())
        if r["original_url"].endswith("events/1")
    )
    with make_client(data_dir) as client:
        page = client.get(rec["url"])
        assert page.status_code == 200
        assert "Original" in page.text and 'href="https://president.example/events/1"' in page.text
        assert "captured" in page.text
        api = client.get(f"/api/statements/{rec['key']}").json()
        assert json.dumps(api).count("https://president.example/events/1") >= 1
        sha = rec["sources"][0]["sha256"]
        cap = client.get(f"/sources/{sha}/capture.txt")
        assert cap.status_code == 200 and cap.headers["content-type"].startswith("text/plain")
        assert '<h1 class="entry-title p-name">' in cap.text
        assert client.get("/sources/" + "0" * 64 + "/capture.txt").status_code == 404


def test_html_renderings_of_seeds_parse_at_least_as_well_as_the_text(tmp_path):
    """Each seed page wrapped in a site template: same title, date, speakers and first paragraph."""
    from app.ingest.readers import parse_document

    for f in sorted(SEEDS.glob("*.txt")):
        text_doc = parse_document(f.read_bytes(), f.name)
        html_doc = parse_document(_as_html(text_doc.text).encode(), f.stem + ".html")
        t, h = text_doc.page.main, html_doc.page.main
        if t is None:
            continue
        assert h is not None, f.name
        assert (h.title, h.date, [s.name for s in h.speakers]) == (
            t.title,
            t.date,
            [s.name for s in t.speakers],
        ), f.name
        if t.paragraphs:
            assert h.paragraphs and h.paragraphs[0].text[:40] == t.paragraphs[0].text[:40], f.name
    assert os.environ.get("ARCHIVE_DATA_DIR") is None or True
