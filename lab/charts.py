"""Chart builders: pure functions from tidy DataFrames to Altair charts.

Each run keeps one colour in every chart (:mod:`lab.run_style`); fonts are sized for a projector.
The trajectory map and the 1-D race are in :mod:`lab.race_charts`.
"""

from __future__ import annotations

import threading

import altair as alt
import numpy as np
import pandas as pd

import surfaces

from .run_style import RunStyle

HEIGHT = 560
LOG_AXIS = alt.Axis(format="~e")  # 1e-8 … 1e+2: one label style along a log axis
FONT = 15


_ALTAIR_GLOBALS = threading.Lock()  # Altair's data transformer and theme are process-wide


def to_spec(chart: alt.TopLevelMixin) -> dict:
    """The chart as a Vega-Lite dict whose data are named DataFrames in ``spec["datasets"]``.

    Building and serialising an Altair chart costs ~0.1 s; the dict is cheap to cache and to send
    (Streamlit turns the DataFrames into Arrow).
    """
    datasets: dict[str, pd.DataFrame] = {}
    names: dict[int, str] = {}  # layers sharing a DataFrame share one dataset

    def by_name(data: pd.DataFrame) -> dict[str, str]:
        if id(data) not in names:
            names[id(data)] = f"data-{len(datasets)}"
            datasets[names[id(data)]] = data
        return {"name": names[id(data)]}

    with _ALTAIR_GLOBALS:
        alt.data_transformers.register("optimizer_lab", by_name)
        with alt.data_transformers.enable("optimizer_lab"), alt.theme.enable("none"):
            spec = chart.to_dict(validate=False)
    spec.pop("$schema", None)
    spec["datasets"] = {**spec.get("datasets", {}), **datasets}
    return spec


def run_colours(runs: RunStyle) -> alt.Scale:
    """The colour scale shared by every chart: each run in its optimizer's colour."""
    return alt.Scale(domain=list(runs.labels), range=list(runs.colours) or ["#000000"])


def run_dashes(runs: RunStyle) -> alt.Scale:
    """The dash scale shared by the path and loss lines: repeats of an optimizer are dashed."""
    return alt.Scale(domain=list(runs.labels), range=[list(d) for d in runs.dashes] or [[1, 0]])


