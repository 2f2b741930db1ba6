"""Bar charts drawn on the server as SVG (the reports' charts): no script, no network,
printable. `bar_chart()` works out the geometry; `templates/components/bar_chart.html`
draws it with a <title> and <desc> (role="img"), each bar's value in its own <title>
for a pointer, and a legend. The figures themselves are the table the page draws
beneath the chart, which is what a screen reader and the CSV read."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from math import floor, log10

WIDTH, HEIGHT = 720, 280
LEFT, RIGHT, TOP, BOTTOM = 76, 12, 12, 36
MAX_X_LABELS = 12


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Decimal | int | float]
    css: str = "series-1"  # the bar's class: its colour in app.css


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str


@dataclass
class Tick:
    y: float
    label: str


@dataclass
class XLabel:
    x: float
    label: str


@dataclass
class BarChart:
    title: str
    description: str
    width: int = WIDTH
    height: int = HEIGHT
    bars: list[Bar] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    labels: list[XLabel] = field(default_factory=list)
    legend: list[Series] = field(default_factory=list)
    baseline: float = 0.0
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    empty: bool = False


def _nice_step(span: float, count: int = 5) -> float:
    """A round step (1, 2 or 5 × 10ⁿ) that cuts `span` into about `count` pieces."""
    raw = span / count
    magnitude = 10 ** floor(log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def bar_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    description: str = "",
    value_format: Callable[[Decimal], str] = lambda value: f"{value:,.2f}",
    stacked: bool = False,
) -> BarChart:
    """A grouped bar chart: one group of bars per category, one bar per series.
    Negative values (a month of more credit than invoicing) hang below the zero line.
    `stacked`: one bar per category, the series' (positive) values on top of each
    other (billable hours and the rest make the day's hours)."""
    chart = BarChart(title=title, description=description, legend=list(series))
    if stacked:
        columns = zip(*(one.values for one in series), strict=True)
        values = [float(sum((Decimal(str(v)) for v in column), Decimal(0))) for column in columns]
    else:
        values = [float(v) for s in series for v in s.values]
    top_value = max([0.0, *values])
    low_value = min([0.0, *values])
    chart.empty = not categories or top_value == low_value == 0.0
    if top_value == low_value:
        top_value = 1.0
    step = _nice_step(top_value - low_value)
    high = step * -floor(-top_value / step)
    low = step * floor(low_value / step)
    plot_height = HEIGHT - TOP - BOTTOM
    plot_width = WIDTH - LEFT - RIGHT

    def y_of(value: float) -> float:
        return round(TOP + (high - value) / (high - low) * plot_height, 2)

    chart.baseline = y_of(0.0)
    tick = low
    while tick <= high + step / 2:
        chart.ticks.append(Tick(y_of(tick), value_format(Decimal(str(round(tick, 2))))))
        tick += step
    if not categories:
        return chart
    group_width = plot_width / len(categories)
    bar_width = group_width * 0.8 / (1 if stacked else max(1, len(series)))
    every = -(-len(categories) // MAX_X_LABELS)
    for index, category in enumerate(categories):
        group_left = LEFT + index * group_width + group_width * 0.1
        if index % every == 0:
            chart.labels.append(XLabel(round(LEFT + (index + 0.5) * group_width, 2), category))
        below = 0.0  # stacked: the top of the series under this one
        for number, one in enumerate(series):
            amount = Decimal(str(one.values[index]))
            value = float(amount)
            y = y_of(below + value if stacked else value)
            bottom = y_of(below) if stacked else chart.baseline
            chart.bars.append(
                Bar(
                    x=round(group_left + (0 if stacked else number) * bar_width, 2),
                    y=min(y, bottom),
                    width=round(max(bar_width - 2, 1), 2),
                    height=round(abs(bottom - y), 2),
                    css=one.css,
                    title=f"{category}, {one.name}: {value_format(amount)}",
                )
            )
            if stacked:
                below += value
    return chart
