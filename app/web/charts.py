"""Geometry of the small bar charts (matches or statements per year). Pure numbers: the SVG
markup itself is in templates/_chart.html."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

WIDTH, HEIGHT = 640, 170
LEFT, RIGHT, TOP, BOTTOM = 40, 8, 10, 24
MAX_LABELS = 12
MAX_SLOT = 56  # widest bar slot: few years do not make giant bars


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    count: int
    href: str | None
    show_label: bool
    label_x: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    ticks: list[tuple[float, int]]  # (y, value) for the horizontal guide lines
    left: int
    right: float
    baseline: float
    label_y: float
    title: str
    unit: str
    total: int


def _nice_max(n: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if n <= step * 4:
            return max(step * -(-n // step), step)
    return n


def year_chart(
    counts: list[tuple[int, int]], *, title: str, unit: str, href: Callable[[int], str] | None = None
) -> Chart | None:
    """Bars for each year from the first to the last with a count (gaps shown as zero)."""
    if not counts:
        return None
    by_year = dict(counts)
    years = list(range(min(by_year), max(by_year) + 1))
    top = _nice_max(max(by_year.values()))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = min(plot_w / len(years), MAX_SLOT)
    every = -(-len(years) // MAX_LABELS)
    bars = []
    for i, year in enumerate(years):
        n = by_year.get(year, 0)
        h = plot_h * n / top
        bars.append(
            Bar(
                x=round(LEFT + i * slot + slot * 0.1, 2),
                y=round(TOP + plot_h - h, 2),
                width=round(slot * 0.8, 2),
                height=round(h, 2),
                label=str(year),
                count=n,
                href=href(year) if href and n else None,
                show_label=(i % every == 0),
                label_x=round(LEFT + i * slot + slot / 2, 2),
            )
        )
    ticks = [(round(TOP + plot_h - plot_h * v / top, 2), v) for v in sorted({0, top // 2, top})]
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        bars=bars,
        ticks=ticks,
        left=LEFT,
        right=round(LEFT + slot * len(years), 2),
        baseline=TOP + plot_h,
        label_y=HEIGHT - 6,
        title=title,
        unit=unit,
        total=sum(by_year.values()),
    )
