"""Terminal rendering for the CLI (rich tables); no logic beyond presentation."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy.orm import Session

from app.browse import summary as queries


def render_parse(console: Console, data: dict) -> None:
    console.print(f"[bold]{escape(data['source']['path'])}[/] ({data['source']['encoding']})")
    for st in data["statements"]:
        speakers = (
            ", ".join(
                f"{s['name']} ({s['role'] or s['kind']})"
                + (f" [printed: {s['as_printed']}]" if s.get("as_printed") else "")
                for s in st["speakers"]
            )
            or "—"
        )
        console.print(f"\n[bold cyan]{st['role']}[/]: {escape(st['title'])}")
        console.print(
            f"  kind {st['kind']} · date {st['date'] or '—'} · published {st['published'] or '—'}"
            f" · venue {escape(st['venue'] or '—')}"
        )
        console.print(f"  speakers: {escape(speakers)}")
        if st["topics"]:
            console.print(f"  topics: {escape('; '.join(st['topics']))}")
        for p in st["paragraphs"]:
            label = f"[magenta]{escape(p['label'])}:[/] " if p["label"] else ""
            text = p["text"] if len(p["text"]) < 160 else p["text"][:157] + "…"
            console.print(f"  {p['n']:>3}. {label}{escape(text)}")
    for w in data["warnings"]:
        console.print(f"[yellow]warning[/] {escape(w)}")


def render_explain(console: Console, lines: list[tuple[int, str, str]]) -> None:
    """`archive parse --explain`: line number, what the line was taken for, the line (cut)."""
    for n, line, what in lines:
        text = line if len(line) <= 70 else line[:69] + "…"
        if n:
            console.print(
                f"{n:>5}  {escape(what)}\n       [dim]{escape(text)}[/]", soft_wrap=True, highlight=False
            )
        else:
            console.print(f"[yellow]note[/]   {escape(what)}", soft_wrap=True, highlight=False)


def render_summary(console: Console, summary) -> None:
    t = Table(title="Ingest summary", show_header=False)
    read = [r for r in summary.results if r.status != "failed" or r.error != "no such file or directory"]
    rows = [
        ("pages read", len(read)),
        (
            "pages new / updated / unchanged",
            " / ".join(
                str(sum(r.status == s for r in summary.results)) for s in ("new", "updated", "unchanged")
            ),
        ),
        ("statements new", summary.count("statements_new")),
        ("statements updated", summary.count("statements_updated")),
        ("statements unchanged", summary.count("statements_unchanged")),
        ("excerpts (teasers)", summary.count("excerpts")),
        ("paragraphs", summary.count("paragraphs")),
        ("warnings", summary.count("warnings")),
        ("failures", len(summary.failures)),
    ]
    for name, value in rows:
        t.add_row(name, str(value))
    console.print(t)


def render_stats(console: Console, session: Session) -> None:
    s = queries.archive_summary(session)
    console.print(
        f"{s.statements} statements ({s.excerpts} excerpts), {s.paragraphs} paragraphs, "
        f"{s.speakers} speakers, {s.sources} source pages ({s.failed_sources} failed); "
        f"dates {s.first_date or '—'} … {s.last_date or '—'}"
    )
    for title, rows in (
        ("kind", queries.counts_by_kind(session)),
        ("speaker", queries.counts_by_speaker(session, limit=30)),
        ("year", queries.counts_by_year(session)),
    ):
        t = Table(title=f"Statements by {title}")
        t.add_column(title)
        t.add_column("statements", justify="right")
        for k, n in rows:
            t.add_row(escape(k), str(n))
        console.print(t)


def render_warnings(console: Console, report, *, per_file: bool = True) -> None:
    """What ingest dropped or guessed (app.ingest.warnings_report): counts by kind, then each
    file's warnings."""
    if not report.total:
        console.print("no warnings")
        return
    t = Table(title=f"Warnings by kind ({report.total})")
    t.add_column("kind")
    t.add_column("count", justify="right")
    for kind, n in report.by_kind.most_common():
        t.add_row(escape(kind), str(n))
    console.print(t)
    if per_file:
        for path, warnings in report.per_file.items():
            console.print(f"{escape(path)}: {len(warnings)}", highlight=False)
            for w in warnings:
                console.print(f"  {escape(w)}", highlight=False, soft_wrap=True)
