"""Altair charts of a model's runs: learning curves, the decision boundary or fitted curve,
per-layer learning rates, and the loss landscape in the paths' principal plane.

Every builder is template-safe (:mod:`lab.templates`): it reads its DataFrames only as data;
what an axis needs (titles with the explained variance, the feature window, the last step)
comes in as arguments. Playback is :mod:`lab.playback`'s, as on the trajectory map.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from . import playback, raster
from .charts import beside_or_under, label_limit, run_colour, run_colours, run_dash
from .race_charts import HEIGHT_2D, ON_A_RUN, window_scales
from .run_style import RunStyle

HEIGHT = HEIGHT_2D  # the plane and the decision boundary: as the map, on a 1280 × 720 projector
# with the play controls under it
ZOOM = "zoom"  # the plane's wheel zoom and shift-drag pan, as on the map
FOCUS = "focus"  # hovering a run in the legend (or its line) brings it forward
BOUNDARY = "boundary_of"  # whose decision boundary is drawn (a select under the chart)
CLASS_COLOURS = ["#2166ac", "#b2182b"]  # the ends of the boundary's red-blue scale
# log axes fitted to the values (a line at the smallest, as SGD's one rate, stays off the axis)
LOG_PADDED = alt.Scale(type="log", nice=False, padding=12)
CURVE_HEIGHT = 230
SPLIT_DASH = alt.StrokeDash(
    "split:N",
    scale=alt.Scale(domain=["training", "held-out"], range=[[1, 0], [6, 3]]),
    title="Data",
    legend=alt.Legend(orient="right", symbolStrokeWidth=3, symbolType="stroke"),
)


def curves_chart(
    curves: pd.DataFrame, runs: RunStyle, classify: bool, per_epoch: int
) -> alt.VConcatChart:
    """Loss (log axis) and, for classification, accuracy: one colour per run, solid training
    and dashed held-out. ``per_epoch``: steps per epoch. Full batch (1): against step. With
    mini-batches: against epoch (``per_epoch`` steps each, named in the axis title), the step
    in the tooltip."""
    if per_epoch <= 1:
        x = alt.X("step:Q", title="step", scale=alt.Scale(nice=False))
    else:
        x = alt.X(
            "epoch:Q",
            title=f"epoch ({per_epoch} mini-batch steps each)",
            scale=alt.Scale(nice=False),
            axis=alt.Axis(tickMinStep=1),
        )
    tips = [
        "run:N",
        "split:N",
        "step:Q",
        alt.Tooltip("epoch:Q", format=".2f"),
        alt.Tooltip("value:Q", format=".4g"),
    ]
    base = alt.Chart(curves).encode(
        x=x,
        color=run_colour(runs),
        strokeDash=SPLIT_DASH,
        detail="run:N",
        tooltip=tips,
    )
    loss = (
        base.transform_filter("datum.measure == 'loss'")
        .mark_line(strokeWidth=2.2, clip=True)
        .encode(y=alt.Y("value:Q", title="loss", scale=LOG_PADDED))
        .properties(height=CURVE_HEIGHT, width="container", title="Loss")
    )
    if not classify:
        return alt.vconcat(loss)
    accuracy = (
        base.transform_filter("datum.measure == 'accuracy'")
        .mark_line(strokeWidth=2.2, clip=True)
        .encode(
            y=alt.Y(
                "value:Q",
                title="accuracy",
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%"),
            )
        )
        .properties(height=CURVE_HEIGHT, width="container", title="Accuracy")
    )
    return alt.vconcat(loss, accuracy)


def plane_chart(
    grid: pd.DataFrame,
    picture: pd.DataFrame,
    paths: pd.DataFrame,
    runs: RunStyle,
    last: int,
    titles: tuple[str, str],
    window: tuple[tuple[float, float], tuple[float, float]],
) -> alt.LayerChart:
    """The loss (colour, log scale) on the paths' principal plane, every run's projected path
    growing to the step on screen in its colour and dash, a diamond at each head and a ring
    at the shared start; hovering a run in the legend brings it forward; the wheel zooms,
    shift-drag pans, a double-click shows the whole plane again. As wide as the page,
    :data:`HEIGHT` high, one unit of each direction as long as the other (``window`` is the
    grid's, centred and fitted). The loss is drawn as one image (``picture``, as the map's);
    invisible ``grid`` cells carry its legend (their extent is the image's) and tooltips."""
    a_title, b_title = titles
    xs, ys = window_scales(window)
    x = alt.X("a:Q", title=a_title, scale=xs)
    y = alt.Y("b:Q", title=b_title, scale=ys)
    image = (
        alt.Chart(picture)
        .mark_image(aspect=False, clip=True)
        .encode(x=x, x2="a2:Q", y=y, y2="b2:Q", url="url:N")
    )
    heat = (
        alt.Chart(grid)
        .mark_rect(opacity=0, clip=True)
        .encode(
            x=x,
            x2="a2:Q",
            y=y,
            y2="b2:Q",
            color=alt.Color(
                "loss:Q",
                title="training loss",
                scale=alt.Scale(type="log", range=raster.STOPS),
                legend={"orient": beside_or_under(), "gradientLength": 200, "format": ".2~g"},
            ),
            tooltip=[alt.Tooltip("loss:Q", format=".4g", title="training loss")],
        )
        .add_params(
            alt.selection_interval(  # wheel to zoom, shift-drag to pan, double-click: whole plane
                name=ZOOM,
                bind="scales",
                zoom="wheel!",
                translate="[mousedown[event.shiftKey], window:mouseup] > window:mousemove!",
            )
        )
    )
    focus = alt.selection_point(
        name=FOCUS,
        fields=["run"],
        bind={"legend": "mouseover"},
        on=ON_A_RUN,
        clear="mouseout",
    )
    lit = alt.condition(focus, alt.value(0.95), alt.value(0.15))
    tips = [
        "run:N",
        "step:Q",
        alt.Tooltip("off:Q", format=".3g", title="distance from the plane"),
    ]
    trail = playback.up_to_shown(alt.Chart(paths)).encode(x=x, y=y, order="step:Q", detail="run:N")
    halo = trail.mark_line(color="white", strokeWidth=5.5, opacity=0.7, clip=True)
    line = (
        trail.mark_line(strokeWidth=3, clip=True)
        .encode(
            color=run_colour(runs, legend_at="auto"),
            strokeDash=run_dash(runs, legend=False),
            opacity=lit,
            tooltip=tips,
        )
        .add_params(focus)
        .properties(name="paths")  # a fixed name: Altair's default hashes the labels
    )
    head = (
        playback.latest(alt.Chart(paths))
        .mark_point(
            shape="diamond", size=280, filled=True, stroke="white", strokeWidth=1.5, clip=True
        )
        .encode(x=x, y=y, color=run_colour(runs, legend=False), tooltip=tips)
    )
    start = (
        alt.Chart(paths)
        .transform_filter("datum.step == 0")
        .mark_point(shape="circle", size=320, strokeWidth=3, color="black", clip=True)
        .encode(x=x, y=y)
    )
    layers = [image, heat, halo, line, head, start, playback.counter()]
    top = playback.params(last)
    return alt.layer(*layers, params=[p.param for p in top], height=HEIGHT, width="container")


def boundary_choice(runs: RunStyle, first: str) -> alt.Parameter:
    """The select under the decision boundary: whose boundary to draw, ``first`` at first."""
    return alt.param(
        name=BOUNDARY,
        value=first,
        bind=alt.binding_select(options=list(runs.labels), name="boundary of "),
    )


def boundary_chart(
    cells: pd.DataFrame,
    points: pd.DataFrame,
    runs: RunStyle,
    last: int,
    window: tuple[tuple[float, float], tuple[float, float]],
    classes: tuple[str, str],
    first: str,
) -> alt.LayerChart:
    """P(``classes[1]``) over the standardised feature plane for the run picked in the select
    under the chart (``boundary_of``), at the sampled step at or before the step on screen,
    with the training points on top; played back like the map. ``cells``: one picture per
    run and sampled step (:func:`lab.model_frames.boundary`); ``first``: the run shown
    first. One unit of feature 1 is as long as one of feature 2 (``window`` centred and
    fitted)."""
    xs, ys = window_scales(window)
    x = alt.X("x:Q", scale=xs, title="feature 1 (standardised)", axis=alt.Axis(tickMinStep=1))
    y = alt.Y("y:Q", scale=ys, title="feature 2 (standardised)", axis=alt.Axis(tickMinStep=1))
    shown = playback.SHOWN
    chance = f"P({classes[1]})"
    image = (
        alt.Chart(cells)
        .transform_filter(
            f"datum.run == {BOUNDARY} && datum.step <= {shown} && {shown} < datum.until"
        )
        .mark_image(aspect=False, opacity=0.9, clip=True)
        .encode(x=x, x2="x2:Q", y=y, y2="y2:Q", url="url:N")
    )
    legend = (
        alt.Chart(alt.Data(values=[{"p": 0.0}, {"p": 1.0}]))
        .mark_point(opacity=0)
        .encode(
            color=alt.Color(
                "p:Q",
                title=chance,
                scale=alt.Scale(domain=[0, 1], range=raster.RED_BLUE),
                legend={
                    "orient": beside_or_under(),
                    "gradientLength": 200,
                    "format": ".0%",
                    "titleLimit": 240,
                    "values": [0, 0.25, 0.5, 0.75, 1],
                },
            ),
        )
    )
    points_legend = alt.Legend(orient="right", symbolSize=220, symbolStrokeWidth=0)  # one legend
    dots = (
        alt.Chart(points)
        .mark_point(size=75, filled=True, stroke="#111111", strokeWidth=0.9, opacity=1, clip=True)
        .encode(
            x=x,
            y=y,
            fill=alt.Fill(  # fill, not color: the colour scale is the probability's
                "label:N",
                scale=alt.Scale(domain=list(classes), range=CLASS_COLOURS),
                title="Training point",
                legend=points_legend,
            ),
            shape=alt.Shape(
                "label:N",
                scale=alt.Scale(domain=list(classes), range=["circle", "triangle-up"]),
                title="Training point",
                legend=points_legend,
            ),
            tooltip=[alt.Tooltip("label:N", title="class")],
        )
    )
    whose = (
        alt.Chart(alt.Data(values=[{}]))
        .mark_text(
            align="right",
            baseline="middle",
            fontSize=16,
            fontWeight="bold",
            color="#1a1d23",
            text=alt.expr(BOUNDARY),
        )
        .encode(x=alt.value(alt.expr("width - 12")), y=alt.value(17))
    )
    plate = (
        alt.Chart(alt.Data(values=[{}]))
        .mark_rect(color="white", opacity=0.85, cornerRadius=4)
        .encode(
            x=alt.value(alt.expr(f"width - 20 - 9 * length({BOUNDARY})")),
            x2=alt.value(alt.expr("width - 4")),
            y=alt.value(4),
            y2=alt.value(30),
        )
    )
    layers = [image, legend, dots, playback.counter(), plate, whose]
    top = [*playback.params(last), boundary_choice(runs, first)]
    return alt.layer(*layers, params=[p.param for p in top], height=HEIGHT, width="container")


def fit_chart(
    curve: pd.DataFrame, points: pd.DataFrame, runs: RunStyle, last: int
) -> alt.LayerChart:
    """1-D regression: the training points and each run's fitted curve at the sampled step at
    or before the step on screen."""
    shown = playback.SHOWN
    dots = (
        alt.Chart(points)
        .mark_circle(size=24, color="#555555", opacity=0.6)
        .encode(x=alt.X("x:Q", title="x (standardised)"), y=alt.Y("y:Q", title="y"))
    )
    lines = (
        alt.Chart(curve)
        .transform_filter(f"datum.step <= {shown} && {shown} < datum.until")
        .mark_line(strokeWidth=3, clip=True)
        .encode(x="x:Q", y="y:Q", color=run_colour(runs), detail="run:N")
    )
    top = playback.params(last)
    return alt.layer(
        dots,
        lines,
        playback.counter(),
        params=[p.param for p in top],
        height=HEIGHT,
        width="container",
    )


LAYERS_WIDTH = 660  # px for every layer's panel side by side: they fit a 1280 × 720 page


def layers_chart(layers: pd.DataFrame, runs: RunStyle, names: tuple[str, ...]) -> alt.VConcatChart:
    """Per layer (columns): the effective learning rate's median over the layer's parameters
    with its 10–90 % band (top), and the update-to-weight ratio ‖Δθ‖/‖θ‖ (bottom), log axes.
    The panels share :data:`LAYERS_WIDTH` (so the whole fits a projector's page) and one run
    legend underneath."""
    width = int(max(120, min(260, LAYERS_WIDTH // max(len(names), 1) - 50)))
    colour = alt.Color(
        "run:N",
        scale=run_colours(runs),
        title="Run",
        legend=alt.Legend(
            orient="bottom",
            columns=2,
            labelLimit=label_limit(runs.labels),
            symbolType="stroke",
            symbolStrokeWidth=3,
            symbolOpacity=1,
        ),
    )
    rows_top, rows_bottom = [], []
    for i, name in enumerate(names):
        data = alt.Chart(layers).transform_filter(
            alt.FieldEqualPredicate(field="layer", equal=name)
        )
        x = alt.X("step:Q", title="step")
        band = data.mark_area(opacity=0.2, clip=True).encode(
            x=x,
            y=alt.Y(
                "lo:Q",
                scale=LOG_PADDED,
                title="effective learning rate" if i == 0 else None,
            ),
            y2="hi:Q",
            color=colour,
            detail="run:N",
        )
        median = data.mark_line(strokeWidth=2.2, clip=True).encode(
            x=x,
            y=alt.Y("median:Q", scale=LOG_PADDED),
            color=colour,
            detail="run:N",
            tooltip=[
                "run:N",
                "step:Q",
                alt.Tooltip("lo:Q", format=".3g", title="10 %"),
                alt.Tooltip("median:Q", format=".3g", title="median"),
                alt.Tooltip("hi:Q", format=".3g", title="90 %"),
            ],
        )
        rows_top.append(alt.layer(band, median, title=f"Layer {name}", width=width, height=200))
        ratio = data.mark_line(strokeWidth=2.2, clip=True).encode(
            x=x,
            y=alt.Y("ratio:Q", scale=LOG_PADDED, title="‖Δθ‖ / ‖θ‖" if i == 0 else None),
            color=colour,
            detail="run:N",
            tooltip=["run:N", "step:Q", alt.Tooltip("ratio:Q", format=".3g")],
        )
        rows_bottom.append(ratio.properties(width=width, height=160))
    return alt.vconcat(alt.hconcat(*rows_top), alt.hconcat(*rows_bottom))
