"""One step up close: the landscape around θ_{t−1} with the step's arrows, for "Inside a step".

The plot is square and so is its domain, so directions read true: the gradient arrow crosses
the iso-lines at a right angle.
"""

from __future__ import annotations

import math

import altair as alt
import pandas as pd

from .race_charts import arrow_marks, inked
from .run_style import RunStyle
from .step_arrows import GRADIENT, MOMENTUM, STEP

SIZE = 300  # px, width and height of the plot
MARGIN = 1.35  # the view reaches this far beyond the longest arrow
SHORT = {GRADIENT: "−η·g", MOMENTUM: "−η·m", STEP: "Δθ"}


def step_closeup(
    picture: pd.DataFrame, lines: pd.DataFrame, rows: pd.DataFrame, runs: RunStyle
) -> alt.LayerChart:
    """The arrows of one run's step (rows of :func:`lab.step_arrows.at_steps`) over the map."""
    x, y = float(rows["x"].iloc[0]), float(rows["y"].iloc[0])
    reach = MARGIN * max(math.hypot(r.x2 - r.x, r.y2 - r.y) for r in rows.itertuples()) or 1.0
    x_scale = alt.Scale(domain=[x - reach, x + reach], nice=False, zero=False)
    y_scale = alt.Scale(domain=[y - reach, y + reach], nice=False, zero=False)
    image = (
        alt.Chart(picture)
        .mark_image(aspect=False, opacity=0.9, clip=True)
        .encode(
            x=alt.X("x:Q", scale=x_scale, title=None),
            x2="x2:Q",
            y=alt.Y("y:Q", scale=y_scale, title=None),
            y2="y2:Q",
            url="url:N",
        )
    )
    iso = (
        alt.Chart(lines)
        .mark_line(color="#425466", strokeWidth=1, opacity=0.7, clip=True)
        .encode(x="x:Q", y="y:Q", detail="line:N", order="order:Q")
    )
    data = inked(rows, runs).assign(short=rows["kind"].map(SHORT))
    tail = (
        alt.Chart(data.head(1))
        .mark_point(
            shape="circle", size=90, filled=True, color="black", stroke="white", strokeWidth=1.5
        )
        .encode(x="x:Q", y="y:Q")
    )
    names = [  # each kind's name at its head, nudged apart where heads coincide
        alt.Chart(data[data["kind"] == kind])
        .mark_text(
            fontSize=14, fontWeight="bold", dx=10, dy=dy, align="left", color="#111111", clip=True
        )
        .encode(x="x2:Q", y="y2:Q", text="short:N")
        for kind, dy in ((GRADIENT, -12), (MOMENTUM, 4), (STEP, 20))
    ]
    chart = alt.layer(image, iso, arrow_marks(alt.Chart(data)), tail, *names)
    return chart.properties(width=SIZE, height=SIZE)
