"""The setup in the URL: read once when a session opens, written back after every change."""

from __future__ import annotations

import streamlit as st

from lab import experiment as ex

from . import sidebar
from .views import TAB_KEY


def load_once() -> list[str]:
    """On a session's first run, load the experiment a link carries; return its warnings."""
    if "url_loaded" in st.session_state:
        return []
    st.session_state["url_loaded"] = True
    query = {key: st.query_params.get_all(key) for key in st.query_params}
    exp, warnings = ex.from_query(query) if query else (ex.Experiment(), [])
    sidebar.load(exp)
    return warnings


def save(exp: ex.Experiment) -> None:
    """Mirror the experiment into the URL, so a copied link reopens the same view.

    Only the experiment's own keys are touched: the open tab's key belongs to the tabs.
    """
    wanted = {k: v if isinstance(v, list) else [v] for k, v in ex.to_query(exp).items()}
    for key in list(st.query_params):
        if key not in wanted and key != TAB_KEY:
            del st.query_params[key]
    for key, values in wanted.items():
        if st.query_params.get_all(key) != values:
            st.query_params[key] = values
