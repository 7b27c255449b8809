"""Chart builders for hyperparameter sweeps: pure functions from :mod:`lab.sweeps` frames to Altair.

Runs keep their colour from :mod:`lab.run_style`; the caller applies
:func:`lab.charts.to_spec` (with the fonts and legends of ``charts.CONFIG``).
Divergence is always drawn as such (a ✕, a flat dark red cell), never as a huge loss.
"""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import numpy as np
import pandas as pd

import optimizers
import surfaces

from .charts import FONT, label_limit, run_colours
from .race_charts import HEIGHT_2D, true_scales
from .run_style import PALETTE, RunStyle
from .sweeps import METRICS, Metric, minimum_labels

HEIGHT = 500
DIVERGED = "#8B0000"  # dark red: far from the blues of the loss scale and from run colours
NOT_REACHED = "#BDBDBD"
BASIN_DIVERGED = "#2B2B2B"
BASIN_NONE = "#E4E4E4"
# How the text around the charts names their flat colours (one source: the constants above)
COLOUR_NAMES = {DIVERGED: "dark red", NOT_REACHED: "grey", BASIN_DIVERGED: "near-black",
                BASIN_NONE: "pale grey"}  # fmt: skip
# A filled ✕ (Vega's "cross" is a plus), so that the legend shows the same symbol as the plot.
X_SHAPE = "M-1,-0.6L-0.6,-1L0,-0.4L0.6,-1L1,-0.6L0.4,0L1,0.6L0.6,1L0,0.4L-0.6,1L-1,0.6L-0.4,0Z"
STAR = (
    "M0,-1L0.29,-0.4L0.95,-0.31L0.48,0.15L0.59,0.81L0,0.5L-0.59,0.81L-0.48,0.15L-0.95,"
    "-0.31L-0.29,-0.4Z"
)
STRIP = 18  # pixels per run in the strip of ✕ markers along the top edge
MARKERS = ("best lr", "diverged", "not reached")
MARKER_SHAPES = ("circle", X_SHAPE, "triangle-up")
# Colours of the minima in a basin map: the run palette without its black and grey, which the
# "diverged" and "none" cells use.
MINIMUM_COLOURS = [c for c in PALETTE if c not in ("#000000", "#7F7F7F")]

_TITLES = {
    "final": ("final f − f_min", "final f"),
    "steps_to_tol": ("steps to f − f_min < tol", "steps to f − f_min < tol"),
}
MODEL_TITLE = "final training loss"  # a model's measure (sweeps' attrs["model"])


# --- learning-rate sensitivity ------------------------------------------------------------------