def styled(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """Projector-sized fonts and a legend under the chart."""
    return (
        chart.configure_axis(
            labelFontSize=FONT - 1,
            titleFontSize=FONT,
            gridOpacity=0.5,
            labelOverlap="greedy",
        )
        .configure_legend(
            labelFontSize=FONT - 1,
            titleFontSize=FONT,
            labelLimit=360,
            symbolSize=200,
        )
        .configure_title(fontSize=FONT + 2, anchor="start")
        .configure_view(strokeWidth=0)
    )


NARROW = 560  # px: a chart narrower than this puts its legend underneath


def beside_or_under() -> dict:
    """A legend's ``orient``: at the right of a wide chart, under a narrow one (a phone's).

    Vega picks by the container's width; Altair's schema knows only fixed values, so this is
    plain Vega-Lite (a dict).
    """
    return {"expr": f"containerSize()[0] < {NARROW} ? 'bottom' : 'right'"}


def run_legend(orient: str = "right") -> alt.Legend | dict:
    """The run legend: at the right, or (``"auto"``) :func:`beside_or_under`."""
    if orient == "auto":
        return {"orient": beside_or_under(), "labelLimit": 440, "symbolStrokeWidth": 3}
    return alt.Legend(orient=orient)


def run_colour(runs: RunStyle, legend: bool = True, legend_at: str = "right") -> alt.Color:
    return alt.Color(
        "run:N",
        scale=run_colours(runs),
        title="Run",
        legend=run_legend(legend_at) if legend else None,
    )


def run_dash(runs: RunStyle, legend: bool = True, legend_at: str = "right") -> alt.StrokeDash:
    return alt.StrokeDash(
        "run:N",
        scale=run_dashes(runs),
        title="Run",
        legend=run_legend(legend_at) if legend else None,
    )


def loss_chart(
    losses: pd.DataFrame, divergences: pd.DataFrame, surface: surfaces.Surface, runs: RunStyle
) -> alt.LayerChart:
    """f − f_min (or f) against step, log axis where defined; ✕ where a run diverged."""
    logged = surface.f_min is not None
    field, title = ("gap", "f − f_min") if logged else ("loss", "f")
    y = alt.Y(
        f"{field}:Q",
        title=title,
        # no minimum: f can fall without bound, symlog keeps the early differences visible
        scale=alt.Scale(type="log") if logged else alt.Scale(type="symlog"),
        axis=alt.Axis(format="~e") if logged else alt.Axis(),
    )
    base = alt.Chart(losses).encode(x=alt.X("step:Q", title="step"), y=y, color=run_colour(runs))
    line = base.mark_line(strokeWidth=2.6).encode(
        tooltip=["run:N", "step:Q", alt.Tooltip("loss:Q", format=".4g")]
    )
    crosses = (
        alt.Chart(divergences)
        .mark_point(shape="cross", size=400, filled=True, strokeWidth=1)
        .encode(
            x="step:Q",
            y=alt.Y(f"{field}:Q"),
            color=run_colour(runs, legend=False),
            tooltip=["run:N", alt.Tooltip("step:Q", title="diverged at step")],
        )
    )
    text = crosses.mark_text(dy=-18, fontSize=FONT, fontWeight="bold").encode(
        text=alt.value("diverged")
    )
    return alt.layer(line, crosses, text).properties(height=HEIGHT * 0.7, width="container")


def grad_norm_chart(losses: pd.DataFrame, runs: RunStyle) -> alt.Chart:
    """‖g‖ against step on a log axis."""
    data = losses[losses["grad_norm"] > 0]
    return (
        alt.Chart(data)
        .mark_line(strokeWidth=2.2)
        .encode(
            x=alt.X("step:Q", title="step"),
            y=alt.Y("grad_norm:Q", title="‖∇f‖", scale=alt.Scale(type="log"), axis=LOG_AXIS),
            color=run_colour(runs),
            tooltip=["run:N", "step:Q", alt.Tooltip("grad_norm:Q", format=".4g")],
        )
        .properties(height=HEIGHT * 0.45, width="container")
    )


def lr_chart(rates: pd.DataFrame, runs: RunStyle) -> alt.LayerChart:
    """Per-parameter effective learning rate on a log axis, dashed: the scheduled base rate."""
    data = rates[rates["lr_eff"] > 0]
    colour = run_colour(runs)
    dash = alt.StrokeDash("parameter:N", title="Parameter", legend=alt.Legend(orient="right"))
    lines = (
        alt.Chart(data)
        .mark_line(strokeWidth=2.4)
        .encode(
            x=alt.X("step:Q", title="step"),
            y=alt.Y(
                "lr_eff:Q",
                title="effective learning rate",
                scale=alt.Scale(type="log"),
                axis=LOG_AXIS,
            ),
            color=colour,
            strokeDash=dash,
            detail="parameter:N",
            tooltip=[
                "run:N",
                "parameter:N",
                "step:Q",
                alt.Tooltip("lr_eff:Q", format=".4g"),
                alt.Tooltip("lr:Q", title="base lr", format=".4g"),
            ],
        )
    )
    base_lr = (
        alt.Chart(data[data["parameter"] == data["parameter"].iloc[0]] if len(data) else data)
        .mark_line(strokeWidth=1.5, opacity=0.6, strokeDash=[2, 4])
        .encode(x="step:Q", y="lr:Q", color=run_colour(runs, legend=False), detail="run:N")
    )
    return alt.layer(lines, base_lr).properties(height=HEIGHT * 0.75, width="container")


def gain_chart(rates: pd.DataFrame, runs: RunStyle) -> alt.Chart:
    """Realised gain −Δθ/g per parameter: > 0 moved downhill, < 0 momentum carried it uphill.

    Where g passes near zero the ratio spikes, so the axis spans the central 96% of the values
    (and 0) and clips the rest.
    """
    data = rates.dropna(subset=["gain"])
    if len(data):
        low, high = np.nanquantile(data["gain"], [0.02, 0.98])
        low, high = min(low, 0.0), max(high, 0.0)
        pad = 0.05 * (high - low or 1.0)
        scale = alt.Scale(domain=[low - pad, high + pad], nice=False)
    else:
        scale = alt.Scale()
    return (
        alt.Chart(data)
        .mark_line(strokeWidth=2.0, clip=True)
        .encode(
            x=alt.X("step:Q", title="step"),
            y=alt.Y("gain:Q", title="realised gain −Δθ / g", scale=scale),
            color=run_colour(runs),
            strokeDash=alt.StrokeDash("parameter:N", title="Parameter"),
            detail="parameter:N",
            tooltip=["run:N", "parameter:N", "step:Q", alt.Tooltip("gain:Q", format=".4g")],
        )
        .properties(height=HEIGHT * 0.6, width="container")
    )


def state_chart(states: pd.DataFrame, runs: RunStyle, title: str = "") -> alt.Chart:
    """The optimizer's internal state over time (|value| on a log axis), one line per run and
    quantity: moments, accumulators, momentum buffers, and the effective learning rate."""
    data = states.assign(magnitude=states["value"].abs())
    data = data[data["magnitude"] > 0]
    return (
        alt.Chart(data)
        .mark_line(strokeWidth=2.2)
        .encode(
            x=alt.X("step:Q", title="step"),
            y=alt.Y("magnitude:Q", title="|value|", scale=alt.Scale(type="log"), axis=LOG_AXIS),
            color=run_colour(runs),
            strokeDash=alt.StrokeDash("quantity:N", title="Quantity"),
            detail="quantity:N",
            tooltip=["run:N", "quantity:N", "step:Q", alt.Tooltip("value:Q", format=".4g")],
        )
        .properties(height=HEIGHT * 0.7, width="container", title=title)
    )
