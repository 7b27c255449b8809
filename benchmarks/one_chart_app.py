"""The yardstick for ``bench_first_chart.py``: a Streamlit page with one Altair line chart.

500 points, the same page layout and config (``.streamlit/config.toml``) as the dashboard, so the
benchmark compares the dashboard's first chart with the fastest chart Streamlit can show.

    streamlit run benchmarks/one_chart_app.py

Everything runs under ``if __name__ == "__main__"`` (``streamlit run`` executes the script as
``__main__``), so importing this file, for example under ``pytest --doctest-modules``, draws
nothing.
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
    step = np.arange(POINTS)
    loss = np.exp(-step / 120) + 0.05 * np.sin(step / 8)
    data = pd.DataFrame({"step": step, "loss": loss})
    chart = alt.Chart(data).mark_line(strokeWidth=2.5).encode(x="step:Q", y="loss:Q")
    st.altair_chart(chart.properties(height=400), width="stretch")


if __name__ == "__main__":
    main()
