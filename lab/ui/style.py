"""Page styling: a compact header, so the map and its play control fit a 1280×720 projector."""

import streamlit as st

CSS = """
<style>
[data-testid="stMainBlockContainer"] { padding-top: 4.1rem; padding-bottom: 2rem; }
[data-testid="stSidebarUserContent"] { padding-top: 0; }
[data-testid="stSidebarUserContent"] h1 { font-size: 1.5rem !important;
  padding: 0 !important; }
[data-testid="stMainBlockContainer"] [role="tablist"] { margin-bottom: -0.6rem; }
[data-testid="stVegaLiteChart"] form.vega-bindings {
  display: flex !important; flex-direction: row !important; flex-wrap: wrap !important;
  gap: 0.2rem 1.4rem; align-items: center;
  font-size: 0.95rem; padding: 0.2rem 0 0 0.4rem; }
[data-testid="stVegaLiteChart"] .vega-bind { display: flex !important; margin: 0 !important;
  width: auto !important; flex: 0 0 auto !important; }
[data-testid="stVegaLiteChart"] .vega-bind label { display: flex !important; align-items: center;
  gap: 0.35rem; margin: 0 !important; }
[data-testid="stVegaLiteChart"] .vega-bind-name { min-width: 0 !important; width: auto !important;
  font-weight: 600; }
[data-testid="stVegaLiteChart"] .vega-bind input[type="range"] { width: min(15rem, 45vw); }
[data-testid="stVegaLiteChart"] .vega-bind select { max-width: 16rem; }
[data-testid="stVegaLiteChart"] .vega-bind input[type="checkbox"] { width: 1.15rem;
  height: 1.15rem; }
</style>
"""


def apply() -> None:
    st.html(CSS)
