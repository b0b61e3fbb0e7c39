"""In a real browser: headless Chromium (Debian's, at /usr/bin/chromium; no browser download)
driven by Playwright against a real uvicorn server on a free port of 127.0.0.1. Skipped with a
visible reason when Chromium is missing, except under CI (CI=true), where that is a failure.
Screenshots of the main pages go to tests/artifacts/ (not committed)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.system.browser_support import WAIT_MS, chromium, new_context, require_chromium, running_server
from tests.web_support import sample_key, sample_paragraph_keys

require_chromium()
from playwright import sync_api  # noqa: E402

sync_api.expect.set_options(timeout=WAIT_MS)

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
NEWS = "lavrov-news-conference.txt"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.getbasetemp()) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser, server):
    context = new_context(browser, base_url=server, viewport={"width": 1200, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    pg = context.new_page()
    problems: list[str] = []
    pg.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: problems.append(str(e)))
    pg.on(
        "request",
        lambda r: problems.append(f"off-site request {r.url}") if not r.url.startswith(server) else None,
    )
    yield pg
    context.close()
    assert not problems, problems  # no CSP violation, no script error, nothing fetched from elsewhere


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / ".gitignore").write_text("*\n")  # screenshots are looked at, never committed
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_copy_permalink_and_follow_a_paragraph_permalink(page, server):
    key = sample_key(NEWS)
    page.goto(f"/statements/{key}")
    _shot(page, "statement")
    button = page.locator("button.copy-button[data-copy-target=permalink]")
    button.click()  # visible only because copy.js ran (progressive enhancement)
    sync_api.expect(button).to_have_text("Copied")  # set when the clipboard promise resolves: wait for it
    assert page.evaluate("navigator.clipboard.readText()") == f"{server}/statements/{key}"
    page.locator("#p3 a.para-permalink").click()
    page.wait_for_url(f"**/p/{sample_paragraph_keys(NEWS)[2]}")
    assert "The ceasefire must hold." in page.locator("li.is-focus").inner_text()
    _shot(page, "paragraph")
    page.locator("#cite-chicago ~ button.copy-button").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("Lavrov, Sergey.") and f"/p/{sample_paragraph_keys(NEWS)[2]}" in copied
    page.locator("a.in-place").click()
    page.wait_for_url(re.compile(r".*/statements/[^/]+#p3$"))
    assert page.evaluate("document.querySelector(':target').id") == "p3"


def test_search_result_lands_on_the_highlighted_paragraph_and_facets_toggle(page):
    page.goto("/search?q=ceasefire")
    _shot(page, "search")
    page.locator("article.result h2 a").first.click()  # the title: the statement, its matches marked
    page.wait_for_url(re.compile(r".*/statements/[^#]+\?q=ceasefire#p\d+$"))
    target = page.locator(":target")
    assert "ceasefire" in target.locator("mark").first.inner_text().lower()
    assert target.evaluate("el => getComputedStyle(el).backgroundColor") != "rgba(0, 0, 0, 0)"
    page.goto("/search?q=vienna")
    before = page.locator("article.result").count()
    page.locator("section.facet[aria-label=Kind] a.facet-link:has-text('briefing')").click()
    page.wait_for_url(re.compile(r".*kind=briefing.*"))
    assert 0 < page.locator("article.result").count() < before
    page.locator("a.facet-link.is-selected").click()
    page.wait_for_url(re.compile(r"^(?!.*kind=).*q=vienna.*$"))
    assert page.locator("article.result").count() == before


def test_date_archive_navigation(page):
    page.goto("/dates")
    _shot(page, "dates")
    page.locator("ul.date-list a[href='/dates/2021']").click()
    page.locator("ul.date-list a[href='/dates/2021/10']").click()
    page.get_by_role("link", name=re.compile(r"^2 October 2021: ")).click()  # the month's day links
    page.wait_for_url("**/statements?from=2021-10-02&to=2021-10-02")
    dates = page.locator("article.card .meta time").evaluate_all("els => els.map(e => e.dateTime)")
    assert dates and set(dates) == {"2021-10-02"}


def test_keyboard_only_search(page):
    page.goto("/")
    _shot(page, "home")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.className") == "skip-link"
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "header-q":
            break
    assert page.evaluate("document.activeElement.id") == "header-q"
    page.keyboard.type("osce")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=osce")
    assert page.locator("article.result").count() > 0
    page.locator("#q").focus()
    for _ in range(3):  # the search button, the "how to search" link, then the filters' summary
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press("Enter")
    assert page.locator("form.search-form details").evaluate("d => d.open")
    page.goto("/statements?speaker=sergey-lavrov")
    _shot(page, "statements")
