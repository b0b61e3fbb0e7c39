"""Geometry of the trends chart: one line per term over the years, a point per year. Pure
numbers; the SVG markup is in templates/trends/_chart.html (no script)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 52, 12, 12, 28
MAX_LABELS = 12
# Distinguishable without colour too: each series has its own dash pattern and marker size.
COLOURS = ("#1a5d9c", "#b04a12", "#2b7a3d", "#6b3fa0", "#8a6a00", "#b0195c")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "4 2", "1 2")


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    year: int
    value: float
    count: int
    href: str


@dataclass(frozen=True)
class Series:
    term: str
    colour: str
    dash: str
    points: list[Point]

    @property
    def path(self) -> str:
        return " ".join(f"{p.x},{p.y}" for p in self.points)


@dataclass(frozen=True)
class TrendChart:
    width: int
    height: int
    series: list[Series]
    ticks: list[tuple[float, str]]  # (y, label)
    labels: list[tuple[float, int]]  # (x, year)
    left: int
    right: float
    baseline: float
    label_y: float
    unit: str


def _nice_top(v: float) -> float:
    if v <= 0:
        return 1.0
    for step in (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10_000):
        if v <= step * 4:
            return step * -(-v // step)
    return float(v)


def trend_chart(result: dict, *, measure: str, href: Callable[[str, int], str]) -> TrendChart | None:
    """`measure`: "per_10k" or "paragraphs"; href(term, year): the search behind a point."""
    years = [y["year"] for y in result["years"]]
    if not years or not result["terms"]:
        return None
    top = _nice_top(max((p[measure] for t in result["terms"] for p in t["years"]), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(years) - 1, 1)
    x_of = {y: round(LEFT + (i * step if len(years) > 1 else plot_w / 2), 2) for i, y in enumerate(years)}
    series = []
    for i, t in enumerate(result["terms"]):
        points = [
            Point(
                x=x_of[p["year"]],
                y=round(TOP + plot_h - plot_h * p[measure] / top, 2),
                year=p["year"],
                value=p[measure],
                count=p["paragraphs"],
                href=href(t["term"], p["year"]),
            )
            for p in t["years"]
        ]
        series.append(
            Series(
                term=t["term"], colour=COLOURS[i % len(COLOURS)], dash=DASHES[i % len(DASHES)], points=points
            )
        )
    every = -(-len(years) // MAX_LABELS)
    fmt = (lambda v: f"{v:g}") if measure == "per_10k" else (lambda v: f"{int(v):,}")
    ticks = [(round(TOP + plot_h - plot_h * v / top, 2), fmt(v)) for v in (0, top / 2, top)]
    return TrendChart(
        width=WIDTH,
        height=HEIGHT,
        series=series,
        ticks=ticks,
        labels=[(x_of[y], y) for i, y in enumerate(years) if i % every == 0],
        left=LEFT,
        right=WIDTH - RIGHT,
        baseline=TOP + plot_h,
        label_y=HEIGHT - 8,
        unit="paragraphs per 10,000" if measure == "per_10k" else "paragraphs",
    )
