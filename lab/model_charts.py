"""Altair charts of a model's runs: learning curves, the decision boundary or fitted curve,
per-layer learning rates, and the loss landscape in the paths' principal plane.

Every builder is template-safe (:mod:`lab.templates`): it reads its DataFrames only as data;
what an axis needs (titles with the explained variance, the feature window, the last step)
comes in as arguments. Playback is :mod:`lab.playback`'s, as on the trajectory map.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from . import playback
from .charts import run_colour
from .run_style import RunStyle

HEIGHT = 460  # the plane: a square map at 1280 × 720 with its play control under it
PANEL = 230  # one run's decision-boundary panel
CURVE_HEIGHT = 230
SPLIT_DASH = alt.StrokeDash(
    "split:N",
    scale=alt.Scale(domain=["training", "held-out"], range=[[1, 0], [6, 3]]),
    title="Data",
    legend=alt.Legend(orient="bottom", symbolStrokeWidth=3),
)


def curves_chart(
    curves: pd.DataFrame, runs: RunStyle, classify: bool, per_epoch: int
) -> alt.VConcatChart:
    """Loss (log axis) and, for classification, accuracy against step: one colour per run,
    solid training and dashed held-out. ``per_epoch``: steps per epoch (1: full batch), named
    in the x-axis title where mini-batches are used."""
    x_title = "step" if per_epoch <= 1 else f"step ({per_epoch} steps = one epoch)"
    tips = [
        "run:N",
        "split:N",
        "step:Q",
        alt.Tooltip("epoch:Q", format=".2f"),
        alt.Tooltip("value:Q", format=".4g"),
    ]
    base = alt.Chart(curves).encode(
        x=alt.X("step:Q", title=x_title),
        color=run_colour(runs),
        strokeDash=SPLIT_DASH,
        detail="run:N",
        tooltip=tips,
    )
    loss = (
        base.transform_filter("datum.measure == 'loss'")
        .mark_line(strokeWidth=2.2, clip=True)
        .encode(y=alt.Y("value:Q", title="loss", scale=alt.Scale(type="log")))
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
    paths: pd.DataFrame,
    runs: RunStyle,
    last: int,
    titles: tuple[str, str],
) -> alt.LayerChart:
    """The loss (log₁₀, colour) on the paths' principal plane, every run's projected path
    growing to the step on screen, a diamond at each head and a ring at the shared start.
    One unit of each direction is as long as the other (the grid is square)."""
    a_title, b_title = titles
    heat = (
        alt.Chart(grid)
        .mark_rect()
        .encode(
            x=alt.X("a:Q", title=a_title, scale=alt.Scale(zero=False, nice=False)),
            x2="a2:Q",
            y=alt.Y("b:Q", title=b_title, scale=alt.Scale(zero=False, nice=False)),
            y2="b2:Q",
            color=alt.Color(
                "level:Q",
                title="log₁₀ loss",
                scale=alt.Scale(scheme="tealblues", reverse=True),
                legend=alt.Legend(orient="left", gradientLength=180),
            ),
            tooltip=[alt.Tooltip("loss:Q", format=".4g", title="training loss")],
        )
    )
    tips = [
        "run:N",
        "step:Q",
        alt.Tooltip("off:Q", format=".3g", title="distance from the plane"),
    ]
    trail = playback.up_to_shown(alt.Chart(paths)).encode(
        x="a:Q", y="b:Q", order="step:Q", detail="run:N"
    )
    halo = trail.mark_line(color="white", strokeWidth=5.5, opacity=0.7, clip=True)
    line = trail.mark_line(strokeWidth=2.8, clip=True).encode(
        color=run_colour(runs, legend_at="auto")
    )
    head = (
        playback.latest(alt.Chart(paths))
        .mark_point(
            shape="diamond", size=260, filled=True, stroke="white", strokeWidth=1.5, clip=True
        )
        .encode(x="a:Q", y="b:Q", color=run_colour(runs, legend=False), tooltip=tips)
    )
    start = (
        alt.Chart(paths)
        .transform_filter("datum.step == 0")
        .mark_point(shape="circle", size=320, strokeWidth=3, color="black", filled=False)
        .encode(x="a:Q", y="b:Q")
    )
    layers = [heat, halo, line, head, start, playback.counter()]
    top = playback.params(last)
    return alt.layer(*layers, params=[p.param for p in top], height=HEIGHT, width=HEIGHT)


def boundary_chart(
    cells: pd.DataFrame,
    points: pd.DataFrame,
    runs: RunStyle,
    last: int,
    window: tuple[tuple[float, float], tuple[float, float]],
    classes: tuple[str, str],
) -> alt.ConcatChart:
    """One panel per run: P(class 1) over the standardised feature plane at the sampled step
    at or before the step on screen, the training points on top, one play control for all."""
    (x0, x1), (y0, y1) = window
    xs = alt.Scale(domain=[x0, x1], nice=False, zero=False)
    ys = alt.Scale(domain=[y0, y1], nice=False, zero=False)
    shown = playback.SHOWN
    colours = alt.Scale(domain=list(classes), range=["#2166ac", "#b2182b"])
    dots = (
        alt.Chart(points)
        .mark_circle(size=22, stroke="white", strokeWidth=0.6, opacity=0.9)
        .encode(
            x=alt.X("x:Q", scale=xs, title="feature 1 (standardised)"),
            y=alt.Y("y:Q", scale=ys, title="feature 2"),
            color=alt.Color(
                "label:N", scale=colours, title="Class", legend=alt.Legend(orient="bottom")
            ),
        )
    )
    panels = []
    for k, label in enumerate(runs.labels):
        heat = (
            alt.Chart(cells)
            .transform_filter(f"datum.k == {k} && datum.step <= {shown} && {shown} < datum.until")
            .mark_rect(opacity=0.85)
            .encode(
                x=alt.X("x:Q", scale=xs, title="feature 1 (standardised)"),
                x2="x2:Q",
                y=alt.Y("y:Q", scale=ys, title="feature 2"),
                y2="y2:Q",
                color=alt.Color(
                    "p:Q",
                    title=f"P({classes[1]})",
                    scale=alt.Scale(scheme="redblue", reverse=True, domain=[0, 1]),
                    legend=alt.Legend(orient="bottom", gradientLength=160) if k == 0 else None,
                ),
                tooltip=[alt.Tooltip("p:Q", format=".2f", title=f"P({classes[1]})"), "step:Q"],
            )
        )
        layers = [heat, dots] + ([playback.counter()] if k == 0 else [])
        panels.append(alt.layer(*layers, title=label, width=PANEL, height=PANEL))
    return alt.concat(*panels, columns=4, params=[p.param for p in playback.params(last)])


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


def layers_chart(layers: pd.DataFrame, runs: RunStyle, names: tuple[str, ...]) -> alt.VConcatChart:
    """Per layer (columns): the effective learning rate's median over the layer's parameters
    with its 10–90 % band (top), and the update-to-weight ratio ‖Δθ‖/‖θ‖ (bottom), log axes."""
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
                scale=alt.Scale(type="log"),
                title="effective learning rate" if i == 0 else None,
            ),
            y2="hi:Q",
            color=run_colour(runs, legend=False),
            detail="run:N",
        )
        median = data.mark_line(strokeWidth=2.2, clip=True).encode(
            x=x,
            y=alt.Y("median:Q", scale=alt.Scale(type="log")),
            color=run_colour(runs, legend=i == len(names) - 1),
            detail="run:N",
            tooltip=[
                "run:N",
                "step:Q",
                alt.Tooltip("lo:Q", format=".3g", title="10 %"),
                alt.Tooltip("median:Q", format=".3g", title="median"),
                alt.Tooltip("hi:Q", format=".3g", title="90 %"),
            ],
        )
        rows_top.append(alt.layer(band, median, title=f"Layer {name}", width=260, height=200))
        ratio = data.mark_line(strokeWidth=2.2, clip=True).encode(
            x=x,
            y=alt.Y("ratio:Q", scale=alt.Scale(type="log"), title="‖Δθ‖ / ‖θ‖" if i == 0 else None),
            color=run_colour(runs, legend=False),
            detail="run:N",
            tooltip=["run:N", "step:Q", alt.Tooltip("ratio:Q", format=".3g")],
        )
        rows_bottom.append(ratio.properties(width=260, height=160))
    return alt.vconcat(alt.hconcat(*rows_top), alt.hconcat(*rows_bottom))
