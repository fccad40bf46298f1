"""Chart geometry for server-rendered SVG (templates/macros/charts.html draws it).

Python computes where each bar and point goes; Jinja writes the SVG, so every label passes
through autoescaping. The charts print, need no JavaScript, and stay legible on a phone.
"""

import math
from dataclasses import dataclass, field

WIDTH = 640
PLOT_TOP = 12
PLOT_BOTTOM = 40  # room for category labels
PLOT_LEFT = 40  # room for the value axis
PLOT_RIGHT = 8


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: float
    label: str
    series: int = 0
    url: str | None = None


@dataclass
class Chart:
    width: int
    height: int
    ticks: list[tuple[float, str]]  # (y, label) of the value axis
    categories: list[tuple[float, str]]  # (x, label) under the bars or points
    bars: list[Bar] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)  # {"points": "x,y x,y", "dots": [...], ...}
    series: list[str] = field(default_factory=list)
    title: str = ""


def nice_max(value: float) -> float:
    """A round upper bound for the axis: 7 -> 8, 23 -> 25, 0 -> 1."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 1.25, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _ticks(top: float, plot_height: float, count: int = 4, percent: bool = False):
    ticks = []
    for i in range(count + 1):
        value = top * i / count
        y = PLOT_TOP + plot_height - plot_height * i / count
        label = f"{value:.0%}" if percent else f"{value:g}"
        ticks.append((round(y, 1), label))
    return ticks


def bar_chart(
    categories: list[str],
    series: dict[str, list[float]],
    height: int = 220,
    urls: list[str | None] | None = None,
    percent: bool = False,
    title: str = "",
) -> Chart:
    """Grouped bars: one group per category, one bar per series."""
    names = list(series)
    top = 1.0 if percent else nice_max(max((v for vs in series.values() for v in vs), default=0))
    plot_height = height - PLOT_TOP - PLOT_BOTTOM
    plot_width = WIDTH - PLOT_LEFT - PLOT_RIGHT
    group = plot_width / max(len(categories), 1)
    bar_width = group * 0.7 / max(len(names), 1)
    chart = Chart(
        WIDTH,
        height,
        _ticks(top, plot_height, percent=percent),
        [],
        series=names,
        title=title,
    )
    for c, category in enumerate(categories):
        left = PLOT_LEFT + c * group + group * 0.15
        chart.categories.append((round(PLOT_LEFT + (c + 0.5) * group, 1), category))
        for s, name in enumerate(names):
            value = series[name][c]
            bar_height = plot_height * min(value / top, 1.0)
            chart.bars.append(
                Bar(
                    x=round(left + s * bar_width, 1),
                    y=round(PLOT_TOP + plot_height - bar_height, 1),
                    width=round(bar_width * 0.92, 1),
                    height=round(bar_height, 1),
                    value=value,
                    label=f"{category} {name}",
                    series=s,
                    url=urls[c] if urls else None,
                )
            )
    return chart


def line_chart(
    categories: list[str],
    series: dict[str, list[float | None]],
    height: int = 220,
    percent: bool = False,
    title: str = "",
) -> Chart:
    """Lines over categories (months); a None value leaves a gap in its line."""
    names = list(series)
    values = [v for vs in series.values() for v in vs if v is not None]
    top = 1.0 if percent else nice_max(max(values, default=0))
    plot_height = height - PLOT_TOP - PLOT_BOTTOM
    plot_width = WIDTH - PLOT_LEFT - PLOT_RIGHT
    step = plot_width / max(len(categories), 1)
    chart = Chart(WIDTH, height, _ticks(top, plot_height, percent=percent), [], series=names)
    chart.title = title
    chart.categories = [
        (round(PLOT_LEFT + (i + 0.5) * step, 1), c) for i, c in enumerate(categories)
    ]
    for s, name in enumerate(names):
        dots = []
        for i, value in enumerate(series[name]):
            if value is None:
                continue
            x = PLOT_LEFT + (i + 0.5) * step
            y = PLOT_TOP + plot_height - plot_height * min(value / top, 1.0)
            dots.append({"x": round(x, 1), "y": round(y, 1), "value": value,
                         "label": f"{categories[i]} {name}"})  # fmt: skip
        points = " ".join(f"{d['x']},{d['y']}" for d in dots)
        chart.lines.append({"series": s, "name": name, "points": points, "dots": dots})
    return chart
