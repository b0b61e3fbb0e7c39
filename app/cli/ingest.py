"""The commands that write pages: `archive ingest`, `import`, `reparse`, and `warnings` (what
ingest dropped or guessed). Each holds the ingest lock, then brings the index up to date."""

from __future__ import annotations

from pathlib import Path

import typer

from app.cli.common import (
    bar_progress,
    check_speaker_table,
    fail,
    guarded,
    ingest_lock,
    note,
    open_archive,
    out,
    printable,
    progress_bar,
)
from app.cli.indexing import index_after_ingest, start_follower, sync_index
from app.config import Settings, get_settings


def ingest(
    paths: list[str] = typer.Argument(..., help="Files, directories (recursive) or globs."),
    force: bool = typer.Option(False, help="Re-parse pages even when unchanged."),
    if_empty: bool = typer.Option(False, "--if-empty", help="Do nothing if the archive has statements."),
    manifest: Path = typer.Option(
        None, "--manifest", help="CSV with columns path,url,captured: original URL and capture time of pages."
    ),
    show_warnings: bool = typer.Option(
        False,
        "--warnings",
        help="After the summary, what the parser dropped or guessed: warnings by kind and per file.",
    ),
) -> None:
    """Parse pages (text, HTML, WARC) and load them into the archive (each page in its own transaction)."""
    from app.cli.render import render_summary

    settings = get_settings()
    check_speaker_table()
    entries = _read_manifest(manifest)
    _engine, factory = open_archive(settings)
    with ingest_lock(settings, "another ingest"):
        if if_empty and _has_statements(factory):
            out.print("the archive is not empty: nothing ingested")
            raise typer.Exit(0 if sync_index(settings, factory) else 1)
        summary, follower = _load(settings, factory, paths, force, entries)
        for line in summary.notes:
            note(printable(line))
        for failure in summary.failures:
            note(f"{printable(failure.path)}: {failure.error}", "error")
        render_summary(out, summary)
        if show_warnings:
            print_warnings(factory, [r.path for r in summary.results if r.status in ("new", "updated")])
        indexed = index_after_ingest(settings, factory, follower)
    raise typer.Exit(1 if summary.failures or not indexed else 0)


def _read_manifest(manifest: Path | None) -> dict:
    from app.ingest.manifest import ManifestError, read_manifest

    try:
        return read_manifest(manifest) if manifest else {}
    except ManifestError as e:
        fail(str(e), 2)


def _has_statements(factory) -> bool:
    from app.browse.summary import archive_summary

    with factory() as session:
        return bool(archive_summary(session).statements)


def _load(settings: Settings, factory, paths: list[str], force: bool, entries: dict):
    """(the ingest summary, the index follower started for a big run or None); a failed or
    interrupted load stops the follower without an index commit."""
    from app.ingest.run import ingest_paths

    follower = None

    def before_load(files: int) -> None:
        nonlocal follower
        follower = start_follower(settings, files)

    try:
        with progress_bar("ingest") as bar:
            summary = ingest_paths(
                factory,
                paths,
                max_bytes=settings.max_page_bytes,
                force=force,
                workers=settings.ingest_workers,
                before_load=before_load,
                manifest=entries,
                progress=bar_progress(bar, "ingest"),
            )
    except BaseException:
        if follower is not None:
            follower.abort()
        raise
    return summary, follower


def print_warnings(
    factory, paths: list[str] | None, contains: str | None = None, as_json: bool = False
) -> None:
    import json

    from app.cli.render import render_warnings
    from app.ingest.warnings_report import stored_report

    with factory() as session:
        report = stored_report(session, paths, contains)
    if as_json:
        out.print_json(json.dumps(report.as_json(), ensure_ascii=False))
    else:
        render_warnings(out, report)


def warnings_cmd(
    file: str = typer.Option(None, "--file", help="Only the pages whose path contains this text."),
    as_json: bool = typer.Option(False, "--json", help="As JSON: total, by_kind, files[{path, warnings}]."),
) -> None:
    """What ingest dropped or guessed on the pages in the archive: warnings by kind and per file."""
    _engine, factory = open_archive(get_settings())
    print_warnings(factory, None, file, as_json)


def import_(file: Path = typer.Argument(..., help="An export (JSON Lines) of `archive export`.")) -> None:
    """Rebuild an archive from an export: statements, versions, retired paragraphs and redirects
    (into an empty archive), then the search index."""
    from app.ingest.restore import ImportError_, import_export

    settings = get_settings()
    if not file.is_file():
        fail(f"{printable(str(file))}: no such file", 2)
    _engine, factory = open_archive(settings)
    with ingest_lock(settings, "an ingest"):
        try:
            report = guarded(lambda: import_export(factory, file), settings)
        except ImportError_ as e:
            fail(str(e), 2)
        except (UnicodeDecodeError, OSError) as e:
            fail(f"{printable(str(file))}: cannot read: {e}", 2)
        out.print(
            f"imported {report.statements:,} statements ({report.documents:,} source captures, "
            f"{report.redirects:,} redirects)",
            markup=False,
            highlight=False,
        )
        indexed = sync_index(settings, factory)
    raise typer.Exit(0 if indexed else 1)


def reparse() -> None:
    """Parse every stored source again with the current parser; a changed parse is kept as one
    more version (earlier paragraph keys keep resolving to their words)."""
    from app.ingest.reparse import reparse_all

    settings = get_settings()
    _engine, factory = open_archive(settings)
    with ingest_lock(settings, "an ingest"):
        results = guarded(lambda: reparse_all(factory, max_bytes=settings.max_page_bytes), settings)
        for r in results:
            if r.status == "failed":
                note(f"{printable(r.path)}: {r.error}", "error")
        changed = sum(1 for r in results if r.changed_keys or r.removed_keys)
        out.print(
            f"re-parsed {len(results):,} sources: {changed:,} changed statements",
            markup=False,
            highlight=False,
        )
        indexed = sync_index(settings, factory)
    raise typer.Exit(1 if not indexed or any(r.status == "failed" for r in results) else 0)
