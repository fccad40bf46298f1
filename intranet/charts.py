"""Chart geometry for server-rendered SVG (templates/macros/charts.html draws it).

Python computes where each bar and point goes; Jinja writes the SVG, so every label passes
through autoescaping. The charts print, need no JavaScript, and stay legible on a phone.

SVG text scales with the viewBox, so the geometry is drawn on a phone-sized canvas (WIDTH
user units, about the width of a chart on a 390 px phone): a label of FONT units then shows at
11 px or more there, and the stylesheet shrinks the units on wider screens (static/css/app.css,
.chart-svg). Category labels that would overlap are turned at an angle instead of shrunk.
"""

import math
import unicodedata
from dataclasses import dataclass, field

WIDTH = 360
FONT = 14  # user units of chart text on a phone; the stylesheet uses less on wider screens
PLOT_TOP = 12
PLOT_BOTTOM = 30  # room for category labels written level
PLOT_LEFT = 44  # room for the value axis
PLOT_RIGHT = 8
TILT = 40  # degrees, for category labels too long for their slot


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
    plot_left: int = PLOT_LEFT
    plot_bottom: float = 0  # y of the baseline
    label_y: float = 0  # baseline of the category labels
    tilt: int = 0  # degrees the category labels are turned (0: level)


def nice_max(value: float) -> float:
    """A round upper bound for the axis: 7 -> 8, 23 -> 25, 0 -> 1."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 1.25, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def integer_axis(value: float, most: int = 5) -> tuple[int, int]:
    """An axis for counts: (top, number of steps) whose ticks are all whole numbers, at most
    `most` steps: 4 -> (4, 4), 7 -> (8, 4), 23 -> (25, 5), 0 -> (1, 1)."""
    value = max(math.ceil(value), 1)
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10, 20, 50):
        step = max(int(step * magnitude / 10), 1)
        if math.ceil(value / step) <= most:
            return step * math.ceil(value / step), math.ceil(value / step)
    return 10 * magnitude, 10  # pragma: no cover (the loop always returns)


def text_width(text: str, font: float = FONT) -> float:
    """Rough width of a label in user units: CJK characters a full em, others about half."""
    return sum(font if unicodedata.east_asian_width(ch) in "WF" else font * 0.6 for ch in text)


def _ticks(top: float, plot_height: float, count: int = 4, percent: bool = False):
    ticks = []
    for i in range(count + 1):
        value = top * i / count
        y = PLOT_TOP + plot_height - plot_height * i / count
        label = f"{value:.0%}" if percent else f"{value:g}"
        ticks.append((round(y, 1), label))
    return ticks


def _axis(values: list[float], percent: bool, plot_height: float):
    if percent:
        return 1.0, _ticks(1.0, plot_height, percent=True)
    if all(float(v).is_integer() for v in values):
        top, count = integer_axis(max(values, default=0))
        return top, _ticks(top, plot_height, count)
    top = nice_max(max(values, default=0))
    return top, _ticks(top, plot_height)


def _frame(categories: list[str], plot_height: int) -> tuple[int, float, float, int]:
    """Height, baseline, label line and tilt: long labels turn and get the room they need."""
    slot = (WIDTH - PLOT_LEFT - PLOT_RIGHT) / max(len(categories), 1)
    longest = max((text_width(c) for c in categories), default=0)
    tilt = TILT if longest > slot * 0.95 else 0
    bottom = PLOT_BOTTOM
    if tilt:
        bottom = math.ceil(longest * math.sin(math.radians(tilt)) + FONT + 8)
    baseline = PLOT_TOP + plot_height
    return baseline + bottom, baseline, baseline + FONT + 4, tilt


def bar_chart(
    categories: list[str],
    series: dict[str, list[float]],
    height: int = 220,
    urls: list[str | None] | None = None,
    percent: bool = False,
    title: str = "",
) -> Chart:
    """Grouped bars: one group per category, one bar per series. `height` is the drawing's
    height with level labels; turned labels add what they need below it."""
    names = list(series)
    plot_height = height - PLOT_TOP - PLOT_BOTTOM
    top, ticks = _axis([v for vs in series.values() for v in vs], percent, plot_height)
    plot_width = WIDTH - PLOT_LEFT - PLOT_RIGHT
    group = plot_width / max(len(categories), 1)
    bar_width = group * 0.7 / max(len(names), 1)
    total, baseline, label_y, tilt = _frame(categories, plot_height)
    chart = Chart(
        WIDTH,
        total,
        ticks,
        [],
        series=names,
        title=title,
        plot_bottom=baseline,
        label_y=label_y,
        tilt=tilt,
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
    plot_height = height - PLOT_TOP - PLOT_BOTTOM
    top, ticks = _axis(values, percent, plot_height)
    plot_width = WIDTH - PLOT_LEFT - PLOT_RIGHT
    step = plot_width / max(len(categories), 1)
    total, baseline, label_y, tilt = _frame(categories, plot_height)
    chart = Chart(
        WIDTH,
        total,
        ticks,
        [],
        series=names,
        title=title,
        plot_bottom=baseline,
        label_y=label_y,
        tilt=tilt,
    )
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
            dots.append(
                {
                    "x": round(x, 1),
                    "y": round(y, 1),
                    "value": value,
                    "label": f"{categories[i]} {name}",
                }
            )
        points = " ".join(f"{d['x']},{d['y']}" for d in dots)
        chart.lines.append({"series": s, "name": name, "points": points, "dots": dots})
    return chart
