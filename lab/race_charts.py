"""The race: each run's path over the function (a 2-D map, or the 1-D curve), played back.

Pure functions from tidy DataFrames to Altair charts; the shared styling is in :mod:`lab.charts`.
"""

from __future__ import annotations

import math

import altair as alt
import pandas as pd

import surfaces

from . import drawable, frames, playback, raster
from .charts import HEIGHT, beside_or_under, run_colour, run_dash
from .run_style import RunStyle
from .step_arrows import GRADIENT, MOMENTUM

STAR = (
    "M0,-1L0.29,-0.4L0.95,-0.31L0.48,0.15L0.59,0.81L0,0.5L-0.59,0.81L-0.48,0.15L-0.95,-0.31"
    "L-0.29,-0.4Z"
)


HEIGHT_2D = 430  # the map's plot height: with its controls it fits a 1280×720 projector
LEGEND_ROW = 21  # px per row of a legend under a chart
CURVE = "#7A8699"  # a 1-D function's graph: mid grey, readable on light and dark pages
PICK = "pick_start"  # the click selection that moves the start
ZOOM = "zoom"  # wheel to zoom, shift-drag to pan (the page's "Whole window" button resets it)
FOCUS = "focus"  # hovering a run in the legend (or its line) brings it forward
# only marks of a run: hovering the landscape's cells (no run) would fade every run
ON_A_RUN = "mouseover[datum && isValid(datum.run)]"
ARROWS = "arrows_for"  # whose arrows the map draws: nobody, everybody, or one run
NO_ARROWS, ALL_ARROWS = "none", "all runs"
ARROW_COLOURS = {GRADIENT: "#111111", MOMENTUM: "#7B2CBF"}  # the step taken: the run's


def true_scales(surface: surfaces.Surface) -> tuple[alt.Scale, alt.Scale]:
    """x and y scales with one data unit as long on screen along both axes, at any width.

    The domains are Vega expressions of the plot's width and height: the function's window is
    centred and fitted, and the spare room on one axis shows more of the plane. Zooming and
    panning (the ``zoom`` selection) override them until a double-click.
    """
    return window_scales(surface.bounds)


def window_scales(
    bounds: tuple[tuple[float, float], tuple[float, float]],
) -> tuple[alt.Scale, alt.Scale]:
    """:func:`true_scales` for any window ``((x0, x1), (y0, y1))``: one unit as long along x as
    along y, the window centred and fitted in the plot, whatever its width and height."""
    (x0, x1), (y0, y1) = ((float(a), float(b)) for a, b in bounds)
    unit = f"max({x1 - x0!r} / width, {y1 - y0!r} / height)"
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    x = alt.expr(f"[{cx!r} - {unit} * width / 2, {cx!r} + {unit} * width / 2]")
    y = alt.expr(f"[{cy!r} - {unit} * height / 2, {cy!r} + {unit} * height / 2]")
    return (
        alt.Scale(domain=x, nice=False, zero=False),
        alt.Scale(domain=y, nice=False, zero=False),
    )


def landscape(
    grid: pd.DataFrame, picture: pd.DataFrame, lines: pd.DataFrame, surface: surfaces.Surface
) -> alt.LayerChart:
    """The 2-D function on its plotting window: a fine heatmap drawn as one image, iso-lines,
    and a coarse grid of invisible cells that carries the colour legend, the value tooltips, the
    click that moves the start and the zoom (thousands of SVG cells would slow the browser)."""
    (x0, x1), (y0, y1) = surface.bounds
    xname, yname = surface.axis_names
    x_scale, y_scale = true_scales(surface)
    x = alt.X("x:Q", scale=x_scale, title=xname)
    y = alt.Y("y:Q", scale=y_scale, title=yname)
    image = (
        alt.Chart(picture)
        .mark_image(aspect=False, opacity=0.9, clip=True)
        .encode(x=x, x2="x2:Q", y=y, y2="y2:Q", url="url:N")
    )
    low, high = float(picture["low"].iloc[0]), float(picture["high"].iloc[0])
    dx, dy = (x1 - x0) / frames.PICK_GRID, (y1 - y0) / frames.PICK_GRID
    zoom = alt.selection_interval(
        name=ZOOM,
        bind="scales",
        zoom="wheel!",
        translate="[mousedown[event.shiftKey], window:mouseup] > window:mousemove!",
        clear=False,  # a double-click is two clicks, which move the start: the page has a button
    )
    cells = (
        alt.Chart(grid)
        .transform_calculate(
            x2=f"datum.x + {dx!r}",
            y2=f"datum.y + {dy!r}",
            cx=f"datum.x + {dx / 2!r}",
            cy=f"datum.y + {dy / 2!r}",
        )
        .mark_rect(opacity=0, clip=True)
        .encode(
            x=x,
            x2="x2:Q",
            y=y,
            y2="y2:Q",
            color=alt.Color(
                "colour:Q",
                scale=alt.Scale(domain=[low, high], range=raster.STOPS, clamp=True),
                title=frames.colour_title(surface),
                legend={"orient": beside_or_under(), "gradientLength": 200, "titleLimit": 200},
            ),
            tooltip=[alt.Tooltip("f:Q", format=".4g", title="f at the cell's centre")],
        )
        .add_params(
            alt.selection_point(name=PICK, on="click[!event.shiftKey]", fields=["cx", "cy"]),
            zoom,
        )
    )
    iso = (
        alt.Chart(lines)
        .mark_line(color="#425466", strokeWidth=0.8, opacity=0.55, clip=True)
        .encode(x=x, y=y, detail="line:N", order="order:Q")
    )
    return alt.layer(image, iso, cells)


