"""Calendar periods: the first and last day of a year, a month or a day (one home for month ends)."""

from __future__ import annotations

import calendar
import datetime as dt


def month_end(year: int, month: int) -> dt.date:
    """The last day of a month: month_end(2024, 2) == 2024-02-29."""
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def period(year: int, month: int | None = None, day: int | None = None) -> tuple[dt.date, dt.date]:
    """(first, last) day of a year, a month or a day; ValueError if it is not a real date."""
    if month is None:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    if day is None:
        return dt.date(year, month, 1), month_end(year, month)
    d = dt.date(year, month, day)
    return d, d
