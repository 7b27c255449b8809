"""Chart builders: pure functions from tidy DataFrames to Altair charts.

Each run keeps one colour in every chart (:mod:`lab.run_style`); fonts are sized for a projector.
The trajectory map and the 1-D race are in :mod:`lab.race_charts`.
"""

from __future__ import annotations

import threading
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
from altair.utils import schemapi

import surfaces

from .run_style import RunStyle

HEIGHT = 560
FONT = 15


def power_label(value: str = "datum.value") -> str:
    """A Vega expression labelling a power of ten of ``value`` (a positive number) the way people
    read it: 0.001 … 1000 as plain numbers, 1e-8 and 1e5 beyond; '' for any other tick."""
    p = f"log({value}) / LN10"
    return (
        f"abs({p} - round({p})) > 1e-6 ? '' : "
        f"abs(round({p})) <= 3 ? format({value}, '~g') : '1e' + round({p})"
    )


# Log axes are labelled at powers of ten only (the other ticks keep their grid lines)
LOG_AXIS = alt.Axis(labelExpr=power_label())
# A symlog axis: 0 and ±10^k, each labelled as on a log axis
SYMLOG_LABELS = (
    "datum.value == 0 ? '0' : (datum.value < 0 ? '−' : '') + ("
    + power_label("abs(datum.value)")
    + ")"
)


def log_y(field: str, title: str, decades: bool = True) -> alt.Y:
    """``field`` on a log y axis labelled as :func:`log_axis` labels it (``decades``: whether
    the values span two powers of ten, from :func:`spans_decades`)."""
    axis = LOG_AXIS if decades else NARROW_LOG_AXIS
    return alt.Y(f"{field}:Q", title=title, scale=alt.Scale(type="log"), axis=axis)


NARROW_LOG_AXIS = alt.Axis(format=".2~g")


def spans_decades(values: pd.Series | np.ndarray) -> bool:
    """Whether the positive finite ``values`` span two powers of ten or more (or there are
    none): labels at powers of ten only then leave two labels or more."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    return not (len(v) and np.floor(np.log10(v.max())) - np.ceil(np.log10(v.min())) < 1)


def log_axis(values: pd.Series | np.ndarray) -> alt.Axis:
    """:data:`LOG_AXIS`, or plain 2-digit labels where the values span fewer than two powers of
    ten (labels at powers of ten only would leave one label or none)."""
    return LOG_AXIS if spans_decades(values) else NARROW_LOG_AXIS


def symlog_ticks(values: pd.Series | np.ndarray, most: int = 9) -> list[float]:
    """Even ticks for a symlog axis (constant 1) over ``values``: 0 and ±10^k (k >= 0) inside
    the values' range, every decade or every n-th one so that at most ``most`` are drawn.

    >>> symlog_ticks([-400.0, 50.0])
    [-100.0, -10.0, -1.0, 0.0, 1.0, 10.0]
    >>> symlog_ticks([0.0, 3e9])
    [0.0, 1.0, 100.0, 10000.0, 1000000.0, 100000000.0]
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if not len(v):
        return [0.0]
    low, high = min(float(v.min()), 0.0), max(float(v.max()), 0.0)
    tops = [int(np.floor(np.log10(x) + 1e-9)) if x >= 1 else -1 for x in (-low, high)]
    count = sum(t + 1 for t in tops)
    every = max(1, int(np.ceil(count / max(most - 1, 1))))
    below = [-(10.0**k) for k in range(0, tops[0] + 1, every)][::-1]
    above = [10.0**k for k in range(0, tops[1] + 1, every)]
    return [*below, 0.0, *above]


