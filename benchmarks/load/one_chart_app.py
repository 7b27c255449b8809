"""The load test's yardstick: a title, one slider and one Altair line chart of 500 points.

About the least a Streamlit page with a chart can cost per rerun. ``harness.py`` runs it under
the same load, the same ``.streamlit/config.toml`` and the same client as the dashboard, so
the dashboard's figures are reported as ratios to this app's.

The slider (key ``decay``) changes the curve, so every rerun sends a new chart, as a change of
a learning rate does in the dashboard.

    streamlit run benchmarks/load/one_chart_app.py

Everything runs under ``if __name__ == "__main__"`` (``streamlit run`` executes the script as
``__main__``), so importing this file draws nothing.
"""

from __future__ import annotations

POINTS = 500


def main() -> None:
    import altair as alt
    import numpy as np
    import pandas as pd
    import streamlit as st

    st.set_page_config(page_title="One chart", layout="wide")
    st.title("One chart")
    decay = st.slider("Decay (steps)", min_value=20, max_value=400, value=120, step=10, key="decay")
    step = np.arange(POINTS)
    loss = np.exp(-step / decay) + 0.05 * np.sin(step / 8)
    data = pd.DataFrame({"step": step, "loss": loss})
    chart = alt.Chart(data).mark_line(strokeWidth=2.5).encode(x="step:Q", y="loss:Q")
    st.altair_chart(chart.properties(height=400), width="stretch")


if __name__ == "__main__":
    main()