def trajectory_map(
    grid: pd.DataFrame,
    picture: pd.DataFrame,
    lines: pd.DataFrame,
    paths: pd.DataFrame,
    arrows: pd.DataFrame,
    places: pd.DataFrame,
    surface: surfaces.Surface,
    runs: RunStyle,
    last: int,
    speed: int,
) -> alt.LayerChart:
    """Each run's path in step order over the landscape, played back in the browser.

    Play, pause, speed, loop and a step scrubber sit under the map (:mod:`lab.playback`); every
    run's trail grows to the step on screen and a diamond marks its head. Each run is drawn in
    its optimizer's colour and dash; hovering a run in the legend brings it forward. Optional
    arrows show, at the step on screen, the gradient, the momentum and the step taken. Clicking
    the map selects a cell (``pick_start``); the wheel zooms, shift-drag pans (a new chart, as
    the page's "Whole window" button makes, starts from the whole window again). One unit of x
    is as long as one unit of y.

    ``arrows`` come with their colours (:func:`inked`), ``places`` are the start and minima
    (:func:`lab.frames.places`), ``last`` is the last step drawn and ``speed`` the playback
    speed shown first: the chart is template-safe (:mod:`lab.templates`).
    """
    xs, ys = surface.axis_names
    focus = alt.selection_point(
        name=FOCUS,
        fields=["run"],
        bind={"legend": "mouseover"},
        on=ON_A_RUN,
        clear="mouseout",
    )
    lit = alt.condition(focus, alt.value(0.95), alt.value(0.15))
    colour, dash = run_colour(runs, legend_at="auto"), run_dash(runs, legend=False)
    quiet = run_colour(runs, legend=False)
    trail = playback.up_to_shown(alt.Chart(paths))
    base = trail.encode(x=alt.X(f"{xs}:Q"), y=alt.Y(f"{ys}:Q"), order="step:Q", detail="run:N")
    tips = [
        "run:N",
        "step:Q",
        alt.Tooltip(f"{xs}:Q", format=".4g"),
        alt.Tooltip(f"{ys}:Q", format=".4g"),
        alt.Tooltip("loss:Q", format=".4g"),
    ]
    # round joins: a zig-zag's sharp turns would give the wide halo white spikes
    halo = base.mark_line(
        color="white", strokeWidth=5.5, opacity=0.7, clip=True, strokeJoin="round"
    )
    line = (
        base.mark_line(strokeWidth=2.8, clip=True)
        .encode(color=colour, strokeDash=dash, opacity=lit)
        .add_params(focus)
        .properties(name="paths")  # a fixed name: Altair's default hashes the labels
    )
    dots = (
        base.transform_filter("datum.dot")
        .mark_circle(size=26, clip=True)
        .encode(color=quiet, opacity=lit, tooltip=tips)
    )
    head = (
        playback.latest(alt.Chart(paths))
        .mark_point(
            shape="diamond", size=280, filled=True, stroke="white", strokeWidth=1.5, clip=True
        )
        .encode(x=f"{xs}:Q", y=f"{ys}:Q", color=quiet, tooltip=tips)
    )
    layers = [landscape(grid, picture, lines, surface), halo, line, dots, head]
    layers += [step_arrows(arrows), markers(places, surface), playback.counter()]
    top = [*playback.params(last, speed), arrow_choice(runs)]
    # params and size given to the constructor: add_params and properties deep-copy every layer
    return alt.layer(*layers, params=[p.param for p in top], height=HEIGHT_2D, width="container")


def arrow_choice(runs: RunStyle) -> alt.Parameter:
    """The select under the map: whose arrows to draw."""
    options = [NO_ARROWS, ALL_ARROWS, *runs.labels]
    return alt.param(
        name=ARROWS, value=NO_ARROWS, bind=alt.binding_select(options=options, name="arrows ")
    )


def step_arrows(arrows: pd.DataFrame) -> alt.LayerChart:
    """The step on screen's arrows for the chosen runs (the ``arrows_for`` select); ``arrows``
    with their colours (:func:`inked`)."""
    shown = f"{ARROWS} == '{ALL_ARROWS}' || {ARROWS} == datum.run"
    data = (
        alt.Chart(arrows)
        .transform_filter(shown)
        .transform_filter(f"datum.step <= {playback.SHOWN} + 1")
        .transform_window(
            rank="rank()",
            sort=[alt.SortField("step", order="descending")],
            groupby=["run", "kind"],
        )
        .transform_filter("datum.rank == 1")
    )
    return arrow_marks(data)


