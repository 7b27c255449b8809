"""The race as a GIF or an MP4 for slides: drawn on the server when asked (:mod:`lab.animation`),
with a progress bar, then offered as a download.

A fragment: choosing a format or a number of frames reruns only this box, never the page. The
file is cached per setup, format and number of frames (``st.cache_data``), so a rerun, or a
class rendering the same lesson, does not draw it again.
"""

from __future__ import annotations

import streamlit as st

from lab import animation, drawable, figures, lessons, model_figures
from lab import experiment as ex

from . import guard, state
from .tables import landscape, tables

TITLE = "Download the race"
FRAME_CHOICES = (24, 48, 60, 90, animation.MAX_FRAMES)
PROGRESS_UPDATES = 20  # the bar moves at most this often (a cache hit replays every update)


@st.cache_resource(max_entries=16, show_spinner=False)
def race_spec(exp: ex.Experiment) -> dict:
    """The race chart the Trajectories tab shows (a model's: its plane), datasets as
    DataFrames, from the page's cached tables and templates.

    A resource, shared and never copied (12 ms a rerun otherwise): :mod:`lab.animation`
    only reads it."""
    if exp.is_model:
        return model_figures.plane_charts(exp, tables(exp))[0]
    land = landscape((exp.surface, exp.surface_params))
    return figures.trajectory_charts(exp, tables(exp), land)[0]


@st.cache_data(max_entries=8, show_spinner=False)
def rendered(exp: ex.Experiment, kind: str, frames: int) -> bytes:
    """The race as a ``kind`` file ("gif" or "mp4") of about ``frames`` frames, with a progress
    bar while it is drawn.

    Raises:
        lab.animation.OverBudget: a request over the budget (then nothing is cached).
    """
    spec = race_spec(exp)
    chosen = animation.plan(spec, frames)
    bar = st.progress(0.0, text=f"Drawing frame 1 of {chosen.frames}…")
    every = max(1, chosen.frames // PROGRESS_UPDATES)

    def moved(done: int, total: int) -> None:
        if done % every == 0 or done == total:
            bar.progress(done / total, text=f"Drawing frame {done} of {total}…")

    try:
        return animation.render(spec, kind, chosen, progress=moved)
    finally:
        bar.empty()


def _file_name(exp: ex.Experiment, kind: str) -> str:
    lesson = lessons.find(exp)
    name = lesson.key if lesson else (exp.model if exp.is_model else exp.surface)
    return f"optimizer-lab-{name}-race.{animation.KINDS[kind][2]}"


@st.fragment
@guard.guarded(TITLE)  # a fragment's reruns skip the page's guard
def downloads(exp: ex.Experiment) -> None:
    """A folded box under the race: format, frames, a Render button, then the download."""
    try:
        spec = race_spec(exp)
    except drawable.CannotDraw:  # the tab already says why there is no race
        return
    with st.expander("Download the race for slides (GIF or video)", icon=":material/movie:"):
        left, right = st.columns(2)
        kind = left.radio(
            "Format",
            list(animation.KINDS),
            format_func=lambda k: animation.KINDS[k][0],
            horizontal=True,
            key=state.RACE_FORMAT,
        )
        frames = right.select_slider(
            "Frames",
            FRAME_CHOICES,
            value=animation.DEFAULT_FRAMES,
            key=state.RACE_FRAMES,
            help=f"The race's steps sampled evenly, first and last included (at most "
            f"{animation.MAX_FRAMES}).",
        )
        try:
            chosen = animation.plan(spec, frames)
        except animation.OverBudget as refused:
            st.error(f"Cannot render this race: {refused}.", icon=":material/speed:")
            return
        label = animation.KINDS[kind][0]
        st.caption(
            f"{chosen.frames} frames of {chosen.width} × {chosen.height} pixels at "
            f"{chosen.fps:.3g} a second, the last held {animation.HOLD_SECONDS:g} s"
            f"{', looping forever' if kind == 'gif' else ''}; drawing takes about "
            f"{chosen.seconds:.0f} s on the server. At most "
            f"{animation.MAX_BYTES / 2**20:.0f} MB."
        )
        asked = (exp, kind, frames)
        clicked = st.button(f"Render {label}", icon=":material/movie:", key=state.RACE_RENDER)
        if not clicked and st.session_state.get(state.RACE_MADE) != asked:
            return
        try:
            made = rendered(exp, kind, frames)
        except animation.OverBudget as refused:
            st.error(f"Cannot render this race: {refused}.", icon=":material/speed:")
            return
        st.session_state[state.RACE_MADE] = asked
        st.download_button(
            f"Download the {label} ({len(made) / 2**20:.1f} MB)",
            data=made,
            file_name=_file_name(exp, kind),
            mime=animation.KINDS[kind][1],
            icon=":material/download:",
            on_click="ignore",
        )
