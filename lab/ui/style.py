"""Page-level styling: less empty space above the title, so charts fit a projector screen."""

import streamlit as st

CSS = """
<style>
[data-testid="stMainBlockContainer"] { padding-top: 2.2rem; }
[data-testid="stSidebarUserContent"] { padding-top: 1.2rem; }
</style>
"""


def apply() -> None:
    st.html(CSS)
