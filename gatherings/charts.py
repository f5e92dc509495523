"""A horizontal bar chart of the mean per question, drawn as SVG on the server (measures.charts' house style:
a title and a description for screen readers, and the numbers as a table beside it)."""

from dataclasses import dataclass

WIDTH = 480
ROW = 60  # a label line above each bar
BAR = 22
AXIS = 24  # the numbers under the bars
LEFT, RIGHT, TOP = 4, 56, 8


@dataclass
class Bar:
    label: str
    value: object  # Decimal or None (not shown)
    label_y: float = 0
    bar_y: float = 0
    width: float = 0
    value_x: float = 0


@dataclass
class BarChart:
    chart_id: str
    title: str
    description: str
    scale_max: int
    bars: list
    width: int = WIDTH
    height: int = 0
    ticks: list = None

    @property
    def axis_y(self):
        return self.height - 6

    @property
    def plot_bottom(self):
        return self.height - AXIS

    @property
    def plot_left(self):
        return LEFT


def bar_chart(*, chart_id, title, description, rows, scale_max):
    """``rows``: (label, mean or None); bars run from 0 to ``scale_max``."""
    usable = WIDTH - LEFT - RIGHT
    bars = []
    for index, (label, value) in enumerate(rows):
        top = TOP + index * ROW
        width = 0 if value is None else round(usable * float(value) / scale_max, 1)
        bars.append(
            Bar(label=label, value=value, label_y=top + 16, bar_y=top + 24, width=width, value_x=LEFT + width + 6)
        )
    ticks = [{"value": n, "x": round(LEFT + usable * n / scale_max, 1)} for n in range(1, scale_max + 1)]
    return BarChart(
        chart_id=chart_id,
        title=title,
        description=description,
        scale_max=scale_max,
        bars=bars,
        height=TOP + len(bars) * ROW + AXIS,
        ticks=ticks,
    )
