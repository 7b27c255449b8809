"""The setup in the URL: read once when a session opens, written back after every change."""

from __future__ import annotations

import streamlit as st

from lab import codecs, lessons, views
from lab import experiment as ex

from . import state, text

LESSON_KEY = "lesson"
HIDE_KEY = "hide"


def load_once() -> list[str]:
    """On a session's first run, load the experiment a link carries; return its warnings.

    ``lesson=KEY`` opens a lesson (on its own view unless the link names a tab);
    ``hide=a,b`` hides control groups for a simplified page (kept for the whole session).
    """
    if state.BASE in st.session_state:
        return []
    query = {key: st.query_params.get_all(key) for key in st.query_params}
    lesson_key = (query.get(LESSON_KEY) or [None])[-1]
    warnings: list[str] = []
    if lesson_key in lessons.BY_KEY:
        lesson = lessons.BY_KEY[lesson_key]
        exp = lesson.experiment
        if state.TAB not in query:
            state.open_view(lesson.view)
    else:
        if lesson_key is not None:
            warnings.append(f"unknown lesson {lesson_key[:40]!r}; showing the setup as given")
        exp, more = codecs.from_query(query) if query else (ex.Experiment(), [])
        warnings += more
    tab = (query.get(state.TAB) or [None])[-1]
    if tab is not None and tab not in views.BY_TITLE:
        warnings.append(f"unknown tab {tab[:40]!r}; choose from: {', '.join(views.TITLES)}")
    st.session_state[state.BASE] = exp.canonical()
    st.session_state[state.HIDDEN] = lessons.parse_hidden((query.get(HIDE_KEY) or [None])[-1])
    state.load(exp)
    return warnings


def warning_text(warnings: list[str], source: str = "link") -> str:
    """One message for everything a link (or a setup file: ``source="file"``) carried that
    could not be used as given."""
    items = codecs.grouped(warnings)
    if len(items) == 1:
        return f"This {source}: {text.plain(items[0])}."
    lines = "\n".join(f"- {text.plain(item)}" for item in items)
    return f"This {source} had values the lab could not use as given:\n{lines}"


def save(exp: ex.Experiment) -> None:
    """Mirror the experiment into the URL, so a copied link reopens the same view.

    Only the experiment's own keys are touched: the open tab's key belongs to the tabs.
    """
    wanted = {k: v if isinstance(v, list) else [v] for k, v in codecs.to_query(exp).items()}
    if lesson := lessons.find(exp):
        wanted[LESSON_KEY] = [lesson.key]
    if hidden := st.session_state.get(state.HIDDEN):
        wanted[HIDE_KEY] = [",".join(sorted(hidden))]
    for key in list(st.query_params):
        if key not in wanted and key != state.TAB:
            del st.query_params[key]
    for key, values in wanted.items():
        if st.query_params.get_all(key) != values:
            st.query_params[key] = values
