"""The setup in the URL: read once when a session opens, written back after every change."""

from __future__ import annotations

import streamlit as st

from lab import experiment as ex
from lab import lessons
from lab.figures import VIEWS

from . import sidebar
from .views import TAB_KEY

LESSON_KEY = "lesson"
HIDE_KEY = "hide"


def load_once() -> list[str]:
    """On a session's first run, load the experiment a link carries; return its warnings.

    ``lesson=KEY`` opens a lesson (on its own view unless the link names a tab);
    ``hide=a,b`` hides control groups for a simplified page (kept for the whole session).
    """
    state = st.session_state
    if "base" in state:
        return []
    query = {key: st.query_params.get_all(key) for key in st.query_params}
    lesson_key = (query.get(LESSON_KEY) or [None])[-1]
    warnings: list[str] = []
    if lesson_key in lessons.BY_KEY:
        lesson = lessons.BY_KEY[lesson_key]
        exp = lesson.experiment
        if TAB_KEY not in query:
            state[TAB_KEY] = lesson.view
    else:
        if lesson_key is not None:
            warnings.append(f"unknown lesson {lesson_key[:40]!r}; showing the setup as given")
        exp, more = ex.from_query(query) if query else (ex.Experiment(), [])
        warnings += more
    tab = (query.get(TAB_KEY) or [None])[-1]
    if tab is not None and tab not in VIEWS:
        warnings.append(f"unknown tab {tab[:40]!r}; choose from: {', '.join(VIEWS)}")
    state["base"] = exp.canonical()
    state["hidden"] = lessons.parse_hidden((query.get(HIDE_KEY) or [None])[-1])
    sidebar.load(exp)
    return warnings


def save(exp: ex.Experiment) -> None:
    """Mirror the experiment into the URL, so a copied link reopens the same view.

    Only the experiment's own keys are touched: the open tab's key belongs to the tabs.
    """
    wanted = {k: v if isinstance(v, list) else [v] for k, v in ex.to_query(exp).items()}
    if lesson := lessons.find(exp):
        wanted[LESSON_KEY] = [lesson.key]
    if hidden := st.session_state.get("hidden"):
        wanted[HIDE_KEY] = [",".join(sorted(hidden))]
    for key in list(st.query_params):
        if key not in wanted and key != TAB_KEY:
            del st.query_params[key]
    for key, values in wanted.items():
        if st.query_params.get_all(key) != values:
            st.query_params[key] = values