def lr_sensitivity_chart(
    summary: pd.DataFrame,
    best: Mapping[str, float | None],
    runs: RunStyle,
    metric: Metric = "final",
) -> alt.LayerChart:
    """Final loss (or steps to tolerance) against learning rate, one line per run.

    Log x; log y for the final loss when the minimum is known. A band spans min–max over seeds;
    learning rates where any seed diverged get a ✕ in a strip along the top edge (one row per
    run), rates that never reached the tolerance (``steps_to_tol``) a ▲ there; the best rate of
    each run a large ring and a dashed rule.

    Args:
        summary: :func:`lab.sweeps.summarise_lr_sweep` output.
        best: :func:`lab.sweeps.best_lrs` output (label -> lr or None).
        runs: every run's label, colour and dash, in experiment order.
        metric: ``"final"`` or ``"steps_to_tol"``.
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(METRICS)}; got {metric!r}")
    prefix = "final" if metric == "final" else "steps"
    mid, lo, hi = f"{prefix}_median", f"{prefix}_lo", f"{prefix}_hi"
    data = summary.copy()
    values = data[[mid, lo, hi]].to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    logged = metric == "final" and len(finite) > 0 and bool((finite > 0).all())
    known = summary.attrs.get("has_minimum", True)
    title = _TITLES[metric][0 if known else 1]
    if metric == "steps_to_tol" and "tolerance" in summary.attrs:
        title = f"steps to f − f_min < {summary.attrs['tolerance']:g}"
    elif metric == "final" and summary.attrs.get("model"):
        title = MODEL_TITLE

    colour = alt.Color(
        "run:N",
        scale=run_colours(runs),
        title="Run",
        legend=alt.Legend(
            orient="right",
            symbolOpacity=1,
            symbolType="circle",
            labelLimit=label_limit(runs.labels),
        ),
    )
    quiet = colour  # every layer encodes the same legend, so Vega-Lite merges them into one
    x = alt.X(
        "lr:Q", scale=alt.Scale(type="log"), title="learning rate η", axis=alt.Axis(format="~g")
    )
    y_scale = _y_scale(finite, logged, len(runs.labels))
    y = alt.Y(f"{mid}:Q", title=title, scale=y_scale)
    tips = [
        "run:N",
        alt.Tooltip("lr:Q", format=".3g", title="lr"),
        alt.Tooltip(f"{mid}:Q", format=".4g", title=f"{title} (median)"),
        alt.Tooltip(f"{lo}:Q", format=".4g", title="min over seeds"),
        alt.Tooltip(f"{hi}:Q", format=".4g", title="max over seeds"),
        alt.Tooltip("diverged_frac:Q", format=".0%", title="seeds diverged"),
    ]
    marker_legend = alt.Legend(title="Marker", orient="right", symbolStrokeWidth=2)

    shown = data[np.isfinite(data[mid]) & (data["diverged_frac"] < 1)]
    base = alt.Chart(shown).encode(x=x, color=colour)
    band = (
        alt.Chart(shown)
        .mark_area(opacity=0.18)
        .encode(
            x=x,
            y=alt.Y(f"{lo}:Q", scale=y_scale, title=title),
            y2=f"{hi}:Q",
            color=quiet,
            detail="run:N",
        )
    )
    line = base.mark_line(strokeWidth=2.6, point=alt.OverlayMarkDef(size=45, filled=True)).encode(
        y=y, tooltip=tips
    )

    best_rows = _best_rows(data, best, mid)
    flags = _flag_rows(data, metric)
    present = set(flags["marker"]) | ({"best lr"} if len(best_rows) else set())
    kept = [(m, s) for m, s in zip(MARKERS, MARKER_SHAPES, strict=True) if m in present]
    kept = kept or list(zip(MARKERS, MARKER_SHAPES, strict=True))
    shape_scale = alt.Scale(domain=[m for m, _ in kept], range=[s for _, s in kept])
    ring = (
        alt.Chart(best_rows)
        .mark_point(size=520, strokeWidth=3.5, filled=False, opacity=1)
        .encode(
            x=x,
            y=alt.Y(f"{mid}:Q", scale=y_scale),
            color=quiet,
            shape=alt.Shape("marker:N", scale=shape_scale, legend=marker_legend),
            tooltip=[
                "run:N",
                alt.Tooltip("lr:Q", format=".3g", title="best lr"),
                alt.Tooltip(f"{mid}:Q", format=".4g", title=title),
            ],
        )
    )
    rule = (
        alt.Chart(best_rows)
        .mark_rule(strokeWidth=1.6, strokeDash=[6, 4], opacity=0.8)
        .encode(x=x, color=quiet)
    )

    strip_y = alt.Y(
        "run:N",
        scale=alt.Scale(
            domain=list(runs.labels), range=[STRIP / 2, STRIP * (len(runs.labels) - 0.5)], padding=0
        ),
        axis=None,
    )
    strip = (
        alt.Chart(flags)
        .mark_point(size=150, filled=True, opacity=0.9, strokeWidth=0)
        .encode(
            x=x,
            y=strip_y,
            color=quiet,
            shape=alt.Shape("marker:N", scale=shape_scale, legend=marker_legend),
            opacity=alt.Opacity(
                "share:Q", scale=alt.Scale(domain=[0, 1], range=[0.35, 1]), legend=None
            ),
            tooltip=[
                "run:N",
                alt.Tooltip("lr:Q", format=".3g", title="lr"),
                alt.Tooltip("what:N", title="outcome"),
                alt.Tooltip("diverged_at:Q", format=".0f", title="diverged at step (median)"),
            ],
        )
    )
    main = alt.layer(band, line, rule, ring)
    return (
        alt.layer(main, strip)
        .resolve_scale(y="independent")
        .properties(height=HEIGHT, width="container")
    )


def _y_scale(finite: np.ndarray, logged: bool, runs: int) -> alt.Scale:
    """The main y scale, with head-room at the top for the strip of ✕ markers."""
    if not len(finite):
        return alt.Scale(type="log" if logged else "linear")
    low, high = float(finite.min()), float(finite.max())
    room = (STRIP * runs + 12) / HEIGHT  # the strip's share of the plot height
    biggest = np.finfo(float).max  # losses near it must not push the domain to infinity
    with np.errstate(over="ignore"):
        if logged:
            lo, hi = np.log10(low), np.log10(high)
            span = max(hi - lo, 1.0)
            lo -= 0.05 * span
            hi += span * room / (1 - room) + 0.05 * span
            domain = np.clip(np.power(10.0, [lo, hi]), np.finfo(float).tiny, biggest)
            return alt.Scale(type="log", domain=[float(v) for v in domain], nice=False)
        span = min(max(high - low, abs(high) * 0.1, 1.0), biggest)
        low = min(low, 0.0) if low >= 0 else low - 0.05 * span
        high = high + span * room / (1 - room) + 0.05 * span
        domain = np.clip([low, high], -biggest, biggest)
    return alt.Scale(domain=[float(v) for v in domain], nice=False, zero=False)


def _best_rows(data: pd.DataFrame, best: Mapping[str, float | None], field: str) -> pd.DataFrame:
    rows = []
    for label, lr in best.items():
        if lr is None:
            continue
        match = data[(data["run"] == label) & np.isclose(data["lr"], lr, rtol=1e-9, atol=0)]
        if len(match):
            rows.append({"run": label, "lr": float(lr), field: float(match[field].iloc[0])})
    frame = pd.DataFrame(rows, columns=["run", "lr", field])
    return frame.assign(marker="best lr")


def _flag_rows(data: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Learning rates drawn as markers in the top strip: any seed diverged, or (steps) none of the
    surviving seeds reached the tolerance."""
    diverged = data[data["diverged_frac"] > 0].assign(
        marker="diverged",
        share=lambda d: d["diverged_frac"],
        what=lambda d: [f"diverged ({f:.0%} of seeds)" for f in d["diverged_frac"]],
    )
    parts = [diverged]
    if metric == "steps_to_tol":
        never = data[(data["diverged_frac"] == 0) & (data["reached_frac"] == 0)].assign(
            marker="not reached", share=1.0, what="tolerance not reached"
        )
        parts.append(never)
    columns = ["run", "lr", "marker", "share", "what", "diverged_at"]
    flags = pd.concat([p[columns] for p in parts], ignore_index=True)
    return flags.astype({"share": float, "diverged_at": float})