def label_chars(labels: list[str] | tuple[str, ...]) -> int:
    """The longest label's length in characters, rounded up to a multiple of 8: legends are
    sized from it, so setups whose labels differ by a few characters share one chart template
    (:mod:`lab.templates`)."""
    longest = max((len(str(label)) for label in labels), default=0)
    return -(-longest // 8) * 8


def label_limit(labels: list[str] | tuple[str, ...]) -> int:
    """Legend label width in pixels that shows the longest label whole (about 0.6 em a
    character at the legend's font size, from :func:`label_chars`), never below the default."""
    return max(LABEL_LIMIT, int(np.ceil(0.6 * (FONT - 1) * label_chars(labels))) + 12)


LABEL_LIMIT = 360


_ALTAIR_GLOBALS = threading.Lock()  # Altair's data transformer and theme are process-wide


def _share_altair_class_table() -> None:
    """Build Altair's schema-to-class table once per process instead of once per encoding.

    Every ``encode(x="x:Q")`` and every condition (a dict) goes through
    ``SchemaBase.from_dict``, which makes a ``_FromDict`` whose constructor hashes the JSON
    schema of all ~570 wrapper classes: half of the map's build time (0.6 -> 0.28 s). The
    table depends only on the classes, which never change, so one table serves every call;
    Altair's own draft fix does the same (vega/altair#3547). Skipped, harmlessly, if a future
    Altair changes the class.
    """
    from_dict = getattr(schemapi, "_FromDict", None)
    if from_dict is None or getattr(from_dict, "_lab_shared", False):
        return
    build = from_dict.__init__
    tables: dict[tuple, dict] = {}

    def shared(self: Any, wrapper_classes: Any, /) -> None:
        key = tuple(wrapper_classes)
        if key not in tables:  # two threads may both build it: same table either way
            build(self, key)
            tables[key] = self.class_dict
        self.class_dict = tables[key]

    from_dict.__init__ = shared
    from_dict._lab_shared = True
    from_dict._lab_build = build  # the original, for tests


_share_altair_class_table()


def to_spec(chart: alt.TopLevelMixin) -> dict:
    """The chart as a Vega-Lite dict whose data are named DataFrames in ``spec["datasets"]``,
    with the projector-sized fonts of ``CONFIG``.

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
    config = spec.setdefault("config", {})
    for key, values in CONFIG.items():
        config[key] = {**values, **config.get(key, {})}
    return spec


def run_colours(runs: RunStyle) -> alt.Scale:
    """The colour scale shared by every chart: each run in its optimizer's colour."""
    return alt.Scale(domain=list(runs.labels), range=list(runs.colours) or ["#000000"])


def run_dashes(runs: RunStyle) -> alt.Scale:
    """The dash scale shared by the path and loss lines: repeats of an optimizer are dashed."""
    return alt.Scale(domain=list(runs.labels), range=[list(d) for d in runs.dashes] or [[1, 0]])


# Projector-sized fonts: the config every chart is sent with. Written into the spec as a dict:
# Altair's configure_* methods deep-copy the whole chart each (~90 ms for the map).
CONFIG = {
    "axis": {
        "labelFontSize": FONT - 1,
        "titleFontSize": FONT,
        "gridOpacity": 0.5,
        "labelOverlap": "greedy",
    },
    "legend": {
        "labelFontSize": FONT - 1,
        "titleFontSize": FONT,
        "labelLimit": LABEL_LIMIT,
        "symbolSize": 200,
    },
    "title": {"fontSize": FONT + 2, "anchor": "start"},
    "view": {"strokeWidth": 0},
}


NARROW = 560  # px: a chart narrower than this puts its legend underneath


def beside_or_under() -> dict:
    """A legend's ``orient``: at the right of a wide chart, under a narrow one (a phone's).

    Vega picks by the container's width; Altair's schema knows only fixed values, so this is
    plain Vega-Lite (a dict).
    """
    return {"expr": f"containerSize()[0] < {NARROW} ? 'bottom' : 'right'"}


def run_legend(runs: RunStyle, orient: str = "right") -> alt.Legend | dict:
    """The run legend, wide enough for the longest label: at the right, under the chart in two
    columns (``"bottom"``, for charts whose width matters more than their height), or
    (``"auto"``) :func:`beside_or_under`."""
    limit = label_limit(runs.labels)
    if orient == "auto":
        return {"orient": beside_or_under(), "labelLimit": limit, "symbolStrokeWidth": 3}
    if orient == "bottom":
        return alt.Legend(orient="bottom", columns=2, labelLimit=limit, symbolStrokeWidth=3)
    return alt.Legend(orient=orient, labelLimit=limit)


def run_colour(runs: RunStyle, legend: bool = True, legend_at: str = "right") -> alt.Color:
    return alt.Color(
        "run:N",
        scale=run_colours(runs),
        title="Run",
        legend=run_legend(runs, legend_at) if legend else None,
    )


def run_dash(runs: RunStyle, legend: bool = True, legend_at: str = "right") -> alt.StrokeDash:
    return alt.StrokeDash(
        "run:N",
        scale=run_dashes(runs),
        title="Run",
        legend=run_legend(runs, legend_at) if legend else None,
    )


def loss_chart(
    losses: pd.DataFrame,
    divergences: pd.DataFrame,
    surface: surfaces.Surface,
    runs: RunStyle,
    y_ticks: bool | tuple[float, ...],
) -> alt.LayerChart:
    """f − f_min (or f) against step, log axis where defined; ✕ where a run diverged.

    ``y_ticks`` is :func:`loss_ticks` of the losses (template-safe, :mod:`lab.templates`)."""
    logged = surface.f_min is not None
    field, title = ("gap", "f − f_min") if logged else ("loss", "f")
    # no minimum: f can fall without bound, symlog keeps the early differences visible; its
    # ticks are 0 and ±10^k, evenly spaced on that scale
    y = alt.Y(
        f"{field}:Q",
        title=title,
        scale=alt.Scale(type="log") if logged else alt.Scale(type="symlog"),
        axis=(LOG_AXIS if y_ticks else NARROW_LOG_AXIS)
        if logged
        else alt.Axis(values=list(y_ticks), labelExpr=SYMLOG_LABELS),
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
    return alt.layer(line, crosses, text, height=HEIGHT * 0.7, width="container")


def loss_ticks(losses: pd.DataFrame, surface: surfaces.Surface) -> bool | tuple[float, ...]:
    """What the loss axis needs from the data: on a log axis (a known minimum) whether the gaps
    span decades, else the symlog ticks of f."""
    if surface.f_min is not None:
        return spans_decades(losses["gap"])
    return tuple(symlog_ticks(losses["loss"]))


def grad_norm_chart(losses: pd.DataFrame, runs: RunStyle, decades: bool) -> alt.Chart:
    """‖g‖ against step on a log axis (steps with g = 0 left out); ``decades`` from
    :func:`spans_decades` of the norms."""
    return (
        alt.Chart(losses)
        .transform_filter("datum.grad_norm > 0")
        .mark_line(strokeWidth=2.2)
        .encode(
            x=alt.X("step:Q", title="step"),
            y=log_y("grad_norm", "‖∇f‖", decades),
            color=run_colour(runs),
            tooltip=["run:N", "step:Q", alt.Tooltip("grad_norm:Q", format=".4g")],
        )
        .properties(height=HEIGHT * 0.45, width="container")
    )


def lr_chart(
    rates: pd.DataFrame, runs: RunStyle, parameters: tuple[str, ...], decades: bool
) -> alt.LayerChart:
    """Per-parameter effective learning rate on a log axis, dashed: the scheduled base rate.

    ``parameters`` are the surface's axis names (the base rate is drawn once, from the first);
    ``decades`` from :func:`spans_decades` of the effective rates."""
    colour = run_colour(runs)
    dash = alt.StrokeDash("parameter:N", title="Parameter", legend=alt.Legend(orient="right"))
    positive = alt.Chart(rates).transform_filter("datum.lr_eff > 0")
    lines = positive.mark_line(strokeWidth=2.4).encode(
        x=alt.X("step:Q", title="step"),
        y=log_y("lr_eff", "effective learning rate", decades),
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
    first = alt.datum.parameter == parameters[0]
    base_lr = (
        positive.transform_filter(first)
        .mark_line(strokeWidth=1.5, opacity=0.6, strokeDash=[2, 4])
        .encode(x="step:Q", y="lr:Q", color=run_colour(runs, legend=False), detail="run:N")
    )
    return alt.layer(lines, base_lr, height=HEIGHT * 0.75, width="container")


GAIN_MEDIAN = 9  # plotted points in the rolling median of the realised gain
GAIN_KEPT = (0.02, 0.98)  # the gain axis spans these quantiles of the finite values (and 0)
# (and at most 3 interquartile ranges beyond the middle half)


def gain_domain(gain: np.ndarray) -> tuple[float, float]:
    """The gain axis for finite values ``gain``: the ``GAIN_KEPT`` quantiles, within 3
    interquartile ranges of the middle half, widened to 0 and padded by 5%; always finite.

    Computed on the values divided by the largest magnitude, so gains near the largest float
    (a huge weight decay) cannot overflow the arithmetic into ±infinity or NaN.

    >>> [round(v, 6) for v in gain_domain(np.array([0.5, 1.0, 1.5]))]
    [-0.074, 1.554]
    >>> low, high = gain_domain(np.array([-1.7e308, 1.7e308, 1.0]))
    >>> bool(np.isfinite([low, high]).all()) and low < 0 < high
    True
    """
    size = float(np.max(np.abs(gain))) or 1.0
    unit = np.asarray(gain, dtype=float) / size  # in [-1, 1]: nothing below can overflow
    low, high, q1, q3 = (float(q) for q in np.quantile(unit, [*GAIN_KEPT, 0.25, 0.75]))
    # few points: a quantile can still land on a spike, so also stay within 3 IQR of the
    # middle half
    low, high = max(low, q1 - 3 * (q3 - q1)), min(high, q3 + 3 * (q3 - q1))
    low, high = min(low, 0.0), max(high, 0.0)
    pad = 0.05 * (high - low or 1.0)
    biggest = np.finfo(float).max  # the padding must not carry the axis past the largest float
    return (
        float(np.clip((low - pad) * size, -biggest, biggest)),
        float(np.clip((high + pad) * size, -biggest, biggest)),
    )


def gains(rates: pd.DataFrame) -> pd.DataFrame:
    """The gain chart's data: finite gains in step order per run and parameter, with
    ``gain_median``, the rolling median over ``GAIN_MEDIAN`` plotted points."""
    data = rates.assign(gain=rates["gain"].astype(float).replace([np.inf, -np.inf], np.nan))
    data = data.dropna(subset=["gain"]).sort_values(["run", "parameter", "step"])
    data["gain_median"] = (
        data.groupby(["run", "parameter"], sort=False)["gain"]
        .transform(lambda g: g.rolling(GAIN_MEDIAN, center=True, min_periods=1).median())
        .astype(float)
    )
    return data


def gain_axis(gains: pd.DataFrame) -> tuple[tuple[float, float] | None, int]:
    """The gain axis's domain (None: no values) and how many values lie beyond it."""
    if not len(gains):
        return None, 0
    low, high = gain_domain(gains["gain"].to_numpy())
    return (low, high), int((~gains["gain"].between(low, high)).sum())


def gain_chart(
    gains: pd.DataFrame, runs: RunStyle, domain: tuple[float, float] | None, outside: int
) -> alt.LayerChart:
    """Realised gain −Δθ/g per parameter: > 0 moved downhill, < 0 momentum carried it uphill.

    Where g passes near zero the ratio spikes (or is undefined: :func:`lab.frames.learning_rates`
    leaves those steps out). The line is a rolling median over ``GAIN_MEDIAN`` plotted points,
    each step a faint dot (``gains`` from :func:`gains`); the axis spans the central 96% of the
    finite values (and 0, and at most 3 interquartile ranges beyond the middle half: ``domain``
    and ``outside`` from :func:`gain_axis`), and the subtitle says how many values fall
    outside it. Non-finite values are dropped first, so the spec never holds NaN or infinity.
    """
    subtitle = f"line: median of {GAIN_MEDIAN} neighbouring points; dots: each step"
    if domain is not None:
        scale = alt.Scale(domain=list(domain), nice=False, zero=False)
        if outside:
            subtitle += f"; {outside} of {len(gains)} values lie beyond the axis and are not drawn"
    else:
        scale = alt.Scale()
    x = alt.X("step:Q", title="step")
    tips = [
        "run:N",
        "parameter:N",
        "step:Q",
        alt.Tooltip("gain:Q", format=".4g", title="gain at this step"),
        alt.Tooltip("gain_median:Q", format=".4g", title=f"median of {GAIN_MEDIAN} points"),
    ]
    dash = alt.StrokeDash("parameter:N", title="Parameter", legend=alt.Legend(orient="right"))
    dots = (
        alt.Chart(gains)
        .mark_circle(size=14, opacity=0.35, clip=True)
        .encode(
            x=x,
            y=alt.Y("gain:Q", title="realised gain −Δθ / g", scale=scale),
            color=run_colour(runs, legend=False),
            tooltip=tips,
        )
    )
    line = (
        alt.Chart(gains)
        .mark_line(strokeWidth=2.4, clip=True)
        .encode(
            x=x,
            y=alt.Y("gain_median:Q", scale=scale),
            color=run_colour(runs),
            strokeDash=dash,
            detail="parameter:N",
            tooltip=tips,
        )
    )
    return alt.layer(
        dots,
        line,
        height=HEIGHT * 0.6,
        width="container",
        title=alt.Title("Realised gain", subtitle=subtitle, subtitleFontSize=FONT - 2),
    )


def state_chart(states: pd.DataFrame, runs: RunStyle, title: str, decades: bool) -> alt.Chart:
    """The optimizer's internal state over time (|value| on a log axis, zeros left out), one
    line per run and quantity: moments, accumulators, momentum buffers, and the effective
    learning rate. ``decades`` from :func:`spans_decades` of the magnitudes."""
    return (
        alt.Chart(states)
        .transform_calculate(magnitude="abs(datum.value)")
        .transform_filter("datum.magnitude > 0")
        .mark_line(strokeWidth=2.2)
        .encode(
            x=alt.X("step:Q", title="step"),
            y=log_y("magnitude", "|value|", decades),
            color=run_colour(runs),
            strokeDash=alt.StrokeDash("quantity:N", title="Quantity"),
            detail="quantity:N",
            tooltip=["run:N", "quantity:N", "step:Q", alt.Tooltip("value:Q", format=".4g")],
        )
        .properties(height=HEIGHT * 0.7, width="container", title=title)
    )
