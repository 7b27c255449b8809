"""The race: each run's path over the function (a 2-D map, or the 1-D curve), played back.

Pure functions from tidy DataFrames to Altair charts; the shared styling is in :mod:`lab.charts`.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

import surfaces

from . import frames, raster
from .charts import HEIGHT, run_colour
from .run_style import RunStyle

STAR = (
    "M0,-1L0.29,-0.4L0.95,-0.31L0.48,0.15L0.59,0.81L0,0.5L-0.59,0.81L-0.48,0.15L-0.95,-0.31"
    "L-0.29,-0.4Z"
)


def landscape(
    grid: pd.DataFrame, picture: pd.DataFrame, lines: pd.DataFrame, surface: surfaces.Surface
) -> alt.LayerChart:
    """The 2-D function on its plotting window: a fine heatmap drawn as one image, iso-lines,
    and a coarse grid of invisible cells that carries the colour legend, the value tooltips and
    the click that moves the start (thousands of SVG cells would slow the browser down)."""
    (x0, x1), (y0, y1) = surface.bounds
    xname, yname = surface.axis_names
    x = alt.X("x:Q", scale=alt.Scale(domain=[x0, x1], nice=False, zero=False), title=xname)
    y = alt.Y("y:Q", scale=alt.Scale(domain=[y0, y1], nice=False, zero=False), title=yname)
    image = (
        alt.Chart(picture)
        .mark_image(aspect=False, opacity=0.9)
        .encode(x=x, x2="x2:Q", y=y, y2="y2:Q", url="url:N")
    )
    low, high = float(picture["low"].iloc[0]), float(picture["high"].iloc[0])
    dx, dy = (x1 - x0) / frames.PICK_GRID, (y1 - y0) / frames.PICK_GRID
    cells = (
        alt.Chart(grid)
        .transform_calculate(
            x2=f"datum.x + {dx!r}",
            y2=f"datum.y + {dy!r}",
            cx=f"datum.x + {dx / 2!r}",
            cy=f"datum.y + {dy / 2!r}",
        )
        .mark_rect(opacity=0)
        .encode(
            x=x,
            x2="x2:Q",
            y=y,
            y2="y2:Q",
            color=alt.Color(
                "colour:Q",
                scale=alt.Scale(domain=[low, high], range=raster.STOPS, clamp=True),
                title=frames.colour_title(surface),
                legend=alt.Legend(orient="right", gradientLength=260),
            ),
            tooltip=[alt.Tooltip("f:Q", format=".4g", title="f at the cell's centre")],
        )
        .add_params(alt.selection_point(name=PICK, on="click", fields=["cx", "cy"]))
    )
    iso = (
        alt.Chart(lines)
        .mark_line(color="#425466", strokeWidth=0.8, opacity=0.55, clip=True)
        .encode(x=x, y=y, detail="line:N", order="order:Q")
    )
    return alt.layer(image, iso, cells)


PLAYBACK = "step_shown"  # the Vega-Lite parameter behind the playback slider
PICK = "pick_start"  # the click selection that moves the start


def trajectory_map(
    grid: pd.DataFrame,
    picture: pd.DataFrame,
    lines: pd.DataFrame,
    paths: pd.DataFrame,
    surface: surfaces.Surface,
    runs: RunStyle,
    start: tuple[float, ...],
) -> alt.LayerChart:
    """Each run's path in step order over the landscape, with the start and known minima.

    A slider under the chart (a Vega-Lite parameter, so it moves in the browser without a
    rerun) plays the race back: paths are drawn up to its step, a diamond marks each run's
    position there. Clicking the map selects a cell (the ``pick_start`` selection).
    """
    colour = run_colour(runs)
    quiet = run_colour(runs, legend=False)
    xs, ys = surface.axis_names
    last = int(paths["step"].max()) if len(paths) else 0
    shown = alt.param(
        name=PLAYBACK,
        value=last,
        bind=alt.binding_range(min=0, max=max(last, 1), step=1, name="Playback: step "),
    )
    upto = alt.Chart(paths).transform_filter(f"datum.step <= {PLAYBACK}")
    base = upto.encode(x=alt.X(f"{xs}:Q"), y=alt.Y(f"{ys}:Q"), order="step:Q", detail="run:N")
    tips = [
        "run:N",
        "step:Q",
        alt.Tooltip(f"{xs}:Q", format=".4g"),
        alt.Tooltip(f"{ys}:Q", format=".4g"),
        alt.Tooltip("loss:Q", format=".4g"),
    ]
    halo = base.mark_line(color="white", strokeWidth=5.5, opacity=0.8, clip=True)
    line = base.mark_line(strokeWidth=2.6, opacity=0.85, clip=True).encode(color=colour)
    dots = (
        base.transform_filter("datum.dot")
        .mark_circle(size=28, clip=True)
        .encode(color=quiet, tooltip=tips)
    )
    now = (
        upto.transform_window(
            rank="rank()", sort=[alt.SortField("step", order="descending")], groupby=["run"]
        )
        .transform_filter("datum.rank == 1")
        .mark_point(
            shape="diamond", size=260, filled=True, stroke="white", strokeWidth=1.5, clip=True
        )
        .encode(x=f"{xs}:Q", y=f"{ys}:Q", color=quiet, tooltip=tips)
    )
    marks = markers(surface, start)
    chart = alt.layer(landscape(grid, picture, lines, surface), halo, line, dots, now, marks)
    return chart.add_params(shown).properties(height=HEIGHT, width="container")


def markers(surface: surfaces.Surface, start: tuple[float, ...]) -> alt.LayerChart:
    """The start (a ring) and known minima (stars), labelled."""
    xs, ys = surface.axis_names[0], surface.axis_names[-1] if surface.dim == 2 else "f"
    rows = [
        {
            "what": "start",
            xs: start[0],
            ys: start[-1] if surface.dim == 2 else float(surface.f(list(start))),
        }
    ]
    for point in surface.minima:
        y = point[-1] if surface.dim == 2 else float(surface.f(point))
        rows.append({"what": "minimum", xs: float(point[0]), ys: float(y)})
    if (
        surface.name == surfaces.expression.NAME
        and (guess := frames.grid_minimum(surface)) is not None
    ):
        y = guess[-1] if surface.dim == 2 else float(surface.f(guess))
        rows.append({"what": "estimated minimum (lowest grid point)", xs: guess[0], ys: y})
    data = pd.DataFrame(rows)
    base = alt.Chart(data).encode(
        x=f"{xs}:Q", y=f"{ys}:Q", tooltip=["what:N", f"{xs}:Q", f"{ys}:Q"]
    )
    start_mark = base.transform_filter("datum.what == 'start'").mark_point(
        shape="circle", size=320, strokeWidth=3, color="black", clip=True
    )
    minima = base.transform_filter("datum.what == 'minimum'").mark_point(
        shape=STAR,
        size=380,
        filled=True,
        color="#FFD400",
        stroke="black",
        strokeWidth=1,
        clip=True,
    )
    estimate = base.transform_filter("datum.what != 'start' && datum.what != 'minimum'")
    estimate = estimate.mark_point(
        shape=STAR,
        size=380,
        filled=False,
        color="black",
        strokeWidth=2,
        strokeDash=[3, 2],
        clip=True,
    )
    return alt.layer(start_mark, minima, estimate)


def function_curve(
    curve: pd.DataFrame,
    paths: pd.DataFrame,
    surface: surfaces.Surface,
    runs: RunStyle,
    start: tuple[float, ...],
) -> alt.LayerChart:
    """A 1-D function's graph with each run's iterates on it, in step order."""
    ((x0, x1),) = surface.bounds
    x = alt.X("x:Q", scale=alt.Scale(domain=[x0, x1], nice=False), title="x")
    f_low, f_high = float(curve["f"].min()), float(curve["f"].max())
    y = alt.Y("f:Q", title="f(x)", scale=alt.Scale(domain=[f_low, f_high], padding=16))
    graph = alt.Chart(curve).mark_line(color="#425466", strokeWidth=2.5).encode(x=x, y=y)
    points = paths.rename(columns={"loss": "f"})
    points = points[points["x"].between(x0, x1)]  # iterates off the window would stretch it
    colour = run_colour(runs)
    tips = ["run:N", "step:Q", alt.Tooltip("x:Q", format=".4g"), alt.Tooltip("f:Q", format=".4g")]
    base = alt.Chart(points).encode(x=x, y=y, order="step:Q", detail="run:N")
    line = base.mark_line(strokeWidth=1.2, opacity=0.5, clip=True).encode(color=colour)
    quiet = run_colour(runs, legend=False)
    dots = base.mark_circle(size=70, opacity=0.8, clip=True).encode(color=quiet, tooltip=tips)
    return alt.layer(graph, line, dots, markers(surface, start)).properties(
        height=HEIGHT, width="container"
    )


def parameter_vs_step(paths: pd.DataFrame, surface: surfaces.Surface, runs: RunStyle) -> alt.Chart:
    """A 1-D run's parameter against step: overshoot and oscillation read at a glance."""
    (name,) = surface.axis_names
    ((low, high),) = surface.bounds
    return (
        alt.Chart(paths)
        .mark_line(strokeWidth=2.4, opacity=0.85, clip=True, point=alt.OverlayMarkDef(size=30))
        .encode(
            x=alt.X("step:Q", title="step", axis=alt.Axis(tickMinStep=1)),
            # the function's window: a run that leaves it is cut at the edge, not rescaling all
            y=alt.Y(f"{name}:Q", title=name, scale=alt.Scale(domain=[low, high], nice=False)),
            color=run_colour(runs),
            tooltip=["run:N", "step:Q", alt.Tooltip(f"{name}:Q", format=".4g")],
        )
        .properties(height=HEIGHT * 0.75, width="container")
    )
