"""Optimizer Lab: compare gradient-descent optimizers on test functions.

Run with ``streamlit run dashboard.py``. This file only places things: the sidebar builds an
experiment, the URL mirrors it, the views draw it.
"""

import streamlit as st

from lab.ui import links, sidebar, style, upload, views

st.set_page_config(page_title="Optimizer Lab", page_icon="📉", layout="wide")
style.apply()
with st.sidebar:  # the title lives above the controls: the main area is the map's
    st.title("Optimizer Lab")
    st.caption(
        "Race gradient-descent optimizers on a test function: numpy implementations that match "
        "torch.optim step for step. The link in your address bar reopens exactly this view."
    )
if warnings := links.load_once():  # one box, whatever the link: each value it could not use
    st.warning(links.warning_text(warnings), icon=":material/link:")
experiment = sidebar.render(st.session_state["base"], st.session_state["hidden"])
with st.sidebar:
    upload.render()
links.save(experiment)
views.render(experiment)
