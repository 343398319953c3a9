"""Plotly figures for the HTML reports: a site's search space, and charts across an inventory.

Each dimension of a space gets a row of its own with its own x axis: a range [low, high] as a
segment (on a log axis when the space says log), grid values and numeric choices as points on a
linear or log axis, categorical choices as points on a category axis. Figures carry no template
(the default one repeats kilobytes of styling per figure) and get deterministic div ids.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from hptlens.report import Hyperparameter, JsonScalar, SearchSpace

ROW_PX = 64
"""Height of one dimension's row."""
BAR_PX = 22
COLOUR = "#3569a8"
CHOICE_COLOUR = "#c2612b"


def drawable(space: SearchSpace | None) -> bool:
    """Whether a dimension has a literal domain to draw."""
    if space is None:
        return False
    if space.low is not None and space.high is not None:
        return True
    return bool(space.choices or space.values)


def grid_points(dimensions: Sequence[Hyperparameter]) -> int | None:
    """Points of the grid the listed values span (the product of their counts), or None."""
    counts = [len(h.space.values) for h in dimensions if h.space is not None and h.space.values]
    return math.prod(counts) if counts else None


def _numbers(items: Sequence[JsonScalar]) -> list[float] | None:
    if items and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in items):
        return [float(v) for v in items if isinstance(v, (int, float))]
    return None


def _log_axis(space: SearchSpace, numbers: Sequence[float]) -> bool:
    if not numbers or min(numbers) <= 0:
        return False
    return space.log or (len(numbers) > 2 and max(numbers) / min(numbers) >= 1000)


def space_figure(dimensions: Sequence[Hyperparameter]) -> Any:
    """One row per drawable dimension of a site's space."""
    from plotly.subplots import make_subplots

    rows = [h for h in dimensions if drawable(h.space)]
    figure = make_subplots(rows=len(rows), cols=1, vertical_spacing=min(0.3, 0.6 / max(1, len(rows))))
    for index, dimension in enumerate(rows, start=1):
        _dimension_row(figure, index, dimension)
    figure.update_layout(
        template="none",
        height=40 + ROW_PX * len(rows),
        margin={"l": 150, "r": 20, "t": 10, "b": 30},
        showlegend=False,
    )
    return figure


def _dimension_row(figure: Any, row: int, dimension: Hyperparameter) -> None:
    import plotly.graph_objects as go

    space = dimension.space
    assert space is not None
    name = dimension.name
    label = f"{name}: {space.describe()}"
    if space.low is not None and space.high is not None:
        numbers = [space.low, space.high]
        trace = go.Scatter(
            x=numbers, y=[name, name], mode="lines+markers", line={"width": 6, "color": COLOUR}, hovertext=label
        )
    else:
        items = list(space.choices or space.values or [])
        numbers = _numbers(items) or []
        shown: list[Any] = numbers if numbers else [str(v) for v in items]
        colour = CHOICE_COLOUR if space.choices is not None else COLOUR
        trace = go.Scatter(
            x=shown, y=[name] * len(shown), mode="markers", marker={"size": 10, "color": colour}, hovertext=label
        )
    figure.add_trace(trace, row=row, col=1)
    axis: dict[str, Any] = {"title": {"text": label, "font": {"size": 11}}}
    if numbers and _log_axis(space, numbers):
        axis["type"] = "log"
    elif not numbers:
        axis["type"] = "category"
    figure.update_xaxes(row=row, col=1, **axis)
    figure.update_yaxes(row=row, col=1, type="category", showgrid=False)


def bar_figure(counts: dict[str, int], title: str, limit: int = 20) -> Any:
    """Horizontal bars, largest first (at the top)."""
    import plotly.graph_objects as go

    items = list(counts.items())[:limit]
    labels = [label for label, _ in reversed(items)]
    values = [value for _, value in reversed(items)]
    figure = go.Figure(go.Bar(x=values, y=labels, orientation="h", marker={"color": COLOUR}))
    figure.update_layout(
        template="none",
        title={"text": title, "font": {"size": 14}},
        height=80 + BAR_PX * max(1, len(items)),
        margin={"l": 220, "r": 20, "t": 40, "b": 30},
        yaxis={"type": "category", "automargin": True},
    )
    return figure


def bounds_figure(name: str, bounds: Sequence[tuple[str, float, float]], log: bool) -> Any:
    """The [low, high] of one hyperparameter at every site that bounds it, one segment each."""
    import plotly.graph_objects as go

    figure = go.Figure()
    for index, (where, low, high) in enumerate(bounds):
        row = f"{index + 1}. {where}"
        figure.add_trace(
            go.Scatter(
                x=[low, high], y=[row, row], mode="lines+markers", line={"width": 5, "color": COLOUR}, hovertext=where
            )
        )
    positive = all(low > 0 and high > 0 for _, low, high in bounds)
    figure.update_layout(
        template="none",
        title={"text": f"{name}: bounds at {len(bounds)} sites", "font": {"size": 14}},
        height=90 + BAR_PX * max(1, len(bounds)),
        margin={"l": 260, "r": 20, "t": 40, "b": 30},
        showlegend=False,
        xaxis={"type": "log" if log and positive else "linear"},
        yaxis={"type": "category", "autorange": "reversed", "automargin": True},
    )
    return figure


def figure_html(figure: Any, div_id: str) -> str:
    """The figure as a div and its script (plotly.js itself is in the page once)."""
    html: str = figure.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=div_id,
        config={"displaylogo": False, "responsive": True},
    )
    return html


def plotly_js() -> str:
    """plotly.js as shipped in the plotly package: the page needs no network."""
    from plotly.offline import get_plotlyjs

    script: str = get_plotlyjs()
    return script
