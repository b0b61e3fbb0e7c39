"""CSV for spreadsheets: UTF-8 with a byte order mark (Excel reads the file as UTF-8 only then),
streamed, one header row, and every text cell made inert.

The rule (OWASP, "CSV Injection"): a text cell that begins with `=`, `+`, `-`, `@`, a tab or
a carriage return is written with a `'` in front, so that Excel, LibreOffice Calc and Google
Sheets show it as text instead of running it as a formula (the archive's text is scraped
from the web: a title `=HYPERLINK(…)` would otherwise become a live link). The apostrophe
is visible in the cell: strip one leading `'` from such cells to get the text back. Numbers
(paragraph numbers, counts) are never prefixed.

When a download stops at its row limit, its first row says so (one cell), before the header.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator

from app.bidi import close_bidi

BOM = "\ufeff"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CHUNK_ROWS = 200


def inert(value) -> str | int | float:
    """A cell value that no spreadsheet evaluates (the OWASP rule above)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    text = close_bidi(str(value))  # an unterminated U+202E must not reverse the next cells
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_stream(
    rows: Iterable[dict], fields: list[str], convert: Callable[[dict], dict], notice: str | None = None
) -> Iterator[str]:
    """The CSV text, CHUNK_ROWS rows at a time: BOM, `notice` (a first row of its own, when
    given), the header, then `convert(row)` for each row."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    buf.write(BOM)
    if notice:
        writer.writerow([inert(notice)])
    writer.writerow(fields)
    for i, row in enumerate(rows, 1):
        values = convert(row)
        writer.writerow([inert(values.get(f)) for f in fields])
        if i % CHUNK_ROWS == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()