def inked(arrows: pd.DataFrame, runs: RunStyle) -> pd.DataFrame:
    """The arrows with the colour each is drawn in (``ink``): black for the gradient, purple
    for the momentum, the run's own colour for the step taken."""
    own = arrows["run"].map(dict(zip(runs.labels, runs.colours, strict=True)))
    return arrows.assign(ink=arrows["kind"].map(ARROW_COLOURS).fillna(own))


def arrow_marks(data: alt.Chart) -> alt.LayerChart:
    """A shaft on a white halo and a head for each arrow row of ``data`` (columns of
    :mod:`lab.step_arrows` and ``ink``): three marks, whatever the number of runs and kinds."""
    tips = [
        "run:N",
        "kind:N",
        "step:Q",
        alt.Tooltip("length:Q", format=".3g", title="true length"),
        alt.Tooltip("scale:Q", format=".3g", title="drawn at ×"),
    ]
    ends = {"x": "x:Q", "y": "y:Q", "x2": "x2:Q", "y2": "y2:Q"}
    ink = alt.Color("ink:N", scale=None)
    halo = data.mark_rule(strokeWidth=6.5, color="white", opacity=0.9, clip=True).encode(**ends)
    shaft = data.mark_rule(strokeWidth=3.2, clip=True).encode(**ends, color=ink, tooltip=tips)
    head = data.mark_point(
        shape="triangle", size=170, filled=True, opacity=1, stroke="white", strokeWidth=1, clip=True
    ).encode(x="x2:Q", y="y2:Q", angle=alt.Angle("angle:Q", scale=None), color=ink, tooltip=tips)
    return alt.layer(halo, shaft, head)


def markers(places: pd.DataFrame, surface: surfaces.Surface) -> alt.LayerChart:
    """The start (a ring) and known minima (stars), labelled: ``places`` from
    :func:`lab.frames.places`."""
    xs, ys = surface.axis_names[0], surface.axis_names[-1] if surface.dim == 2 else "f"
    data = places
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
    places: pd.DataFrame,
    surface: surfaces.Surface,
    runs: RunStyle,
    last: int,
    speed: int,
    f_range: tuple[float, float],
) -> alt.LayerChart:
    """A 1-D function's graph with each run's iterates on it, played back like the map.

    ``f_range`` is the y axis (:func:`f_range`); iterates off the window are not drawn, so they
    cannot stretch it. Template-safe (:mod:`lab.templates`).
    """
    ((x0, x1),) = surface.bounds
    x = alt.X("x:Q", scale=alt.Scale(domain=[x0, x1], nice=False), title="x")
    y = alt.Y("f:Q", title="f(x)", scale=alt.Scale(domain=list(f_range), padding=16))
    graph = alt.Chart(curve).mark_line(color=CURVE, strokeWidth=2.5).encode(x=x, y=y)
    colour = run_colour(runs, legend_at="bottom")
    quiet = run_colour(runs, legend=False)
    tips = ["run:N", "step:Q", alt.Tooltip("x:Q", format=".4g"), alt.Tooltip("f:Q", format=".4g")]

    def points() -> alt.Chart:
        return (
            alt.Chart(paths)
            .transform_filter(f"datum.x >= {x0!r} && datum.x <= {x1!r}")
            .transform_calculate(f="datum.loss")
        )

    base = playback.up_to_shown(points()).encode(x=x, y=y, order="step:Q", detail="run:N")
    line = base.mark_line(strokeWidth=1.4, opacity=0.6, clip=True).encode(
        color=colour, strokeDash=run_dash(runs, legend=False)
    )
    dots = base.mark_circle(size=60, opacity=0.7, clip=True).encode(color=quiet, tooltip=tips)
    head = (
        playback.latest(points())
        .mark_point(
            shape="diamond", size=300, filled=True, stroke="white", strokeWidth=1.5, clip=True
        )
        .encode(x=x, y=y, color=quiet, tooltip=tips)
    )
    layers = [graph, line, dots, head, markers(places, surface), playback.counter()]
    # the height covers the legend underneath too (two runs a row)
    height = HEIGHT_2D * 0.75 + LEGEND_ROW * math.ceil(len(runs.labels) / 2)
    params = [p.param for p in playback.params(last, speed)]
    return alt.layer(*layers, params=params, height=height, width="container")


def f_range(curve: pd.DataFrame, paths: pd.DataFrame, surface: surfaces.Surface) -> tuple:
    """The 1-D graph's f axis: the graph's finite values; where the graph has no finite sample
    (a sliver of a domain), the iterates on the window; else (0, 1)."""
    ((x0, x1),) = surface.bounds
    finite = drawable.finite_values(curve["f"])
    if not len(finite):
        finite = drawable.finite_values(paths.loc[paths["x"].between(x0, x1), "loss"])
    return (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)


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
            color=run_colour(runs, legend_at="bottom"),
            strokeDash=run_dash(runs, legend=False),
            tooltip=["run:N", "step:Q", alt.Tooltip(f"{name}:Q", format=".4g")],
        )
        .properties(
            height=HEIGHT * 0.6 + LEGEND_ROW * math.ceil(len(runs.labels) / 2), width="container"
        )
    )
