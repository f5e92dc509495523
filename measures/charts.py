"""Server-rendered SVG line charts: no JavaScript, readable as text, printable in PDFs later."""

from dataclasses import dataclass, field
from decimal import Decimal

# A small canvas keeps the 14 px labels readable when a phone scales the chart down.
WIDTH, HEIGHT = 480, 240
LEFT, RIGHT, TOP, BOTTOM = 36, 12, 12, 28


@dataclass
class Point:
    when: object
    value: Decimal | None
    label: str = ""
    x: float = 0
    y: float = 0


@dataclass
class Chart:
    title: str
    description: str
    y_min: float
    y_max: float
    points: list
    bands: list = field(default_factory=list)  # (low, high, css class, label)
    cutoff: float | None = None
    y_ticks: list = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    chart_id: str = "chart"
    cutoff_y: float | None = None
    path: str = ""

    @property
    def plot_left(self):
        return LEFT

    @property
    def plot_right(self):
        return self.width - RIGHT

    @property
    def plot_width(self):
        return self.width - LEFT - RIGHT

    @property
    def plot_bottom(self):
        return self.height - BOTTOM


def _y(chart, value):
    span = chart.y_max - chart.y_min or 1
    return round(TOP + (chart.y_max - float(value)) / span * (chart.height - TOP - BOTTOM), 1)


def line_chart(*, chart_id, title, description, points, y_min, y_max, bands=(), cutoff=None, tick_step=None):
    """Place ``points`` (oldest first) evenly along x; shade ``bands``; draw the cut-off line."""
    chart = Chart(
        title=title,
        description=description,
        y_min=y_min,
        y_max=y_max,
        points=list(points),
        cutoff=cutoff,
        chart_id=chart_id,
    )
    usable = chart.width - LEFT - RIGHT
    count = len(chart.points)
    for index, point in enumerate(chart.points):
        point.x = round(LEFT + (usable / 2 if count == 1 else usable * index / (count - 1)), 1)
        point.y = _y(chart, point.value) if point.value is not None else None
    drawn = [p for p in chart.points if p.y is not None]
    chart.path = " ".join(f"{'M' if i == 0 else 'L'}{p.x},{p.y}" for i, p in enumerate(drawn))
    chart.bands = [
        {"y": _y(chart, high), "height": round(_y(chart, low) - _y(chart, high), 1), "css": css, "label": label}
        for low, high, css, label in bands
    ]
    if cutoff is not None:
        chart.cutoff_y = _y(chart, cutoff)
    step = tick_step or max(1, round((y_max - y_min) / 5))
    chart.y_ticks = [{"value": v, "y": _y(chart, v)} for v in range(int(y_min), int(y_max) + 1, step)]
    return chart