# --- 2-D hyperparameter map ---------------------------------------------------------------------


def hyper_map_chart(map_df: pd.DataFrame, metric: Metric = "final") -> alt.LayerChart:
    """A heatmap over two hyperparameters, coloured by final loss (log) or steps to tolerance.

    Cells tile the plane between neighbouring grid values (midpoints, geometric on log axes);
    diverged cells are a flat dark red (``DIVERGED``) and cells that never reached the tolerance
    a flat grey, each with its legend entry.

    Args:
        map_df: :func:`lab.sweeps.hyper_map` output (its ``attrs`` name the axes).
        metric: ``"final"`` or ``"steps_to_tol"``.
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(METRICS)}; got {metric!r}")
    attrs = map_df.attrs
    x_name, y_name = attrs.get("x_param", "x"), attrs.get("y_param", "y")
    x_log = bool(attrs.get("x_log", False))
    y_log = bool(attrs.get("y_log", False))
    data = map_df.copy()
    data["x_lo"], data["x_hi"] = _cell_edges(data["x"].to_numpy(dtype=float), x_log)
    data["y_lo"], data["y_hi"] = _cell_edges(data["y"].to_numpy(dtype=float), y_log)
    field = "final" if metric == "final" else "steps_to_tol"
    value = data[field].to_numpy(dtype=float)
    status = np.where(
        data["diverged"].to_numpy(dtype=bool),
        "diverged",
        np.where(np.isfinite(value), "", "not reached" if metric == "steps_to_tol" else "no value"),
    )
    data["status"] = status
    data["seam"] = value
    finite = value[np.isfinite(value) & (status == "")]
    logged = metric == "final" and len(finite) > 0 and bool((finite > 0).all())
    title = _TITLES[metric][0]
    if metric == "steps_to_tol" and "tolerance" in attrs:
        title = f"steps to f − f_min < {attrs['tolerance']:g}"
    elif metric == "final" and attrs.get("model"):
        title = MODEL_TITLE
    elif metric == "final" and not attrs.get("has_minimum", True):
        title = _TITLES["final"][1]

    x = alt.X(
        "x_lo:Q",
        title=_param_title(attrs, x_name),
        scale=_axis_scale(data["x_lo"], data["x_hi"], x_log),
        axis=alt.Axis(format="~g"),
    )
    y = alt.Y(
        "y_lo:Q",
        title=_param_title(attrs, y_name),
        scale=_axis_scale(data["y_lo"], data["y_hi"], y_log),
        axis=alt.Axis(format="~g"),
    )
    tips = [
        alt.Tooltip("x:Q", format=".4g", title=x_name),
        alt.Tooltip("y:Q", format=".4g", title=y_name),
        alt.Tooltip(
            "final:Q",
            format=".4g",
            title=MODEL_TITLE if attrs.get("model") else "final f − f_min",
        ),
        alt.Tooltip("steps_to_tol:Q", format=".0f", title="steps to tolerance"),
        alt.Tooltip("diverged_frac:Q", format=".0%", title="seeds diverged"),
    ]
    shade = alt.Scale(type="log" if logged else "linear", scheme="blues", reverse=True)
    cells = (
        alt.Chart(data[status == ""])
        .mark_rect(strokeWidth=0.4)
        .encode(
            x=x,
            x2="x_hi:Q",
            y=y,
            y2="y_hi:Q",
            color=alt.Color(
                f"{field}:Q",
                scale=shade,
                title=title,
                legend=alt.Legend(
                    type="gradient", orient="right", gradientLength=260, format=".4~g"
                ),
            ),
            # a stroke of the cell's own colour hides anti-alias seams between cells
            # (a copy of the field: the same field would merge into the colour legend, and a
            # legend with two scales cannot be a gradient)
            stroke=alt.Stroke("seam:Q", scale=shade, legend=None),
            tooltip=tips,
        )
    )
    flat_domain = ["diverged", "not reached", "no value"]
    present = [s for s in flat_domain if (status == s).any()]
    flat_scale = alt.Scale(domain=flat_domain, range=[DIVERGED, NOT_REACHED, NOT_REACHED])
    flat = (
        alt.Chart(data[status != ""])
        .mark_rect(strokeWidth=0.4)
        .encode(
            x=x,
            x2="x_hi:Q",
            y=y,
            y2="y_hi:Q",
            color=alt.Color(
                "status:N",
                scale=flat_scale,
                title="",
                # only the flat colours the map has; none: no legend (an empty list of values
                # would let Vega-Lite list them all)
                legend=alt.Legend(orient="right", values=present) if present else None,
            ),
            stroke=alt.Stroke("status:N", scale=flat_scale, legend=None),
            tooltip=tips,
        )
    )
    subtitle = attrs.get("run")
    return (
        alt.layer(cells, flat)
        .resolve_scale(color="independent", stroke="independent")
        .properties(
            height=HEIGHT,
            width="container",
            title=alt.Title(str(subtitle)) if subtitle else alt.Undefined,
        )
    )


def _param_title(attrs: Mapping, name: str) -> str:
    optimizer = attrs.get("optimizer")
    if optimizer:
        try:
            specs = {s.name: s for s in optimizers.hyperparams(optimizer)}
        except KeyError:
            specs = {}
        if name in specs:
            return specs[name].label
    return name


def _cell_edges(values: np.ndarray, log: bool) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper edges of each value's cell: midway to its neighbours (geometric mean on a
    log axis), the outer cells mirrored.

    >>> lo, hi = _cell_edges(np.array([1.0, 2.0, 3.0, 1.0]), log=False)
    >>> lo.tolist(), hi.tolist()
    ([0.5, 1.5, 2.5, 0.5], [1.5, 2.5, 3.5, 1.5])
    """
    grid = np.unique(values)
    t = np.log(grid) if log else grid
    if len(t) == 1:
        half = 0.5 if not log else np.log(2.0) / 2
        edges = np.array([t[0] - half, t[0] + half])
    else:
        mids = (t[1:] + t[:-1]) / 2
        edges = np.concatenate([[2 * t[0] - mids[0]], mids, [2 * t[-1] - mids[-1]]])
    if log:
        edges = np.exp(edges)
    i = np.searchsorted(grid, values)
    return edges[i], edges[i + 1]


