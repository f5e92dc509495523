"""Server-rendered SVG run charts (``insights/includes/run_chart.html``), in the measures charts' style.

A run chart is one point per month on an even x axis, the median as a dashed line, withheld months
as gaps, and what the Anhøj rules found written beside it in words (a chart is never the only way to
read a figure: the same numbers follow as a table). ``markers`` are dated events drawn as vertical
lines — an improvement team's PDSA cycles.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from .runchart import run_chart

WIDTH, HEIGHT = 560, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 14, 14, 30


@dataclass
class ChartPoint:
    month: datetime.date
    value: Decimal | None
    withheld: str = ""
    x: float = 0
    y: float | None = None
    in_long_run: bool = False


@dataclass
class Marker:
    when: datetime.date
    label: str
    x: float = 0
    anchor: str = "middle"  # the label's text-anchor: kept inside the plot at either end


@dataclass
class RunChartDrawing:
    chart_id: str
    title: str
    description: str
    points: list
    analysis: object
    markers: list = field(default_factory=list)
    y_ticks: list = field(default_factory=list)
    path: str = ""
    median_y: float | None = None
    width: int = WIDTH
    height: int = HEIGHT
    unit: str = ""

    plot_left = LEFT
    plot_top = TOP

    @property
    def plot_right(self):
        return self.width - RIGHT

    @property
    def plot_bottom(self):
        return self.height - BOTTOM

    @property
    def has_values(self):
        return any(point.value is not None for point in self.points)


def _nice_max(value):
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step * 5:
            return step * 5, step
    return value, max(1, round(value / 5))


def draw(*, chart_id, title, description, values, markers=(), unit="", y_max=None):
    """``values``: ``series.MonthValue`` per month, oldest first; ``markers``: ``(date, label)``."""
    points = [ChartPoint(v.month, v.value, v.withheld) for v in values]
    analysis = run_chart([float(p.value) if p.value is not None else None for p in points])
    shown = [float(p.value) for p in points if p.value is not None]
    top, step = _nice_max(max([*shown, 1.0]) if y_max is None else y_max)
    drawing = RunChartDrawing(
        chart_id=chart_id, title=title, description=description, points=points, analysis=analysis, unit=unit
    )
    usable = drawing.plot_right - LEFT
    count = len(points)

    def x_of(index):
        return round(LEFT + (usable / 2 if count == 1 else usable * index / (count - 1)), 1)

    def y_of(value):
        return round(TOP + (top - float(value)) / (top or 1) * (drawing.plot_bottom - TOP), 1)

    for index, point in enumerate(points):
        point.x = x_of(index)
        point.y = y_of(point.value) if point.value is not None else None
    _mark_long_runs(points, analysis)
    segments, pen_down = [], False
    for point in points:
        if point.y is None:
            pen_down = False
            continue
        segments.append(f"{'L' if pen_down else 'M'}{point.x},{point.y}")
        pen_down = True
    drawing.path = " ".join(segments)
    if analysis.median is not None:
        drawing.median_y = y_of(analysis.median)
    drawing.y_ticks = [{"value": v, "y": y_of(v)} for v in range(0, int(top) + 1, int(step))]
    for when, label in markers:
        if not points or not points[0].month <= when.replace(day=1) <= points[-1].month:
            continue
        index = [p.month for p in points].index(when.replace(day=1))
        x = x_of(index)
        anchor = "end" if x > drawing.plot_right - 30 else "start" if x < LEFT + 30 else "middle"
        drawing.markers.append(Marker(when, label, x, anchor))
    return drawing


def _mark_long_runs(points, analysis):
    """Flag the points of every run longer than the limit, so the chart can show where the signal is."""
    if not analysis.long_run:
        return
    sided = [
        (p, 1 if float(p.value) > analysis.median else -1)
        for p in points
        if p.value is not None and float(p.value) != analysis.median
    ]
    run = []
    for point, side in [*sided, (None, 0)]:
        if run and side != run[-1][1]:
            if len(run) > analysis.longest_run_limit:
                for member, _side in run:
                    member.in_long_run = True
            run = []
        run.append((point, side))
