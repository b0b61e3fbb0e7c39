"""The one URL builder: every link the archive issues comes from here (templates never
concatenate paths; the export, search and quote finder use the same permalink functions).

Statement and paragraph permalinks are permanent citations: `statement_path` and
`paragraph_path` must give the same bytes forever. `Urls` (exposed to templates as `urls`)
adds the browse pages, the query-string helpers (`with_args` / `without_args`) and absolute
URLs for citations and feeds."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import quote, urlencode


def statement_path(key: str) -> str:
    return f"/statements/{quote(key, safe='')}"


def paragraph_path(key: str) -> str:
    return f"/p/{quote(key, safe='')}"


def paragraph_anchor(n: int) -> str:
    return f"p{n}"


PARAGRAPHS_PER_PAGE = 500  # a statement page shows at most this many paragraphs (app.browse)


def paragraph_page(n: int) -> int:
    """The page of its statement that shows paragraph n (paragraphs are numbered 1..count)."""
    return (max(1, int(n)) - 1) // PARAGRAPHS_PER_PAGE + 1


def statement_page_path(key: str, page: int) -> str:
    return statement_path(key) + (f"?page={int(page)}" if page > 1 else "")


def statement_diff_path(key: str, old: int | str, new: int | str) -> str:
    """The word-level diff of two versions of a statement (numbers or version ids)."""
    return f"{statement_path(key)}/diff?from={quote(str(old), safe='')}&to={quote(str(new), safe='')}"


Pairs = Sequence[tuple[str, str]]


def _qs(pairs: Iterable[tuple[str, str]]) -> str:
    encoded = urlencode([(k, v) for k, v in pairs if v is not None and v != ""])
    return f"?{encoded}" if encoded else ""


def _seg(value: str) -> str:
    return quote(str(value), safe="")


class Urls:
    """URL builder exposed to templates as `urls` (after Datasette's `Urls`)."""

    def home(self) -> str:
        return "/"

    # permalinks -------------------------------------------------------------
    def statement(self, key: str, n: int | None = None) -> str:
        """The statement, or paragraph n's anchor on the page of the statement that shows it
        (`?page=k` beyond the first PARAGRAPHS_PER_PAGE paragraphs)."""
        if n is None:
            return statement_path(key)
        return f"{statement_page_path(key, paragraph_page(n))}#{paragraph_anchor(n)}"

    def statement_hits(self, key: str, q: str, n: int | None = None, filters: Pairs = ()) -> str:
        """The statement with the paragraphs matching search `q` marked (`?q=`, and the search's
        paragraph filters: said, questions), at paragraph n's anchor when given."""
        page = paragraph_page(n) if n is not None else 1
        qs = _qs([("q", q), *filters] + ([("page", str(page))] if page > 1 else []))
        return statement_path(key) + qs + (f"#{paragraph_anchor(n)}" if n is not None else "")

    def statement_diff(self, key: str, old: int | str, new: int | str) -> str:
        return statement_diff_path(key, old, new)

    def statement_page(self, key: str, page: int) -> str:
        return statement_page_path(key, page)

    def statement_paragraph(self, key: str, n: int) -> str:
        """`/statements/<key>/p/<n>`: redirects to the paragraph's anchor in the statement."""
        return f"{statement_path(key)}/p/{int(n)}"

    def paragraph(self, key: str) -> str:
        return paragraph_path(key)

    def anchor(self, n: int) -> str:
        return paragraph_anchor(n)

    def statement_cite(self, key: str, fmt: str) -> str:
        return f"{statement_path(key)}/cite.{_seg(fmt)}"

    def paragraph_cite(self, key: str, fmt: str) -> str:
        return f"{paragraph_path(key)}/cite.{_seg(fmt)}"

    # browse pages -------------------------------------------------------------
    def statements(self, pairs: Pairs = (), **args: object) -> str:
        return "/statements" + _qs(list(pairs) + _kw(args))

    def statements_download(self, fmt: str, pairs: Pairs = ()) -> str:
        return f"/statements.{_seg(fmt)}" + _qs(_no_page(pairs))

    def speakers(self, pairs: Pairs = (), **args: object) -> str:
        return "/speakers" + _qs(list(pairs) + _kw(args))

    def speaker(self, slug: str, pairs: Pairs = (), **args: object) -> str:
        return f"/speakers/{_seg(slug)}" + _qs(list(pairs) + _kw(args))

    def speaker_feed(self, slug: str) -> str:
        return self.feed(speaker=slug)

    def venues(self) -> str:
        return "/venues"

    def venue(self, key: str) -> str:
        return self.statements(venue=key)

    def topics(self) -> str:
        return "/topics"

    def topic(self, key: str) -> str:
        return self.statements(topic=key)

    def dates(self, year: int | None = None, month: int | None = None) -> str:
        if year is None:
            return "/dates"
        if month is None:
            return f"/dates/{int(year):04d}"
        return f"/dates/{int(year):04d}/{int(month):02d}"

    def dates_undated(self) -> str:
        return "/dates/undated"

    def statements_on(self, year: int, month: int | None = None, day: int | None = None) -> str:
        if day is not None and month is not None:
            iso = f"{int(year):04d}-{int(month):02d}-{int(day):02d}"
            return self.statements(**{"from": iso, "to": iso})
        return self.statements(year=year, month=month)

    # search, feeds, API -------------------------------------------------------
    def search(self, pairs: Pairs = (), **args: object) -> str:
        return "/search" + _qs(list(pairs) + _kw(args))

    def search_by_speaker(self, pairs: Pairs, speakers: Iterable[str], name: str, query: str) -> str:
        """A speaker suggestion ("Statements by <name>"): this search with `name` among its
        speakers and `query` (the query without the name) for its query."""
        return with_args(self.search(), pairs, q=query or None, speaker=[*speakers, name])

    def search_facet(self, name: str, pairs: Pairs = (), **args: object) -> str:
        """Every value of one facet of a search (the "more…" page), with a filter box."""
        return f"/search/facets/{_seg(name)}" + _qs(_no_page(list(pairs) + _kw(args)))

    def concordance(self, pairs: Pairs = (), **args: object) -> str:
        return "/concordance" + _qs(list(pairs) + _kw(args))

    def concordance_download(self, pairs: Pairs = ()) -> str:
        return "/concordance.csv" + _qs(_no_page(pairs))

    def trends(self, pairs: Pairs = (), **args: object) -> str:
        return "/trends" + _qs(list(pairs) + _kw(args))

    def trends_download(self, pairs: Pairs = ()) -> str:
        return "/trends.csv" + _qs(pairs)

    def quote(self, q: str | None = None, **args: object) -> str:
        """The quote finder (`/quote?q=…`)."""
        return "/quote" + _qs([("q", q)] + _kw(args))

    def api_quote(self, q: str | None = None, **args: object) -> str:
        return "/api/quote" + _qs([("q", q)] + _kw(args))

    def search_download(self, fmt: str, pairs: Pairs = ()) -> str:
        return f"/search.{_seg(fmt)}" + _qs(_no_page(pairs))

    def search_feed(self, pairs: Pairs = ()) -> str:
        return "/search.atom" + _qs(_no_page(pairs))

    def feed(self, pairs: Pairs = (), **args: object) -> str:
        return "/statements.atom" + _qs(_no_page(list(pairs) + _kw(args)))

    def api(self, path: str = "", pairs: Pairs = ()) -> str:
        return "/api" + (f"/{path.strip('/')}" if path else "") + _qs(pairs)

    def capture(self, sha256: str) -> str:
        """The stored page a statement came from, as plain text (never rendered as HTML)."""
        return f"/sources/{_seg(sha256)}/capture.txt"

    def api_statement(self, key: str) -> str:
        return f"/api/statements/{_seg(key)}"

    def api_paragraph(self, key: str) -> str:
        return f"/api/p/{_seg(key)}"

    def api_speaker(self, slug: str) -> str:
        return f"/api/speakers/{_seg(slug)}"

    def static(self, name: str) -> str:
        return f"/static/{quote(name)}"

    def docs(self) -> str:
        return "/docs"

    def about(self) -> str:
        return "/about"

    def help(self) -> str:
        return "/help"


def _kw(args: Mapping[str, object]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for k, v in args.items():
        if v is None:
            continue
        for item in v if isinstance(v, list | tuple) else [v]:
            out.append((k.rstrip("_"), str(item)))
    return out


def _no_page(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, v) for k, v in pairs if k not in ("page", "cursor")]


def with_args(path: str, pairs: Pairs, **changes: object) -> str:
    """`path` with the query `pairs`, each named arg replacing (or, for a list, extending) its
    key; `page` always reset. `with_args('/s', pairs, kind='x')` -> '/s?...&kind=x'."""
    keep = [(k, v) for k, v in pairs if k not in changes and k != "page"]
    return path + _qs(keep + _kw(changes))


def add_arg(path: str, pairs: Pairs, key: str, value: str) -> str:
    """Add one value of a multi-valued filter (facet link), resetting the page."""
    keep = [(k, v) for k, v in pairs if k != "page" and (k, v) != (key, str(value))]
    return path + _qs(keep + [(key, str(value))])


def without_args(path: str, pairs: Pairs, key: str, value: str | None = None) -> str:
    """Remove a filter (all its values, or just `value`), resetting the page."""
    keep = [(k, v) for k, v in pairs if k != "page" and not (k == key and (value is None or v == str(value)))]
    return path + _qs(keep)


def page_url(path: str, pairs: Pairs, page: int) -> str:
    keep = [(k, v) for k, v in pairs if k != "page"]
    return path + _qs(keep + ([("page", str(page))] if page > 1 else []))


def absolute(base_url: str, path: str) -> str:
    """`path` on the server the request came to (for citations, feeds, API links)."""
    return base_url.rstrip("/") + path


urls = Urls()