def _axis_scale(lo: pd.Series, hi: pd.Series, log: bool) -> alt.Scale:
    domain = [float(lo.min()), float(hi.max())] if len(lo) else alt.Undefined
    return alt.Scale(type="log" if log else "linear", domain=domain, nice=False, zero=False)


# --- basins of attraction -----------------------------------------------------------------------


def basins_chart(basins_df: pd.DataFrame, surface: surfaces.Surface) -> alt.LayerChart:
    """Which minimum each start reaches (a colour per minimum), faded by the steps it takes.

    Starts that reached no minimum are pale grey, diverged ones near-black; the minima are
    yellow stars, as on the landscape.

    Args:
        basins_df: :func:`lab.sweeps.basins` output.
        surface: the 2-D function it was computed on.
    """
    (x0, x1), (y0, y1) = surface.bounds
    xname, yname = surface.axis_names
    n = int(basins_df.attrs.get("n") or max(basins_df["x"].nunique(), 1))
    dx, dy = (x1 - x0) / n, (y1 - y0) / n
    names = list(basins_df.attrs.get("labels") or minimum_labels(surface))
    domain = [*names, "none", "diverged"]
    palette = [MINIMUM_COLOURS[i % len(MINIMUM_COLOURS)] for i in range(len(names))]
    colours = alt.Scale(domain=domain, range=[*palette, BASIN_NONE, BASIN_DIVERGED])
    # legend symbols are squares like the cells, fully opaque like the fastest ones
    colour = alt.Color(
        "label:N",
        scale=colours,
        title="Reaches",
        legend=alt.Legend(orient="right", symbolType="square", symbolOpacity=1),
    )
    data = basins_df.assign(
        x_lo=basins_df["x"] - dx / 2,
        x_hi=basins_df["x"] + dx / 2,
        y_lo=basins_df["y"] - dy / 2,
        y_hi=basins_df["y"] + dy / 2,
    )
    x_scale, y_scale = true_scales(surface)  # one unit of x as long as one of y, as on the map
    x = alt.X("x_lo:Q", scale=x_scale, title=xname)
    y = alt.Y("y_lo:Q", scale=y_scale, title=yname)
    tips = [
        alt.Tooltip("x:Q", format=".3g", title=f"start {xname}"),
        alt.Tooltip("y:Q", format=".3g", title=f"start {yname}"),
        alt.Tooltip("label:N", title="reaches"),
        alt.Tooltip("steps:Q", format=".0f", title="steps"),
    ]
    reached = data[data["minimum"] >= 0]
    steps = reached["steps"].to_numpy(dtype=float)
    # the fading legend is drawn in the colour of the largest basin (the cells' own colour,
    # not Vega's default grey)
    largest = int(reached["minimum"].mode().iloc[0]) if len(reached) else 0
    fade_colour = palette[largest] if palette else BASIN_NONE
    top = float(np.nanmax(steps)) if len(steps) and np.isfinite(steps).any() else 1.0
    cells = (
        alt.Chart(reached)
        .mark_rect(strokeWidth=0)
        .encode(
            x=x,
            x2="x_hi:Q",
            y=y,
            y2="y_hi:Q",
            color=colour,
            opacity=alt.Opacity(
                "steps:Q",
                scale=alt.Scale(type="symlog", domain=[0, max(top, 1.0)], range=[1.0, 0.3]),
                title="steps to reach",
                legend=alt.Legend(
                    orient="right",
                    symbolType="square",
                    symbolFillColor=fade_colour,
                    symbolStrokeColor=fade_colour,
                ),
            ),
            tooltip=tips,
        )
    )
    other = (
        alt.Chart(data[data["minimum"] < 0])
        .mark_rect(strokeWidth=0)
        .encode(x=x, x2="x_hi:Q", y=y, y2="y_hi:Q", color=colour, tooltip=tips)
    )
    stars = pd.DataFrame(
        {
            "x": surface.minima[:, 0] if len(names) else [],
            "y": surface.minima[:, 1] if len(names) else [],
            "label": names,
        }
    )
    minima = (
        alt.Chart(stars)
        .mark_point(
            shape=STAR,
            size=420,
            filled=True,
            fill="#FFD400",  # the landscape's star: a minimum looks the same in every tab
            stroke="black",
            strokeWidth=1.2,
            opacity=1,
        )
        .encode(x=alt.X("x:Q"), y=alt.Y("y:Q"), tooltip=[alt.Tooltip("label:N", title="minimum")])
    )
    run = basins_df.attrs.get("run")
    return alt.layer(
        cells,
        other,
        minima,
        height=HEIGHT_2D,
        width="container",
        title=alt.Title(str(run), fontSize=FONT + 1) if run else alt.Undefined,
    )
